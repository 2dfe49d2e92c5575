build-base/sim/dram.o: sim/dram.c sim/dram.h sim/dram_timing.h sim/err.h \
 sim/hbm.h sim/fields.h sim/ini.h
sim/dram.h:
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
