build-base/src/cmd_probe.o: src/cmd_probe.c src/cli.h sim/err.h \
 sim/fields.h sim/err.h sim/ini.h src/commands.h sim/config.h \
 sim/fields.h sim/dram_probe.h sim/dram_timing.h sim/hbm.h sim/gpu.h \
 sim/hw.h sim/model.h sim/hw.h src/json.h sim/model.h sim/pim.h \
 sim/memctrl.h sim/dram.h sim/dram_map.h sim/routing.h sim/trace.h \
 src/wallclock.h
src/cli.h:
sim/err.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
src/commands.h:
sim/config.h:
sim/fields.h:
sim/dram_probe.h:
sim/dram_timing.h:
sim/hbm.h:
sim/gpu.h:
sim/hw.h:
sim/model.h:
sim/hw.h:
src/json.h:
sim/model.h:
sim/pim.h:
sim/memctrl.h:
sim/dram.h:
sim/dram_map.h:
sim/routing.h:
sim/trace.h:
src/wallclock.h:
