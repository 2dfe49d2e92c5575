build-base/sim/dram_map.o: sim/dram_map.c sim/dram_map.h sim/dram.h \
 sim/dram_timing.h sim/err.h sim/hbm.h sim/fields.h sim/ini.h
sim/dram_map.h:
sim/dram.h:
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
