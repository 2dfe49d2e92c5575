build-base/sim/datafile.o: sim/datafile.c sim/ini.h sim/err.h \
 sim/fields.h
sim/ini.h:
sim/err.h:
sim/fields.h:
