/*
 * config.h - the run parameters: the one table behind `sieve run` options,
 * `--help`, the console's `set`/`show` and the man page's list.
 *
 * Defaults live in data/defaults.ini ([run] section), loaded by the same
 * loader as every other data file, so the built-in scenario and the files
 * cannot disagree.
 */
#ifndef SIEVE_CONFIG_H
#define SIEVE_CONFIG_H

#include "fields.h"

/*
 * When a change takes effect in a running simulation (sim_configure,
 * sim.h; the console's `set`):
 *   live     at the current position, a layer boundary: the next layer
 *            simulated uses it, the layers before keep what they had;
 *            except the placement's (config_field_at_iteration), which
 *            apply at an iteration's start;
 *   restart  only by starting a new simulation (sim_init): the change
 *            would invalidate what is loaded or allocated.
 */
#define CONFIG_MAX_MICRO 16	/* micro-batches per layer, at most (config.c) */

struct sim_config {
	char model[256];	/* restart: preset name or path */
	char hw[256];		/* restart */
	char routing[512];	/* restart: "synthetic" or "trace:FILE" */
	int sched;		/* live: enum sched_policy (sched.h) */
	int tau;		/* live: threshold policy: tokens at or below go to PIM */
	int batch;		/* restart: sizes the per-token arrays */
	int iters;		/* live: not below the iteration in progress */
	int context;		/* live: KV-cache length from the next layer on */
	int seed;		/* live: routing re-seeded for the layers to come */
	int micro;		/* restart: micro-batches per layer (1: off); sizes the
				   decisions, and the schedule carries across layers */
	/* placement (place.h): live at an iteration's start, see
	 * config_field_at_iteration */
	int active;		/* live: sequences decoding, 1..batch (0 = batch); serving sets it */
	int place;		/* live: enum place_policy */
	int spare_slots;	/* live: spare expert slots per GPU, for replicas */
	int recal_interval;	/* live: iterations at least between placements */
	int recal_confirm;	/* live: consecutive checks over a threshold */
	int recal_drift;	/* live: profile drift threshold, % (total variation) */
	int recal_time;		/* live: per-GPU time drift threshold, % */
	int recal_gain;		/* live: least predicted makespan gain to move, % */
	/* live: per-GPU speed factors as hw_parse_speed reads them ("hw": the
	 * hw file's); the placement's model is not told (it measures) */
	char gpu_speed[1024];
};

enum config_when { CONFIG_LIVE, CONFIG_RESTART };

extern const struct field_table config_field_table;

/* Load datadir/defaults.ini into cfg (every field required). */
int config_defaults(struct sim_config *cfg, const char *datadir, struct err *e);

/* When a field of config_field_table takes effect (see struct sim_config). */
enum config_when config_field_when(const struct field *f);

/*
 * 1 for the placement's fields (place, spare_slots, recal_*): live, but
 * taken at an iteration's start, as the placement changes only between
 * iterations.  Set at layer 0 of iteration i, they apply at once and a new
 * placement is in force from iteration i (at iteration 0 it is the run's
 * first placement: nothing moves, as if given at the start); set at a
 * later layer, they apply after the iteration, from iteration i + 1.  The
 * weights a new placement moves cross the links during its first
 * iteration (sim_place_configure, place_end_iter).
 */
int config_field_at_iteration(const struct field *f);

/*
 * Check every field of cfg against the table (ranges, enum values, strings
 * terminated): what loading a file checks, for a config built in memory.
 */
int config_check(const struct sim_config *cfg, struct err *e);

/* 1 when field f has the same value in a and b. */
int config_field_equal(const struct field *f, const struct sim_config *a,
		       const struct sim_config *b);

/* Name of a scheduler. */
const char *config_sched_name(int sched);

#endif
