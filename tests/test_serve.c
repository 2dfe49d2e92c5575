/*
 * test_serve.c - serving (sim/serve.h): TTFT at low load is the prefill
 * time by hand, Little's law, percentiles against a direct computation,
 * determinism, bad arrivals files and a bad speed change.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "gpu.h"
#include "serve.h"
#include "tests.h"
#include "testutil.h"

/*
 * Two dense layers, a MoE layer whose 4 experts are every token's top 4
 * (each expert gets every token: its share is 1/4 whatever the routing),
 * and an LM head.
 */
static const char *dense_model(void)
{
	static const char text[] =
		"[model]\nlayers = 3\nfirst_dense = 2\ndense_inter = 8192\nhidden = 2048\n"
		"expert_inter = 768\nexperts = 4\ntop_k = 4\nvocab = 32000\n"
		"shared_experts = 0\nexpert_weight_bytes = 2\nweight_bytes = 2\nact_bytes = 2\n"
		"[attention]\nq_heads = 32\nkv_heads = 4\nhead_dim = 64\nkv_bytes = 2\nlayout = full\n"
		"[routing]\nrouting_skew = 1\nrouting_affinity = 1\nrouting_clusters = 2\n"
		"routing_drift = 0\nrouting_drift_iters = 10\n";
	return test_write_file("serve-dense.ini", text);
}

static int init_sched(struct sim *s, const char *model, const char *hw, int place, int batch,
		      int sched)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0)
		return -1;
	snprintf(cfg.model, sizeof cfg.model, "%s", model);
	snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
	cfg.sched = sched;
	cfg.place = place;
	cfg.batch = batch;
	cfg.iters = 10000000;
	if (sim_init(s, &cfg, TEST_DATADIR, &e) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int init(struct sim *s, const char *model, const char *hw, int place, int batch)
{
	return init_sched(s, model, hw, place, batch, SCHED_GPU);
}

static struct serve_config poisson_config(double rate, double duration)
{
	struct serve_config c;

	memset(&c, 0, sizeof c);
	c.rate = rate;
	c.duration_s = duration;
	c.lengths = "azure_conv_2023";
	c.max_batch = 64;
	c.slo_ttft_ms = 1000;
	c.slo_tpot_ms = 50;
	c.seed = 3;
	return c;
}

/*
 * Requests 2 s apart, one output token: each is prefilled alone on an idle
 * machine, so TTFT is its prefill.  On every GPU (4 equal ones, tokens
 * split evenly): QKV and O projections of P/4 tokens and causal attention,
 * 2 x q_heads x head_dim x P^2 / 4 flops at the tensor rate, in every
 * layer; the dense FFN of P/4 tokens in the two dense layers; in the MoE
 * layer the router, a dispatch and a combine of P/4 x 4 x 3/4 activations
 * per GPU, and linear placement's one expert per GPU with all P tokens;
 * then the LM head for one token.
 */
static void ttft_is_the_prefill_at_low_load(void)
{
	struct sim s;
	struct serve_config c = poisson_config(1, 10);
	struct serve_result r;
	struct err e;
	static const int prompts[] = {400, 1024, 4000};
	char text[256] = "arrival_s,prompt_tokens,output_tokens\n";

	CU_ASSERT_EQUAL_FATAL(init(&s, dense_model(), "h100x4-pim", PLACE_LINEAR, 8), 0);
	for (int i = 0; i < 3; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d,1\n", 2 * i,
			 prompts[i]);
	c.arrivals = test_write_file("sparse.csv", text);
	c.max_batch = 8;
	if (serve_run(&s, &c, TEST_DATADIR, &r, &e) != 0)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(r.nreq, 3);
	CU_ASSERT_EQUAL_FATAL(r.nreq, 3);
	for (int i = 0; i < 3; i++) {
		const struct model *m = &s.model;
		int P = prompts[i], tg = (P + 3) / 4;
		double flops = 2.0 * m->q_heads * m->head_dim * (double)P * P / 4;
		double attn = gpu_attn_proj_ns(&s.hw, GPU_NOMINAL, m, tg) +
			      flops / (s.hw.eff_tflops * 1e3);
		double dense = attn + gpu_dense_ffn_ns(&s.hw, GPU_NOMINAL, m, m->dense_inter, tg);
		double a2a = comm_all_to_all_ns(&s.hw, P / 4.0 * 4 * 3 / 4 * m->hidden * m->act_bytes);
		double moe = attn + gpu_router_ns(&s.hw, GPU_NOMINAL, m, tg) + 2 * a2a +
			     gpu_experts_ns(&s.hw, GPU_NOMINAL, m->hidden, m->expert_inter,
					    m->expert_weight_bytes, &P, 1);
		double want = 2 * dense + moe + gpu_lm_head_ns(&s.hw, GPU_NOMINAL, m, 1);
		double got = r.req[i].first_ns - r.req[i].arrival_ns;
		CU_ASSERT_DOUBLE_EQUAL(got, want, 1e-6 * want);
		CU_ASSERT_DOUBLE_EQUAL(r.req[i].done_ns, r.req[i].first_ns, 0);
	}
	CU_ASSERT_EQUAL(r.decode_iters, 0);
	serve_result_release(&r);
	sim_release(&s);
}

/*
 * A steady light load under sched sieve: the measured / modelled time of
 * each GPU must not move with the batch (the model is the partition's own
 * estimate for that batch), so no GPU-time recalibration, and at most one a
 * simulated minute in all (the profile learnt from the uniform start; the
 * synthetic routing's slow drift).  With a GPU-only time model this run
 * recalibrated 17 times; PIM-aware, but the measured time still divided by
 * the GPU-only model of the experts, 6 times; now once.
 */
static void steady_sieve_serving_is_calm(void)
{
	struct sim s;
	struct serve_config c = poisson_config(5, 60);
	struct serve_result r;
	struct err e;
	int time_drift = 0;

	CU_ASSERT_EQUAL_FATAL(init_sched(&s, "gpt-oss-120b", "h100x8-pim-var", PLACE_VIBE, 64,
					 SCHED_SIEVE), 0);
	CU_ASSERT_EQUAL_FATAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), 0);
	for (int i = 0; i < s.place.nrecal; i++)
		time_drift += s.place.recal[i].reason == PLACE_TIME;
	CU_ASSERT_EQUAL(time_drift, 0);
	CU_ASSERT(r.recalibrations <= 1 + (int)(r.end_ns / 60e9));
	serve_result_release(&r);
	sim_release(&s);
}

/* Little's law: mean in system = arrival rate x mean time in system. */
static void littles_law(void)
{
	struct sim s;
	struct serve_config c = poisson_config(12, 120);
	struct serve_result r;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(init(&s, "qwen3-30b-a3b", "h100x8-pim-var", PLACE_VIBE, 64), 0);
	CU_ASSERT_EQUAL_FATAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), 0);
	CU_ASSERT(r.nreq > 1200);
	/* over [0, end]: the arrival rate is requests / end, the offered rate
	 * only up to Poisson noise; both are checked */
	CU_ASSERT_DOUBLE_EQUAL(r.mean_in_system, r.nreq / (r.end_ns * 1e-9) * r.e2e_mean_ms / 1e3,
			       0.01 * r.mean_in_system);
	CU_ASSERT_DOUBLE_EQUAL(r.mean_in_system * r.end_ns / (c.duration_s * 1e9),
			       c.rate * r.e2e_mean_ms / 1e3, 0.05 * r.mean_in_system);
	serve_result_release(&r);
	sim_release(&s);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile, directly: the ceil(q n)-th smallest. */
static double direct(double *v, int n, double q)
{
	int k = 0;

	qsort(v, (size_t)n, sizeof *v, cmp);
	while ((k + 1) * 100.0 < q * n)
		k++;
	return v[k];
}

/* Percentiles and SLO attainment against the recorded requests; same seed, same result. */
static void percentiles_and_determinism(void)
{
	struct sim s, t;
	struct serve_config c = poisson_config(20, 20);
	struct serve_result r, r2;
	struct err e;
	double *ttft, *tpot, *e2e;
	int n = 0, met = 0;

	CU_ASSERT_EQUAL_FATAL(init(&s, "qwen3-30b-a3b", "h100x8-pim-var", PLACE_EPLB, 64), 0);
	CU_ASSERT_EQUAL_FATAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), 0);
	ttft = calloc((size_t)r.nreq, sizeof *ttft);
	tpot = calloc((size_t)r.nreq, sizeof *tpot);
	e2e = calloc((size_t)r.nreq, sizeof *e2e);
	for (int i = 0; i < r.nreq; i++) {
		const struct serve_request *q = &r.req[i];
		double a = (q->first_ns - q->arrival_ns) / 1e6, b = 0;
		ttft[i] = a;
		e2e[i] = (q->done_ns - q->arrival_ns) / 1e6;
		if (q->output > 1)
			tpot[n++] = b = (q->done_ns - q->first_ns) / 1e6 / (q->output - 1);
		met += a <= c.slo_ttft_ms && b <= c.slo_tpot_ms;
		CU_ASSERT(q->done_ns >= q->first_ns && q->first_ns > q->arrival_ns);
	}
	CU_ASSERT_DOUBLE_EQUAL(r.ttft_p50_ms, direct(ttft, r.nreq, 50), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.ttft_p90_ms, direct(ttft, r.nreq, 90), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.ttft_p99_ms, direct(ttft, r.nreq, 99), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.tpot_p50_ms, direct(tpot, n, 50), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.tpot_p90_ms, direct(tpot, n, 90), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.e2e_p90_ms, direct(e2e, r.nreq, 90), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r.slo_attainment, (double)met / r.nreq, 1e-12);
	/* again from scratch: identical */
	CU_ASSERT_EQUAL_FATAL(init(&t, "qwen3-30b-a3b", "h100x8-pim-var", PLACE_EPLB, 64), 0);
	CU_ASSERT_EQUAL_FATAL(serve_run(&t, &c, TEST_DATADIR, &r2, &e), 0);
	CU_ASSERT_EQUAL_FATAL(r2.nreq, r.nreq);
	CU_ASSERT_EQUAL(memcmp(r.req, r2.req, (size_t)r.nreq * sizeof *r.req), 0);
	CU_ASSERT_EQUAL(memcmp(&r.ttft_p50_ms, &r2.ttft_p50_ms,
			       offsetof(struct serve_result, iter_end_ns) -
				       offsetof(struct serve_result, ttft_p50_ms)), 0);
	free(ttft);
	free(tpot);
	free(e2e);
	serve_result_release(&r);
	serve_result_release(&r2);
	sim_release(&s);
	sim_release(&t);
}

static void bad_arrivals(void)
{
	struct sim s;
	struct serve_config c = poisson_config(1, 10);
	struct serve_result r;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(init(&s, dense_model(), "h100x4-pim", PLACE_LINEAR, 8), 0);
	c.max_batch = 8;
	c.arrivals = test_write_file("bad.csv", "arrival_s,prompt_tokens,output_tokens\n0,10,5\n1,ten,5\n");
	CU_ASSERT_EQUAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), -1);
	if (strstr(e.msg, "bad.csv:3: '1,ten,5'") == NULL)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.csv:3: '1,ten,5'"));
	c.arrivals = NULL;
	c.max_batch = 9;
	CU_ASSERT_EQUAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "max-batch: 9"));
	sim_release(&s);
}

/*
 * Every malformed arrivals file is refused with its line and what is wrong
 * (before, a first data row was eaten as the header, so a negative or
 * unsorted first row and a one-row file went unnoticed), and a speed
 * change is checked before the run, not first when it applies.
 */
static void arrivals_file_errors(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"-1,10,20\n", "bad.csv:1: arrival_s '-1' is not a time >= 0 s"},
		{"nan,10,20\n", "bad.csv:1: arrival_s 'nan'"},
		{"1,10,20\n0.5,10,20\n", "bad.csv:2: arrival_s 0.5 is before the previous row's 1"},
		{"0,10,20\n1,20\n", "bad.csv:2: '1,20' is not arrival_s,prompt_tokens,output_tokens"},
		{"0,10,20,5\n", "bad.csv:1: '0,10,20,5' is not"},
		{"0,0,20\n", "bad.csv:1: prompt_tokens '0' is not a whole number in [1, 1000000]"},
		{"0,1.5,20\n", "bad.csv:1: prompt_tokens '1.5'"},
		{"0,10,99999999999\n", "bad.csv:1: output_tokens '1e+11'"},
		{"# nothing\n\n", "bad.csv: no requests"},
		{"arrival_s,prompt_tokens,output_tokens\n", "bad.csv: no requests"},
		{"100,10,20\n", "bad.csv: no request arrives in the first 10 s"},
	};
	struct sim s;
	struct serve_config c = poisson_config(1, 10);
	struct serve_result r;
	struct err e;
	char longline[700];

	CU_ASSERT_EQUAL_FATAL(init(&s, dense_model(), "h100x4-pim", PLACE_LINEAR, 8), 0);
	c.max_batch = 8;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c.arrivals = test_write_file("bad.csv", bad[i].text);
		e.msg[0] = '\0';
		CU_ASSERT_EQUAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), -1);
		if (strstr(e.msg, bad[i].msg) == NULL)
			fprintf(stderr, "\n%s: got '%s'\n", bad[i].msg, e.msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].msg));
	}
	memset(longline, '1', sizeof longline - 2);
	longline[sizeof longline - 2] = '\n';
	longline[sizeof longline - 1] = '\0';
	c.arrivals = test_write_file("bad.csv", longline);
	CU_ASSERT_EQUAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.csv:1: line longer than"));

	/* no header, blanks around fields, CRLF and a blank line: both rows read */
	c.arrivals = test_write_file("ok.csv", "0 , 10, 5\r\n\n1,10,5");
	CU_ASSERT_EQUAL_FATAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), 0);
	CU_ASSERT_EQUAL(r.nreq, 2);
	serve_result_release(&r);

	c.change_speed = "abc";
	c.change_at_s = 1000;	/* after the run has drained */
	CU_ASSERT_EQUAL(serve_run(&s, &c, TEST_DATADIR, &r, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "speed-change: gpu_speed: 'abc'"));
	sim_release(&s);
}

void test_serve_register(void)
{
	static const struct test_case cases[] = {
		{"TTFT at low load is the prefill by hand", ttft_is_the_prefill_at_low_load},
		{"Little's law on a long run", littles_law},
		{"steady light load under sieve: no recalibration storm", steady_sieve_serving_is_calm},
		{"percentiles, SLO attainment, determinism", percentiles_and_determinism},
		{"bad arrivals and batch", bad_arrivals},
		{"arrivals file: every bad row named, no header needed", arrivals_file_errors},
		{NULL, NULL},
	};
	tests_add_suite("serve", cases);
}
