/*
 * test_routing.c - routing: statistics by hand, the synthetic presets
 * against closed forms and recorded routing, purity, and trace replay and
 * its errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "routing.h"
#include "tests.h"
#include "testutil.h"

#define ROUTING_DIR TEST_DATADIR "/routing"

static int init(struct routing *r, const struct model *m, const char *spec, uint64_t seed)
{
	struct err e;
	int rc = routing_init(r, m, TEST_DATADIR, spec, seed, &e);

	if (rc != 0)
		fprintf(stderr, "\n%s: %s\n", spec, e.msg);
	return rc;
}

/* Statistics of `iters` batches x every MoE layer. */
static struct routing_stats measure(struct routing *r, const struct model *m, int batch,
				    int iters)
{
	int *assign = calloc((size_t)batch * (size_t)m->top_k, sizeof *assign);
	int *counts = calloc((size_t)m->experts, sizeof *counts);
	struct routing_stats st;

	routing_stats_init(&st);
	for (int it = 0; it < iters; it++) {
		for (int l = 0; l < r->layers; l++) {
			routing_batch(r, it, l, batch, assign);
			routing_count(m, assign, batch, counts);
			routing_stats_add(&st, counts, m->experts, batch, m->top_k);
		}
	}
	routing_stats_finish(&st);
	free(assign);
	free(counts);
	return st;
}

static struct routing_stats measure_spec(const struct model *m, const char *spec, int batch,
					 int iters)
{
	struct routing_stats st;
	struct routing r;

	memset(&st, 0, sizeof st);
	CU_ASSERT_FATAL(init(&r, m, spec, 1) == 0);
	st = measure(&r, m, batch, iters);
	routing_release(&r);
	return st;
}

/* ---- statistics ---- */

static void stats_by_hand(void)
{
	/* 10 experts, 5 tokens x top-2; the busiest max(1, round(10/10)) = 1 */
	static const int a[] = {4, 0, 1, 1, 2, 0, 0, 2, 0, 0};
	static const int b[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	/* 20 experts: the busiest 2, tied with a third at 3 tokens */
	static const int c[20] = {3, 0, 3, 0, 0, 3, 1};
	struct routing_stats s;
	const struct model m = {.experts = 10, .top_k = 2};
	static const int assign[] = {0, 4, 0, 7, 0, 2, 0, 3, 4, 7};
	int counts[10];

	routing_count(&m, assign, 5, counts);
	CU_ASSERT_EQUAL(memcmp(counts, a, sizeof a), 0);

	routing_stats_init(&s);
	routing_stats_add(&s, a, 10, 5, 2);
	routing_stats_finish(&s);
	CU_ASSERT_DOUBLE_EQUAL(s.activated, 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.frac_single, 2.0 / 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.top10_share, 4.0 / 10, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max_load, 4, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.hist[0], 0.4, 1e-12);	/* 1 token: two experts */
	CU_ASSERT_DOUBLE_EQUAL(s.hist[1], 0.4, 1e-12);	/* 2 tokens: two */
	CU_ASSERT_DOUBLE_EQUAL(s.hist[2], 0.2, 1e-12);	/* 3-4 tokens: one */

	routing_stats_init(&s);
	routing_stats_add(&s, a, 10, 5, 2);
	routing_stats_add(&s, b, 10, 5, 2);
	routing_stats_finish(&s);
	CU_ASSERT_EQUAL(s.samples, 2);
	CU_ASSERT_DOUBLE_EQUAL(s.activated, 7.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.frac_single, 0.7, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.top10_share, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max_load, 2.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.hist[0], 0.7, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.hist[1], 0.2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.hist[2], 0.1, 1e-12);

	routing_stats_init(&s);
	routing_stats_add(&s, c, 20, 5, 2);
	routing_stats_finish(&s);
	CU_ASSERT_DOUBLE_EQUAL(s.top10_share, 6.0 / 10, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.frac_single, 1.0 / 4, 1e-12);
}

static void histogram_bins(void)
{
	CU_ASSERT_EQUAL(routing_hist_lo(0), 1);
	CU_ASSERT_EQUAL(routing_hist_hi(0), 1);
	CU_ASSERT_EQUAL(routing_hist_lo(1), 2);
	CU_ASSERT_EQUAL(routing_hist_hi(1), 2);
	CU_ASSERT_EQUAL(routing_hist_lo(2), 3);
	CU_ASSERT_EQUAL(routing_hist_hi(2), 4);
	CU_ASSERT_EQUAL(routing_hist_lo(3), 5);
	CU_ASSERT_EQUAL(routing_hist_hi(3), 8);
	CU_ASSERT_EQUAL(routing_hist_hi(ROUTING_HIST_BINS - 1), -1);
	/* the bins tile 1.. without gaps or overlaps */
	for (int c = 1; c <= 5000; c++) {
		int b = routing_hist_bin(c);
		CU_ASSERT_TRUE(routing_hist_lo(b) <= c);
		CU_ASSERT_TRUE(routing_hist_hi(b) == -1 || c <= routing_hist_hi(b));
	}
	for (int b = 1; b < ROUTING_HIST_BINS; b++)
		CU_ASSERT_EQUAL(routing_hist_lo(b), routing_hist_hi(b - 1) + 1);
}

/* ---- synthetic routing ---- */

/* Every token's ids distinct and in range, also at the edges of the
 * parameter ranges (model.c allows skew and affinity up to 20). */
static int check_ids(struct model *m, int batch, int iters)
{
	struct routing r;
	int *out = malloc((size_t)batch * (size_t)m->top_k * sizeof *out), bad = 0;

	if (init(&r, m, "synthetic", 7) != 0) {
		free(out);
		return -1;
	}
	for (int it = 0; it < iters; it++) {
		for (int l = 0; l < r.layers; l++) {
			routing_batch(&r, it * 97, l, batch, out);
			for (int t = 0; t < batch; t++) {
				const int *ids = out + t * m->top_k;
				for (int j = 0; j < m->top_k; j++) {
					bad += ids[j] < 0 || ids[j] >= m->experts;
					for (int i = 0; i < j; i++)
						bad += ids[i] == ids[j];
				}
			}
		}
	}
	routing_release(&r);
	free(out);
	return bad;
}

static void ids_distinct_and_in_range(void)
{
	static const char *const models[] = {"qwen3-30b-a3b", "gpt-oss-120b", "qwen3.5-397b-a17b",
					     "qwen3-235b-a22b", "deepseek-v3", "deepseek-v2-lite",
					     "mixtral-8x7b", "olmoe-1b-7b"};
	struct model m;

	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
		m = test_model(models[i]);
		CU_ASSERT_EQUAL(check_ids(&m, 64, 2), 0);
		CU_ASSERT_EQUAL(check_ids(&m, 1, 2), 0);
	}
	m = test_model("qwen3.5-397b-a17b");
	m.routing_skew = m.routing_affinity = 20;	/* most weights round to 0 */
	CU_ASSERT_EQUAL(check_ids(&m, 300, 1), 0);
	m = test_model("mixtral-8x7b");
	m.top_k = m.experts;	/* every token must get all of them */
	CU_ASSERT_EQUAL(check_ids(&m, 50, 3), 0);
	m.routing_skew = m.routing_affinity = 20;
	CU_ASSERT_EQUAL(check_ids(&m, 50, 3), 0);
}

/* P(position j of a token = e) under Plackett-Luce, by enumerating every
 * ordered draw: the reference the fast sampler is compared against. */
static void plackett_luce(const double *w, int E, int k, int depth, unsigned used, double p,
			  double left, double marg[][8])
{
	for (int e = 0; e < E; e++) {
		if (used & 1u << e)
			continue;
		marg[depth][e] += p * w[e] / left;
		if (depth + 1 < k)
			plackett_luce(w, E, k, depth + 1, used | 1u << e, p * w[e] / left,
				      left - w[e], marg);
	}
}

/*
 * The sampler draws each expert in proportion to its weight among those
 * not drawn yet.  With one cluster, no affinity and no drift the weights
 * are exp(skew z0_e); 8 experts, top-4, 204800 tokens: every position's
 * frequency against the exact probability.  Seed 21 achieves 0.0021, seeds
 * 1-6 at most 0.0021 (sampling noise, about 2 standard deviations): the
 * limit is 0.0026, that + 20%.  Catches drawing with exp(1.05 skew z)
 * instead of exp(skew z) (0.0045).
 */
static void sampler_is_plackett_luce(void)
{
	struct model m = test_model("mixtral-8x7b");
	double w[8], want[4][8] = {{0}}, got[4][8] = {{0}}, total = 0, worst = 0;
	int batch = 4096, iters = 50, *out;
	struct routing r;

	m.top_k = 4;
	m.routing_skew = 1.2;
	m.routing_affinity = 0;
	m.routing_clusters = 1;
	m.routing_drift = 0;
	CU_ASSERT_FATAL(init(&r, &m, "synthetic", 21) == 0);
	for (int e = 0; e < 8; e++)
		total += w[e] = exp(m.routing_skew * r.z0[e]);
	plackett_luce(w, 8, 4, 0, 0, 1, total, want);
	out = malloc((size_t)batch * 4 * sizeof *out);
	for (int it = 0; it < iters; it++) {
		routing_batch(&r, it, 0, batch, out);	/* z0[0..7] is layer 0 */
		for (int i = 0; i < batch * 4; i++)
			got[i % 4][out[i]] += 1.0 / ((double)batch * iters);
	}
	for (int j = 0; j < 4; j++)
		for (int e = 0; e < 8; e++)
			worst = fmax(worst, fabs(got[j][e] - want[j][e]));
	CHECK_AT_MOST("worst |frequency - Plackett-Luce probability|", worst, 0.0026);
	free(out);
	routing_release(&r);
}

/* Uniform routing the plain way: k distinct experts by rejection, one rng. */
static struct routing_stats uniform_reference(const struct model *m, int batch, int samples)
{
	int *assign = malloc((size_t)batch * (size_t)m->top_k * sizeof *assign);
	int *counts = malloc((size_t)m->experts * sizeof *counts);
	struct routing_stats st;
	struct rng g;

	rng_seed(&g, 77);
	routing_stats_init(&st);
	for (int n = 0; n < samples; n++) {
		for (int t = 0; t < batch; t++)
			for (int j = 0; j < m->top_k; j++) {
				int *id = &assign[t * m->top_k + j], dup;
				do {
					*id = (int)rng_below(&g, (uint64_t)m->experts);
					dup = 0;
					for (int i = 0; i < j; i++)
						dup |= assign[t * m->top_k + i] == *id;
				} while (dup);
			}
		routing_count(m, assign, batch, counts);
		routing_stats_add(&st, counts, m->experts, batch, m->top_k);
	}
	routing_stats_finish(&st);
	free(assign);
	free(counts);
	return st;
}

/*
 * skew = affinity = 0 is uniform routing.  Each expert then gets
 * Binomial(B, k/E) tokens: E[activated] = E (1 - (1 - k/E)^B) and one-token
 * experts E B (k/E) (1 - k/E)^(B-1).  Qwen3-30B-A3B at batch 64: 125.94
 * and 7.0% (rounded: 126 activated, 7% with one token).  The top-10% share
 * and the busiest expert have no closed form: they are compared with a
 * plain rejection sampler over as many batches (960).
 * Achieved (seed 1; in brackets the worst of seeds 1-6): activated 0.0003
 * (0.031), one-token share 0.0001 (0.0008), top-10% share 0.00014
 * (0.0004), busiest 0.004 (0.041) from the reference; each limit is about
 * the seeds' worst + 20%, as sampling noise is no regression.  Catches a
 * sampler that never draws the last 0.5% of the mass (top-10% share off by
 * 0.0005), which the former limits (0.3, 0.005, 0.01, 0.5) let through.
 */
static void uniform_matches_closed_form(void)
{
	struct model m = test_model("qwen3-30b-a3b");
	struct routing_stats s, ref;
	double E = m.experts, k = m.top_k, B = 64, p = k / E;
	double act = E * (1 - pow(1 - p, B)), single = E * B * p * pow(1 - p, B - 1) / act;
	double sum = 0;

	m.routing_skew = m.routing_affinity = 0;
	s = measure_spec(&m, "synthetic", 64, 20);
	ref = uniform_reference(&m, 64, 20 * 48);
	CU_ASSERT_DOUBLE_EQUAL(act, 125.94, 0.01);
	CHECK_WITHIN("activated vs closed form", s.activated, act, 0.14);
	CHECK_WITHIN("one-token share vs closed form", s.frac_single, single, 0.001);
	CHECK_WITHIN("top-10% share vs reference", s.top10_share, ref.top10_share, 0.0005);
	CHECK_WITHIN("busiest vs reference", s.max_load, ref.max_load, 0.06);
	for (int b = 0; b < ROUTING_HIST_BINS; b++)
		sum += s.hist[b];
	CU_ASSERT_DOUBLE_EQUAL(sum, 1, 1e-9);
}

/*
 * The Qwen3-30B-A3B preset against the recorded batch quoted in its model
 * file (60 active, 0.18 one-token share, 0.58 top-10% share, busiest 42),
 * 20 iterations x 48 layers at batch 64.  Seed 1 is off by 0.56, 0.0015,
 * 0.0044 and 0.87; seeds 1-6 by at most 0.72, 0.0104, 0.0172 and 2.8, and
 * the limits are those + 20% (another seed's noise is no regression).
 * Catches routing_skew or routing_affinity off by 10% (activated moves by
 * 1.5-4) and 10 clusters instead of 12 (activated -2.2); the former limits
 * (8, 0.06, 0.06, 8) passed all of them.
 */
static void qwen_preset_matches_recorded_batch(void)
{
	struct model m = test_model("qwen3-30b-a3b");
	struct routing_stats s = measure_spec(&m, "synthetic", 64, 20);

	CHECK_WITHIN("activated", s.activated, 60, 0.9);
	CHECK_WITHIN("one-token share", s.frac_single, 0.18, 0.0125);
	CHECK_WITHIN("top-10% share", s.top10_share, 0.58, 0.021);
	CHECK_WITHIN("busiest", s.max_load, 42, 3.4);
}

/*
 * The DeepSeek-V2-Lite preset against replays of the shipped traces at
 * batch 64, 40 iterations x 26 layers.  The preset was tuned to the mean
 * of the three tasks (its model file), so each figure is checked against
 * that mean.  Seed 1 is off by 0.05 active, 0.0105 one-token share, 0.003
 * top-10% share, 0.62 busiest; seeds 1-6 by at most 0.47, 0.0145, 0.0043
 * and 2.09; the limits are those + 20%.  Catches routing_skew 0.8 or 1.0
 * instead of 0.9 and routing_affinity 1.3 or 1.7 instead of 1.5; the former
 * check (within the tasks' range + a quarter of it) passed them.
 * The law subset is also checked against the full file (measured in
 * Python: 61.9, 0.071, 0.243, 22.6) to show the cut is representative:
 * seeds 1-6 are off by at most 0.37, 0.0033, 0.0043 and 0.63, limits
 * those + 20%.
 */
static void dsv2lite_preset_matches_traces(void)
{
	static const char *const tasks[] = {"trace:dsv2lite_intent", "trace:dsv2lite_law",
					    "trace:dsv2lite_summary"};
	struct model m = test_model("deepseek-v2-lite");
	static const char *const names[4] = {"activated", "one-token share", "top-10% share",
					     "busiest"};
	static const double tol[4] = {0.57, 0.0175, 0.0052, 2.5};
	double mean[4] = {0, 0, 0, 0}, syn[4];
	struct routing_stats s;

	for (int t = 0; t < 3; t++) {
		double v[4];
		s = measure_spec(&m, tasks[t], 64, 40);
		v[0] = s.activated, v[1] = s.frac_single, v[2] = s.top10_share, v[3] = s.max_load;
		for (int i = 0; i < 4; i++)
			mean[i] += v[i] / 3;
		if (t == 1) {
			CHECK_WITHIN("law activated", s.activated, 61.9, 0.45);
			CHECK_WITHIN("law one-token share", s.frac_single, 0.071, 0.004);
			CHECK_WITHIN("law top-10% share", s.top10_share, 0.243, 0.0052);
			CHECK_WITHIN("law busiest", s.max_load, 22.6, 0.76);
		}
	}
	s = measure_spec(&m, "synthetic", 64, 40);
	syn[0] = s.activated, syn[1] = s.frac_single, syn[2] = s.top10_share, syn[3] = s.max_load;
	for (int i = 0; i < 4; i++)
		CHECK_WITHIN(names[i], syn[i], mean[i], tol[i]);
}

/* Coefficient of variation of per-expert counts, the mean over layers. */
static double mean_cv(const struct model *m, int batch, int iters)
{
	struct routing r;
	long *total = calloc((size_t)m->experts, sizeof *total);
	int *out = malloc((size_t)batch * (size_t)m->top_k * sizeof *out);
	int *counts = malloc((size_t)m->experts * sizeof *counts);
	double sum_cv = 0;
	int layers = m->layers - m->first_dense;

	CU_ASSERT_FATAL(init(&r, m, "synthetic", 1) == 0);
	for (int l = 0; l < layers; l++) {
		double mean = (double)batch * iters * m->top_k / m->experts, var = 0;
		memset(total, 0, (size_t)m->experts * sizeof *total);
		for (int it = 0; it < iters; it++) {
			routing_batch(&r, it, l, batch, out);
			routing_count(m, out, batch, counts);
			for (int e = 0; e < m->experts; e++)
				total[e] += counts[e];
		}
		for (int e = 0; e < m->experts; e++)
			var += (total[e] - mean) * (total[e] - mean) / m->experts;
		sum_cv += sqrt(var) / mean;
	}
	routing_release(&r);
	free(total);
	free(out);
	free(counts);
	return sum_cv / layers;
}

/* Median coefficient of variation of the recorded count tables whose key
 * starts with prefix ("olmoe/", "mistral/"), read from the shipped JSON. */
static double recorded_cv(const char *prefix)
{
	FILE *f = fopen(ROUTING_DIR "/olmoe_mixtral_expert_counts.json", "r");
	static char text[1 << 16];
	double cv[64];
	size_t len;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = '\0';
	for (char *p = text; (p = strchr(p, '"')) != NULL && n < 64; p++) {
		double x[64], sum = 0, var = 0;
		int k = 0;
		if (strncmp(p + 1, prefix, strlen(prefix)) != 0)
			continue;
		p = strstr(p, "\"counts\"");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		for (p = strchr(p, '[') + 1; *p != ']' && k < 64; k++) {
			x[k] = strtod(p, &p);
			sum += x[k];
			p += strspn(p, ", \n");
		}
		for (int i = 0; i < k; i++)
			var += (x[i] - sum / k) * (x[i] - sum / k) / k;
		cv[n++] = sqrt(var) / (sum / k);
	}
	for (int i = 1; i < n; i++)	/* insertion sort for the median */
		for (int j = i; j > 0 && cv[j - 1] > cv[j]; j--) {
			double t = cv[j];
			cv[j] = cv[j - 1];
			cv[j - 1] = t;
		}
	CU_ASSERT_FATAL(n > 0);
	return n % 2 ? cv[n / 2] : (cv[n / 2 - 1] + cv[n / 2]) / 2;
}

/*
 * OLMoE and Mixtral: no batches are recorded, only per-expert counts over
 * ~205k tokens, so the presets are checked on the spread of counts over
 * many tokens (800 iterations of 16 tokens, 4 drift periods).  The
 * recorded medians are 0.84 (tables range 0.32-1.35) and 0.12 (0.04-0.25).
 * Seed 1 gives 0.884 and 0.123 (off by 0.047 and 0.0002); seeds 1-6 are
 * off by at most 0.117 and 0.012 (OLMoE's preset spreads a little more
 * than recorded), and the limits are those + 20%.  Catches OLMoE's
 * routing_skew 1.8 instead of 1.5 (cv 1.0; 1.7 gives 0.97 and passes: one
 * figure whose seed noise is 0.07 holds the skew to about 15%), Mixtral's
 * routing_skew 0.2 instead of 0.1 or affinity 0.6 instead of 0.5, which
 * the former Mixtral limit (0.035) passed.
 */
static void olmoe_mixtral_spread_matches_counts(void)
{
	struct model m = test_model("olmoe-1b-7b");
	double real = recorded_cv("olmoe/"), syn = mean_cv(&m, 16, 800);

	CU_ASSERT_DOUBLE_EQUAL(real, 0.84, 0.01);
	CHECK_WITHIN("olmoe cv", syn, real, 0.14);
	m = test_model("mixtral-8x7b");
	real = recorded_cv("mistral/");
	syn = mean_cv(&m, 16, 800);
	CU_ASSERT_DOUBLE_EQUAL(real, 0.12, 0.01);
	CHECK_WITHIN("mixtral cv", syn, real, 0.0145);
}

/* ---- determinism, purity, drift, layers ---- */

static int *batch_of(struct routing *r, int iter, int layer, int batch)
{
	int *out = malloc((size_t)batch * (size_t)r->top_k * sizeof *out);

	routing_batch(r, iter, layer, batch, out);
	return out;
}

static int same(const int *a, const int *b, size_t n)
{
	return memcmp(a, b, n * sizeof *a) == 0;
}

static void same_seed_same_routing(const char *model, const char *spec)
{
	struct model m = test_model(model);
	struct routing a, b, c;
	size_t n = 64 * (size_t)m.top_k;

	CU_ASSERT_FATAL(init(&a, &m, spec, 42) == 0 && init(&b, &m, spec, 42) == 0 &&
			init(&c, &m, spec, 43) == 0);
	for (int it = 0; it < 3; it++) {
		int *x = batch_of(&a, it, it, 64), *y = batch_of(&b, it, it, 64);
		int *z = batch_of(&c, it, it, 64);
		CU_ASSERT_TRUE(same(x, y, n));
		CU_ASSERT_FALSE(same(x, z, n));
		free(x);
		free(y);
		free(z);
	}
	routing_release(&a);
	routing_release(&b);
	routing_release(&c);
}

static void deterministic(void)
{
	same_seed_same_routing("qwen3-30b-a3b", "synthetic");
	same_seed_same_routing("deepseek-v2-lite", "trace:dsv2lite_law");
}

/* Iteration 5 is the same whatever was computed before, in any order, and
 * a smaller batch is a prefix of a larger one. */
static void pure_in_iteration(const char *model, const char *spec)
{
	static const int visits[][3] = {{0, 0, 64}, {1000, 2, 8}, {5, 3, 200}, {-7, 1, 64},
					{199, 3, 64}, {201, 3, 64}, {4, 3, 64}, {6, 0, 1}};
	struct model m = test_model(model);
	struct routing r, fresh;
	size_t k = (size_t)m.top_k;
	int *want, *got;

	CU_ASSERT_FATAL(init(&r, &m, spec, 9) == 0 && init(&fresh, &m, spec, 9) == 0);
	want = batch_of(&fresh, 5, 3, 64);
	for (size_t v = 0; v < sizeof visits / sizeof visits[0]; v++) {
		int *x = batch_of(&r, visits[v][0], visits[v][1], visits[v][2]);
		free(x);
		got = batch_of(&r, 5, 3, 64);
		CU_ASSERT_TRUE(same(got, want, 64 * k));
		free(got);
	}
	got = batch_of(&r, 5, 3, 32);
	CU_ASSERT_TRUE(same(got, want, 32 * k));
	free(got);
	got = batch_of(&r, 5, 3, 100);
	CU_ASSERT_TRUE(same(got, want, 64 * k));
	free(got);
	free(want);
	routing_release(&r);
	routing_release(&fresh);
}

static void pure(void)
{
	pure_in_iteration("qwen3-30b-a3b", "synthetic");
	pure_in_iteration("deepseek-v2-lite", "trace:dsv2lite_summary");
}

/* Pearson correlation of two expert-count vectors. */
static double correlation(const int *a, const int *b, int n)
{
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;

	for (int i = 0; i < n; i++) {
		ma += (double)a[i] / n;
		mb += (double)b[i] / n;
	}
	for (int i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

/* Popularity of a layer at an iteration, seen through 4096 tokens. */
static void popularity(struct routing *r, const struct model *m, int iter, int layer, int *counts)
{
	int *out = batch_of(r, iter, layer, 4096);

	routing_count(m, out, 4096, counts);
	free(out);
}

static double drift_correlation(struct model *m, double drift, int a, int b)
{
	int ca[128], cb[128];
	double sum = 0;
	struct routing r;

	m->routing_drift = drift;
	CU_ASSERT_FATAL(init(&r, m, "synthetic", 3) == 0);
	for (int l = 0; l < 8; l++) {
		popularity(&r, m, a, l, ca);
		popularity(&r, m, b, l, cb);
		sum += correlation(ca, cb, m->experts) / 8;
	}
	routing_release(&r);
	return sum;
}

/*
 * Pearson correlation of 4096-token counts per expert between iterations,
 * the mean of 8 layers of Qwen3-30B-A3B (drift period 200).  Without drift
 * it is sampling noise: 0.9993 (seeds 1-6: 0.9987 at worst); consecutive
 * iterations with full drift 0.9987 (0.9986); 2000 iterations (10 periods)
 * apart with full drift 0.12 (0.12); with the preset's drift 0.3, the
 * popularity's log correlates 1 - 0.3 = 0.7 across independent anchors and
 * the counts less (exp and sampling): 0.66 (0.55 at worst).  Limits: the
 * worst of seeds 1-6 with 20% of its distance from 1 (or 0) added.
 * Catches a fixed part sqrt(1 - 0.8 drift) instead of sqrt(1 - drift)
 * (0.23 with full drift) and anchors every 40 iterations instead of 200
 * (consecutive 0.994); the former limits (0.95, 0.5, 0.95, below no-drift
 * - 0.05) passed both.  Anchors every 100 still pass (0.9985): consecutive
 * iterations barely move.
 */
static void popularity_correlation_across_iterations(void)
{
	struct model m = test_model("qwen3-30b-a3b");
	/* mid-period, where the blend between anchors moves fastest */
	double next = drift_correlation(&m, 1, 1100, 1101);
	double far = drift_correlation(&m, 1, 1100, 3100);
	double none = drift_correlation(&m, 0, 1100, 3100);
	double preset = drift_correlation(&m, 0.3, 1100, 3100);

	CHECK_AT_LEAST("consecutive, drift 1", next, 0.9983);
	CHECK_AT_MOST("2000 apart, drift 1", far, 0.15);
	CHECK_AT_LEAST("2000 apart, no drift", none, 0.9985);
	CHECK_AT_MOST("2000 apart, drift 0.3", preset, 1 - 0.3);
	CHECK_AT_LEAST("2000 apart, drift 0.3", preset, 1 - 0.3 - 0.175);
}

/*
 * Every layer draws its own popularity: the mean correlation of counts
 * between 8 layers at iteration 0 is sampling noise around 0, 0.016
 * (seeds 1-6: 0.025 at worst); limit 0.03.  Catches pairs of layers
 * sharing their popularity (0.14), which the former limit (0.2) passed.
 */
static void layers_have_their_own_hot_experts(void)
{
	struct model m = test_model("qwen3-30b-a3b");
	int counts[8][128];
	double sum = 0;
	struct routing r;
	int pairs = 0;

	CU_ASSERT_FATAL(init(&r, &m, "synthetic", 5) == 0);
	for (int l = 0; l < 8; l++)
		popularity(&r, &m, 0, l, counts[l]);
	for (int a = 0; a < 8; a++)
		for (int b = a + 1; b < 8; b++, pairs++)
			sum += correlation(counts[a], counts[b], m.experts);
	CHECK_AT_MOST("|mean correlation between layers|", fabs(sum / pairs), 0.03);
	routing_release(&r);
}

/* ---- trace replay ---- */

/* The law trace read independently: rows in file order, ids per (token, layer). */
struct file_rows {
	int n;
	long seq[2000], tok[2000];
	int ids[2000][26][6];
};

static void read_law(struct file_rows *f)
{
	FILE *in = fopen(ROUTING_DIR "/dsv2lite_law.csv", "r");
	char line[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	f->n = 0;
	while (fgets(line, sizeof line, in)) {
		long s, t;
		int l, e[6];
		if (sscanf(line, "%ld,%ld,%d,%d,%d,%d,%d,%d,%d", &s, &t, &l, &e[0], &e[1], &e[2],
			   &e[3], &e[4], &e[5]) != 9)
			continue;
		if (f->n == 0 || f->seq[f->n - 1] != s || f->tok[f->n - 1] != t) {
			f->seq[f->n] = s;
			f->tok[f->n] = t;
			f->n++;
		}
		memcpy(f->ids[f->n - 1][l - 1], e, sizeof e);
	}
	fclose(in);
}

static int find_row(const struct file_rows *f, long seq, long tok)
{
	for (int i = 0; i < f->n; i++)
		if (f->seq[i] == seq && f->tok[i] == tok)
			return i;
	return -1;
}

static void replay_equals_file_rows(void)
{
	struct model m = test_model("deepseek-v2-lite");
	struct file_rows *f = malloc(sizeof *f);
	struct routing r;
	int bad = 0, seen[2000] = {0};

	read_law(f);
	CU_ASSERT_EQUAL_FATAL(f->n, 1500);
	CU_ASSERT_FATAL(init(&r, &m, "trace:dsv2lite_law", 11) == 0);
	CU_ASSERT_EQUAL(r.trace.tokens, 1500);
	for (int l = 0; l < r.layers; l++) {
		int *out = batch_of(&r, 3, l, 64);
		const int *rows = trace_sample(&r.trace, 11, 3, 64);
		for (int t = 0; t < 64; t++) {
			int i = find_row(f, r.trace.seq[rows[t]], r.trace.tok[rows[t]]);
			/* the same token at every layer, with the file's ids there */
			bad += i < 0 || memcmp(out + t * 6, f->ids[i][l], sizeof f->ids[i][l]) != 0;
			if (l == 0 && i >= 0)
				bad += seen[i]++ != 0;	/* distinct tokens */
		}
		free(out);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* a batch larger than the trace: every token once, then again */
	{
		const int *rows = trace_sample(&r.trace, 11, 4, 1600);
		memset(seen, 0, sizeof seen);
		for (int t = 0; t < 1500; t++)
			bad += seen[rows[t]]++ != 0;
		for (int t = 1500; t < 1600; t++)
			bad += rows[t] < 0 || rows[t] >= 1500;
		CU_ASSERT_EQUAL(bad, 0);
	}
	routing_release(&r);
	free(f);
}

/* ---- errors ---- */

/* 3 MoE layers after one dense layer, 8 experts, top-2. */
static struct model tiny_model(void)
{
	struct model m = test_model("deepseek-v2-lite");

	snprintf(m.name, sizeof m.name, "tiny");
	m.layers = 4;
	m.first_dense = 1;
	m.experts = 8;
	m.top_k = 2;
	return m;
}

static const char *const good_trace[] = {
	"# model=tiny layers=3 experts=8 top_k=2",	/* line 1 */
	"seq,token,layer,e0,e1",			/* 2 */
	"0,0,1,1,2",					/* 3 */
	"0,0,2,3,4",					/* 4 */
	"0,0,3,5,6",					/* 5 */
	"0,1,1,0,7",					/* 6 */
	"0,1,2,1,2",					/* 7 */
	"0,1,3,3,4",					/* 8 */
	NULL,
};

/* Load text as a trace of the tiny model and expect "PATH" + want. */
static void expect_text_error(const char *text, const char *want)
{
	struct model m = tiny_model();
	const char *path = test_write_file("trace.csv", text);
	char spec[600], full[1024];
	struct routing r;
	struct err e;

	snprintf(spec, sizeof spec, "trace:%s", path);
	snprintf(full, sizeof full, "%s%s", path, want);
	memset(&e, 0, sizeof e);
	CU_ASSERT_EQUAL(routing_init(&r, &m, TEST_DATADIR, spec, 1, &e), -1);
	if (strcmp(e.msg, full) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s", e.msg, full);
	CU_ASSERT_STRING_EQUAL(e.msg, full);
}

/* The good trace with line `line` replaced (NULL: deleted). */
static void expect_trace_error(int line, const char *replacement, const char *want)
{
	char text[1024] = "";

	for (int i = 0; good_trace[i]; i++) {
		const char *use = i + 1 == line ? replacement : good_trace[i];
		if (use != NULL)
			snprintf(text + strlen(text), sizeof text - strlen(text), "%s\n", use);
	}
	expect_text_error(text, want);
}

static void trace_errors_name_the_line(void)
{
	struct model m = tiny_model();
	char text[1024] = "", spec[600];
	struct routing r;

	for (int i = 0; good_trace[i]; i++)	/* the good trace itself loads */
		snprintf(text + strlen(text), sizeof text - strlen(text), "%s\n", good_trace[i]);
	snprintf(spec, sizeof spec, "trace:%s", test_write_file("trace.csv", text));
	CU_ASSERT_EQUAL_FATAL(init(&r, &m, spec, 1), 0);
	CU_ASSERT_EQUAL(r.trace.tokens, 2);
	CU_ASSERT_EQUAL(trace_ids(&r.trace, 1, 2)[1], 4);
	routing_release(&r);

	expect_trace_error(5, "0,0,3,5,9", ":5: expert id 9 out of range [0, 8)");
	expect_trace_error(5, "0,0,3,-1,9", ":5: expert id -1 out of range [0, 8)");
	expect_trace_error(4, "0,0,2,3,3", ":4: expert id 3 appears twice");
	expect_trace_error(2, "seq,token,layer,e0,e1,e2",
			   ":2: 3 expert columns but model 'tiny' has top_k 2");
	expect_trace_error(7, "0,1,2,1",
			   ":7: 4 fields, expected 5 (seq, token, layer and 2 expert ids)");
	expect_trace_error(7, "0,1,2,1,2,3",
			   ":7: 6 fields, expected 5 (seq, token, layer and 2 expert ids)");
	expect_trace_error(4, "0,0,2,3,x4", ":4: 'x4' is not an integer");
	expect_trace_error(4, "0,0,2,3,", ":4: '' is not an integer");
	expect_trace_error(4, "0,0,2.5,3,4", ":4: '2.5' is not an integer");
	/* a token short of a layer, wherever it ends */
	expect_trace_error(4, NULL, ":4: expected layer 2 of seq 0 token 0, got layer 3");
	expect_trace_error(5, NULL, ":5: expected layer 3 of seq 0 token 0, got seq 0 token 1");
	expect_trace_error(8, NULL, ":7: expected layer 3 of seq 0 token 1, got end of file");
	/* more layers than the model's MoE layers */
	expect_trace_error(8, "0,1,4,3,4",
			   ":8: layer 4 out of range [1, 4) (the MoE layers of 'tiny')");
	expect_trace_error(3, "0,0,0,1,2",
			   ":3: layer 0 out of range [1, 4) (the MoE layers of 'tiny')");
	expect_trace_error(6, "0,0,1,0,7", ":6: layer 1 of seq 0 token 0 repeated");
	expect_trace_error(5, "0,0,2,5,6", ":5: layer 2 of seq 0 token 0 repeated");
	expect_trace_error(1, "# model=x layers=26 experts=8 top_k=2",
			   ":1: trace has layers=26 but model 'tiny' has 3 MoE layers");
	expect_trace_error(1, "# model=x layers=3 experts=64 top_k=2",
			   ":1: trace has experts=64 but model 'tiny' has 8 experts");
	expect_trace_error(1, "# model=x layers=3 experts=8 top_k=6",
			   ":1: trace has top_k=6 but model 'tiny' has top_k 2");
	expect_trace_error(2, "0,0,1,1,2",
			   ":2: expected the header 'seq,token,layer,e0,...', got '0,0,1,1,2'");
	expect_text_error("seq,token,layer,e0,e1\n0,1,1,1,2\n0,1,2,1,2\n0,1,3,1,2\n"
			  "0,0,1,1,2\n0,0,2,1,2\n0,0,3,1,2\n",
			  ":5: seq 0 token 0 after seq 0 token 1 "
			  "(rows must be sorted by seq, token, layer)");
	expect_text_error("# nothing\nseq,token,layer,e0,e1\n\n", ": no token rows");
	/* found by review and fuzzing: nothing cut or misread silently */
	expect_trace_error(1, "# model=x layers=3 experts=abc top_k=2",
			   ":1: experts='abc' is not a number");
	expect_trace_error(1, "# model=x layers=3 experts=0x8 top_k=2",
			   ":1: experts='0x8' is not a decimal number");
	expect_trace_error(2, "seq,token,layer,e0,", ":2: header column 5 is empty");
	expect_trace_error(2, "seq,token,layer,,e1", ":2: header column 4 is empty");
	expect_trace_error(4, "0,0,2,3,0x4", ":4: '0x4' is not an integer");
	expect_trace_error(4, "0,0,2,3,99999999999999999999",
			   ":4: '99999999999999999999' is not an integer");
	expect_text_error("", ": no token rows");
}

/* A NUL byte ends a C string: the row would be cut short without a word. */
static void trace_nul_bytes_and_long_lines_are_errors(void)
{
	struct model m = tiny_model();
	const char *path = test_write_file("nul.csv", "");
	char spec[600], full[700], *text = xmalloc(5000);
	struct routing r;
	struct err e;
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("seq,token,layer,e0,e1\n0,0,1,1,2", f);
	fputc('\0', f);
	fputs(",3\n", f);
	fclose(f);
	snprintf(spec, sizeof spec, "trace:%s", path);
	CU_ASSERT_EQUAL(routing_init(&r, &m, TEST_DATADIR, spec, 1, &e), -1);
	snprintf(full, sizeof full, "%s:2: not a text file (contains a NUL byte)", path);
	CU_ASSERT_STRING_EQUAL(e.msg, full);
	memset(text, ' ', 4999);
	text[4999] = '\0';
	path = test_write_file("long.csv", text);
	snprintf(spec, sizeof spec, "trace:%s", path);
	CU_ASSERT_EQUAL(routing_init(&r, &m, TEST_DATADIR, spec, 1, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ":1: line longer than 4095 characters"));
	free(text);
	/* a device never ends: refused before reading (it spun forever) */
	CU_ASSERT_EQUAL(routing_init(&r, &m, TEST_DATADIR, "trace:/dev/zero", 1, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "/dev/zero: not a regular file");
}

static void expect_spec_error(const struct model *m, const char *spec, const char *want)
{
	struct routing r;
	struct err e;

	memset(&e, 0, sizeof e);
	CU_ASSERT_EQUAL(routing_init(&r, m, TEST_DATADIR, spec, 1, &e), -1);
	if (strcmp(e.msg, want) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s", e.msg, want);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
}

static void spec_errors(void)
{
	struct model m = test_model("qwen3-30b-a3b");

	expect_spec_error(&m, "bogus",
			  "unknown routing 'bogus' (use synthetic, trace:NAME or trace:PATH)");
	expect_spec_error(&m, "trace:",
			  "unknown routing 'trace:' (use synthetic, trace:NAME or trace:PATH)");
	expect_spec_error(&m, "trace:nope", "unknown trace 'nope' (known: dsv2lite_intent, "
					    "dsv2lite_law, dsv2lite_summary)");
	expect_spec_error(&m, "trace:/nonexistent/x.csv",
			  "/nonexistent/x.csv: cannot open: No such file or directory");
	/* a real trace of another model */
	expect_spec_error(&m, "trace:dsv2lite_law",
			  ROUTING_DIR "/dsv2lite_law.csv:1: trace has layers=26 but model "
				      "'qwen3-30b-a3b' has 48 MoE layers");
}

void test_routing_register(void)
{
	static const struct test_case cases[] = {
		{"statistics of hand-computed counts", stats_by_hand},
		{"trace NUL bytes, long lines and devices are errors", trace_nul_bytes_and_long_lines_are_errors},
		{"histogram bins tile the counts", histogram_bins},
		{"ids distinct and in range, every preset and extremes", ids_distinct_and_in_range},
		{"sampler draws in proportion to weight (Plackett-Luce)", sampler_is_plackett_luce},
		{"uniform routing matches the closed form", uniform_matches_closed_form},
		{"qwen3-30b-a3b preset: 4 batch figures within seed noise of the recorded batch", qwen_preset_matches_recorded_batch},
		{"deepseek-v2-lite preset matches its traces", dsv2lite_preset_matches_traces},
		{"olmoe and mixtral spread matches recorded counts", olmoe_mixtral_spread_matches_counts},
		{"same seed same routing, other seed other", deterministic},
		{"a batch depends only on seed, iteration, layer", pure},
		{"popularity: count correlation across iterations, by drift", popularity_correlation_across_iterations},
		{"layers' counts uncorrelated (|mean r| <= 0.03)", layers_have_their_own_hot_experts},
		{"trace replay equals the file's rows", replay_equals_file_rows},
		{"trace errors name the first bad line", trace_errors_name_the_line},
		{"unknown specs and traces are errors", spec_errors},
		{NULL, NULL},
	};

	tests_add_suite("routing", cases);
}
