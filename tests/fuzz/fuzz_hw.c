/* fuzz_hw.c - the machine loader; what loads must set up a memory system. */
#include <string.h>

#include "fuzz.h"
#include "hw.h"
#include "memctrl.h"

int fuzz_hw(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".ini");
	struct hw hw, before;
	struct memsys ms;
	struct err e;
	int rc;

	memset(&hw, 0x5a, sizeof hw);
	before = hw;
	memset(&e, 0, sizeof e);
	rc = hw_load(&hw, "data", path, &e);
	fuzz_check_error(rc, &e, path, "hw_load");
	if (rc != 0) {
		fuzz_assert(memcmp(&hw, &before, sizeof hw) == 0, "a failed load changed the hw");
		return 0;
	}
	/* one validation for every command: a loaded machine runs probe dram */
	memset(&e, 0, sizeof e);
	rc = memsys_init(&ms, &hw.hbm, hw.hbm.channels, &e);
	if (rc != 0)
		fuzz_assert(0, e.msg);
	memsys_release(&ms);
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_hw)
#endif
