build-base/sim/hw.o: sim/hw.c sim/hw.h sim/fields.h sim/err.h sim/ini.h \
 sim/hbm.h
sim/hw.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/hbm.h:
