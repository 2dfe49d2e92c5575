build-base/sim/dram_timing.o: sim/dram_timing.c sim/dram_timing.h \
 sim/err.h sim/hbm.h sim/fields.h sim/ini.h
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
