/*
 * place.h - expert placement: which GPU owns each expert of each MoE layer
 * (replicas split its tokens) and which of that GPU's stacks holds its
 * weights.  The partition policy (sched.h) then splits each GPU's experts
 * between its GPU and its PIM stacks, on top of the placement.
 *
 * Policies, one row each in place_policies (like sched.h's table):
 *   linear  expert e on GPU e mod G, in stack (e div G) mod stacks; no
 *           replicas, never re-placed (what every run did before).
 *   eplb    DeepSeek's EPLB (github.com/deepseek-ai/EPLB, "balanced
 *           packing"): the spare slots go, one at a time, to the expert
 *           with the highest predicted load per replica; the replicas,
 *           heaviest first, each to the GPU with the least predicted token
 *           load that has a free slot.  GPUs count as equal.
 *   vibe    ViBE (Variability-Informed Binning of Experts): per layer, a
 *           few candidate placements, each judged by the time it predicts
 *           for that layer's slowest GPU, the best kept.  The candidates:
 *           the placement in force (nothing moves), eplb's (tokens
 *           balanced), tokens balanced at each GPU's pace (tokens x its
 *           time per token of a full tile, so a GPU 10% slower takes ~10%
 *           fewer), and a greedy min-makespan of the predicted time below
 *           (heaviest first to the GPU whose time after adding it is
 *           least, LPT order); all under the same slot capacity.  The
 *           judge (place_judged_ns) is the per-GPU performance model: each
 *           GPU's replicas with the token counts of the layer's last
 *           PLACE_SAMPLES observed routings, split by the partition policy
 *           itself (sched.h; GPU-only when it does not weigh PIM) and costed
 *           by its estimate at the GPU's speeds ("profiled offline", the
 *           hw file) times a correction measured while running (measured /
 *           modelled expert phase, a moving average; measured less the time
 *           the GPU was still busy at the dispatch, i.e. its shared experts;
 *           modelled is the partition's own estimate of its split for that
 *           batch at these speeds (sched_sieve_estimate), so the ratio does
 *           not move with the batch and a steady load does not
 *           recalibrate); averaged over the routings; plus, when serving,
 *           the prefills per decode iteration times the layer's prefill
 *           expert phase (every expert on the GPU, serve.h).  Observed
 *           routings, not draws from the average shares: they carry the
 *           batches actually served (serving's batch varies; the profile's
 *           loads are for the fullest one) and the scatter of a batch's
 *           topic clusters (routing.h).  At a fixed batch the two judge
 *           alike (qwen3-30b-a3b, batch 40: +2.2% against the simulated
 *           expert phase, tests/test_place.c; gpt-oss-120b +1.5% observed,
 *           -1.4% drawn; since the local search below, +2.0% and
 *           +1.0% observed), but serving gpt-oss-120b at 35 req/s on equal
 *           GPUs, seeds 1-4, vibe judged on draws had a P90 TTFT 41% over
 *           eplb's on seed 1 (523 against 372 ms), on observed routings 4%
 *           under eplb's on average.  Since eplb's placement is one of the
 *           candidates, vibe is never judged worse than eplb; hot experts
 *           end up on fast GPUs, cold ones on slow GPUs, when the judge says
 *           it pays.
 *           Then, when the partition weighs PIM and routings were observed,
 *           a local search from the kept one (place_local_search): a
 *           batch's tokens come in topic clusters (routing.h), so two hot
 *           experts one topic favours, on one GPU, make it the straggler of
 *           every batch heavy in that topic, which balancing expected loads
 *           cannot see and the judge's routings show.  From the GPU most
 *           often slowest over the routings (ties: the lower id), its
 *           replicas, most tokens on the routings where it is slowest
 *           first, go to the other GPUs, least busy on those routings
 *           first: into a free slot, or swapped with that GPU's replica
 *           with the fewest tokens on them (no GPU gets a second replica
 *           of an expert).  A change is kept only when the judged value
 *           drops (by 1e-9 of it, so the search never raises it and cannot
 *           cycle); after one, the straggler is found again.  The judge's
 *           times are kept per routing and GPU, so a trial re-costs only
 *           the two GPUs it touches, and stops as soon as the routings
 *           left cannot make up what it lost; both GPUs' replicas then
 *           take their stacks in turn, heaviest first, as the greedy does
 *           (each GPU's replicas stay spread over its stacks).  At most
 *           PLACE_SEARCH_TRIALS x experts trials per layer; deterministic.
 *           Measured (sh tests/vibe_table.sh, P90 TTFT, means over seeds;
 *           before -> after): qwen3-30b-a3b, sched sieve, 35 req/s,
 *           h100x8-pim-var, seeds 1-6: 1169 -> 1043 ms (-11%; eplb 1225;
 *           5 seeds of 6 better); on identical GPUs (h100x8-pim), seeds
 *           1-3: 592 -> 495 ms (eplb 603); at 30 req/s 26.3 -> 25.9 ms;
 *           gpt-oss-120b, sched sieve, 35 req/s, seeds 1-6: 899 -> 906 ms
 *           (eplb 1011; 3 seeds of 6 better): within the seeds' noise.
 *           Not under sched gpu: there the GPU runs the cold experts too,
 *           whose few tokens land afresh each batch, so what the search
 *           learns from 8 routings did not carry over (gpt-oss-120b, 30
 *           req/s, seeds 1-3: P90 TTFT +8% to +38%, straggler gap up
 *           0.4-3%, by budget and routings; seeds 4-6 about even); there
 *           vibe is as it was.  16 routings
 *           in place of 8 searched alike under sieve (qwen3-30b-a3b at 35
 *           req/s: 1025 against 1072 ms with 2 x experts trials, gpt-oss-
 *           120b 862 against 813 ms, seeds 1-3) but changed which candidate
 *           wins under sched gpu (+17% P90 TTFT, gpt-oss-120b at 30 req/s)
 *           and doubled the cost: PLACE_SAMPLES stays 8.
 *
 * Load profile: per MoE layer and expert, the tokens it received, older ones
 * decayed by e^(-slots / PLACE_PROFILE_SLOTS) per observation of `slots`
 * token-slots (so its shares move by tokens seen, whatever the batch); an
 * expert's expected load is its share x the most token-slots a layer saw in
 * one iteration (a full batch: serving's batch varies, the placement is for
 * the busy case).  Predicted cost
 * of a replica with expected load L tokens on GPU g:
 *     p = 1 - exp(-L)      (chance it has a token: Poisson arrivals)
 *     c = p x gpu_expert_ns(speed_g, ceil(L / p)) x correction_g
 * (the greedy candidate's cost), so in decode, where most experts get a
 * few tokens and a GPU's time is mostly the weights of its active experts,
 * cold experts cost what their chance of being read costs; in prefill,
 * everything is active.
 * PIM-aware (place_set_pim: the partition policy weighs PIM, duplex and
 * sieve): an expert with k tokens costs the greedy candidate
 * min(gpu_expert_ns(speed_g, k), pim_ns(k) / stacks) for k up to
 * PLACE_PIM_TOKENS (more: the GPU's), in place of gpu_expert_ns, and the
 * judge gets pim_ns(k) for the partition it runs.  PIM is not scaled by the
 * GPU's speed, so a slow GPU's cold experts cost it no more than a fast
 * one's.  The greedy candidate replicates only while each replica keeps a
 * tile of tokens (tile_m) when GPU-only (below that a split saves no
 * compute and reads the weights twice), like eplb when PIM-aware (the
 * partition keeps the hot experts on the GPUs, so splitting the hottest
 * evens them out).  On a re-placement, a GPU that already holds an expert
 * keeps it when within PLACE_STICKY of the best choice, so few weights move.
 * Assumptions: tokens of a replicated expert split evenly over its
 * replicas (the j-th token of the expert goes to replica j mod n, as EPLB's
 * deployment does); a GPU holds at most one replica of an expert; a GPU's
 * slots are ceil(experts / G) + spare (the spare slots are where replicas
 * go; capacity.h counts their memory, place_spare_slots).
 *
 * Recalibration (eplb and vibe; linear never moves), checked at the end of
 * every iteration:
 *   drift    profile: the largest total-variation distance, over layers,
 *            between the profile's shares now and at the last placement
 *            (recal_drift %); time: the largest change of a GPU's
 *            correction relative to the mean of all GPUs' since then
 *            (recal_time %), whose reference
 *            is the first measurement after each placement (what PIM takes
 *            off a GPU depends on the experts it holds);
 *   when     a drift past its threshold at recal_confirm consecutive checks
 *            (hysteresis: one noisy iteration does not count), at least
 *            recal_interval iterations after the last placement (after
 *            the one from init, which knew no load: PLACE_WARMUP);
 *   whether  the new placement is computed and taken only when it lowers
 *            the predicted makespan (sum over layers of the slowest GPU)
 *            by at least recal_gain %; either way the references restart
 *            from now, so a drift is judged once, not every iteration.
 * Taking it moves every replica whose GPU changed: its weights (3 x hidden
 * x inter x bytes per weight) go from a GPU that held the expert to the new
 * owner, in the next iteration, at its layer, as a task on both GPUs' links
 * (sim.c), so the move competes with that layer's all-to-all.  Every
 * recalibration is logged: when, why, which replicas moved, bytes, gain.
 */
#ifndef SIEVE_PLACE_H
#define SIEVE_PLACE_H

#include "hw.h"
#include "model.h"

enum place_policy { PLACE_LINEAR, PLACE_EPLB, PLACE_VIBE, PLACE_NPOLICIES };

#define PLACE_MAX_REPLICAS 4
/* the profile forgets with the tokens it sees: e^(-slots / this), 32 x a
 * 64-sequence top-8 batch: the shares' noise (total variation ~3% on
 * qwen3-30b-a3b) stays well under recal_drift, whatever the batch */
#define PLACE_PROFILE_SLOTS 16384.0
/* ... in the measured correction: an iteration averages every MoE layer, so
 * it is steady; a fast average has the time drift converged (87.5%) by the
 * third confirming check, so one recalibration sees the whole slowdown */
#define PLACE_CORR_EMA 0.5
/* iterations before the first learnt placement may replace init's uniform
 * one: a 20-iteration run (the UI's default) would otherwise never leave
 * it; 4 iterations of a 64-sequence top-8 batch are ~16 token-slots per
 * expert of qwen3-30b-a3b, enough to tell its hot experts */
#define PLACE_WARMUP 4
#define PLACE_STICKY 0.02	/* a GPU holding the expert wins if within 2% of the best */
/* PIM-aware cost: token counts with a PIM time (sched_crossover_tau looks
 * no further: past 64 tokens the GPU's tile wins) */
#define PLACE_PIM_TOKENS 64
/* The PIM times in the table are simulated (cycle level) up to this many
 * tokens; past it they are extrapolated on a line: an expert's PIM kernel
 * makes one pass over its weights per token, so its time is linear in the
 * tokens (gpt-oss-120b, bank PIM: 6.573 us per token from 4 to 8 tokens,
 * 6.594 from 32 to 64, `sieve probe pim`), and the 64 kernels a table of
 * simulated ones costs (2,080 passes) took seconds. */
#define PLACE_PIM_EXACT 8
/* vibe's judge: routings drawn per layer to cost a candidate placement */
#define PLACE_SAMPLES 8
/* vibe's local search: at most this many trials per expert of a layer.  It
 * usually runs out of trials still improving (12 kept of 254 tried per layer
 * at 2 x experts, qwen3-30b-a3b at 35 req/s), but each trial costs two GPUs'
 * partitions on every routing: at 1 x experts, bench_serve's vibe run takes
 * ~1.5 s more than without the search (5.2-5.5 s against 3.7 s, loaded
 * 2-core machine), at 2 x experts 16 routings ~15 s more; the P90 TTFT
 * under sieve did not tell 1 from 2 apart (1068 against 1072 ms, qwen3-30b-a3b
 * at 35 req/s, seeds 1-3). */
#define PLACE_SEARCH_TRIALS 1

struct place_policy_info {
	const char *name;	/* as --place takes it */
	const char *help;
	int adaptive;		/* learns a profile and recalibrates */
};

extern const struct place_policy_info place_policies[PLACE_NPOLICIES];
extern const char *const place_policy_names[PLACE_NPOLICIES + 1];

/* The knobs, from the run parameters (config.h). */
struct place_params {
	int policy;		/* enum place_policy */
	int spare;		/* spare slots per GPU, for replicas */
	int interval;		/* iterations at least between placements */
	int confirm;		/* consecutive checks over a threshold */
	double drift, time, gain;	/* thresholds as fractions */
};

enum place_reason { PLACE_INITIAL, PLACE_PROFILE, PLACE_TIME, PLACE_POLICY };

struct place_move {
	int layer, expert, from, to;	/* layer: the model's layer index */
};

struct place_recal {
	int iter;		/* the placement is in force from this iteration */
	int reason;		/* enum place_reason */
	double drift;		/* the measure that crossed its threshold */
	double gain;		/* predicted makespan, 1 - new / old */
	int nmoves, move0;	/* its moves: moves[move0 .. move0 + nmoves) */
	double bytes;		/* weights moved over the links */
};

struct placement {
	struct place_params par;
	int experts, layers, first, gpus, stacks, slots;	/* layers: MoE layers */
	double expert_bytes;
	struct gpu_speed speed[HW_MAX_GPUS];	/* the time model's (hw file) */
	/* the placement: per MoE layer and expert */
	unsigned char *nrep;	/* [layers x experts] */
	unsigned char *gpu, *stack;	/* [layers x experts x PLACE_MAX_REPLICAS] */
	/* what it learns */
	float *profile;		/* [layers x experts] tokens, decayed by tokens seen */
	double slots_peak;	/* most token-slots one MoE layer saw in an iteration */
	float *ref;		/* profile shares at the last placement */
	/* the token counts of each MoE layer's last PLACE_SAMPLES observations,
	 * [PLACE_SAMPLES x layers x experts], nrecent[layers] seen so far */
	int *recent, *nrecent;
	double corr[HW_MAX_GPUS];	/* measured / modelled expert phase (average) */
	double corr_ref[HW_MAX_GPUS];
	double meas[HW_MAX_GPUS], model[HW_MAX_GPUS];	/* this iteration, so far */
	/* PIM-aware time model (pim_aware 0: GPU only): pim_ns[k], one expert
	 * with k tokens in PIM (pimcost.h), for k <= PLACE_PIM_TOKENS, once
	 * pim_table (only vibe's cost reads it) */
	int pim_aware, pim_table;
	int sched;		/* the partition policy (sched.h) vibe's judge runs */
	double prefill_tokens;	/* tokens of a prefill (serving; place_set_prefill) */
	double prefill_per_iter;	/* prefills per decode iteration (0: none) */
	double pim_ns[PLACE_PIM_TOKENS + 1];
	int observed;		/* iterations seen */
	int last_iter;		/* iteration of the last placement */
	int over;		/* consecutive checks over a threshold */
	int rebase;		/* the next measurement is the time reference */
	/* weights to move in the next iteration: bytes out of / into each GPU
	 * per MoE layer, [layers x gpus x 2] */
	double *pending;
	int pending_iter;
	struct place_recal *recal;
	int nrecal, recal_cap;
	struct place_move *moves;
	int nmoves, moves_cap;
};

/*
 * Spare slots per GPU and MoE layer that policy may fill with replicas:
 * spare for eplb and vibe, 0 for linear (which never replicates).
 */
int place_spare_slots(int policy, int spare);

/* The placement of par->policy for m on hw; profile empty (uniform load). */
void place_init(struct placement *p, const struct model *m, const struct hw *hw,
		const struct place_params *par);
void place_release(struct placement *p);

/* dst becomes a deep copy of src (dst released first unless zeroed). */
void place_copy(struct placement *dst, const struct placement *src);

/* 1 while nothing was learned or moved: linear from the start. */
int place_pristine(const struct placement *p);

/* Replicas of expert e of (model) layer l; GPU and stack of replica r. */
int place_replicas(const struct placement *p, int layer, int e);
int place_gpu(const struct placement *p, int layer, int e, int r);
int place_stack(const struct placement *p, int layer, int e, int r);

/* Tokens of replica r when the expert has count tokens (even split). */
int place_replica_tokens(const struct placement *p, int layer, int e, int r, int count);

/*
 * The time model weighs PIM (on: the partition policy does), vibe's cost
 * with pim_ns[k] for k = 0..PLACE_PIM_TOKENS (NULL: not yet known, kept
 * once given; until then GPU-only); sched is the partition policy (enum
 * sched_policy) vibe's judge splits with.  Takes effect at the next placement; a
 * change of on restarts the measured correction (what it corrects changed).
 */
void place_set_pim(struct placement *p, int on, const double *pim_ns, int sched);

/* What one expert with tokens tokens costs GPU g in the time model, at the
 * placement's speeds, without the correction. */
double place_expert_ns(const struct placement *p, const struct hw *hw, const struct model *m,
		       int g, int tokens);

/*
 * Predicted expert-phase time of GPU g for a replica of expected load
 * tokens (the model above, correction included).
 */
double place_cost_ns(const struct placement *p, const struct hw *hw, const struct model *m, int g,
		     double tokens);

/*
 * After a MoE layer: its token counts, and per GPU the measured expert
 * phase and the time the GPU model gives its experts at the placement's
 * speeds (both 0 for a GPU without experts).
 */
void place_observe(struct placement *p, int layer, const int *counts, const double *meas_ns,
		   const double *model_ns);

/*
 * After iteration iter: update the averages, check drift; 1 when a new
 * placement is taken (in force from iter + 1, logged), else 0.  A policy or
 * knob change made during iteration iter (sim_configure) is passed in par
 * and taken here (a new policy, or new spare slots for eplb or vibe,
 * re-places); one made at its start came through place_configure.
 */
int place_end_iter(struct placement *p, int iter, const struct place_params *par,
		   const struct hw *hw, const struct model *m);

/*
 * A knob change (sim_configure) at the start of iteration iter, before any
 * of its layers: taken at once, as if place_end_iter had been given it
 * after iteration iter - 1: a new policy, or new spare slots for eplb or
 * vibe, re-places, in force from iter (logged; the weights move in iter).
 * 1 when a new placement is taken, else 0.
 */
int place_configure(struct placement *p, int iter, const struct place_params *par,
		    const struct hw *hw, const struct model *m);

/*
 * vibe's judge of MoE layer `layer` (a model layer index) as placed now:
 * its slowest GPU's expert phase, averaged over the judge's routings (plus
 * the prefill share when serving), as the time model above predicts it.
 */
double place_judged_ns(const struct placement *p, const struct hw *hw, const struct model *m,
		       int layer);

/*
 * vibe's local search on MoE layer `layer` from the placement in force
 * (the header above; here whatever the partition policy): changes it in
 * place, only where the judge says so; returns the judged value it ends
 * with (place_judged_ns's after it, never above place_judged_ns's before).
 */
double place_local_search(struct placement *p, const struct hw *hw, const struct model *m,
			  int layer);

/*
 * Serving: prefills of tokens tokens come per_iter times per decode
 * iteration (averages so far); vibe's judge weighs their expert phase too.
 */
void place_set_prefill(struct placement *p, double tokens, double per_iter);

/* Bytes GPU g sends (dir 0) or receives (1) at layer l of iteration iter. */
double place_pending_bytes(const struct placement *p, int iter, int layer, int g, int dir);

const char *place_reason_text(int reason);

#endif
