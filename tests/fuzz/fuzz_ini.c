/* fuzz_ini.c - the data-file reader and the run parameter table. */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "ini.h"

int fuzz_ini(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".ini");
	struct sim_config cfg, before;
	struct ini ini;
	struct err e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = ini_load(&ini, path, &e);
	fuzz_check_error(rc, &e, path, "ini_load");
	if (rc != 0)
		return 0;
	for (int i = 0; i < ini.n; i++) {
		const struct ini_entry *en = &ini.entries[i];
		fuzz_assert(ini_get(&ini, en->section, en->key) == en, "a key kept twice");
		fuzz_assert(en->line >= 1, "an entry without its line");
	}
	memset(&cfg, 0x5a, sizeof cfg);
	before = cfg;
	memset(&e, 0, sizeof e);
	rc = fields_load(&config_field_table, &cfg, sizeof cfg, &ini, &e);
	fuzz_check_error(rc, &e, path, "fields_load");
	if (rc != 0)
		fuzz_assert(memcmp(&cfg, &before, sizeof cfg) == 0, "a failed load changed the object");
	ini_free(&ini);
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_ini)
#endif
