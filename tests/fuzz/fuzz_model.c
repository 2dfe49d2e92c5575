/* fuzz_model.c - the model loader (a model file as a user writes one). */
#include <string.h>

#include "fuzz.h"
#include "model.h"

int fuzz_model(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".ini");
	struct model m, before;
	struct err e;
	int rc;

	memset(&m, 0x5a, sizeof m);
	before = m;
	memset(&e, 0, sizeof e);
	rc = model_load(&m, "data", path, &e);
	fuzz_check_error(rc, &e, path, "model_load");
	if (rc != 0) {
		fuzz_assert(memcmp(&m, &before, sizeof m) == 0, "a failed load changed the model");
		return 0;
	}
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
