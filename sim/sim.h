/*
 * sim.h - one decode simulation: a model on a machine under a partition
 * policy, stepped layer by layer and iteration by iteration, every layer a
 * task graph on the engine (engine.h).
 *
 * A decode iteration runs every layer in order; per layer, as tasks with
 * dependencies (expert parallelism as in DeepSpeed-MoE and DeepEP):
 *   1. attention on every GPU for its own sequences (data parallel: GPU g
 *      holds sequences [g*B/G, (g+1)*B/G) and a replica of the attention
 *      weights); for attacc and duplex the KV-cache part runs in the GPU's
 *      PIM stacks (which it then holds), the projections stay on the GPU;
 *      sieve puts it wherever its estimate is lower, per GPU and layer;
 *   2. dispatch all-to-all, one task per GPU on its link, after every GPU's
 *      attention: each token's activation goes once to every other GPU that
 *      owns one of its top-k experts; its time is comm.h's model, calibrated
 *      to published expert-parallel kernels (tens of microseconds);
 *   3. shared experts on each GPU for its own tokens, right after its
 *      attention (they need no dispatch, so they overlap it);
 *   4. after every dispatch: the policy splits each GPU's experts (the
 *      placement, place.h, says which GPU owns each expert or replica and
 *      which stack holds its weights; linear: expert e on GPU e mod G, in
 *      stack (e div G) mod stacks); PIM experts run one after another on
 *      the stack that holds them, the rest in one grouped kernel on the
 *      GPU, which with bank or bank-group PIM also holds the GPU's stacks
 *      (all-bank mode locks them); weights moved by a recalibration cross
 *      the links before the dispatch, in the layer they belong to;
 *   5. combine all-to-all after every GPU's experts, the same bytes back;
 * and the next layer starts when the last task of this one ends.  Dense
 * blocks (first_dense) run a dense FFN on every GPU with no all-to-all.
 *
 * One layout serves both sides: expert e of GPU g sits in stack
 * (e div G) mod stacks, in PIM's channels and the GPU's ([pim] attach,
 * hbm.h), and the GPU reads it at that stack's bandwidth: a grouped kernel
 * goes at the pace of its busiest stack (sched_stack_bw_scale).
 *
 * Micro-batches (cfg.micro = M > 1; 1 is the schedule above exactly): each
 * GPU's sequences are split into M consecutive parts, and steps 1-5 run per
 * micro-batch with their own dependencies (micro-batch m's dispatch after
 * every GPU's attention of m, its experts after its dispatch, its combine
 * after its experts); the next layer's micro-batch m waits only for this
 * layer's combine of m.  Tasks are issued so that every micro-batch's
 * dispatch precedes any combine on the links and m's work precedes m + 1's
 * on a GPU: m + 1's dispatch then runs while m's experts compute, and m's
 * combine while m + 1's experts (or the next layer's attention) compute,
 * because links and GPUs/stacks are different resources (the two-micro-batch
 * overlap of DeepSeek's decode, DeepEP README).  The routing of a layer is
 * the same for any M: each micro-batch's token counts are its tokens' share
 * of the layer's routed batch, and the policy decides per micro-batch.  The
 * cost: every expert's weights are streamed again for each micro-batch, and
 * each all-to-all pays its fixed cost M times.
 *
 * The GPU's expert kernels read weights at the bandwidth of the GPU model
 * (gpu.h), calibrated on measured H100 kernels; the DRAM model's
 * streaming reads give the same figure within 10% (tests/test_gpu.c).  PIM kernel times
 * come from the cycle-level memory model (pim.h), memoised per token count.
 *
 * Times are nanoseconds.  State is plain data so the UI and tests can read
 * it between steps; nothing here prints.
 */
#ifndef SIEVE_SIM_H
#define SIEVE_SIM_H

#include "config.h"
#include "engine.h"
#include "history.h"
#include "hw.h"
#include "model.h"
#include "pimcost.h"
#include "place.h"
#include "routing.h"
#include "sched.h"
#include "timeline.h"

struct sim {
	struct sim_config cfg;
	struct model model;
	struct hw hw;
	struct hw gpu_view;	/* hw as the GPU's kernels see it (hw_gpu_view) */
	struct routing routing;
	struct pimcost *pim;	/* &pim_own, or one shared by several runs */
	struct pimcost pim_own;
	struct engine eng;
	int res_gpu[HW_MAX_GPUS], res_link[HW_MAX_GPUS], res_stack0[HW_MAX_GPUS];
	/* position: the next layer to simulate */
	int iter;
	int layer;
	double now_ns;		/* simulated time at the start of that layer (its
				   first micro-batch's earliest start) */
	double end_ns;		/* end of the layer just simulated */
	double micro_ready_ns[CONFIG_MAX_MICRO];	/* micro-batch m of the next layer may
						   start: this layer's combine of m */
	struct sim_loads loads;	/* the last MoE layer's, for sieve's attention */
	/* the layer just simulated */
	int last_layer;		/* -1 before the first step */
	int *assign;		/* batch * top_k expert ids */
	int *counts;		/* tokens per expert */
	int *token_gpu;		/* GPU holding each token's sequence */
	int *dst;		/* batch * top_k: GPU running each token's expert (place.h) */
	int *expert_gpu;	/* experts * gpus: tokens of each expert on each GPU */
	double place_modelled[HW_MAX_GPUS];	/* the placement's model of each GPU's experts */
	double place_measured[HW_MAX_GPUS];	/* ... and what they took: expert phase
						   less the time the GPU was still busy */
	/* PIM times the placement's PIM-aware model uses (place_set_pim):
	 * state 0 not computed yet, 1 filled, -1 a PIM cost failed */
	int place_pim_state;
	double place_pim_ns[PLACE_PIM_TOKENS + 1];
	struct gpu_work gpu[HW_MAX_GPUS];
	struct sched_expert *decision;	/* per expert with tokens, grouped by GPU */
	int ndecisions;
	int layer_first_task;	/* engine task id of the layer's first task */
	struct layer_result last;
	/* accumulated over finished iterations */
	struct layer_result *layer_sum;	/* per layer, summed over iterations */
	double iter_ns_sum;
	double iter_ns_cur;	/* the iteration in progress */
	double est_err_sum;	/* |estimate - simulated| / simulated, MoE layers */
	long est_err_n;
	int iters_done;
	struct placement place;	/* expert placement and recalibration (place.h) */
	struct timeline tl;	/* checkpoints and live changes, for sim_rewind */
	/* the kept past (history.h): the last SIM_HISTORY_ITERS iterations */
	struct history hist;
	struct history_event event;	/* where sim_step_event stopped last */
	/* the last failure (sim_error); failed: stepping stopped for good */
	struct err err;
	int failed;
};

#define SIM_HISTORY_ITERS 4	/* iterations of layers the history keeps */

/*
 * Load model, hw and routing named by cfg (datadir holds the presets).
 * A run that does not fit in the GPUs' memory is refused (capacity.h).
 * On failure nothing needs releasing.
 */
int sim_init(struct sim *s, const struct sim_config *cfg, const char *datadir,
	     struct err *e);

/*
 * The same, borrowing pim (already initialised for the same model and hw)
 * so that runs of several policies share its memo of PIM kernel times;
 * pim must outlive s.
 */
int sim_init_shared(struct sim *s, const struct sim_config *cfg, const char *datadir,
		    struct pimcost *pim, struct err *e);

/*
 * Overrides of the model's and machine's fields: ini entries applied after
 * the preset files' (model_load_over, hw_load_over), e.g. the console's
 * `set hidden 4096`.  Either may be NULL.
 */
struct sim_overrides {
	const struct ini *model, *hw;
};

/* sim_init with overrides (ov may be NULL). */
int sim_init_with(struct sim *s, const struct sim_config *cfg, const char *datadir,
		  const struct sim_overrides *ov, struct err *e);

/*
 * sim_init_shared on a machine already loaded (hw != NULL; copied), e.g. one file
 * with its pim_kind or attach overridden; NULL loads cfg->hw.  pim may be
 * NULL (own memo) or shared by runs on the same machine.
 */
int sim_init_on(struct sim *s, const struct sim_config *cfg, const struct hw *hw,
		const char *datadir, struct pimcost *pim, struct err *e);
void sim_release(struct sim *s);

/*
 * Simulate one layer: 1, or 0 when all iterations are already done, or -1
 * when the layer cannot be simulated: a PIM kernel cost that fails to
 * compute (e.g. an expert whose weights do not fit in a stack) stops the
 * run, never becomes a task of negative length.  sim_error then says where
 * and why; the simulation stays at the layer that failed (its partial
 * tasks are not recorded) and every later step returns -1.
 */
int sim_step_layer(struct sim *s);

/* Simulate to the end of the current iteration: 1, 0 when done, -1 on error. */
int sim_step_iter(struct sim *s);

/* Simulate everything left: 0, or -1 on error. */
int sim_run(struct sim *s);

/* The message of the last failure (lowercase, says where), or NULL. */
const char *sim_error(const struct sim *s);

int sim_done(const struct sim *s);

/*
 * Moving in time.  A simulation is a pure function of the parameters in
 * force at each position (routing is derived from the seed, iteration and
 * layer; the PIM memo is a cache; nothing depends on wall time or on
 * stepping order), so a mark is just the position.  sim_rewind restores
 * the last checkpoint before it (one every 8 layers, timeline.h) and
 * simulates forward to it, replaying the live changes where they were
 * made; the state it reaches is identical to the one that was there
 * (tests/test_rewind.c checks it byte for byte).  The PIM memo is kept and
 * no file is read.  Stepping back in the UI uses it.
 */
struct sim_mark {
	int iter, layer;
};
void sim_mark(const struct sim *s, struct sim_mark *m);

/*
 * Back (or forward) to mark m, any position stepping can reach (up to the
 * end of the run with the parameters in force); on error s is unchanged.
 */
int sim_rewind(struct sim *s, const struct sim_mark *m, struct err *e);

/*
 * A live change of run parameters: cfg in force from the current position
 * (a layer boundary) on, recorded there so that a rewind to before it and
 * stepping forward replay it, and a rewind after it keeps it.  The fields
 * that take effect live are marked in config.h (the placement's at an
 * iteration's start, sim_place_configure); changing one that needs a
 * restart (model, hw, routing, batch) is refused with a message naming it,
 * as are values out of range, a context, placement or spare slots that do
 * not fit in memory (capacity.h) and iters below the iteration in progress.
 * cfg is checked fully first: on error s is unchanged.  A change behind the
 * newest position reached (after a rewind) rewrites the future: the changes
 * logged after it are dropped.
 */
int sim_configure(struct sim *s, const struct sim_config *cfg, struct err *e);

/*
 * The kept past: one record per simulated layer, the newest the layer just
 * simulated, the last SIM_HISTORY_ITERS iterations of layers kept (older
 * ones dropped).  The engine keeps only the layer in progress.
 */
const struct history *sim_history(const struct sim *s);

/*
 * Stepping by event: moves *t_ns to the next task start or end after it,
 * simulating the next layer when the kept records have none (so it crosses
 * layer and iteration boundaries); 1, or 0 when the run is done and no
 * event is left, or -1 when simulating failed (sim_error).  Events are in
 * history.h's order.  *task is NULL (start strictly after *t_ns: pass a
 * negative time to start at the beginning) or the task this function
 * returned last, with its *t_ns and *is_end: it then continues right
 * after that event, so every event at one instant is visited in turn.
 */
int sim_step_event(struct sim *s, double *t_ns, const struct engine_task **task, int *is_end);

/*
 * What-if: the experts policy (with tau) would have sent where for the
 * token counts of kept layer r, on every GPU, into out (room for
 * r->ndecisions) and *n; decisions grouped by GPU, each GPU's sorted by
 * tokens, exactly as the run records them: with r's own policy and tau the
 * result equals r->decision.  The inputs are r's counts and each GPU's
 * ready time (shared experts), the models of s; the timeline is not
 * re-simulated.  0, or -1: a PIM cost failed (as in sim_step_layer, the
 * simulation then stops) or policy is not one (sim_error says which).
 * With micro-batches (cfg.micro > 1) the run split each micro-batch on its
 * own; the what-if splits the layer's whole counts once, with the ready
 * times summed over micro-batches, so it does not reproduce r->decision.
 */
int sim_what_if(struct sim *s, const struct layer_record *r, int policy, int tau,
		struct sched_expert *out, int *n);

/* The placement knobs of cfg (place.h). */
void sim_place_params(const struct sim_config *cfg, struct place_params *par);

/*
 * After s->cfg changed (the timeline applies a live change): at an
 * iteration's start (layer 0) the placement takes s->cfg's knobs at once
 * (place_configure), so a new placement is in force from this iteration;
 * at iteration 0, layer 0, where nothing ran, it is made anew as sim_init
 * makes it (nothing moves, nothing is logged).  Mid-iteration it does
 * nothing: place_end_iter takes them after the iteration, in force from
 * the next.
 */
void sim_place_configure(struct sim *s);

/* Summary figures over finished iterations. */
double sim_iter_ns(const struct sim *s);	/* mean iteration time */
double sim_tokens_per_s(const struct sim *s);
/* Interactivity: tokens per second seen by one user, 1 / TPOT. */
double sim_tokens_per_s_per_user(const struct sim *s);

/* Totals over finished iterations and every layer. */
struct sim_totals {
	double time_ns;
	double gpu_util, pim_util, link_util;	/* busy / (resources x time) */
	double pim_expert_share;	/* expert runs in PIM / expert runs with tokens */
	double pim_slot_share;		/* token-slots served in PIM */
	double est_error;		/* mean |estimate - simulated| / simulated */
	double expert_phase_ns;		/* per iteration: the MoE layers' expert phases
					   (dispatch end to last expert end), summed;
					   where the partition policy acts */
};
void sim_totals(const struct sim *s, struct sim_totals *t);

#endif
