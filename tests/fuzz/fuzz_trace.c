/*
 * fuzz_trace.c - the routing trace reader, for a tiny model: 4 layers (the
 * first dense), 8 experts, top_k 2, so short inputs reach every check.
 */
#include <string.h>

#include "fuzz.h"
#include "trace.h"

int fuzz_trace(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".csv");
	struct model m;
	struct trace t;
	struct err e;
	int rc;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "tiny");
	m.layers = 4;
	m.first_dense = 1;
	m.experts = 8;
	m.top_k = 2;
	memset(&e, 0, sizeof e);
	rc = trace_load(&t, &m, "data", path, &e);
	fuzz_check_error(rc, &e, path, "trace_load");
	if (rc != 0) {
		fuzz_assert(t.tokens == 0 && t.ids == NULL, "a failed load kept rows");
		return 0;
	}
	for (int it = 0; it < 2; it++) {
		const int *rows = trace_sample(&t, 1, it, 5);
		for (int i = 0; i < 5; i++) {
			fuzz_assert(rows[i] >= 0 && rows[i] < t.tokens, "a sampled row out of range");
			for (int l = 0; l < t.layers; l++) {
				const int *ids = trace_ids(&t, rows[i], l);
				fuzz_assert(ids[0] >= 0 && ids[0] < 8 && ids[1] >= 0 && ids[1] < 8 &&
						    ids[0] != ids[1],
					    "a bad expert id loaded");
			}
		}
	}
	trace_release(&t);
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_trace)
#endif
