build-base/sim/ini.o: sim/ini.c sim/ini.h sim/err.h
sim/ini.h:
sim/err.h:
