/* sched.c - partition policies and their decision records (see sched.h). */
#include "sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

static const char *const reason_texts[REASON_NREASONS] = {
	"policy runs every expert on the GPU",
	"policy runs every expert in PIM",
	"tokens at or below tau",
	"tokens above tau",
	"moving it to PIM lowered the device's estimate",
	"moving it would not lower the device's estimate",
	"in PIM in the split with the shortest critical path",
	"on the GPU in the split with the shortest critical path",
	"no tokens",
};

const char *sched_reason_text(int reason)
{
	return reason >= 0 && reason < REASON_NREASONS ? reason_texts[reason] : "?";
}

int sched_pim_locks_stacks(const struct hw *hw)
{
	return hw->hbm.attach == ATTACH_SHARED && hw->hbm.pim_kind != PIM_LOGIC;
}

double sched_stack_bw_scale(const double *stack_bytes, int stacks)
{
	double total = 0, most = 0;

	for (int k = 0; k < stacks; k++) {
		total += stack_bytes[k];
		most = fmax(most, stack_bytes[k]);
	}
	return most > 0 ? total / (stacks * most) : 1;
}

/* Running totals of a split, so flipping one expert costs O(stacks). */
struct split {
	struct gpu_expert_load gpu;	/* the GPU's grouped kernel */
	double stack_ns[64];
	double stack_gpu_bytes[64];	/* the GPU's weights by the stack holding them */
};

static void split_init(const struct sched_gpu *g, struct split *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < g->n; i++) {
		const struct sched_expert *x = &g->x[i];
		if (x->on_pim)
			s->stack_ns[x->stack] += x->pim_ns;
		else {
			gpu_load_add(g->hw, &s->gpu, x->tokens, 1);
			s->stack_gpu_bytes[x->stack] += model_expert_bytes(g->model);
		}
	}
}

static void split_move(const struct sched_gpu *g, struct split *s, const struct sched_expert *x,
		       int to_pim)
{
	double sign = to_pim ? -1 : 1;

	gpu_load_add(g->hw, &s->gpu, x->tokens, (int)sign);
	s->stack_gpu_bytes[x->stack] += sign * model_expert_bytes(g->model);
	s->stack_ns[x->stack] -= sign * x->pim_ns;
}

/* How long after the GPU's ready (bank PIM) or the dispatch (Logic-PIM)
 * stack k becomes free; written so that stacks freed with the GPU give
 * exactly 0 (one micro-batch's numbers do not move). */
static double stack_wait(const struct sched_gpu *g, int k)
{
	double r = g->stack_ready_ns ? g->stack_ready_ns[k] : g->locks_stacks ? g->ready_ns : 0;

	return g->locks_stacks ? r - g->ready_ns : r;
}

static double split_cost(const struct sched_gpu *g, const struct split *s)
{
	const struct model *m = g->model;
	/* the busiest stack sets the pace (sim.h: one layout) */
	double gpu = gpu_load_bw_ns(g->hw, g->speed, m->hidden, m->expert_inter,
				    m->expert_weight_bytes, &s->gpu, GPU_GROUPED,
				    sched_stack_bw_scale(s->stack_gpu_bytes, g->stacks));
	double pim = 0;

	/* the last stack's PIM end, after the GPU's ready with bank PIM (the
	 * kernel waits for it), after the dispatch with Logic-PIM */
	for (int k = 0; k < g->stacks; k++)
		pim = fmax(pim, stack_wait(g, k) + s->stack_ns[k]);
	return g->locks_stacks ? g->ready_ns + gpu + pim : fmax(g->ready_ns + gpu, pim);
}

double sched_sieve_estimate(const struct sched_gpu *g)
{
	struct split s;

	split_init(g, &s);
	return split_cost(g, &s);
}

/* Margins under the simulation's model: the cost of flipping each expert. */
static void fill_margins(struct sched_gpu *g)
{
	struct split s;
	double base;

	split_init(g, &s);
	base = split_cost(g, &s);
	for (int i = 0; i < g->n; i++) {
		struct sched_expert *x = &g->x[i];
		split_move(g, &s, x, !x->on_pim);
		x->margin_ns = split_cost(g, &s) - base;
		split_move(g, &s, x, x->on_pim);
	}
}

static int by_tokens(const void *a, const void *b)
{
	const struct sched_expert *x = a, *y = b;

	if (x->tokens != y->tokens)
		return x->tokens - y->tokens;
	return x->expert - y->expert;
}

static void set_all(struct sched_gpu *g, int on_pim, int reason)
{
	for (int i = 0; i < g->n; i++) {
		g->x[i].on_pim = on_pim;
		g->x[i].reason = reason;
	}
}

/*
 * Duplex's device estimate from its offline table: per-expert GPU time
 * (its marginal share of a grouped kernel) and PIM time, each measured
 * alone, the two sides assumed to overlap for free and PIM spread evenly.
 */
static double duplex_estimate(const struct sched_gpu *g)
{
	double gpu = 0, pim = 0;
	int any_gpu = 0;

	for (int i = 0; i < g->n; i++) {
		if (g->x[i].on_pim)
			pim += g->x[i].pim_ns;
		else {
			gpu += g->x[i].gpu_ns;
			any_gpu = 1;
		}
	}
	if (any_gpu)
		gpu += gpu_fixed_ns(g->hw, g->speed, GPU_GROUPED);
	return fmax(gpu, pim / g->stacks);
}

static void duplex(const struct sched_params *p, struct sched_gpu *g)
{
	(void)p;
	double best;
	int i;

	set_all(g, 0, REASON_MOVE_STOPPED);
	best = duplex_estimate(g);
	for (i = 0; i < g->n; i++) {	/* x is sorted by tokens */
		double est;
		g->x[i].on_pim = 1;
		est = duplex_estimate(g);
		if (est >= best) {
			g->x[i].on_pim = 0;
			break;
		}
		best = est;
		g->x[i].reason = REASON_MOVE_IMPROVED;
	}
	g->est_ns = best;
}

struct level {
	double pim_ns;		/* its stack's PIM work with it and the fewer-token ones */
	int i;			/* the expert */
};

static int by_level(const void *a, const void *b)
{
	const struct level *x = a, *y = b;

	if (x->pim_ns != y->pim_ns)
		return x->pim_ns < y->pim_ns ? -1 : 1;
	return x->i - y->i;
}

/*
 * Sieve's candidate splits.  Within a stack the fewest-token experts go to
 * PIM first (each frees the same weight bytes from the GPU's kernel for the
 * least PIM time).  Across stacks, both the GPU's kernel (its busiest stack,
 * sched_stack_bw_scale) and PIM (its busiest stack) go at the pace of one
 * stack, so the candidates are "every stack moves its fewest-token experts
 * to PIM while its PIM work stays within a level": raising the level moves
 * one expert at a time, in order of the PIM work it brings its stack to.
 * Returns how many of order[] (the moves, in that order) the best takes.
 */
static int best_level(const struct sched_gpu *g, struct level *order, double *best)
{
	double stack_ns[64] = {0};
	struct split s;
	int take = 0;

	for (int i = 0; i < g->n; i++) {	/* x is sorted by tokens */
		stack_ns[g->x[i].stack] += g->x[i].pim_ns;
		order[i].pim_ns = stack_ns[g->x[i].stack];
		order[i].i = i;
	}
	qsort(order, (size_t)g->n, sizeof *order, by_level);
	split_init(g, &s);	/* every expert on the GPU */
	*best = split_cost(g, &s);
	for (int k = 0; k < g->n; k++) {
		double c;
		split_move(g, &s, &g->x[order[k].i], 1);
		c = split_cost(g, &s);
		if (c < *best) {
			*best = c;
			take = k + 1;
		}
	}
	return take;
}

static void sieve(const struct sched_params *p, struct sched_gpu *g)
{
	struct level *order = xcalloc((size_t)g->n + 1, sizeof *order);
	struct split s;
	double best;
	int take;

	(void)p;
	set_all(g, 0, REASON_BEST_SPLIT_GPU);
	take = best_level(g, order, &best);
	for (int k = 0; k < take; k++) {
		g->x[order[k].i].on_pim = 1;
		g->x[order[k].i].reason = REASON_BEST_SPLIT_PIM;
	}
	free(order);
	/*
	 * Levels can be beaten (a bigger expert on an idle stack beats a
	 * smaller one on a busy stack): flip single experts while that helps,
	 * so no one flip can improve the estimate.
	 */
	split_init(g, &s);
	for (int pass = 0, changed = 1; changed && pass < 4 * g->n + 4; pass++) {
		changed = 0;
		for (int i = 0; i < g->n; i++) {
			struct sched_expert *x = &g->x[i];
			double c;
			split_move(g, &s, x, !x->on_pim);
			c = split_cost(g, &s);
			if (c < best - 1e-9) {
				best = c;
				x->on_pim = !x->on_pim;
				x->reason = x->on_pim ? REASON_BEST_SPLIT_PIM : REASON_BEST_SPLIT_GPU;
				changed = 1;
			} else {
				split_move(g, &s, x, x->on_pim);
			}
		}
	}
	g->est_ns = best;
}

static void all_on_gpu(const struct sched_params *p, struct sched_gpu *g)
{
	(void)p;
	set_all(g, 0, REASON_POLICY_ALL_GPU);
}

static void all_in_pim(const struct sched_params *p, struct sched_gpu *g)
{
	(void)p;
	set_all(g, 1, REASON_POLICY_ALL_PIM);
}

static void threshold(const struct sched_params *p, struct sched_gpu *g)
{
	for (int i = 0; i < g->n; i++) {
		g->x[i].on_pim = g->x[i].tokens <= p->tau;
		g->x[i].reason = g->x[i].on_pim ? REASON_AT_OR_BELOW_TAU : REASON_ABOVE_TAU;
	}
}

/*
 * The policies: one row each (id, name, help, needs PIM costs, attention,
 * native device, partition).  The native device is the PIM its paper
 * assumes (compare --native): AttAcc and CENT bank PIM, Duplex Logic-PIM.
 */
#define POLICIES(X) \
	X(SCHED_GPU, "gpu", "every expert on the GPUs (today's serving stacks)", \
	  0, SCHED_ATTN_NEVER, SCHED_NATIVE_NONE, all_on_gpu) \
	X(SCHED_ATTACC, "attacc", "attention in PIM, experts on the GPUs (AttAcc, NeuPIMs)", \
	  0, SCHED_ATTN_ALWAYS, PIM_BANK, all_on_gpu) \
	X(SCHED_PIM, "pim", "every expert with tokens in PIM", \
	  0, SCHED_ATTN_NEVER, PIM_BANK, all_in_pim) \
	X(SCHED_DUPLEX, "duplex", "Duplex: fewest-token experts to PIM while its table says " \
	  "it helps", 1, SCHED_ATTN_ALWAYS, PIM_LOGIC, duplex) \
	X(SCHED_THRESHOLD, "threshold", "experts with at most tau tokens in PIM (a static rule)", \
	  0, SCHED_ATTN_NEVER, PIM_BANK, threshold) \
	X(SCHED_ATTACC_THRESHOLD, "attacc-threshold", "attention in PIM (AttAcc), experts with " \
	  "at most tau tokens in PIM", 0, SCHED_ATTN_ALWAYS, PIM_BANK, threshold) \
	X(SCHED_CENT, "cent", "attention and every expert in PIM, GPUs for the dense " \
	  "projections (CENT-like)", 0, SCHED_ATTN_ALWAYS, PIM_BANK, all_in_pim) \
	X(SCHED_SIEVE, "sieve", "per GPU and layer, the split with the shortest critical " \
	  "path", 1, SCHED_ATTN_IF_FASTER, PIM_BANK, sieve)

#define POLICY_INFO(id, nm, hl, costs, attn, dev, fn) \
	[id] = {.name = nm, .help = hl, .needs_pim_costs = costs, .attention_in_pim = attn, \
		.native_pim = dev, .partition = fn},
#define POLICY_NAME(id, nm, hl, costs, attn, dev, fn) [id] = nm,

const struct sched_policy_info sched_policies[SCHED_NPOLICIES] = {POLICIES(POLICY_INFO)};
const char *const sched_policy_names[SCHED_NPOLICIES + 1] = {POLICIES(POLICY_NAME)};

int sched_policy_find(const char *name)
{
	for (int p = 0; p < SCHED_NPOLICIES; p++)
		if (strcmp(sched_policies[p].name, name) == 0)
			return p;
	return -1;
}

int sched_needs_pim_costs(int policy)
{
	return sched_policies[policy].needs_pim_costs;
}

int sched_attention_in_pim(int policy, double gpu_ns, double pim_ns)
{
	switch (sched_policies[policy].attention_in_pim) {
	case SCHED_ATTN_ALWAYS:
		return 1;
	case SCHED_ATTN_IF_FASTER:
		return pim_ns < gpu_ns;
	default:
		return 0;
	}
}

void sched_partition(const struct sched_params *p, struct sched_gpu *g)
{
	qsort(g->x, (size_t)g->n, sizeof *g->x, by_tokens);
	sched_policies[p->policy].partition(p, g);
	for (int i = 0; i < g->n; i++) {
		if (g->x[i].pim_ns < 0) {	/* not computed: no estimate, no margins */
			for (int k = 0; k < g->n; k++)
				g->x[k].margin_ns = NAN;
			g->est_ns = NAN;
			return;
		}
	}
	if (!sched_needs_pim_costs(p->policy))
		g->est_ns = sched_sieve_estimate(g);
	fill_margins(g);
}

int sched_crossover_tau(struct pimcost *pim, const struct hw *gpu_view, const struct model *m,
			int *tau, struct err *e)
{
	*tau = 0;
	for (int t = 1; t <= 64; t++) {
		double gpu = gpu_expert_ns(gpu_view, GPU_NOMINAL, m->hidden, m->expert_inter,
					   m->expert_weight_bytes, t), ns;
		if (pimcost_expert_ns(pim, t, &ns, e) != 0)
			return -1;
		if (ns > gpu)
			break;
		*tau = t;
	}
	return 0;
}
