build-base/sim/pimcost.o: sim/pimcost.c sim/pimcost.h sim/err.h sim/hw.h \
 sim/fields.h sim/ini.h sim/hbm.h sim/model.h sim/pim.h sim/dram_timing.h \
 sim/memctrl.h sim/dram.h sim/dram_map.h
sim/pimcost.h:
sim/err.h:
sim/hw.h:
sim/fields.h:
sim/ini.h:
sim/hbm.h:
sim/model.h:
sim/pim.h:
sim/dram_timing.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_map.h:
