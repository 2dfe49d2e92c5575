build-base/src/trace_out.o: src/trace_out.c src/trace_out.h sim/err.h \
 sim/sim.h sim/config.h sim/fields.h sim/err.h sim/ini.h sim/engine.h \
 sim/history.h sim/hw.h sim/hbm.h sim/sched.h sim/model.h sim/pimcost.h \
 sim/pim.h sim/dram_timing.h sim/memctrl.h sim/dram.h sim/dram_map.h \
 sim/routing.h sim/trace.h src/json.h
src/trace_out.h:
sim/err.h:
sim/sim.h:
sim/config.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/engine.h:
sim/history.h:
sim/hw.h:
sim/hbm.h:
sim/sched.h:
sim/model.h:
sim/pimcost.h:
sim/pim.h:
sim/dram_timing.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_map.h:
sim/routing.h:
sim/trace.h:
src/json.h:
