build-base/sim/pim_layout.o: sim/pim_layout.c sim/pim.h sim/dram_timing.h \
 sim/err.h sim/hbm.h sim/fields.h sim/ini.h sim/memctrl.h sim/dram.h \
 sim/dram_map.h
sim/pim.h:
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_map.h:
