/*
 * test_sim.c - the decode loop: a hand-computed two-layer case, stepping,
 * and determinism.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "sim.h"
#include "tests.h"
#include "testutil.h"

/*
 * Tiny machine: 2 GPUs, links of 1 GB/s (1 byte/ns) and 100 ns latency; an
 * expert kernel costs 1000 ns + bytes / (1 byte/ns) + flops / (1000 flop/ns)
 * (p = 1: the two terms simply add; one SM and 1 x 1 tiles: no padding, no
 * waves; the one stack's 665.6 GB/s peak scaled to 1 GB/s), a dense GEMM or
 * small kernel launch 500 ns.
 */
static const char tiny_hw_format[] =
	"[system]\ngpus = 2\nlink_gbps = 1\na2a_bw_gbps = 1\na2a_fixed_ns = 100\na2a_peer_ns = 0\n"
	"[gpu]\npeak_tflops = 1\nhbm_gbps = 1\nmem_gb = 1\nmem_reserve = 0.1\nstacks = 1\n"
	"kernel_overhead_ns = 1000\ngrouped_overhead_ns = 0\ngemm_launch_ns = 500\n"
	"stream_efficiency = 0.00150240384615384615\ngrouped_bw_eff = 1\neff_tflops = 1\n"
	"roofline_p = 1\nsms = 1\ntile_m = 1\ntile_n = 1\nl2_reread = 0\n"
	"attn_floor_ns = 500\nattn_bw_gbps = 1\n"
	"[hbm]\nchannels = 16\npseudo_channels = 2\nbank_groups = 4\nbanks_per_group = 4\n"
	"ranks = 2\nmapping = bg_interleaved\nqueue_depth = 32\n"
	"rows = 16384\nrow_bytes = 1024\ncolumn_bytes = 32\ndata_rate_gbps = 5.2\npch_bits = 32\n"
	"clock_mhz = 1300\nnBL = 2\nnCL = 19\nnRCD = 19\nnRP = 19\nnRAS = 45\nnRC = 63\n"
	"nCCDS = 2\nnCCDL = 4\nnRRDS = 2\nnRRDL = 4\nnFAW = 39\nnWR = 21\nnRTP = 6\nnCWL = 6\n"
	"nWTRS = 8\nnWTRL = 11\nnRTW = 3\nnREFI = 5070\nnRFC = 455\n"
	"[pim]\npim_kind = %s\nnCCDAB = 4\nnCCDAB_power = 6\npower_limit = off\n"
	"logic_tflops = 21.3\nnCCDBG = 2\nnCCDBG_power = 5\nlogic_bw_ratio = 4\nunit_lanes = 16\n"
	"pim_io_bytes = 2\n";

static const char *tiny_hw_kind(const char *kind)
{
	char text[4096];

	snprintf(text, sizeof text, tiny_hw_format, kind);
	return test_write_file("tiny-hw.ini", text);
}

static const char *tiny_hw(void)
{
	return tiny_hw_kind("bank");
}

/* 2 MoE layers, 4 experts of 64x32 in 1-byte weights, top-2. */
static const char *tiny_model(void)
{
	static const char text[] =
		"[model]\nlayers = 2\nhidden = 64\nexpert_inter = 32\nexperts = 4\ntop_k = 2\n"
		"shared_experts = 0\nexpert_weight_bytes = 1\nweight_bytes = 1\nact_bytes = 1\n"
		"[attention]\nq_heads = 1\nkv_heads = 1\nhead_dim = 8\nkv_bytes = 1\nlayout = full\n"
		"[routing]\nrouting_skew = 1\nrouting_affinity = 1\nrouting_clusters = 2\n"
		"routing_drift = 0\nrouting_drift_iters = 10\n";
	return test_write_file("tiny-model.ini", text);
}

/* Every token picks experts {0, 1} in the first layer and {0, 2} in the second. */
static const char *tiny_trace(void)
{
	static const char text[] =
		"seq,token,layer,e0,e1\n"
		"0,0,0,0,1\n0,0,1,0,2\n"
		"1,0,0,0,1\n1,0,1,0,2\n"
		"2,0,0,0,1\n2,0,1,0,2\n"
		"3,0,0,0,1\n3,0,1,0,2\n";
	return test_write_file("tiny-trace.csv", text);
}

/*
 * Layer 1 of this trace: expert 0 gets 4 tokens, expert 2 one (both GPU 0),
 * expert 1 three (GPU 1).
 */
static const char *split_trace(void)
{
	static const char text[] =
		"seq,token,layer,e0,e1\n"
		"0,0,0,0,1\n0,0,1,0,2\n"
		"1,0,0,0,1\n1,0,1,0,1\n"
		"2,0,0,0,1\n2,0,1,0,1\n"
		"3,0,0,0,1\n3,0,1,0,1\n";
	return test_write_file("split-trace.csv", text);
}

/* sim_init, saying why when it fails. */
static int init_or_say(struct sim *s, const struct sim_config *cfg)
{
	struct err e;

	if (sim_init(s, cfg, TEST_DATADIR, &e) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int tiny_sim_micro(struct sim *s, int iters, const char *hw, const char *trace, int sched,
			  int tau, int micro)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0)
		return -1;
	snprintf(cfg.model, sizeof cfg.model, "%s", tiny_model());
	snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
	snprintf(cfg.routing, sizeof cfg.routing, "trace:%s", trace);
	cfg.sched = sched;
	cfg.tau = tau;
	cfg.batch = 4;
	cfg.iters = iters;
	cfg.context = 100;
	cfg.seed = 7;
	cfg.micro = micro;
	return init_or_say(s, &cfg);
}

static int tiny_sim_with(struct sim *s, int iters, const char *hw, const char *trace, int sched,
			 int tau)
{
	return tiny_sim_micro(s, iters, hw, trace, sched, tau, 1);
}

static int tiny_sim(struct sim *s, int iters)
{
	return tiny_sim_with(s, iters, tiny_hw(), tiny_trace(), SCHED_GPU, 0);
}

static void hand_computed_layers(void)
{
	struct sim s;
	/* one expert: 3 x 64 x 32 x 1 byte = 6144 bytes, 2 x 6144 flops per token */
	double expert_bytes = 6144, token_flops = 12288;
	double attn, router, one_expert_4_tokens, two_experts_8_slots;

	CU_ASSERT_EQUAL_FATAL(tiny_sim(&s, 1), 0);
	/* Attention: 2 sequences per GPU, projections of 64x(8+16) + 8x64 weights;
	 * KV: 2 x 1 head x 8 x 1 byte x 100 tokens x 2 seqs = 3200 bytes at 1 byte/ns,
	 * beside a 500 ns floor: hypot(500, 3200).  Two GEMMs: two launches. */
	attn = (2 * 500 + 2048 + 2.0 * 2048 * 2 / 1000) + hypot(500, 3200);
	CU_ASSERT_DOUBLE_EQUAL(gpu_attn_proj_ns(&s.hw, GPU_NOMINAL, &s.model, 2) +
				       gpu_attention_ns(&s.hw, GPU_NOMINAL, &s.model, 0, 2, 100),
			       attn, 1e-6);
	/* Router: a 64 x 4 GEMM for 2 tokens, then top-k: two launches.  It
	 * ends the attention phase (the dispatch waits for it). */
	router = 2 * 500 + 256 + 2.0 * 256 * 2 / 1000;
	CU_ASSERT_DOUBLE_EQUAL(gpu_router_ns(&s.hw, GPU_NOMINAL, &s.model, 2), router, 1e-6);
	attn += router;

	/* Layer 0: experts 0 (GPU 0) and 1 (GPU 1) get all 4 tokens.  Every token
	 * sends its 64-byte activation to the one other GPU: 2 tokens x 64 bytes
	 * each way, so dispatch = combine = 100 + 128 ns. */
	one_expert_4_tokens = 1000 + expert_bytes + 4 * token_flops / 1000;
	sim_step_layer(&s);
	CU_ASSERT_EQUAL(s.last_layer, 0);
	CU_ASSERT_EQUAL(s.counts[0], 4);
	CU_ASSERT_EQUAL(s.counts[1], 4);
	CU_ASSERT_EQUAL(s.counts[2] + s.counts[3], 0);
	CU_ASSERT_DOUBLE_EQUAL(s.last.attn_ns, attn, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.dispatch_ns, 228, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.last.combine_ns, 228, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.last.expert_ns, one_expert_4_tokens, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.straggler_ns, 0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.last.total_ns, attn + 228 + one_expert_4_tokens + 228, 1e-6);
	CU_ASSERT_EQUAL(s.last.activated, 2);
	CU_ASSERT_EQUAL(s.last.max_load, 4);

	/* Layer 1: experts 0 and 2, both on GPU 0.  GPU 1's two tokens send to
	 * GPU 0 (128 bytes); GPU 0's stay.  GPU 0 runs 2 experts, 8 token-slots;
	 * GPU 1 idles, so the straggler gap is half of GPU 0's time. */
	two_experts_8_slots = 1000 + 2 * expert_bytes + 8 * token_flops / 1000;
	sim_step_layer(&s);
	CU_ASSERT_EQUAL(s.last_layer, 1);
	CU_ASSERT_DOUBLE_EQUAL(s.last.dispatch_ns, 228, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.last.expert_ns, two_experts_8_slots, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.straggler_ns, two_experts_8_slots / 2, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.gpu[1].expert_ns, 0, 1e-9);

	CU_ASSERT_TRUE(sim_done(&s));
	CU_ASSERT_EQUAL(sim_step_layer(&s), 0);
	CU_ASSERT_DOUBLE_EQUAL(sim_iter_ns(&s),
			       2 * attn + 4 * 228 + one_expert_4_tokens + two_experts_8_slots, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(sim_tokens_per_s(&s), 4 / (sim_iter_ns(&s) * 1e-9), 1e-6);
	sim_release(&s);
}

static void stepping_by_layer_equals_by_iteration(void)
{
	struct sim a, b;

	CU_ASSERT_EQUAL_FATAL(tiny_sim(&a, 3), 0);
	CU_ASSERT_EQUAL_FATAL(tiny_sim(&b, 3), 0);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(sim_step_layer(&a), 1);
	CU_ASSERT_EQUAL(sim_step_iter(&b), 1);
	CU_ASSERT_EQUAL(b.iter, 1);
	CU_ASSERT_EQUAL(b.layer, 0);
	sim_run(&b);
	CU_ASSERT_TRUE(sim_done(&a));
	CU_ASSERT_TRUE(sim_done(&b));
	CU_ASSERT_EQUAL(a.iters_done, 3);
	CU_ASSERT_DOUBLE_EQUAL(a.now_ns, b.now_ns, 1e-6);
	CU_ASSERT_EQUAL(memcmp(a.layer_sum, b.layer_sum, 2 * sizeof *a.layer_sum), 0);
	sim_release(&a);
	sim_release(&b);
}

/*
 * Layer 1 with threshold tau = 1: on GPU 0, expert 2 (1 token) runs in PIM
 * while expert 0 (4 tokens) runs on the GPU.  With Logic-PIM they overlap:
 * the expert phase is below the sum and at least the maximum.  With bank
 * PIM the kernel needs the stack PIM holds: exactly the sum.
 */
static void gpu_and_pim_overlap_only_where_banks_allow(void)
{
	static const char *const kinds[] = {"logic", "bank"};

	for (int k = 0; k < 2; k++) {
		struct sim s;
		double kernel, pim;

		CU_ASSERT_EQUAL_FATAL(tiny_sim_with(&s, 1, tiny_hw_kind(kinds[k]), split_trace(),
						    SCHED_THRESHOLD, 1), 0);
		sim_step_layer(&s);
		sim_step_layer(&s);
		kernel = 1000 + 6144 + 4 * 12288 / 1000.0;
		CU_ASSERT_EQUAL(pimcost_expert_ns(s.pim, 1, &pim, NULL), 0);
		CU_ASSERT(pim > 0);
		CU_ASSERT_EQUAL(s.gpu[0].pim_experts, 1);
		CU_ASSERT_EQUAL(s.gpu[1].pim_experts, 0);
		if (k == 0) {
			CU_ASSERT(s.gpu[0].expert_ns < kernel + pim - 1);
			CU_ASSERT(s.gpu[0].expert_ns >= fmax(kernel, pim) - 1e-6);
		} else {
			CU_ASSERT_DOUBLE_EQUAL(s.gpu[0].expert_ns, kernel + pim, 1e-6);
		}
		/* the policy's estimate is the simulation's outcome here */
		CU_ASSERT_DOUBLE_EQUAL(s.gpu[0].est_ns, s.gpu[0].expert_ns, 1e-6);
		sim_release(&s);
	}
}

/*
 * attach reserved (hbm.h): PIM owns 4 of the 16 channels, the GPU streams
 * the other 12 at 3/4 of its bandwidth, at the same time as PIM.  Layer 1,
 * threshold tau = 1: expert 2 (1 token) in PIM on 4 channels, slower than
 * on 16; expert 0 (4 tokens) on the GPU: 1000 + 6144 / 0.75 + 4 x 12288 /
 * 1000; the two overlap, and the GPU's kernel holds no stack.
 */
static void reserved_channels_split_the_stacks(void)
{
	char text[4096];
	struct sim s, shared;
	double kernel = 1000 + 6144 / 0.75 + 4 * 12288 / 1000.0, pim, pim_shared;

	snprintf(text, sizeof text, tiny_hw_format, "bank");
	strcat(text, "attach = reserved\nreserved_channels = 0.25\n");
	CU_ASSERT_EQUAL_FATAL(tiny_sim_with(&s, 1, test_write_file("reserved-hw.ini", text),
					    split_trace(), SCHED_THRESHOLD, 1), 0);
	CU_ASSERT_EQUAL_FATAL(tiny_sim_with(&shared, 1, tiny_hw(), split_trace(), SCHED_THRESHOLD, 1),
			      0);
	CU_ASSERT_EQUAL(hbm_pim_channels(&s.hw.hbm), 4);
	CU_ASSERT_FALSE(sched_pim_locks_stacks(&s.hw));
	sim_step_layer(&s);
	sim_step_layer(&s);
	CU_ASSERT_EQUAL(pimcost_expert_ns(s.pim, 1, &pim, NULL), 0);
	CU_ASSERT_EQUAL(pimcost_expert_ns(shared.pim, 1, &pim_shared, NULL), 0);
	CU_ASSERT(pim >= pim_shared);	/* a quarter of the channels */
	CU_ASSERT_EQUAL(s.gpu[0].pim_experts, 1);
	CU_ASSERT_DOUBLE_EQUAL(s.gpu[0].expert_ns, fmax(kernel, pim), 1e-6);
	for (int i = s.layer_first_task; i < s.eng.ntasks; i++)
		if (s.eng.task[i].kind == TASK_GPU_EXPERTS)
			CU_ASSERT_EQUAL(s.eng.task[i].nres, 1);
	sim_release(&s);
	sim_release(&shared);
}

/* A real expert on a quarter of the channels streams 4x the columns per
 * unit: between 3x and 4x the time of all 16 (fixed parts do not grow). */
static void reserved_pim_runs_on_its_channels(void)
{
	struct pimcost all, quarter;
	struct model m;
	struct hw hw;
	struct err e;
	double one_all, one_quarter;

	CU_ASSERT_EQUAL_FATAL(hw_load(&hw, TEST_DATADIR, "h100x4-pim", &e), 0);
	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "qwen3-30b-a3b", &e), 0);
	CU_ASSERT_EQUAL_FATAL(pimcost_init(&all, &hw, &m, &e), 0);
	hw.hbm.attach = ATTACH_RESERVED;
	hw.hbm.reserved_channels = 0.25;
	CU_ASSERT_EQUAL_FATAL(pimcost_init(&quarter, &hw, &m, &e), 0);
	CU_ASSERT_EQUAL(pimcost_expert_ns(&all, 1, &one_all, NULL), 0);
	CU_ASSERT_EQUAL(pimcost_expert_ns(&quarter, 1, &one_quarter, NULL), 0);
	CU_ASSERT(one_quarter / one_all > 3 && one_quarter / one_all <= 4.0001);
	pimcost_release(&all);
	pimcost_release(&quarter);
}

/*
 * Layer 0 of tiny_trace in two micro-batches, by hand: micro-batch m holds
 * one sequence of each GPU (seq m on GPU 0, seq 2 + m on GPU 1), so expert 0
 * (GPU 0) and expert 1 (GPU 1) get 2 tokens in each, and each GPU sends and
 * receives one 64-byte token: every all-to-all takes 100 + 64 ns.  With a
 * = one sequence's attention and router and X = one expert kernel of 2
 * tokens:
 *   GPU:   attn0 [0, a]  attn1 [a, 2a]  experts0 [2a, 2a+X]  experts1 [2a+X, 2a+2X]
 *   links: dispatch0 [a, a+164]  dispatch1 [2a, 2a+164]
 *          combine0 [2a+X, 2a+X+164]  combine1 [2a+2X, 2a+2X+164]
 * (experts0 waits for the GPU, busy with attn1; experts1 for experts0).
 */
static void two_micro_batches_computed_by_hand(void)
{
	struct sim s;
	double a, x = 1000 + 6144 + 2 * 12288 / 1000.0;

	CU_ASSERT_EQUAL_FATAL(tiny_sim_micro(&s, 1, tiny_hw(), tiny_trace(), SCHED_GPU, 0, 2), 0);
	a = gpu_attn_proj_ns(&s.hw, GPU_NOMINAL, &s.model, 1) + gpu_attention_ns(&s.hw, GPU_NOMINAL, &s.model, 0, 1, 100) +
	    gpu_router_ns(&s.hw, GPU_NOMINAL, &s.model, 1);
	sim_step_layer(&s);
	CU_ASSERT_DOUBLE_EQUAL(s.last.total_ns, 2 * a + 2 * x + 164, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.micro_ready_ns[0], 2 * a + x + 164, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.micro_ready_ns[1], 2 * a + 2 * x + 164, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.now_ns, 2 * a + x + 164, 1e-6);
	/* phases summed over micro-batches, each from its own start */
	CU_ASSERT_DOUBLE_EQUAL(s.last.attn_ns, a + 2 * a, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.dispatch_ns, 2 * 164, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.expert_ns, (a + x - 164) + (2 * x - 164), 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(s.last.combine_ns, 2 * 164, 1e-6);
	/* the routing is the layer's, split: the same counts, each expert run twice */
	CU_ASSERT_EQUAL(s.counts[0], 4);
	CU_ASSERT_EQUAL(s.counts[1], 4);
	CU_ASSERT_EQUAL(s.last.activated, 4);
	CU_ASSERT_EQUAL(s.gpu[0].tokens, 4);
	CU_ASSERT_DOUBLE_EQUAL(s.gpu[0].send_bytes, 128, 0);
	sim_release(&s);
}

/* The default run on a machine whose links are slow (5 GB/s all-to-alls). */
static int slow_links_run_of(struct sim *s, int micro, int sched)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0)
		return -1;
	snprintf(cfg.hw, sizeof cfg.hw, "%s",
		 test_edit_file(TEST_DATADIR "/hw/h100x4-pim.ini", "slow-links.ini", "a2a_bw_gbps",
				"a2a_bw_gbps = 5"));
	cfg.sched = sched;
	cfg.batch = 256;
	cfg.iters = 1;
	cfg.micro = micro;
	if (init_or_say(s, &cfg) != 0)
		return -1;
	sim_run(s);
	return 0;
}

static int slow_links_run(struct sim *s, int micro)
{
	return slow_links_run_of(s, micro, SCHED_GPU);
}

/*
 * Where the all-to-alls dominate, two micro-batches hide one's dispatch and
 * combine under the other's attention and experts: faster, although every
 * expert's weights are streamed twice.  Each micro-batch's chain (attention,
 * dispatch, experts, combine) is at least as long as its links' work, so
 * the overlapped iteration must still exceed the links' busy time.
 * Achieved: 1.392x the tokens/s, links busy 48% of the 1-micro-batch run
 * (1.495x and 51% before experts were read at their stack's bandwidth);
 * limits 1.33x (the gain less 15%) and 45%.  At the former model, all-to-all
 * bytes costed at 0.8 of their time gave 1.38x against 1.495x.
 */
static void micro_batches_hide_slow_links(void)
{
	struct sim one, two;
	struct sim_totals t1, t2;

	CU_ASSERT_EQUAL_FATAL(slow_links_run(&one, 1), 0);
	CU_ASSERT_EQUAL_FATAL(slow_links_run(&two, 2), 0);
	sim_totals(&one, &t1);
	sim_totals(&two, &t2);
	printf("\n    slow links: %.0f tokens/s in 1 micro-batch, %.0f in 2 ", sim_tokens_per_s(&one),
	       sim_tokens_per_s(&two));
	CHECK_AT_LEAST("speed-up of 2 micro-batches", sim_tokens_per_s(&two) / sim_tokens_per_s(&one), 1.33);
	CHECK_AT_LEAST("link utilisation, 1 micro-batch", t1.link_util, 0.45);	/* communication-heavy indeed */
	CU_ASSERT(t2.link_util > t1.link_util);
	CU_ASSERT(t2.link_util <= 1 + 1e-9);
	sim_release(&one);
	sim_release(&two);
}

/*
 * Sieve with two micro-batches, where the all-to-alls dominate: its estimate
 * of each GPU's expert phase sees each stack's backlog after the dispatch
 * (the other micro-batch's PIM experts) as the engine runs it, so it must
 * match the simulated phase; and planning from it, sieve must beat every
 * other policy with two micro-batches.  Achieved: mean estimate error
 * 6.8e-15, rounding (0.14% before stacks had their own ready times, 18.9% on
 * qwen3-30b-a3b at batch 64 with the default links); limit 1e-12.  12572 tokens/s against 11773 for the
 * best other (attacc-threshold); limit: at least every other.
 */
static void sieve_with_micro_batches_beats_every_policy(void)
{
	struct sim s;
	struct sim_totals t;
	double sieve, best = 0;

	CU_ASSERT_EQUAL_FATAL(slow_links_run_of(&s, 2, SCHED_SIEVE), 0);
	sim_totals(&s, &t);
	sieve = sim_tokens_per_s(&s);
	printf("\n    sieve, 2 micro-batches: estimate error %.2g, %.0f tokens/s ", t.est_error, sieve);
	CHECK_AT_MOST("sieve's estimate error, 2 micro-batches", t.est_error, 1e-12);
	CU_ASSERT(t.est_error >= 0);
	sim_release(&s);
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		if (p == SCHED_SIEVE)
			continue;
		CU_ASSERT_EQUAL_FATAL(slow_links_run_of(&s, 2, p), 0);
		best = fmax(best, sim_tokens_per_s(&s));
		sim_release(&s);
	}
	printf("(best other %.0f) ", best);
	CHECK_AT_LEAST("sieve over the best other policy, 2 micro-batches", sieve / best, 1);
}

/* Per (iteration, layer, micro-batch): when its phases start and end. */
struct phase_times {
	double attn_end, disp_start, disp_end, exp_start, exp_end, comb_start, comb_end, first_start;
	double attn_end_gpu[HW_MAX_GPUS], shared_start_gpu[HW_MAX_GPUS];
};

static void collect_phases(const struct sim *s, const struct engine_task *task, int n,
			   struct phase_times *pt)
{
	int L = s->model.layers, M = s->cfg.micro;

	for (int i = 0; i < s->cfg.iters * L * M; i++) {
		struct phase_times *p = &pt[i];
		memset(p, 0, sizeof *p);
		p->disp_start = p->exp_start = p->comb_start = p->first_start = INFINITY;
		for (int g = 0; g < HW_MAX_GPUS; g++)
			p->shared_start_gpu[g] = INFINITY;
	}
	for (int i = 0; i < n; i++) {
		const struct engine_task *t = &task[i];
		struct phase_times *p = &pt[(t->iter * L + t->layer) * M + t->micro];
		p->first_start = fmin(p->first_start, t->start_ns);
		switch (t->kind) {
		case TASK_ATTN:
		case TASK_ATTN_PIM:
			p->attn_end = fmax(p->attn_end, t->end_ns);
			p->attn_end_gpu[t->gpu] = fmax(p->attn_end_gpu[t->gpu], t->end_ns);
			break;
		case TASK_ROUTER:	/* the dispatch waits for every GPU's router */
			p->attn_end = fmax(p->attn_end, t->end_ns);
			break;
		case TASK_LM_HEAD:	/* checked by check_router_and_lm_head */
			break;
		case TASK_DISPATCH:
			p->disp_start = fmin(p->disp_start, t->start_ns);
			p->disp_end = fmax(p->disp_end, t->end_ns);
			break;
		case TASK_SHARED:
			p->shared_start_gpu[t->gpu] = fmin(p->shared_start_gpu[t->gpu], t->start_ns);
			p->exp_end = fmax(p->exp_end, t->end_ns);
			break;
		case TASK_COMBINE:
			p->comb_start = fmin(p->comb_start, t->start_ns);
			p->comb_end = fmax(p->comb_end, t->end_ns);
			break;
		default:
			p->exp_start = fmin(p->exp_start, t->start_ns);
			p->exp_end = fmax(p->exp_end, t->end_ns);
		}
	}
}

/* Nanoseconds of overlap between link tasks of one micro-batch and GPU/PIM
 * tasks of another (in the same or the next layer). */
static double cross_micro_overlap_ns(const struct engine_task *task, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++) {
		const struct engine_task *c = &task[i];
		if (c->kind != TASK_DISPATCH && c->kind != TASK_COMBINE)
			continue;
		for (int j = 0; j < n; j++) {
			const struct engine_task *w = &task[j];
			if (w->kind == TASK_DISPATCH || w->kind == TASK_COMBINE || w->micro == c->micro ||
			    abs(w->layer - c->layer) > 1)
				continue;
			sum += fmax(0, fmin(c->end_ns, w->end_ns) - fmax(c->start_ns, w->start_ns));
		}
	}
	return sum;
}

/*
 * The router runs on each GPU after its attention and before the dispatch;
 * the LM head once per iteration on each GPU, after every task of the last
 * layer, for that GPU's sequences.
 */
static int check_router_and_lm_head(const struct sim *s, const struct layer_record *r)
{
	int heads = 0;

	for (int i = 0; i < r->ntasks; i++) {
		const struct engine_task *t = &r->task[i];
		for (int j = 0; j < r->ntasks; j++) {
			const struct engine_task *u = &r->task[j];
			if (u->layer != t->layer || u->micro != t->micro || j == i)
				continue;
			if (t->kind == TASK_ROUTER && u->gpu == t->gpu &&
			    (u->kind == TASK_ATTN || u->kind == TASK_ATTN_PIM))
				CU_ASSERT(t->start_ns >= u->end_ns - 1e-6);
			if (t->kind == TASK_DISPATCH && u->kind == TASK_ROUTER)
				CU_ASSERT(t->start_ns >= u->end_ns - 1e-6);
			if (t->kind == TASK_LM_HEAD && u->kind != TASK_LM_HEAD)
				CU_ASSERT(t->start_ns >= u->end_ns - 1e-6);
		}
		if (t->kind == TASK_LM_HEAD) {
			heads++;
			CU_ASSERT_EQUAL(t->layer, s->model.layers - 1);
			CU_ASSERT_DOUBLE_EQUAL(t->dur_ns,
					       gpu_lm_head_ns(&s->gpu_view, GPU_NOMINAL, &s->model,
							      s->cfg.batch / s->hw.gpus / s->cfg.micro), 1e-6);
		}
	}
	return heads;
}

/* Every task of the run, in issue order, from the history (which keeps every
 * layer of a one-iteration run); *n set.  Task deps are not kept here. */
static struct engine_task *run_tasks(const struct sim *s, int *n)
{
	const struct history *h = sim_history(s);
	struct engine_task *all;
	int total = 0;

	for (int b = 0; b < history_len(h); b++)
		total += history_get(h, b)->ntasks;
	all = xcalloc((size_t)total + 1, sizeof *all);
	*n = 0;
	for (int b = history_len(h) - 1; b >= 0; b--) {
		const struct layer_record *r = history_get(h, b);
		memcpy(all + *n, r->task, (size_t)r->ntasks * sizeof *all);
		*n += r->ntasks;
	}
	return all;
}

/*
 * Over a whole run of every policy, in one and in two micro-batches: no
 * resource does two things at once, every task starts after its recorded
 * dependencies, and, derived here from the model rather than from those
 * records, within each micro-batch attention and router -> dispatch (after
 * every GPU's router) -> experts -> combine, shared experts after their
 * GPU's attention, and the next layer's micro-batch m after this layer's m.
 * With two micro-batches the all-to-alls of one do overlap the work of the
 * other.
 */
static void dependencies_hold_in_a_real_run(void)
{
	for (int micro = 1; micro <= 2; micro++) {
		for (int p = 0; p < SCHED_NPOLICIES; p++) {
			struct sim_config cfg;
			struct phase_times *pt;
			struct engine_task *all;
			struct sim s;
			struct err e;
			double last_end[64] = {0};
			int L, G, M = micro, heads = 0, n;

			CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
			cfg.sched = p;
			cfg.iters = 1;
			cfg.batch = 32;
			cfg.micro = micro;
			CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
			CU_ASSERT_FATAL(s.eng.nres <= 64);
			while (sim_step_layer(&s) == 1) {
				const struct layer_record *r = history_get(sim_history(&s), 0);
				heads += check_router_and_lm_head(&s, r);
				for (int i = 0; i < r->ntasks; i++) {
					const struct engine_task *t = &r->task[i];
					for (int k = 0; k < t->ndeps; k++)
						CU_ASSERT(t->start_ns >= r->task[r->dep[t->dep0 + k]].end_ns);
				}
			}
			CU_ASSERT_EQUAL(heads, s.hw.gpus * M * s.iters_done);
			L = s.model.layers;
			G = s.hw.gpus;
			all = run_tasks(&s, &n);
			for (int i = 0; i < n; i++)	/* never two at once */
				for (int k = 0; k < all[i].nres; k++) {
					CU_ASSERT(all[i].start_ns >= last_end[all[i].res[k]] - 1e-6);
					last_end[all[i].res[k]] = all[i].end_ns;
				}
			pt = xcalloc((size_t)(L * M), sizeof *pt);
			collect_phases(&s, all, n, pt);
			for (int l = 0; l < L; l++) {
				for (int m = 0; m < M; m++) {
					const struct phase_times *q = &pt[l * M + m];
					double last = q->comb_end > 0 ? q->comb_end : q->exp_end;
					CU_ASSERT(q->disp_start >= q->attn_end - 1e-6);
					CU_ASSERT(q->exp_start >= q->disp_end - 1e-6);
					CU_ASSERT(q->comb_start >= q->exp_end - 1e-6);
					for (int g = 0; g < G; g++)
						CU_ASSERT(q->shared_start_gpu[g] >= q->attn_end_gpu[g] - 1e-6);
					if (l + 1 < L)
						CU_ASSERT(pt[(l + 1) * M + m].first_start >= last - 1e-6);
				}
			}
			if (micro == 1) {
				CU_ASSERT_DOUBLE_EQUAL(cross_micro_overlap_ns(all, n), 0, 0);
			} else {
				CU_ASSERT(cross_micro_overlap_ns(all, n) > 0);
			}
			free(pt);
			free(all);
			sim_release(&s);
		}
	}
}

/*
 * micro = 1 is the schedule without micro-batches: layers run one after
 * another, each as long as its four phases end to end (the last one and
 * its LM head).
 */
static void one_micro_batch_is_serial(void)
{
	struct sim_config cfg;
	struct sim s;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
	cfg.iters = 1;
	cfg.micro = 1;
	CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
	while (sim_step_layer(&s) == 1) {
		const struct layer_result *r = &s.last;
		double phases = r->attn_ns + r->dispatch_ns + r->expert_ns + r->combine_ns;
		if (s.last_layer < s.model.layers - 1) {
			CU_ASSERT_DOUBLE_EQUAL(r->total_ns, phases, 1e-6 * r->total_ns);
		} else {	/* and the LM head */
			CU_ASSERT(r->total_ns > phases);
		}
		CU_ASSERT_DOUBLE_EQUAL(s.now_ns, s.end_ns, 0);
	}
	sim_release(&s);
}

/*
 * A PIM cost that cannot be computed stops the run: a machine whose banks
 * have 16 rows cannot hold a mixtral expert (4096 x 14336, 2 bytes: more
 * than 16 rows of every bank of a stack), so the first MoE layer fails,
 * says where, records nothing and stays failed.  The gpu policy never
 * asks for that cost and runs.
 */
static void failed_pim_cost_stops_the_run(void)
{
	const char *hw = test_edit_file("data/hw/h100x4-pim.ini", "short-rows.ini", "rows ",
					"rows = 16");
	struct sim_config cfg;
	struct sim s;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
	snprintf(cfg.model, sizeof cfg.model, "mixtral-8x7b");
	snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
	cfg.iters = 1;
	cfg.batch = 8;
	CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
	CU_ASSERT_PTR_NULL(sim_error(&s));
	CU_ASSERT_EQUAL(sim_run(&s), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim_error(&s));
	CU_ASSERT_PTR_NOT_NULL(strstr(sim_error(&s), "iteration 0, layer 0, gpu 0, expert "));
	CU_ASSERT_PTR_NOT_NULL(strstr(sim_error(&s), "needs row 16 of every bank, but banks have 16 rows"));
	CU_ASSERT_EQUAL(s.iter, 0);
	CU_ASSERT_EQUAL(s.layer, 0);
	CU_ASSERT_EQUAL(history_len(sim_history(&s)), 0);
	CU_ASSERT_EQUAL(sim_step_layer(&s), -1);
	CU_ASSERT_EQUAL(sim_step_iter(&s), -1);
	sim_release(&s);

	cfg.sched = SCHED_GPU;
	CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
	CU_ASSERT_EQUAL(sim_run(&s), 0);
	CU_ASSERT_PTR_NULL(sim_error(&s));
	CU_ASSERT_TRUE(sim_done(&s));
	sim_release(&s);
}

static int run_default(struct sim *s, int seed)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0 ||
	    (cfg.seed = seed, cfg.iters = 3, sim_init(s, &cfg, TEST_DATADIR, &e)) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	sim_run(s);
	return 0;
}

static void same_seed_same_result(void)
{
	struct sim a, b, c;

	CU_ASSERT_EQUAL_FATAL(run_default(&a, 5), 0);
	CU_ASSERT_EQUAL_FATAL(run_default(&b, 5), 0);
	CU_ASSERT_EQUAL_FATAL(run_default(&c, 6), 0);
	CU_ASSERT_EQUAL(memcmp(a.layer_sum, b.layer_sum, (size_t)a.model.layers * sizeof *a.layer_sum), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a.layer_sum, c.layer_sum, (size_t)a.model.layers * sizeof *a.layer_sum), 0);
	CU_ASSERT(sim_tokens_per_s(&a) > 0);
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);
}

void test_sim_register(void)
{
	static const struct test_case cases[] = {
		{"two layers computed by hand", hand_computed_layers},
		{"stepping by layer equals stepping by iteration", stepping_by_layer_equals_by_iteration},
		{"same seed, same result; another seed, another", same_seed_same_result},
		{"GPU and PIM overlap only where banks allow", gpu_and_pim_overlap_only_where_banks_allow},
		{"reserved channels split the stacks", reserved_channels_split_the_stacks},
		{"reserved PIM runs on its channels only", reserved_pim_runs_on_its_channels},
		{"dependencies hold in a real run of every policy", dependencies_hold_in_a_real_run},
		{"two micro-batches computed by hand", two_micro_batches_computed_by_hand},
		{"2 micro-batches on slow links: >= 1.33x the tokens/s of 1", micro_batches_hide_slow_links},
		{"sieve, 2 micro-batches: estimate matches, beats every policy",
		 sieve_with_micro_batches_beats_every_policy},
		{"one micro-batch is serial", one_micro_batch_is_serial},
		{"a failed PIM cost stops the run", failed_pim_cost_stops_the_run},
		{NULL, NULL},
	};
	tests_add_suite("sim", cases);
}
