/* fuzz_model.c - the model loader (a model file as a user writes one). */
#include "fuzz.h"
#include "model.h"

static int load(void *m, const char *datadir, const char *path, struct err *e)
{
	return model_load(m, datadir, path, e);
}

int fuzz_model(const uint8_t *data, size_t size)
{
	struct model m;

	if (fuzz_load(load, &m, sizeof m, data, size) != 0)
		return 0;
	fuzz_assert(m.top_k <= m.experts && m.first_dense < m.layers, "an inconsistent model loaded");
	fuzz_assert((double)(m.layers - m.first_dense) * (m.routing_clusters + 3.0) * m.experts <=
			    (double)MODEL_MAX_ROUTING_ENTRIES,
		    "a model too large to run loaded");
	for (int l = 0; l < m.layers; l++)
		fuzz_assert(model_attn_kind(&m, l) <= ATTN_LINEAR, "a bad attention kind");
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_model)
#endif
