/*
 * snap.h - what the panels draw: a copy of one simulation's state after a
 * step, taken by the only file of ui/ that reads struct sim (snap.c).
 * Panels read a snapshot, never the simulator, so the worker thread can
 * step the simulation while the screen is drawn, and the snapshot can be
 * switched to the history API (history.h) in one place.
 */
#ifndef SIEVE_UI_SNAP_H
#define SIEVE_UI_SNAP_H

#include "replay.h"
#include "sim.h"

/* Where an expert ran in the shown layer. */
enum { WHERE_NONE, WHERE_GPU, WHERE_PIM };

struct ui_snap {
	/* the scenario */
	char model[64], hw[64];
	int sched, tau;		/* enum sched_policy */
	int gpus, stacks, experts, layers, iters, batch, top_k, context, seed;
	int moe_layer;		/* the shown layer is a MoE layer */
	double tck_ns;		/* memory clock period, for cycles */
	/* position */
	int next_iter, next_layer;	/* the next layer to simulate */
	int done;
	int has_layer;		/* 0 before the first step */
	int iter, layer;	/* the shown layer: the last simulated */
	double start_ns, end_ns;	/* its simulated time */
	/* the shown layer */
	int *counts;		/* [experts] tokens per expert */
	unsigned char *where;	/* [experts] WHERE_* */
	int *dec_of;		/* [experts] index into dec, or -1 */
	/* the placement (place.h) of the shown layer as it stands now: expert
	 * e has nrep[e] replicas (0: a dense layer), on GPUs
	 * owner[e * PLACE_MAX_REPLICAS + r] */
	unsigned char *nrep, *owner;
	struct sched_expert *dec;	/* decisions, grouped by GPU */
	int ndec;
	struct gpu_work gpu[HW_MAX_GPUS];
	struct layer_result last;
	struct engine_task *task;	/* the layer's tasks in issue order (crit set) */
	int ntasks;
	/* what every policy would have chosen for the shown layer's counts
	 * (sim_what_if, computed on demand): [policy * experts + e] WHERE_* */
	unsigned char *whatif;
	int whatif_ready;
	struct history_event ev;	/* the last event stepped to (worker.h; task NULL) */
	/* resources: which GPU's compute, link or stack a resource id is */
	int res_gpu[HW_MAX_GPUS], res_link[HW_MAX_GPUS], res_stack0[HW_MAX_GPUS];
	int nres;
	/* over finished iterations */
	int iters_done;
	double iter_ns, tokens_per_s;
	struct sim_totals tot;
	/* the machine's speeds now and the placement in force (place.h) */
	struct gpu_speed speed[HW_MAX_GPUS];
	int place, recalibrations;
	int cap_experts, cap_dec, cap_tasks;	/* buffer sizes */
	int cap_whatif;
};

/*
 * The stack replay as the Banks panel draws it: per bank the cycles spent
 * in each enum replay_occ over the last `window` cycles, and where the
 * replay stands.  Copied from a struct stack_replay through replay.h.
 */
struct ui_banks {
	int on;			/* a replay exists */
	int gpu, stack;
	int64_t cycle, window;
	double tck_ns, t0_ns;	/* cycle 0 in engine time */
	int done;
	int kernel, nkernels;	/* the kernel running or next */
	int expert, tokens;	/* of that kernel (expert -1: the GPU's reads) */
	int channels, banks_per_channel, pchs;
	int *occ;		/* [banks][OCC_N] cycles */
	int *queue;		/* [pchs] requests queued */
	int cap_banks, cap_pchs;
};

/* Copy what the Banks panel needs of r (window: cycles of the heatmap). */
void snap_banks(struct ui_banks *b, const struct stack_replay *r, int64_t window);
void snap_banks_release(struct ui_banks *b);

void snap_init(struct ui_snap *p);
void snap_release(struct ui_snap *p);

/*
 * Copy what the panels need of s (buffers reused between calls): the
 * scenario, the position, and the newest kept layer (history.h).
 */
void snap_take(struct ui_snap *p, const struct sim *s);

/* The what-if choices of every policy for the shown layer (NULL: none yet). */
void snap_whatif(struct ui_snap *p, const unsigned char *whatif);

/*
 * A second run of s's scenario under policy sched, borrowing s's PIM memo
 * (sim_init_shared), at position 0; cmp must be released before s.
 */
int snap_compare_init(struct sim *cmp, struct sim *s, int sched, const char *datadir,
		      struct err *e);

/* The decision record of expert e in the shown layer, or NULL. */
const struct sched_expert *snap_decision(const struct ui_snap *p, int e);

/*
 * The ordinal (1-based) of the shown layer's last event at or before the
 * cursor: ev, when the cursor is on that event (in history.h's order, so
 * events at one instant count one by one), else t_ns; 0 before the first.
 * Its events number 2 x ntasks (every task starts and ends).
 */
int snap_event_index(const struct ui_snap *p, double t_ns, const struct history_event *ev);

#endif
