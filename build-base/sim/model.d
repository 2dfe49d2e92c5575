build-base/sim/model.o: sim/model.c sim/model.h sim/fields.h sim/err.h \
 sim/ini.h
sim/model.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
