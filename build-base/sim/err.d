build-base/sim/err.o: sim/err.c sim/err.h
sim/err.h:
