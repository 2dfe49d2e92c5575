build-base/sim/trace.o: sim/trace.c sim/trace.h sim/model.h sim/fields.h \
 sim/err.h sim/ini.h sim/rng.h
sim/trace.h:
sim/model.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/rng.h:
