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

struct sim_config {
	char model[256];	/* preset name or path */
	char hw[256];
	char routing[512];	/* "synthetic" or "trace:FILE" */
	int sched;		/* enum sched_policy (sched.h) */
	int tau;		/* threshold policy: tokens at or below go to PIM */
	int batch;
	int iters;
	int context;
	int seed;
	int micro;		/* micro-batches per layer (1: off) */
};

extern const struct field_table config_field_table;

/* Load datadir/defaults.ini into cfg (every field required). */
int config_defaults(struct sim_config *cfg, const char *datadir, struct err *e);

/* Name of a scheduler. */
const char *config_sched_name(int sched);

#endif
