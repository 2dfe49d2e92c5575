/*
 * test_sched.c - partition policies on hand-made layers: the static rules,
 * sieve against a brute force over every split, duplex's blind spot.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gpu.h"
#include "rng.h"
#include "sched.h"
#include "tests.h"

static struct hw hw;
static struct model model;

static int setup(void)
{
	struct err e;

	if (hw_load(&hw, TEST_DATADIR, "h100x4-pim", &e) != 0 ||
	    model_load(&model, TEST_DATADIR, "qwen3-30b-a3b", &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

/* n experts with these tokens on stacks i % stacks, PIM time pim_per_token x tokens. */
static struct sched_gpu make(struct sched_expert *x, const int *tokens, int n, int stacks,
			     double pim_per_token)
{
	struct sched_gpu g = {&hw, 1, &model, GPU_NOMINAL, stacks, x, n, 0, 0, NULL};

	for (int i = 0; i < n; i++) {
		memset(&x[i], 0, sizeof x[i]);
		x[i].expert = i;
		x[i].stack = i % stacks;
		x[i].tokens = tokens[i];
		x[i].gpu_ns = model_expert_bytes(&model) / hw.eff_bw_gbps;
		x[i].pim_ns = pim_per_token * tokens[i];
	}
	return g;
}

static int on_pim(const struct sched_gpu *g, int expert)
{
	for (int i = 0; i < g->n; i++)
		if (g->x[i].expert == expert)
			return g->x[i].on_pim;
	return -1;
}

static void static_rules(void)
{
	static const int tokens[] = {5, 1, 2, 9, 1};
	struct sched_expert x[5];
	struct sched_params p = {SCHED_THRESHOLD, 2};
	struct sched_gpu g = make(x, tokens, 5, 5, 1000);

	sched_partition(&p, &g);
	CU_ASSERT_EQUAL(on_pim(&g, 0), 0);
	CU_ASSERT_EQUAL(on_pim(&g, 1), 1);
	CU_ASSERT_EQUAL(on_pim(&g, 2), 1);
	CU_ASSERT_EQUAL(on_pim(&g, 3), 0);
	CU_ASSERT_EQUAL(on_pim(&g, 4), 1);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(x[i].reason, x[i].on_pim ? REASON_AT_OR_BELOW_TAU : REASON_ABOVE_TAU);
	p.policy = SCHED_PIM;
	g = make(x, tokens, 5, 5, 1000);
	sched_partition(&p, &g);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(x[i].on_pim, 1);
	p.policy = SCHED_GPU;
	g = make(x, tokens, 5, 5, 1000);
	sched_partition(&p, &g);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(x[i].on_pim, 0);
	CU_ASSERT_TRUE(sched_attention_in_pim(SCHED_ATTACC, 1, 2));
	CU_ASSERT_FALSE(sched_attention_in_pim(SCHED_THRESHOLD, 2, 1));
	CU_ASSERT_TRUE(sched_attention_in_pim(SCHED_SIEVE, 2, 1));
	CU_ASSERT_FALSE(sched_attention_in_pim(SCHED_SIEVE, 1, 2));
}

/*
 * The estimate by hand: with bank PIM the stacks are shared in time, so
 * expert phase = GPU kernel of the GPU experts + the busiest stack's PIM.
 * The GPU's experts 1 and 3 both sit on stack 1 of 2, so the kernel reads
 * their 2b bytes at one stack's bandwidth, half the GPU's: as long as 4b.
 */
static void estimate_by_hand(void)
{
	static const int tokens[] = {1, 1, 3, 40};
	struct sched_expert x[4];
	struct sched_gpu g = make(x, tokens, 4, 2, 1000);
	int gpu_counts[2] = {1, 40};	/* experts 1 and 3 */
	double kernel = gpu_experts_bw_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
					  model.expert_weight_bytes, gpu_counts, 2, 0.5);

	x[0].on_pim = x[2].on_pim = 1;	/* both on stack 0: 1000 + 3000 */
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), kernel + 4000, 1e-6);
	g.locks_stacks = 0;	/* logic PIM: the two overlap */
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), fmax(kernel, 4000), 1e-6);
	x[1].on_pim = x[3].on_pim = 1;	/* nothing on the GPU: no kernel at all */
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), 41000, 1e-6);
	/* shared experts busy 5000 ns after the dispatch: with bank PIM they hold
	 * the stacks too, with Logic-PIM only the GPU */
	x[1].on_pim = x[3].on_pim = 0;
	g.ready_ns = 5000;
	g.locks_stacks = 1;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), 5000 + kernel + 4000, 1e-6);
	g.locks_stacks = 0;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), fmax(5000 + kernel, 4000), 1e-6);
	/* with micro-batches the stacks have their own backlog: stack 0 busy
	 * until 7000 ns with the other micro-batch's PIM experts, stack 1 free.
	 * Bank PIM: stack 0's two experts end at 7000 + 4000 = 11000, and the
	 * kernel starts then (after the GPU's 5000 too).  Logic-PIM: the kernel
	 * starts at 5000, stack 0 ends at 11000 */
	double stack_ready[2] = {7000, 0};
	g.stack_ready_ns = stack_ready;
	g.locks_stacks = 1;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), 11000 + kernel, 1e-6);
	g.locks_stacks = 0;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), fmax(5000 + kernel, 11000), 1e-6);
	/* the GPU busier than the stacks (its kernel waits for the GPU alone) */
	stack_ready[0] = 1000;
	g.locks_stacks = 1;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), fmax(5000, 1000 + 4000) + kernel, 1e-6);
	stack_ready[0] = 0;
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), 5000 + kernel, 1e-6);
}

/* Minimum of the estimate over all 2^n splits. */
static double brute_force(struct sched_gpu *g)
{
	double best = INFINITY;

	for (unsigned mask = 0; mask < 1u << g->n; mask++) {
		for (int i = 0; i < g->n; i++)
			g->x[i].on_pim = (mask >> i) & 1;
		best = fmin(best, sched_sieve_estimate(g));
	}
	return best;
}

/*
 * 200 random layers: sieve's split must be within 0.5% of the brute-force
 * optimum in every one and above it in at most 25.  Achieved: 21 above,
 * each by at most 0.2% (a grouped kernel goes at its busiest stack's
 * pace, which the candidate order by PIM work per stack does not always
 * reach); before stack bandwidth entered the estimate it was 0 of 200.
 */
static void sieve_finds_the_best_split(void)
{
	struct rng r;
	int worse = 0;

	rng_seed(&r, 42);
	for (int trial = 0; trial < 200; trial++) {
		struct sched_expert x[10], saved[10];
		struct sched_params p = {SCHED_SIEVE, 0};
		int tokens[10], n = 2 + (int)rng_below(&r, 9), stacks = 1 + (int)rng_below(&r, 4);
		struct sched_gpu g;
		double opt;

		for (int i = 0; i < n; i++)	/* bimodal: mostly 1-3 tokens, some hot */
			tokens[i] = rng_uniform(&r) < 0.7 ? 1 + (int)rng_below(&r, 3)
							  : 8 + (int)rng_below(&r, 60);
		g = make(x, tokens, n, stacks, 1450 + 300 * rng_uniform(&r));
		g.locks_stacks = trial % 2;
		sched_partition(&p, &g);
		memcpy(saved, x, sizeof x);
		CU_ASSERT_DOUBLE_EQUAL(g.est_ns, sched_sieve_estimate(&g), 1e-6);
		for (int i = 0; i < n; i++)	/* no single flip helps */
			CU_ASSERT(x[i].margin_ns >= -1e-6);
		opt = brute_force(&g);
		CU_ASSERT(g.est_ns <= opt * 1.005 + 1e-6);
		worse += g.est_ns > opt + 1e-6;
		memcpy(x, saved, sizeof x);
	}
	printf("\n    sieve above the brute-force optimum in %d of 200 random layers ", worse);
	/* 21 today, each within 0.2%: the kernel's pace is its busiest stack's */
	CU_ASSERT(worse <= 25);
}

/*
 * Duplex's table assumes GPU and PIM overlap for free and PIM spreads over
 * all stacks; with bank PIM on one stack neither holds, so it moves more
 * than it should.  Sieve, costing contention, moves fewer and its split is
 * better by the simulation's model.
 */
static void duplex_is_blind_to_contention(void)
{
	static const int tokens[] = {1, 1, 1, 1, 2, 2, 2, 3, 3, 30};
	struct sched_expert a[10], b[10];
	struct sched_params pd = {SCHED_DUPLEX, 0}, ps = {SCHED_SIEVE, 0};
	struct sched_gpu gd = make(a, tokens, 10, 1, 1450), gs = make(b, tokens, 10, 1, 1450);
	int nd = 0, ns = 0;

	sched_partition(&pd, &gd);
	sched_partition(&ps, &gs);
	for (int i = 0; i < 10; i++) {
		nd += a[i].on_pim;
		ns += b[i].on_pim;
	}
	CU_ASSERT(nd > ns);
	CU_ASSERT(sched_sieve_estimate(&gd) > sched_sieve_estimate(&gs));
	CU_ASSERT(gd.est_ns < sched_sieve_estimate(&gd));	/* duplex believed it was faster */
	for (int i = 0; i < 10; i++)
		if (a[i].on_pim)
			CU_ASSERT_EQUAL(a[i].reason, REASON_MOVE_IMPROVED);
}

/*
 * One layout for both sides: an expert sits in one stack, so the GPU reads
 * one expert at one stack's bandwidth (1 / stacks of the GPU's), and a
 * grouped kernel goes at its busiest stack's pace.
 */
static void one_stack_expert_at_one_stack_bandwidth(void)
{
	static const int tokens[] = {1, 1, 1, 1, 1};
	struct sched_expert x[5];
	struct sched_gpu g = make(x, tokens, 1, 5, 1000);
	int one[1] = {1};
	double bytes[5] = {0, 0, 3, 0, 0};
	double lone = gpu_experts_bw_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
					model.expert_weight_bytes, one, 1, 0.2);

	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g), lone, 1e-6);
	CU_ASSERT(lone > gpu_experts_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
					model.expert_weight_bytes, one, 1) + 1);
	g = make(x, tokens, 5, 5, 1000);	/* one expert on each stack: all of the bandwidth */
	CU_ASSERT_DOUBLE_EQUAL(sched_sieve_estimate(&g),
			       gpu_experts_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
					      model.expert_weight_bytes, tokens, 5), 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(sched_stack_bw_scale(bytes, 5), 0.2, 1e-12);
	bytes[0] = 1;	/* 4 bytes, the busiest stack 3 of them: 4 / (5 x 3) */
	CU_ASSERT_DOUBLE_EQUAL(sched_stack_bw_scale(bytes, 5), 4.0 / 15, 1e-12);
}

/*
 * The fixed tau is where the two per-expert costs cross: at tau tokens one
 * expert in PIM is no slower than its marginal time in the GPU's kernel,
 * at tau + 1 it is (checked on the cycle model's own times).
 */
static void crossover_tau_is_where_costs_cross(void)
{
	struct pimcost pim;
	struct err e;
	double at, above;
	int tau;

	CU_ASSERT_EQUAL_FATAL(pimcost_init(&pim, &hw, &model, &e), 0);
	CU_ASSERT_EQUAL_FATAL(sched_crossover_tau(&pim, &hw, &model, &tau, &e), 0);
	CU_ASSERT(tau >= 1 && tau < 64);
	CU_ASSERT_EQUAL_FATAL(pimcost_expert_ns(&pim, tau, &at, &e), 0);
	CU_ASSERT_EQUAL_FATAL(pimcost_expert_ns(&pim, tau + 1, &above, &e), 0);
	CU_ASSERT(at <= gpu_expert_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
				      model.expert_weight_bytes, tau));
	CU_ASSERT(above > gpu_expert_ns(&hw, GPU_NOMINAL, model.hidden, model.expert_inter,
					model.expert_weight_bytes, tau + 1));
	pimcost_release(&pim);
}

void test_sched_register(void)
{
	static const struct test_case cases[] = {
		{"static rules", static_rules},
		{"estimate by hand, bank and logic PIM", estimate_by_hand},
		{"sieve's split within 0.5% of the brute-force optimum, above it in <= 25 of 200 layers", sieve_finds_the_best_split},
		{"duplex is blind to contention", duplex_is_blind_to_contention},
		{"the fixed tau is where PIM and GPU costs cross", crossover_tau_is_where_costs_cross},
		{"the GPU reads a one-stack expert at one stack's bandwidth",
		 one_stack_expert_at_one_stack_bandwidth},
		{NULL, NULL},
	};
	if (setup() != 0)
		CU_FAIL("cannot load presets");
	tests_add_suite("sched", cases);
}
