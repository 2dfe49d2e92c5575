build-base/sim/dram_probe.o: sim/dram_probe.c sim/dram_probe.h \
 sim/dram_timing.h sim/err.h sim/hbm.h sim/fields.h sim/ini.h \
 sim/memctrl.h sim/dram.h sim/dram_map.h sim/rng.h
sim/dram_probe.h:
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_map.h:
sim/rng.h:
