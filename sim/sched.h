/*
 * sched.h - partition policies: which of a GPU's experts of one layer run
 * on the GPU and which in its PIM stacks, decided from that layer's token
 * counts, with every decision recorded with its inputs and estimates.
 *
 * Policies:
 *   gpu       every expert on the GPU (today's serving stacks)
 *   attacc    attention in PIM, experts on the GPU (AttAcc, NeuPIMs)
 *   pim       every expert with tokens in PIM
 *   duplex    Duplex (MICRO'24): a per-device table of per-expert time on the
 *             GPU and in PIM by token count, built offline with each side
 *             measured alone; start all-on-GPU and move the fewest-token
 *             experts to PIM while the device's own estimate,
 *             max(GPU sum, PIM sum / stacks), improves.  It assumes the two
 *             run side by side for free (no bank contention), PIM work
 *             spreads evenly over stacks, and it is blind to other GPUs and
 *             to all-to-all; attention also goes to PIM.
 *   threshold experts with <= tau tokens to PIM (a static rule)
 *   attacc-threshold  AttAcc's attention in PIM with the threshold rule for
 *             the experts
 *   cent      attention and every expert in PIM, the GPUs only for the dense
 *             projections: CENT-like (Gu et al., "PIM is all you need: a
 *             CXL-enabled GPU-free system for LLM inference", ASPLOS 2025);
 *             here on the machine's own PIM stacks, not CXL-attached PIM
 *   sieve     per GPU and layer, every split "the k fewest-token experts in
 *             PIM" (k = 0..n) is costed with the simulation's own models:
 *             the GPU's grouped kernel for the rest, each PIM expert on the
 *             stack that holds its weights (stacks run in parallel, experts
 *             on one stack in series), and bank contention; the split with
 *             the shortest critical path wins, then single experts are
 *             flipped while that shortens it (stacks can be uneven).  Attention goes to PIM
 *             when streaming the KV cache there is estimated faster; with
 *             micro-batches, when that evens out the GPU's and its busiest
 *             stack's load (sim.c: one micro-batch's attention overlaps
 *             another's experts).
 *
 * Contention (the assumption behind sieve's estimate and the engine): with
 * bank or bank-group PIM attached shared ([pim] attach, hbm.h), all-bank
 * mode locks a stack's pseudo-channels, and the GPU's grouped kernel
 * streams its weights from the stacks that hold them, so on one GPU the
 * kernel and the PIM work share the stacks in time: expert phase = T_gpu +
 * max over stacks of PIM work.  Logic-PIM uses other bank bundles (Duplex),
 * and reserved channels split the stacks in space, so there the two
 * overlap: max(T_gpu, PIM).  T_gpu is the grouped kernel at the pace of its
 * busiest stack (sched_stack_bw_scale).
 * Work still running after the dispatch is seen as the engine runs it:
 * each stack's PIM experts start when that stack is free (stack_ready_ns),
 * the GPU kernel when the GPU is (ready_ns) and, with bank PIM, every
 * stack's PIM work has ended; so expert phase = ready + T_gpu + max(0,
 * max over stacks of (stack ready - ready + PIM work)) with bank PIM, and
 * max(ready + T_gpu, max over stacks of (stack ready + PIM work)) with
 * Logic-PIM.  With one micro-batch the stacks are free when the GPU is
 * (shared experts hold both), so this is ready + T_gpu + PIM; with two,
 * the other micro-batch's PIM experts keep stacks busy while the GPU idles
 * and its GPU work keeps the GPU busy while the stacks idle.
 *
 * An estimate is what the policy believed; the engine then says what
 * happened, and the run reports the gap.
 */
#ifndef SIEVE_SCHED_H
#define SIEVE_SCHED_H

#include "hw.h"
#include "model.h"
#include "pimcost.h"

enum sched_policy { SCHED_GPU, SCHED_ATTACC, SCHED_PIM, SCHED_DUPLEX, SCHED_THRESHOLD,
		    SCHED_ATTACC_THRESHOLD, SCHED_CENT, SCHED_SIEVE, SCHED_NPOLICIES };

/* Where a policy runs attention's KV-cache part. */
enum sched_attention {
	SCHED_ATTN_NEVER,	/* on the GPU */
	SCHED_ATTN_ALWAYS,	/* in the GPU's PIM stacks */
	SCHED_ATTN_IF_FASTER,	/* in PIM when the estimate there is lower, per GPU and layer */
};

/* native_pim of a policy that runs on the GPUs alone. */
#define SCHED_NATIVE_NONE (-1)

struct sched_params;
struct sched_gpu;

/*
 * Everything the program knows about a policy, one row per policy in enum
 * order: the run table's choices, `--help`, the UI and a console list them
 * from here, and the decode loop asks it what to compute and where
 * attention goes.
 */
struct sched_policy_info {
	const char *name;	/* as --sched takes it */
	const char *help;	/* one line */
	int needs_pim_costs;	/* decides from every expert's pim_ns (see sched_needs_pim_costs) */
	int attention_in_pim;	/* enum sched_attention */
	int native_pim;		/* enum pim_kind its paper assumes, or SCHED_NATIVE_NONE */
	/* on_pim and reason of every expert of g (sorted by tokens); duplex and
	 * sieve also set g->est_ns */
	void (*partition)(const struct sched_params *p, struct sched_gpu *g);
};

extern const struct sched_policy_info sched_policies[SCHED_NPOLICIES];

/* Policy names in enum order, NULL-terminated (the run table's choices),
 * made from the same rows as sched_policies. */
extern const char *const sched_policy_names[SCHED_NPOLICIES + 1];

/* The policy called name, or -1. */
int sched_policy_find(const char *name);

/* Why an expert went where it went. */
enum sched_reason {
	REASON_POLICY_ALL_GPU,	/* the policy puts every expert on the GPU */
	REASON_POLICY_ALL_PIM,
	REASON_AT_OR_BELOW_TAU,
	REASON_ABOVE_TAU,
	REASON_MOVE_IMPROVED,	/* duplex: moving it lowered the device estimate */
	REASON_MOVE_STOPPED,	/* duplex: stopped before it */
	REASON_BEST_SPLIT_PIM,	/* sieve: in PIM in the cheapest split */
	REASON_BEST_SPLIT_GPU,
	REASON_NO_TOKENS,
	REASON_NREASONS
};

/* One expert of one GPU in one layer: inputs, estimates, decision. */
struct sched_expert {
	int expert;		/* id in the layer */
	int gpu;		/* the GPU running it (placement, place.h) */
	int stack;		/* PIM stack holding its weights on its GPU */
	int tokens;
	double gpu_ns;		/* its share of the GPU kernel: marginal time */
	double pim_ns;		/* its PIM kernel alone, incl. moving activations in and out */
	int on_pim;
	double margin_ns;	/* how much worse the GPU's estimate gets if flipped */
	int reason;		/* enum sched_reason */
};

/* Everything a policy sees about one GPU in one layer. */
struct sched_gpu {
	const struct hw *hw;
	int locks_stacks;	/* sched_pim_locks_stacks(hw) */
	const struct model *model;
	struct gpu_speed speed;	/* the GPU's speed factors (hw.h) */
	int stacks;
	struct sched_expert *x;	/* its experts with tokens, any order */
	int n;
	double est_ns;		/* the policy's estimate of the GPU's expert phase */
	double ready_ns;	/* the GPU is still busy this long after the dispatch:
				   shared experts, with micro-batches another's work */
	/* stack k is still busy stack_ready_ns[k] after the dispatch (with
	 * micro-batches: another one's PIM experts or attention); NULL: as the
	 * GPU with bank PIM (shared experts hold the stacks), free with
	 * Logic-PIM */
	const double *stack_ready_ns;
};

struct sched_params {
	int policy;		/* enum sched_policy */
	int tau;		/* threshold: tokens at or below go to PIM */
};

/* Decide on_pim, reason and margin for every expert of g; fills g->est_ns. */
void sched_partition(const struct sched_params *p, struct sched_gpu *g);

/* The expert phase of g for the current on_pim choices, as sieve sees it. */
double sched_sieve_estimate(const struct sched_gpu *g);

/* 1 when PIM shares the stacks with the GPU in time: bank kinds with
 * [pim] attach shared (hbm.h). */
int sched_pim_locks_stacks(const struct hw *hw);

/*
 * The share of the GPU's bandwidth a grouped kernel gets when it reads
 * stack_bytes[k] from stack k: each expert sits in one stack, each stack
 * streams at 1 / stacks of the bandwidth, so the busiest stack sets the
 * time: total / (stacks x most).  1 for an even spread (or no bytes).
 */
double sched_stack_bw_scale(const double *stack_bytes, int stacks);

/*
 * 1 when the policy needs every expert's pim_ns to decide (duplex, sieve).
 * Other policies take pim_ns < 0 ("not computed") for their GPU experts;
 * they decide without it, and their margins are then NAN.
 */
int sched_needs_pim_costs(int policy);

/*
 * 1 when the policy runs attention in PIM, given its estimated time on the
 * GPU and in PIM (used only by SCHED_ATTN_IF_FASTER policies).
 */
int sched_attention_in_pim(int policy, double gpu_ns, double pim_ns);

const char *sched_reason_text(int reason);

/*
 * A threshold fixed before the run, from the cost models alone (no
 * routing): the largest token count t (up to 64) such that one expert in
 * PIM with t tokens takes no longer than its marginal time in the GPU's
 * grouped kernel (gpu_view: hw_gpu_view), and every count below as well.
 * 0 when even one token is faster on the GPU.  -1 (e filled) when a PIM
 * cost fails.
 */
int sched_crossover_tau(struct pimcost *pim, const struct hw *gpu_view, const struct model *m,
			int *tau, struct err *e);

#endif
