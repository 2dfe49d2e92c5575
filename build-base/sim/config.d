build-base/sim/config.o: sim/config.c sim/config.h sim/fields.h sim/err.h \
 sim/ini.h sim/sched.h sim/hw.h sim/hbm.h sim/model.h
sim/config.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/sched.h:
sim/hw.h:
sim/hbm.h:
sim/model.h:
