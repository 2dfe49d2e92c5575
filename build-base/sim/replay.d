build-base/sim/replay.o: sim/replay.c sim/replay.h sim/err.h sim/hbm.h \
 sim/fields.h sim/ini.h sim/history.h sim/engine.h sim/hw.h sim/sched.h \
 sim/model.h sim/memctrl.h sim/dram.h sim/dram_timing.h sim/dram_map.h \
 sim/pim.h sim/sim.h sim/config.h sim/pimcost.h sim/routing.h sim/trace.h
sim/replay.h:
sim/err.h:
sim/hbm.h:
sim/fields.h:
sim/ini.h:
sim/history.h:
sim/engine.h:
sim/hw.h:
sim/sched.h:
sim/model.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_timing.h:
sim/dram_map.h:
sim/pim.h:
sim/sim.h:
sim/config.h:
sim/pimcost.h:
sim/routing.h:
sim/trace.h:
