build-base/sim/engine.o: sim/engine.c sim/engine.h sim/err.h
sim/engine.h:
sim/err.h:
