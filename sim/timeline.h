/*
 * timeline.h - the way back through a simulation: checkpoints of its
 * mutable state and the log of live parameter changes, behind sim_rewind
 * and sim_configure (sim.h).
 *
 * A simulation is a pure function of its parameters in force at each
 * position: routing is derived from (seed, iteration, layer), the PIM
 * kernel memo is a cache, nothing depends on wall time.  So going back
 * needs only what stepping accumulates, not what it computed on the way:
 *
 *   checkpoint  every TIMELINE_EVERY layers of an iteration, from its first:
 *               position, simulated time (and when each micro-batch
 *               may start), the
 *               engine's resource clocks and busy time, the accumulators
 *               (layer_sum, iter_ns_sum, iter_ns_cur, est_err, iters_done)
 *               and the placement (place.h) once it learns or moves: then
 *               only at iteration starts (a profile per layer and expert is
 *               too big for every 8 layers; a rewind then simulates at most
 *               an iteration again);
 *   change log  every live change (sim_configure) with its position, the
 *               first entry being the initial parameters at (0, 0); the
 *               parameters in force at a position are those of the last
 *               entry at or before it.
 *
 * sim_rewind to a position restores the last checkpoint strictly before it
 * (the layer just simulated, its counts, decisions and tasks, comes back by
 * simulating it again; position (0, 0) is the checkpoint itself), then
 * steps forward; stepping applies each logged change on arriving at its
 * position, so the history replays as it happened.  The kept past
 * (history.h) drops its records from the checkpoint on before the replay
 * appends them again; older records stay as they were.  A change made after a
 * rewind rewrites the future: the log entries and checkpoints after its
 * position are dropped.
 *
 * Memory: at most TIMELINE_CHECKPOINTS checkpoints of
 *     16 x resources + 104 x layers + ~210 bytes
 * (7.3 KB for qwen3.5-397b-a17b on 8 GPUs: 56 resources, 60 layers; at most
 * 3.7 MB).  When full, every other checkpoint of the older half is dropped:
 * the newest TIMELINE_CHECKPOINTS / 2 stay TIMELINE_EVERY layers apart (the
 * last 2048 layers reached: 34 iterations of that model, where a step back
 * simulates at most 8 layers again, about 1.5 ms), older ones thin out, the
 * spacing doubling with age.
 */
#ifndef SIEVE_TIMELINE_H
#define SIEVE_TIMELINE_H

#include "config.h"
#include "history.h"

#define TIMELINE_CHECKPOINTS 512
#define TIMELINE_EVERY 8	/* layers between checkpoints */

struct sim;

/*
 * Each GPU's busy time in the last MoE layer, its attention left out: the
 * GPU's and its busiest stack's.  With micro-batches one micro-batch's
 * attention runs while another's experts do, so sieve places attention
 * where it evens out the two (sim.c); known: 0 before the first MoE layer.
 */
struct sim_loads {
	double gpu_ns[HW_MAX_GPUS], stack_ns[HW_MAX_GPUS];
	int known;
};

struct sim_checkpoint {
	int iter, layer;
	double now_ns, end_ns;
	double micro_ready_ns[CONFIG_MAX_MICRO];
	struct sim_loads loads;
	double iter_ns_sum, iter_ns_cur;
	double est_err_sum;
	long est_err_n;
	int iters_done;
	double *clock;		/* per engine resource: free_ns, busy_ns */
	struct placement *place;	/* NULL: linear as sim_init made it */
	struct layer_result *layer_sum;	/* per layer */
};

struct sim_change {
	int iter, layer;	/* in force from this position on */
	struct sim_config cfg;
};

struct timeline {
	struct sim_checkpoint *ck;	/* [TIMELINE_CHECKPOINTS], by position */
	int nck;
	struct sim_change *change;	/* by position; change[0] at (0, 0) */
	int nchanges, change_cap;
	int change_next;	/* first entry after the current position */
};

/* Start s's timeline at its position (0, 0) with s->cfg; s is initialised. */
void timeline_init(struct sim *s);
void timeline_release(struct timeline *t);

/*
 * Called by sim_step_layer on arriving at a new position: applies the change
 * logged there and takes a checkpoint at an iteration start not yet held.
 */
void timeline_arrive(struct sim *s);

#endif
