build-base/src/cmd_compare.o: src/cmd_compare.c src/cli.h sim/err.h \
 sim/fields.h sim/err.h sim/ini.h src/commands.h src/json.h sim/sim.h \
 sim/config.h sim/fields.h sim/engine.h sim/history.h sim/hw.h sim/hbm.h \
 sim/sched.h sim/model.h sim/pimcost.h sim/pim.h sim/dram_timing.h \
 sim/memctrl.h sim/dram.h sim/dram_map.h sim/routing.h sim/trace.h
src/cli.h:
sim/err.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
src/commands.h:
src/json.h:
sim/sim.h:
sim/config.h:
sim/fields.h:
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
