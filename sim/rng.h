/*
 * rng.h - deterministic random numbers.
 *
 * splitmix64 (Steele, Lea, Flood, OOPSLA'14): one 64-bit word of state, so a
 * generator is cheap to derive for any (seed, iteration, layer, ...) tuple
 * with rng_derive; results then depend only on those inputs and never on
 * the order in which a user steps the simulation.  No global state.
 */
#ifndef SIEVE_RNG_H
#define SIEVE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
};

void rng_seed(struct rng *r, uint64_t seed);

/* A generator whose stream depends only on seed and the three keys. */
void rng_derive(struct rng *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

uint64_t rng_next(struct rng *r);

/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Standard normal (Box-Muller, no cached second value). */
double rng_normal(struct rng *r);

/* Standard Gumbel: -log(-log(U)). */
double rng_gumbel(struct rng *r);

#endif
