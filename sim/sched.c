/* sched.c - partition policies and their decision records (see sched.h). */
#include "sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

const char *const sched_policy_names[] = {"gpu", "attacc", "pim", "duplex", "threshold",
					  "attacc-threshold", "cent", "sieve", NULL};

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

int sched_needs_pim_costs(int policy)
{
	return policy == SCHED_DUPLEX || policy == SCHED_SIEVE;
}

int sched_attention_in_pim(int policy)
{
	return policy == SCHED_ATTACC || policy == SCHED_DUPLEX || policy == SCHED_ATTACC_THRESHOLD ||
	       policy == SCHED_CENT;
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
	double gpu_bytes, gpu_flops;
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
			s->gpu_bytes += model_expert_bytes(g->model);
			s->stack_gpu_bytes[x->stack] += model_expert_bytes(g->model);
			s->gpu_flops += model_expert_flops(g->model) * x->tokens;
		}
	}
}

static void split_move(const struct sched_gpu *g, struct split *s, const struct sched_expert *x,
		       int to_pim)
{
	double sign = to_pim ? -1 : 1;

	s->gpu_bytes += sign * model_expert_bytes(g->model);
	s->stack_gpu_bytes[x->stack] += sign * model_expert_bytes(g->model);
	s->gpu_flops += sign * model_expert_flops(g->model) * x->tokens;
	s->stack_ns[x->stack] -= sign * x->pim_ns;
}

static double split_cost(const struct sched_gpu *g, const struct split *s)
{
	double gpu = 0, pim = 0;

	if (s->gpu_bytes > 0.5)	/* the busiest stack sets the pace (sim.h: one layout) */
		gpu = gpu_kernel_ns(g->hw, g->speed,
				    s->gpu_bytes / sched_stack_bw_scale(s->stack_gpu_bytes, g->stacks),
				    s->gpu_flops);
	for (int k = 0; k < g->stacks; k++)
		if (s->stack_ns[k] > pim)
			pim = s->stack_ns[k];
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
		gpu += g->hw->kernel_overhead_ns / g->speed;
	return fmax(gpu, pim / g->stacks);
}

static void duplex(struct sched_gpu *g)
{
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

static void sieve(struct sched_gpu *g)
{
	struct level *order = xcalloc((size_t)g->n + 1, sizeof *order);
	struct split s;
	double best;
	int take;

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

void sched_partition(const struct sched_params *p, struct sched_gpu *g)
{
	qsort(g->x, (size_t)g->n, sizeof *g->x, by_tokens);
	switch (p->policy) {
	case SCHED_PIM:
	case SCHED_CENT:
		set_all(g, 1, REASON_POLICY_ALL_PIM);
		break;
	case SCHED_THRESHOLD:
	case SCHED_ATTACC_THRESHOLD:
		for (int i = 0; i < g->n; i++) {
			g->x[i].on_pim = g->x[i].tokens <= p->tau;
			g->x[i].reason = g->x[i].on_pim ? REASON_AT_OR_BELOW_TAU : REASON_ABOVE_TAU;
		}
		break;
	case SCHED_DUPLEX:
		duplex(g);
		break;
	case SCHED_SIEVE:
		sieve(g);
		break;
	default:	/* gpu, attacc */
		set_all(g, 0, REASON_POLICY_ALL_GPU);
		break;
	}
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

int sched_native_pim_kind(int policy)
{
	switch (policy) {
	case SCHED_GPU:
		return -1;
	case SCHED_DUPLEX:
		return PIM_LOGIC;
	default:
		return PIM_BANK;
	}
}

int sched_crossover_tau(struct pimcost *pim, const struct hw *gpu_view, const struct model *m)
{
	int tau = 0;

	for (int t = 1; t <= 64; t++) {
		double gpu = gpu_kernel_ns(gpu_view, 1, model_expert_bytes(m),
					   model_expert_flops(m) * t) - gpu_view->kernel_overhead_ns;
		if (pimcost_expert_ns(pim, t) > gpu)
			break;
		tau = t;
	}
	return tau;
}
