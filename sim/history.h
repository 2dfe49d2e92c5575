/*
 * history.h - what a front end sees of the past: a bounded ring of
 * per-layer records (token counts, decisions, per-GPU work, the layer's
 * engine tasks) and windowed queries over them, so a timeline can be drawn
 * and scrolled, and stepped event by event, without keeping every task of
 * a long run.
 *
 * The decode loop (sim.c) appends one record per simulated layer; when the
 * ring is full the oldest record is dropped.  Records are plain data owned
 * by the ring: a pointer returned here stays valid until the next append
 * or truncate.  Task ids in a record are indices into its own task array
 * (deps refer to those); resource ids are the engine's (engine.h).
 *
 * Critical path: on append, the tasks of the chain that set the layer's
 * length get crit = 1.  It starts at the task that ends last (the highest
 * index among ties: the one issued last, which may wait for the others)
 * and walks back: a task's predecessor is the one whose end is its start
 * (the engine starts a task exactly at the latest end of its dependencies
 * and of the last earlier task on each of its resources): a dependency if
 * one qualifies (the highest index), else the last earlier task sharing a
 * resource; the walk stops at a task that starts with the layer.  So the
 * flagged tasks form one gap-free chain from the layer's start to its end.
 *
 * Nothing here knows about terminals; the UI reads records and draws.
 */
#ifndef SIEVE_HISTORY_H
#define SIEVE_HISTORY_H

#include "engine.h"
#include "hw.h"
#include "sched.h"

/*
 * What happened in one layer of one iteration.  With micro-batches (sim.h)
 * the phase times, straggler, estimate, busy times and counts are summed
 * over micro-batches, each phase measured within its own micro-batch (from
 * its start to its attention's end, ...), so attn + dispatch + expert +
 * combine may exceed total_ns: the excess is what the overlap hid.
 * activated counts expert runs (an expert with tokens in two micro-batches
 * counts twice, as it runs twice); max_load is over the whole layer.
 * total_ns is the layer's share of the critical path: from the previous
 * layer's end to its own, so the layers' totals add up to the iteration.
 */
struct layer_result {
	double attn_ns;		/* layer start to the last attention's end */
	double dispatch_ns;	/* then to the last dispatch's end */
	double expert_ns;	/* then to the last expert task's end */
	double combine_ns;	/* then to the layer's end */
	double total_ns;
	double straggler_ns;	/* slowest minus mean GPU expert phase */
	double est_ns;		/* the policy's estimate of the slowest expert phase */
	double link_bytes;	/* all-to-all bytes, dispatch + combine */
	double gpu_busy_ns, pim_busy_ns, link_busy_ns;	/* summed over resources */
	int activated;		/* experts with >= 1 token */
	int max_load;		/* tokens of the busiest expert */
	int pim_experts;	/* expert runs (an expert or a replica) in PIM */
	int runs;		/* expert runs with tokens: activated + extra replicas */
	int pim_slots;		/* token-slots served in PIM */
};

/* Per-GPU work of one layer, summed over micro-batches (attn_in_pim: how
 * many of them ran attention in PIM). */
struct gpu_work {
	int experts;		/* experts with tokens */
	int tokens;		/* token-slots */
	int pim_experts;
	double expert_ns;	/* its expert phase as simulated */
	double est_ns;		/* ... as the policy estimated it */
	double attn_ns;
	int attn_in_pim;
	double send_bytes, recv_bytes;
	double ready_ns;	/* the GPU still busy this long after the dispatch (shared
				   experts; with micro-batches also the other's work):
				   what its policy was told (sched.h) */
};

/* One layer of one iteration, as it happened. */
struct layer_record {
	int iter, layer;
	int sched;		/* enum sched_policy in force */
	int tau;
	double start_ns, end_ns;	/* simulated time of the layer */
	struct layer_result result;
	int experts;		/* length of counts */
	int *counts;		/* tokens per expert */
	struct sched_expert *decision;	/* per expert with tokens, grouped by GPU */
	int ndecisions;
	int gpus;
	struct gpu_work gpu[HW_MAX_GPUS];
	struct engine_task *task;	/* the layer's tasks in issue order */
	int ntasks;
	int *dep;		/* the tasks' dependencies (engine_task dep0/ndeps) */
	int ndep;
};

struct history {
	struct layer_record *rec;	/* [cap], a ring */
	int cap, head, len;	/* head: slot of the oldest record */
};

/* A ring of cap layers (cap >= 1). */
void history_init(struct history *h, int cap);
void history_release(struct history *h);

/* Copy one layer in (the oldest record is dropped when full). */
void history_append(struct history *h, const struct layer_record *r);

/* Drop every record at or after (iter, layer) (for stepping back). */
void history_truncate(struct history *h, int iter, int layer);

int history_len(const struct history *h);

/* The record `back` layers before the newest (0 = newest), or NULL. */
const struct layer_record *history_get(const struct history *h, int back);

/* The record of (iter, layer), or NULL when it is not (or no longer) kept. */
const struct layer_record *history_find(const struct history *h, int iter, int layer);

/*
 * Tasks on resource res (-1: any) that overlap [t0_ns, t1_ns), oldest first,
 * up to max into out; returns how many matched (may exceed max).  A task
 * overlaps when start < t1 and end > t0; one of zero length when
 * t0 <= start < t1.
 */
int history_tasks(const struct history *h, int res, double t0_ns, double t1_ns,
		  const struct engine_task **out, int max);

/*
 * Events: every task start and end of the kept records, in one total
 * order: by time, then record (older first), then task index, then start
 * before end.  At equal times that is causal: a task's dependencies and
 * resource predecessors have lower indices, so their ends come before its
 * start, and a zero-length task starts before it ends.
 */
struct history_event {
	double t_ns;
	int iter, layer;	/* the task's record */
	int index;		/* the task's index in it */
	int is_end;
	const struct engine_task *task;	/* valid until the next append or truncate */
};

/*
 * The event right after (before) *from in that order, into *ev; 1, or 0
 * when there is none.  from need not be kept any more (only its time,
 * record, index and is_end are read), so stepping survives appends.
 */
int history_event_next(const struct history *h, const struct history_event *from,
		       struct history_event *ev);
int history_event_prev(const struct history *h, const struct history_event *from,
		       struct history_event *ev);

/*
 * Stepping by time: the first event strictly after t_ns (the order above
 * among ties).  Returns 1 and fills *at_ns, *is_end, *task; 0 when there is
 * none.  history_prev_event is the same backwards (the last event strictly
 * before t_ns).  Events at one instant are all skipped at once; to visit
 * each, use history_event_next.
 */
int history_next_event(const struct history *h, double t_ns, double *at_ns, int *is_end,
		       const struct engine_task **task);
int history_prev_event(const struct history *h, double t_ns, double *at_ns, int *is_end,
		       const struct engine_task **task);

#endif
