build-base/sim/hbm.o: sim/hbm.c sim/hbm.h sim/fields.h sim/err.h \
 sim/ini.h
sim/hbm.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
