/*
 * report.h - what `sieve run` prints: the summary figures and the
 * per-layer breakdown of a finished simulation, as text, JSON or CSV.
 * Output depends only on the simulation's state, so the same inputs and
 * seed give byte-identical reports.
 */
#ifndef SIEVE_REPORT_H
#define SIEVE_REPORT_H

#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "sim.h"

/* One layer's decisions, copied when the simulation passes it. */
struct explained {
	int iter, layer;
	struct sched_expert *x;		/* grouped by GPU */
	int n;
	struct gpu_work gpu[HW_MAX_GPUS];
	struct layer_result r;
};

/* Copy the decisions of the layer s just simulated into ex. */
void explained_take(struct explained *ex, const struct sim *s);
void explained_free(struct explained *ex);

/* The run's report; ex (may be NULL) adds the decision table of a layer. */
void report_run(FILE *out, const struct sim *s, enum format f, const struct explained *ex);

/* "mem_used_gib", "mem_capacity_gib", "mem_headroom_gib" of the fullest GPU
 * (capacity.h), into an open JSON object. */
void report_memory_json(struct json *j, const struct sim *s);

#endif
