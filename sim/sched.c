/* sched.c - partition policies and their decision records (see sched.h). */
#include "sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

const char *const sched_policy_names[] = {"gpu", "attacc", "pim", "duplex", "threshold", "sieve",
					  NULL};

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
	return policy == SCHED_ATTACC || policy == SCHED_DUPLEX;
}

int sched_pim_locks_stacks(const struct hw *hw)
{
	return hw->hbm.pim_kind != PIM_LOGIC;
}

/* Running totals of a split, so flipping one expert costs O(stacks). */
struct split {
	struct gpu_expert_load gpu;	/* the GPU's grouped kernel */
	double stack_ns[64];
};

static void split_init(const struct sched_gpu *g, struct split *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < g->n; i++) {
		const struct sched_expert *x = &g->x[i];
		if (x->on_pim)
			s->stack_ns[x->stack] += x->pim_ns;
		else
			gpu_load_add(g->hw, &s->gpu, x->tokens, 1);
	}
}

static void split_move(const struct sched_gpu *g, struct split *s, const struct sched_expert *x,
		       int to_pim)
{
	double sign = to_pim ? -1 : 1;

	gpu_load_add(g->hw, &s->gpu, x->tokens, (int)sign);
	s->stack_ns[x->stack] -= sign * x->pim_ns;
}

static double split_cost(const struct sched_gpu *g, const struct split *s)
{
	const struct model *m = g->model;
	double gpu = gpu_load_ns(g->hw, g->speed, m->hidden, m->expert_inter, m->expert_weight_bytes,
				 &s->gpu, GPU_GROUPED);
	double pim = 0;

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
		gpu += gpu_fixed_ns(g->hw, g->speed, GPU_GROUPED);
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

static void sieve(struct sched_gpu *g)
{
	struct split s;
	double best;
	int best_k = 0;

	set_all(g, 0, REASON_BEST_SPLIT_GPU);
	split_init(g, &s);
	best = split_cost(g, &s);
	for (int k = 1; k <= g->n; k++) {	/* the k fewest-token experts in PIM */
		double c;
		split_move(g, &s, &g->x[k - 1], 1);
		c = split_cost(g, &s);
		if (c < best) {
			best = c;
			best_k = k;
		}
	}
	for (int i = 0; i < best_k; i++) {
		g->x[i].on_pim = 1;
		g->x[i].reason = REASON_BEST_SPLIT_PIM;
	}
	/*
	 * A prefix can be beaten when stacks are uneven (a bigger expert on an
	 * idle stack beats a smaller one on a busy stack): flip single experts
	 * while that helps, so no one flip can improve the estimate.
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
		set_all(g, 1, REASON_POLICY_ALL_PIM);
		break;
	case SCHED_THRESHOLD:
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
