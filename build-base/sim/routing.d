build-base/sim/routing.o: sim/routing.c sim/routing.h sim/err.h \
 sim/model.h sim/fields.h sim/ini.h sim/trace.h sim/rng.h
sim/routing.h:
sim/err.h:
sim/model.h:
sim/fields.h:
sim/ini.h:
sim/trace.h:
sim/rng.h:
