build-base/sim/sched.o: sim/sched.c sim/sched.h sim/hw.h sim/fields.h \
 sim/err.h sim/ini.h sim/hbm.h sim/model.h sim/gpu.h
sim/sched.h:
sim/hw.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/hbm.h:
sim/model.h:
sim/gpu.h:
