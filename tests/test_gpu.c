/*
 * test_gpu.c - the GPU model against the H100 measurements in data/gpu.
 *
 * Every row of the three expert-FFN files is predicted (median, worst and
 * mean signed relative error); the uneven-layer rows go through
 * gpu_experts_ns with their token counts, the call `probe gpu --counts`
 * makes.  A leave-one-shape-out refit shows that the model's form, not a
 * lookup, carries to shapes it was not fitted on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram_probe.h"
#include "gpu.h"
#include "tests.h"
#include "testutil.h"

#define MAX_ROWS 256
#define MAX_EXPERTS 128

enum row_kind { ROW_LOOP, ROW_GROUPED, ROW_UNEVEN, ROW_KINDS };

static const char *const kind_names[ROW_KINDS] = {"loop", "grouped", "uneven"};

struct row {
	int kind;		/* enum row_kind */
	char shape[32];
	int hidden, inter, experts, tokens;	/* tokens: per expert (loop, grouped) */
	int counts[MAX_EXPERTS];		/* uneven: tokens per expert */
	double us;		/* measured, whole kernel (all experts) */
};

static int parse_counts(const char *text, int *counts, int max)
{
	int n = 0, used;

	while (n < max && sscanf(text, "%d%n", &counts[n], &used) == 1) {
		text += used;
		n++;
	}
	return n;
}

static int parse_row(int kind, const char *line, struct row *r)
{
	char counts[1024], dist[32];
	int total;

	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->experts = 1;
	switch (kind) {
	case ROW_LOOP:
		return sscanf(line, "%31[^,],%d,%d,%d,%lf", r->shape, &r->hidden, &r->inter, &r->tokens,
			      &r->us) == 5;
	case ROW_GROUPED:
		return sscanf(line, "%31[^,],%d,%d,%d,%d,%lf", r->shape, &r->hidden, &r->inter,
			      &r->experts, &r->tokens, &r->us) == 6;
	default:
		return sscanf(line, "%31[^,],%d,%d,%d,%d,%31[^,],%1023[^,],%lf", r->shape, &r->hidden,
			      &r->inter, &r->experts, &total, dist, counts, &r->us) == 8 &&
		       r->experts <= MAX_EXPERTS &&
		       parse_counts(counts, r->counts, MAX_EXPERTS) == r->experts;
	}
}

/* All three files, loop, grouped (bmm, us_layer) and uneven (us_layer). */
static int load_rows(struct row *rows, int max)
{
	static const char *const files[ROW_KINDS] = {
		TEST_DATADIR "/gpu/h100_sxm_expert_ffn_loop.csv",
		TEST_DATADIR "/gpu/h100_sxm_expert_ffn_grouped.csv",
		TEST_DATADIR "/gpu/h100_sxm_moe_layer_uneven.csv"};
	int n = 0;

	for (int f = 0; f < ROW_KINDS; f++) {
		FILE *in = fopen(files[f], "r");
		char line[2048];

		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		if (fgets(line, sizeof line, in) == NULL)	/* header */
			break;
		while (n < max && fgets(line, sizeof line, in))
			n += parse_row(f, line, &rows[n]);
		fclose(in);
	}
	return n;
}

static double predict_us(const struct hw *hw, const struct row *r)
{
	if (r->kind == ROW_UNEVEN)
		return gpu_experts_ns(hw, GPU_NOMINAL, r->hidden, r->inter, 2.0, r->counts, r->experts) / 1e3;
	return gpu_experts_uniform_ns(hw, GPU_NOMINAL, r->hidden, r->inter, 2.0, r->experts, r->tokens) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct errors {
	int n;
	double median, worst, mean_signed;
};

/* Errors over the rows of one kind, only of shape (or all but shape when !want_shape). */
static struct errors errors_of(const struct hw *hw, const struct row *rows, int n, int kind,
			       const char *shape, int want_shape)
{
	double e[MAX_ROWS];
	struct errors r = {0, 0, 0, 0};

	for (int i = 0; i < n; i++) {
		double rel;
		if (rows[i].kind != kind ||
		    (shape && (strcmp(rows[i].shape, shape) == 0) != want_shape))
			continue;
		rel = (predict_us(hw, &rows[i]) - rows[i].us) / rows[i].us;
		r.mean_signed += rel;
		e[r.n++] = fabs(rel);
	}
	if (r.n == 0)
		return r;
	qsort(e, (size_t)r.n, sizeof *e, cmp_double);
	r.median = r.n % 2 ? e[r.n / 2] : (e[r.n / 2 - 1] + e[r.n / 2]) / 2;
	r.worst = e[r.n - 1];
	r.mean_signed /= r.n;
	return r;
}

static void print_errors(const char *what, int kind, struct errors r)
{
	printf("\n    %-26s %-7s %2d rows: median %4.1f%%, worst %4.1f%%, mean %+5.1f%% ", what,
	       kind_names[kind], r.n, 100 * r.median, 100 * r.worst, 100 * r.mean_signed);
}

/*
 * Tolerances: just above what the fitted model achieves (gpu.h): uneven
 * 3.2% / 12.4% / +0.2%, grouped (bmm) 3.5% / 22%, loop 4.8% / 20%.  The
 * issue's target for uneven layers was 10% / 25% / no systematic sign.
 */
static void matches_every_measured_row(void)
{
	static struct row rows[MAX_ROWS];
	static const double max_median[ROW_KINDS] = {0.06, 0.05, 0.04};
	static const double max_worst[ROW_KINDS] = {0.22, 0.25, 0.15};
	struct hw hw = test_hw("h100x4-pim");
	int n = load_rows(rows, MAX_ROWS);

	CU_ASSERT_EQUAL(n, 52 + 90 + 60);
	for (int k = 0; k < ROW_KINDS; k++) {
		struct errors r = errors_of(&hw, rows, n, k, NULL, 0);
		print_errors("all shapes", k, r);
		CU_ASSERT(r.median <= max_median[k]);
		CU_ASSERT(r.worst <= max_worst[k]);
		CU_ASSERT(fabs(r.mean_signed) <= 0.02);
	}
}

/* The fitted constants, as pointers into a struct hw, with their bounds. */
struct param {
	double *v, lo, hi;
};

static double fit_cost(const struct hw *hw, const struct row *rows, int n, const char *skip)
{
	double cost = 0;

	for (int i = 0; i < n; i++) {
		double r;
		if (strcmp(rows[i].shape, skip) == 0)
			continue;
		r = log(predict_us(hw, &rows[i]) / rows[i].us);
		cost += (rows[i].kind == ROW_UNEVEN ? 2 : 1) * r * r;	/* as gpu.h's fit */
	}
	return cost;
}

/* Coordinate search: scale each parameter up and down, halving the step when stuck. */
static void refit(struct hw *hw, struct param *p, int np, const struct row *rows, int n,
		  const char *skip)
{
	double best = fit_cost(hw, rows, n, skip);

	for (double step = 0.2; step > 0.002; step /= 2) {
		int improved = 1;
		while (improved) {
			improved = 0;
			for (int i = 0; i < np; i++)
				for (int dir = -1; dir <= 1; dir += 2) {
					double old = *p[i].v, c;
					*p[i].v = fmin(p[i].hi, fmax(p[i].lo, old * (1 + dir * step)));
					c = fit_cost(hw, rows, n, skip);
					if (c < best - 1e-12) {
						best = c;
						improved = 1;
					} else {
						*p[i].v = old;
					}
				}
		}
	}
}

/*
 * Refit every fitted constant without one shape's rows (from a neutral
 * start, not the shipped values), then predict that shape.  The uneven
 * shapes are the test the issue set: fitted without them, their layers
 * must stay within its 10% median and 25% worst.
 */
static void generalises_to_held_out_shapes(void)
{
	static const char *const shapes[] = {"qwen3_30b_a3b", "gpt_oss_120b", "qwen3_235b_a22b",
					     "qwen3.5_397b_a17b"};
	static struct row rows[MAX_ROWS];
	int n = load_rows(rows, MAX_ROWS);

	for (int s = 0; s < 4; s++) {
		struct hw hw = test_hw("h100x4-pim");
		struct param p[] = {
			{&hw.kernel_overhead_ns, 0, 1e5}, {&hw.grouped_overhead_ns, 0, 1e5},
			{&hw.eff_bw_gbps, 500, 3350},	  {&hw.grouped_bw_eff, 0.1, 1},
			{&hw.roofline_p, 1, 16},	  {&hw.l2_reread, 0.01, 1},
		};
		hw.kernel_overhead_ns = hw.grouped_overhead_ns = 10000;
		hw.eff_bw_gbps = 2500;
		hw.grouped_bw_eff = 0.8;
		hw.roofline_p = 2;
		hw.l2_reread = 0.5;
		refit(&hw, p, (int)(sizeof p / sizeof p[0]), rows, n, shapes[s]);
		for (int k = 0; k < ROW_KINDS; k++) {
			struct errors r = errors_of(&hw, rows, n, k, shapes[s], 1);
			char what[64];
			if (r.n == 0)
				continue;
			snprintf(what, sizeof what, "held out %s", shapes[s]);
			print_errors(what, k, r);
			CU_ASSERT(r.median <= (k == ROW_UNEVEN ? 0.10 : 0.15));
			CU_ASSERT(r.worst <= (k == ROW_UNEVEN ? 0.25 : 0.35));
		}
	}
}

/* p-norm of the model, for the hand derivations below. */
static double blend(const struct hw *hw, double a, double b)
{
	return pow(pow(a, hw->roofline_p) + pow(b, hw->roofline_p), 1 / hw->roofline_p);
}

/*
 * One wave of 64 x 128 tiles over K, each on one SM at F / sms; with fewer
 * tiles than SMs, K is split over floor(sms / tiles) SMs.
 */
static double wave_ns(const struct hw *hw, double k, int tiles)
{
	int split = tiles < hw->sms ? hw->sms / tiles : 1;

	return 2.0 * hw->tile_m * hw->tile_n * k / split / (hw->eff_tflops * 1e3 / hw->sms);
}

/* Tiles, waves, padding and re-reads, derived by hand. */
static void tile_model_by_hand(void)
{
	struct hw hw = test_hw("h100x4-pim");
	double bw = hw.eff_bw_gbps, gbw = bw * hw.grouped_bw_eff;
	int counts[4] = {0, 3, 0, 1}, both[2] = {3, 1};
	/* Qwen3-30B-A3B expert: gate/up 1536 x 2048 (12 column tiles), down 2048 x 768 (16). */
	double up_bytes = 1536.0 * 2048 * 2, down_bytes = 2048.0 * 768 * 2;
	double one = hw.kernel_overhead_ns + blend(&hw, up_bytes / bw, wave_ns(&hw, 2048, 12)) +
		     blend(&hw, down_bytes / bw, wave_ns(&hw, 768, 16));

	CU_ASSERT_EQUAL(hw.tile_m, 64);
	CU_ASSERT_EQUAL(hw.tile_n, 128);
	CU_ASSERT_EQUAL(hw.sms, 132);
	/* One expert, 1 token: one wave per GEMM (12 and 16 tiles, K split 11 and 8 ways). */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 1, 1), one, 1e-6);
	/* Padding: 64 tokens fill the same tile as 1.  The 65th adds a row tile,
	 * which re-reads l2_reread of the weights; its 24 and 32 tiles still fit
	 * one wave, split 5 and 4 ways. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 1, 64), one, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 1, 65),
			       hw.kernel_overhead_ns +
				       blend(&hw, up_bytes * (1 + hw.l2_reread) / bw, wave_ns(&hw, 2048, 24)) +
				       blend(&hw, down_bytes * (1 + hw.l2_reread) / bw, wave_ns(&hw, 768, 32)),
			       1e-6);
	/* Waves: 11 experts are 132 gate/up tiles (one wave), 12 are 144 (two);
	 * down: 8 experts are 128 tiles (one wave), 11 are 176 (two). */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 11, 1),
			       hw.kernel_overhead_ns + blend(&hw, 11 * up_bytes / bw, wave_ns(&hw, 2048, 132)) +
				       blend(&hw, 11 * down_bytes / bw, 2 * wave_ns(&hw, 768, 176)),
			       1e-6);
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 12, 1),
			       hw.kernel_overhead_ns +
				       blend(&hw, 12 * up_bytes / bw, 2 * wave_ns(&hw, 2048, 144)) +
				       blend(&hw, 12 * down_bytes / bw, 2 * wave_ns(&hw, 768, 192)),
			       1e-6);
	/* Grouped: experts without tokens are not launched; {0,3,0,1} is {3,1},
	 * the grouped fixed cost added and weights at the grouped rate. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 4),
			       gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, both, 2), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 4),
			       hw.kernel_overhead_ns + hw.grouped_overhead_ns +
				       blend(&hw, 2 * up_bytes / gbw, wave_ns(&hw, 2048, 24)) +
				       blend(&hw, 2 * down_bytes / gbw, wave_ns(&hw, 768, 32)),
			       1e-6);
	/* Held back by its busiest stack (a quarter of the bandwidth): only the
	 * weight streaming slows, the tiles' compute does not. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_bw_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 4, 0.25),
			       hw.kernel_overhead_ns + hw.grouped_overhead_ns +
				       blend(&hw, 2 * up_bytes / (gbw / 4), wave_ns(&hw, 2048, 24)) +
				       blend(&hw, 2 * down_bytes / (gbw / 4), wave_ns(&hw, 768, 32)),
			       1e-6);
	CU_ASSERT_EQUAL(gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 1), 0);
	/* A GPU at speed 0.8 on both sides takes 1/0.8 of the time. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, (struct gpu_speed){0.8, 0.8}, 2048, 768, 2,
					      counts, 4) * 0.8,
			       gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 4), 1e-6);
	/* One side slower: each GEMM's term of that side is scaled before the
	 * blend, the launch chain follows the compute clock. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, (struct gpu_speed){1.0, 0.8}, 2048, 768, 2,
					      counts, 4),
			       hw.kernel_overhead_ns + hw.grouped_overhead_ns +
				       blend(&hw, 2 * up_bytes / gbw / 0.8, wave_ns(&hw, 2048, 24)) +
				       blend(&hw, 2 * down_bytes / gbw / 0.8, wave_ns(&hw, 768, 32)),
			       1e-6);
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_ns(&hw, (struct gpu_speed){0.8, 1.0}, 2048, 768, 2,
					      counts, 4),
			       (hw.kernel_overhead_ns + hw.grouped_overhead_ns) / 0.8 +
				       blend(&hw, 2 * up_bytes / gbw, wave_ns(&hw, 2048, 24) / 0.8) +
				       blend(&hw, 2 * down_bytes / gbw, wave_ns(&hw, 768, 32) / 0.8),
			       1e-6);
	/* 4096 tokens on one expert: 64 row tiles, so 768 gate/up tiles (6 waves)
	 * and 1024 down tiles (8 waves); the weights are read 1 + 63 x l2_reread
	 * times. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_experts_uniform_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 1, 4096),
			       hw.kernel_overhead_ns +
				       blend(&hw, up_bytes * (1 + 63 * hw.l2_reread) / bw, 6 * wave_ns(&hw, 2048, 768)) +
				       blend(&hw, down_bytes * (1 + 63 * hw.l2_reread) / bw, 8 * wave_ns(&hw, 768, 1024)),
			       1e-6);
}

/* The load is additive: adding and removing experts is what gpu_experts_ns sums. */
static void load_is_additive(void)
{
	struct hw hw = test_hw("h100x4-pim");
	int counts[5] = {7, 0, 200, 1, 64};
	struct gpu_expert_load l = {0, 0};

	for (int i = 0; i < 5; i++)
		gpu_load_add(&hw, &l, counts[i], 1);
	CU_ASSERT_EQUAL(l.experts, 4);
	CU_ASSERT_EQUAL(l.m_tiles, 1 + 4 + 1 + 1);
	CU_ASSERT_DOUBLE_EQUAL(gpu_load_ns(&hw, GPU_NOMINAL, 2048, 768, 2, &l, GPU_GROUPED),
			       gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, counts, 5), 1e-9);
	for (int i = 0; i < 5; i++)
		gpu_load_add(&hw, &l, counts[i], -1);
	CU_ASSERT_EQUAL(l.experts, 0);
	CU_ASSERT_EQUAL(l.m_tiles, 0);
	CU_ASSERT_EQUAL(gpu_load_ns(&hw, GPU_NOMINAL, 2048, 768, 2, &l, GPU_GROUPED), 0);
	/* One expert's share is its kernel without the fixed cost. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_expert_ns(&hw, GPU_NOMINAL, 2048, 768, 2, 200) +
				       gpu_fixed_ns(&hw, GPU_NOMINAL, GPU_GROUPED),
			       gpu_experts_ns(&hw, GPU_NOMINAL, 2048, 768, 2, &counts[2], 1), 1e-9);
}

static void attention_matches_measurements(void)
{
	struct hw hw = test_hw("h100x4-pim");
	struct model m;
	struct err e;
	FILE *in = fopen(TEST_DATADIR "/gpu/h100_sxm_decode_attention.csv", "r");
	char line[512];
	double errs[64], fastest = INFINITY;
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
		errs[n++] = fabs(gpu_attention_ns(&hw, GPU_NOMINAL, &m, 0, batch, ctx) / 1e3 - us) / us;
		fastest = fmin(fastest, us);
	}
	fclose(in);
	CU_ASSERT_EQUAL(n, 24);
	qsort(errs, (size_t)n, sizeof errs[0], cmp_double);
	printf("\n    attention %d rows: median %.1f%%, max %.1f%% ", n,
	       100 * (errs[n / 2 - 1] + errs[n / 2]) / 2, 100 * errs[n - 1]);
	CU_ASSERT((errs[n / 2 - 1] + errs[n / 2]) / 2 <= 0.15);
	CU_ASSERT(errs[n - 1] <= 0.35);
	/* A dense GEMM's launch is below the fastest whole attention kernel
	 * measured (7.4 us): the expert chain's 12.6 us is three kernels. */
	CU_ASSERT(hw.gemm_launch_ns < fastest * 1e3);
	CU_ASSERT_DOUBLE_EQUAL(hw.gemm_launch_ns, hw.kernel_overhead_ns / 3, 100);
}

/* Projections, router and LM head: GEMMs with their own launch, by hand. */
static void dense_kernels_by_hand(void)
{
	struct hw hw = test_hw("h100x4-pim");
	struct model m;
	struct err e;
	double bw, lm_bytes, lm_tiles;

	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "qwen3-30b-a3b", &e), 0);
	bw = hw.eff_bw_gbps;
	CU_ASSERT_EQUAL(m.vocab, 151936);	/* Qwen/Qwen3-30B-A3B config.json */
	/* QKV 2048 -> 32x128 + 2x4x128 (40 tiles, split 3), O 4096 -> 2048 (16, split 8). */
	CU_ASSERT_DOUBLE_EQUAL(gpu_attn_proj_ns(&hw, GPU_NOMINAL, &m, 16),
			       2 * hw.gemm_launch_ns +
				       blend(&hw, 5120.0 * 2048 * 2 / bw, wave_ns(&hw, 2048, 40)) +
				       blend(&hw, 2048.0 * 4096 * 2 / bw, wave_ns(&hw, 4096, 16)),
			       1e-6);
	/* Router: 128 experts x 2048 is one tile (split over every SM), then a top-k launch. */
	CU_ASSERT_DOUBLE_EQUAL(gpu_router_ns(&hw, GPU_NOMINAL, &m, 16),
			       2 * hw.gemm_launch_ns + blend(&hw, 128.0 * 2048 * 2 / bw, wave_ns(&hw, 2048, 1)),
			       1e-6);
	/* LM head: 151936 rows are 1187 column tiles, 9 waves; sampling reads FP32 logits. */
	lm_bytes = 151936.0 * 2048 * 2;
	lm_tiles = ceil(151936.0 / 128);
	CU_ASSERT_DOUBLE_EQUAL(lm_tiles, 1187, 0);
	CU_ASSERT_DOUBLE_EQUAL(gpu_lm_head_ns(&hw, GPU_NOMINAL, &m, 16),
			       2 * hw.gemm_launch_ns + blend(&hw, lm_bytes / bw, 9 * wave_ns(&hw, 2048, 1187)) +
				       16 * 151936.0 * 4 / bw,
			       1e-6);
	CU_ASSERT_EQUAL(gpu_router_ns(&hw, GPU_NOMINAL, &m, 0), 0);
	CU_ASSERT_EQUAL(gpu_lm_head_ns(&hw, GPU_NOMINAL, &m, 0), 0);
}

/*
 * The GPU model streams weights at stream_efficiency x stacks x the stack
 * peak; the cycle-level DRAM model, streaming reads on every stack of the
 * GPU, must agree within 10% at both data rates, and the faster stacks
 * must speed up the GPU's reads in proportion (6.4 / 5.2).
 */
static void streaming_bandwidth_follows_the_stacks(void)
{
	static const char *const presets[] = {"h100x4-pim", "h100x4-pim-6400"};
	double gbps[2];

	for (int i = 0; i < 2; i++) {
		struct hw hw = test_hw(presets[i]);
		struct dram_probe_result r;
		struct err e;
		double dram_gbps;

		CU_ASSERT_EQUAL_FATAL(dram_probe_run(&hw.hbm, DRAM_PROBE_SEQ, 1.0, 100000, 1, 1, &r, &e), 0);
		dram_gbps = r.bw_gbps * hw.stacks;
		gbps[i] = gpu_stream_gbps(&hw);
		printf("\n    %-16s DRAM model %.0f GB/s over %d stacks, GPU model %.0f GB/s ", presets[i],
		       dram_gbps, hw.stacks, gbps[i]);
		CU_ASSERT_DOUBLE_EQUAL(gbps[i],
				       hw.stream_efficiency * hw.stacks * hbm_peak_gbps(&hw.hbm), 1e-9);
		CU_ASSERT(fabs(dram_gbps - gbps[i]) / gbps[i] <= 0.10);
		CU_ASSERT(gbps[i] <= hw.stacks * hbm_peak_gbps(&hw.hbm));
	}
	CU_ASSERT_DOUBLE_EQUAL(gbps[1] / gbps[0], 6.4 / 5.2, 1e-9);
	/* so a memory-bound expert kernel is faster on the faster stacks */
	{
		struct hw slow = test_hw("h100x4-pim"), fast = test_hw("h100x4-pim-6400");
		CU_ASSERT(gpu_experts_uniform_ns(&fast, GPU_NOMINAL, 2048, 768, 2, 32, 1) <
			  0.9 * gpu_experts_uniform_ns(&slow, GPU_NOMINAL, 2048, 768, 2, 32, 1));
	}
}

void test_gpu_register(void)
{
	static const struct test_case cases[] = {
		{"matches every measured H100 row", matches_every_measured_row},
		{"generalises to held-out shapes", generalises_to_held_out_shapes},
		{"tile model derived by hand", tile_model_by_hand},
		{"expert load is additive", load_is_additive},
		{"attention matches measured SDPA", attention_matches_measurements},
		{"dense kernels derived by hand", dense_kernels_by_hand},
		{"streaming bandwidth follows the stacks", streaming_bandwidth_follows_the_stacks},
		{NULL, NULL},
	};
	tests_add_suite("gpu", cases);
}
