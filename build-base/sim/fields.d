build-base/sim/fields.o: sim/fields.c sim/fields.h sim/err.h sim/ini.h
sim/fields.h:
sim/err.h:
sim/ini.h:
