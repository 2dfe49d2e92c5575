build-base/sim/gpu.o: sim/gpu.c sim/gpu.h sim/hw.h sim/fields.h sim/err.h \
 sim/ini.h sim/hbm.h sim/model.h
sim/gpu.h:
sim/hw.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/hbm.h:
sim/model.h:
