/*
 * wallclock.h - wall time for benchmarks and probes (never for the simulation,
 * whose results must not depend on it).
 */
#ifndef SIEVE_WALLCLOCK_H
#define SIEVE_WALLCLOCK_H

#include <time.h>

static inline double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
