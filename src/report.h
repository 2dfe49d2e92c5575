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

/*
 * Tokens per activated expert over the MoE layers the simulation keeps
 * (history.h: the last SIM_HISTORY_ITERS iterations), as routing.h's
 * statistics: each kept layer is one sample.  A run of up to
 * SIM_HISTORY_ITERS iterations keeps every layer, so its figures equal
 * `sieve probe routing --samples ITERS` on the same model, batch and seed.
 */
void report_kept_routing(const struct sim *s, struct routing_stats *st);

/* The statistics as members of an open JSON object (activated, frac_single,
 * top10_share, max_load, histogram), or as text lines passed to line(ctx, text). */
void report_routing_json(struct json *j, const struct routing_stats *st);
void report_routing_lines(const struct routing_stats *st, int experts,
			  void (*line)(void *ctx, const char *text), void *ctx);

#endif
