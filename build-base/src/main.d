build-base/src/main.o: src/main.c src/cli.h sim/err.h sim/fields.h \
 sim/err.h sim/ini.h src/commands.h sim/config.h sim/fields.h
src/cli.h:
sim/err.h:
sim/fields.h:
sim/err.h:
sim/ini.h:
src/commands.h:
sim/config.h:
sim/fields.h:
