/* fuzz_hw.c - the machine loader; what loads must set up a memory system. */
#include "fuzz.h"
#include "hw.h"
#include "memctrl.h"

static int load(void *hw, const char *datadir, const char *path, struct err *e)
{
	return hw_load(hw, datadir, path, e);
}

int fuzz_hw(const uint8_t *data, size_t size)
{
	struct memsys ms;
	struct err e;
	struct hw hw;

	if (fuzz_load(load, &hw, sizeof hw, data, size) != 0)
		return 0;
	/* one validation for every command: a loaded machine runs probe dram */
	if (memsys_init(&ms, &hw.hbm, hw.hbm.channels, &e) != 0)
		fuzz_assert(0, e.msg);
	memsys_release(&ms);
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_hw)
#endif
