/* rng.c - splitmix64 and derived distributions (see rng.h). */
#include "rng.h"

#include <math.h>

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	r->state = seed;
}

void rng_derive(struct rng *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);

	h = mix(h ^ (a + 0x632be59bd9b4e019ULL));
	h = mix(h ^ (b + 0x8cb92ba72f3d8dd7ULL));
	h = mix(h ^ (c + 0x52dce729da3ed5e5ULL));
	r->state = h;
}

uint64_t rng_next(struct rng *r)
{
	r->state += 0x9e3779b97f4a7c15ULL;
	return mix(r->state);
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

double rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r);	/* (0, 1]: log is finite */
	double u2 = rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double rng_gumbel(struct rng *r)
{
	double u = 1.0 - rng_uniform(r);	/* (0, 1] */

	if (u >= 1.0)
		u = 1.0 - 0x1.0p-53;
	return -log(-log(u));
}
