build-base/src/cli.o: src/cli.c src/cli.h sim/err.h sim/fields.h \
 sim/err.h sim/ini.h sim/config.h sim/fields.h
src/cli.h:
sim/err.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
sim/config.h:
sim/fields.h:
