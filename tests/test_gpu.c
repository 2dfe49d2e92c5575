/*
 * test_gpu.c - the GPU model against the H100 measurements in data/gpu.
 *
 * Every row of both expert-FFN files is predicted and compared (median and
 * worst relative error); a leave-one-shape-out refit shows that the model's
 * form, not a lookup, carries to shapes it was not fitted on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram_probe.h"
#include "gpu.h"
#include "tests.h"
#include "testutil.h"

struct row {
	char shape[32];
	int hidden, inter, experts, tokens;
	double us;	/* measured, whole kernel (all experts) */
};

/* Both files: loop (one expert) and grouped (E experts, us_layer). */
static int load_rows(struct row *rows, int max)
{
	static const char *const files[] = {TEST_DATADIR "/gpu/h100_sxm_expert_ffn_loop.csv",
					    TEST_DATADIR "/gpu/h100_sxm_expert_ffn_grouped.csv"};
	int n = 0;

	for (int f = 0; f < 2; f++) {
		FILE *in = fopen(files[f], "r");
		char line[512];

		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		if (fgets(line, sizeof line, in) == NULL)	/* header */
			break;
		while (n < max && fgets(line, sizeof line, in)) {
			struct row *r = &rows[n];
			double per_expert, layer;
			if (f == 0) {
				if (sscanf(line, "%31[^,],%d,%d,%d,%lf", r->shape, &r->hidden, &r->inter,
					   &r->tokens, &per_expert) != 5)
					continue;
				r->experts = 1;
				r->us = per_expert;
			} else {
				if (sscanf(line, "%31[^,],%d,%d,%d,%d,%lf", r->shape, &r->hidden,
					   &r->inter, &r->experts, &r->tokens, &layer) != 6)
					continue;
				r->us = layer;
			}
			n++;
		}
		fclose(in);
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median and max relative error over rows (optionally only/except shape). */
static void errors(const struct hw *hw, const struct row *rows, int n, const char *shape,
		   int want_shape, double *median, double *worst)
{
	double *e = malloc(sizeof *e * (size_t)n);
	int m = 0;

	for (int i = 0; i < n; i++) {
		double pred;
		if (shape && (strcmp(rows[i].shape, shape) == 0) != want_shape)
			continue;
		pred = gpu_experts_uniform_ns(hw, 1.0, rows[i].hidden, rows[i].inter, 2.0,
					      rows[i].experts, rows[i].tokens) / 1e3;
		e[m++] = fabs(pred - rows[i].us) / rows[i].us;
	}
	qsort(e, (size_t)m, sizeof *e, cmp_double);
	*median = m % 2 ? e[m / 2] : (e[m / 2 - 1] + e[m / 2]) / 2;
	*worst = e[m - 1];
	free(e);
}

static void matches_every_measured_row(void)
{
	static struct row rows[512];
	struct hw hw = test_hw("h100x4-pim");
	int n = load_rows(rows, 512);
	double median, worst;

	CU_ASSERT_EQUAL(n, 52 + 90);
	errors(&hw, rows, n, NULL, 0, &median, &worst);
	printf("\n    all %d rows: median %.1f%%, max %.1f%% ", n, 100 * median, 100 * worst);
	CU_ASSERT(median <= 0.15);
	CU_ASSERT(worst <= 0.35);
}

/*
 * Refit overhead, bandwidth and throughput on three shapes by a grid search
 * of the summed squared relative error, then predict the fourth.
 */
static void generalises_to_held_out_shapes(void)
{
	static const char *const shapes[] = {"qwen3_30b_a3b", "gpt_oss_120b", "qwen3_235b_a22b",
					     "qwen3.5_397b_a17b"};
	static struct row rows[512];
	struct hw base = test_hw("h100x4-pim");
	int n = load_rows(rows, 512);

	for (int s = 0; s < 4; s++) {
		struct hw best = base, hw = base;
		double best_cost = INFINITY, median, worst;

		for (double oh = 6000; oh <= 18000; oh += 1000)
			for (double bw = 2200; bw <= 3400; bw += 100)
				for (double fl = 400; fl <= 800; fl += 25) {
					double cost = 0;
					hw.kernel_overhead_ns = oh;
					hw.eff_bw_gbps = bw;
					hw.eff_tflops = fl;
					for (int i = 0; i < n; i++) {
						double p, r;
						if (strcmp(rows[i].shape, shapes[s]) == 0)
							continue;
						p = gpu_experts_uniform_ns(&hw, 1.0, rows[i].hidden, rows[i].inter,
									   2.0, rows[i].experts, rows[i].tokens);
						r = (p / 1e3 - rows[i].us) / rows[i].us;
						cost += r * r;
					}
					if (cost < best_cost) {
						best_cost = cost;
						best = hw;
					}
				}
		errors(&best, rows, n, shapes[s], 1, &median, &worst);
		printf("\n    held out %-18s median %.1f%%, max %.1f%% ", shapes[s], 100 * median,
		       100 * worst);
		CU_ASSERT(median <= 0.15);
		CU_ASSERT(worst <= 0.35);
	}
}

/* Limits of the formula, derived by hand. */
static void roofline_limits(void)
{
	struct hw hw = test_hw("h100x4-pim");
	int counts[4] = {0, 3, 0, 1};
	double bytes = 3.0 * 2048 * 768 * 2;

	/* One token: memory-bound, overhead + bytes/BW (compute ~0.03 us adds < 0.01%). */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, 1.0, 2048, 768, 2, 1, 1),
			       hw.kernel_overhead_ns + bytes / hw.eff_bw_gbps, 5.0);
	/* Huge token counts: compute-bound, flops / F. */
	{
		double flops = 2.0 * 3 * 2048 * 768 * 1e6;
		double t = gpu_experts_uniform_ns(&hw, 1.0, 2048, 768, 2, 1, 1000000);
		CU_ASSERT_DOUBLE_EQUAL(t / (flops / (hw.eff_tflops * 1e3)), 1.0, 0.01);
	}
	/* Experts without tokens are not launched: {0,3,0,1} = 2 experts, 4 token-slots. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, 1.0, 2048, 768, 2, counts, 4),
			       gpu_kernel_ns(&hw, 1.0, 2 * bytes, 2.0 * 3 * 2048 * 768 * 4), 1e-6);
	CU_ASSERT_EQUAL(gpu_experts_ns(&hw, 1.0, 2048, 768, 2, counts, 1), 0);
	/* A GPU at speed 0.8 takes 1/0.8 of the time. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, 0.8, 2048, 768, 2, counts, 4) * 0.8,
			       gpu_experts_ns(&hw, 1.0, 2048, 768, 2, counts, 4), 1e-6);
	/* DESIGN.md: 128 grouped experts at 1 token cost ~3.2 us each, the flat region
	 * lasts to ~128-256 tokens. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, 1.0, 2048, 768, 2, 128, 1) / 128e3, 3.2, 0.3);
	CU_ASSERT(gpu_experts_uniform_ns(&hw, 1.0, 2048, 768, 2, 128, 128) <
		  1.5 * gpu_experts_uniform_ns(&hw, 1.0, 2048, 768, 2, 128, 1));
}

static void attention_matches_measurements(void)
{
	struct hw hw = test_hw("h100x4-pim");
	struct model m;
	struct err e;
	FILE *in = fopen(TEST_DATADIR "/gpu/h100_sxm_decode_attention.csv", "r");
	char line[512];
	double errs[64];
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "qwen3-30b-a3b", &e), 0);
	if (fgets(line, sizeof line, in) == NULL)
		CU_FAIL("empty attention file");
	while (n < 64 && fgets(line, sizeof line, in)) {
		char name[64];
		int q, kv, dim, batch, ctx;
		double us;
		if (sscanf(line, "%63[^,],%d,%d,%d,%d,%d,%lf", name, &q, &kv, &dim, &batch, &ctx, &us) != 7)
			continue;
		m.q_heads = q;
		m.kv_heads = kv;
		m.head_dim = dim;
		errs[n++] = fabs(gpu_attention_ns(&hw, 1.0, &m, 0, batch, ctx) / 1e3 - us) / us;
	}
	fclose(in);
	CU_ASSERT_EQUAL(n, 24);
	qsort(errs, (size_t)n, sizeof errs[0], cmp_double);
	printf("\n    attention %d rows: median %.1f%%, max %.1f%% ", n,
	       100 * (errs[n / 2 - 1] + errs[n / 2]) / 2, 100 * errs[n - 1]);
	CU_ASSERT((errs[n / 2 - 1] + errs[n / 2]) / 2 <= 0.15);
	CU_ASSERT(errs[n - 1] <= 0.35);
}

/*
 * The GPU model streams expert weights at eff_bw_gbps, fitted to measured
 * kernels; the cycle-level DRAM model, streaming reads on every stack of
 * the GPU, must agree within 10% (this is how the GPU's weight reads are
 * "calibrated against" the memory model, sim/sim.h).
 */
static void streaming_bandwidth_agrees_with_the_dram_model(void)
{
	struct hw hw = test_hw("h100x4-pim");
	struct dram_probe_result r;
	struct err e;
	double gpu_gbps;

	CU_ASSERT_EQUAL_FATAL(dram_probe_run(&hw.hbm, DRAM_PROBE_SEQ, 1.0, 100000, 1, 1, &r, &e), 0);
	gpu_gbps = r.bw_gbps * hw.stacks;
	printf("\n    DRAM model %.0f GB/s over %d stacks, GPU model %.0f GB/s ", gpu_gbps, hw.stacks,
	       hw.eff_bw_gbps);
	CU_ASSERT(fabs(gpu_gbps - hw.eff_bw_gbps) / hw.eff_bw_gbps <= 0.10);
	CU_ASSERT(gpu_gbps <= hw.hbm_gbps);
}

void test_gpu_register(void)
{
	static const struct test_case cases[] = {
		{"matches every measured H100 row", matches_every_measured_row},
		{"generalises to held-out shapes", generalises_to_held_out_shapes},
		{"roofline limits derived by hand", roofline_limits},
		{"attention matches measured SDPA", attention_matches_measurements},
		{"streaming bandwidth agrees with the DRAM model", streaming_bandwidth_agrees_with_the_dram_model},
		{NULL, NULL},
	};
	tests_add_suite("gpu", cases);
}
