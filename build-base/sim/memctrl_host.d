build-base/sim/memctrl_host.o: sim/memctrl_host.c sim/memctrl.h \
 sim/dram.h sim/dram_timing.h sim/err.h sim/hbm.h sim/fields.h sim/ini.h \
 sim/dram_map.h sim/memctrl_int.h
sim/memctrl.h:
sim/dram.h:
sim/dram_timing.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
sim/dram_map.h:
sim/memctrl_int.h:
