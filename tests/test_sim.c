/*
 * test_sim.c - the decode loop: a hand-computed two-layer case, stepping,
 * and determinism.
 */
#include <math.h>
#include <stdio.h>
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
	"[system]\ngpus = 2\nlink_gbps = 1\nlink_latency_ns = 100\n"
	"[gpu]\npeak_tflops = 1\nhbm_gbps = 1\nmem_gb = 1\nstacks = 1\n"
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
	"logic_tflops = 21.3\nnCCDBG = 2\nnCCDBG_power = 5\nlogic_bw_ratio = 4\n"
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

static int tiny_sim_with(struct sim *s, int iters, const char *hw, const char *trace, int sched,
			 int tau)
{
	struct sim_config cfg;
	struct err e;

	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.model, sizeof cfg.model, "%s", tiny_model());
	snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
	snprintf(cfg.routing, sizeof cfg.routing, "trace:%s", trace);
	cfg.sched = sched;
	cfg.tau = tau;
	cfg.batch = 4;
	cfg.iters = iters;
	cfg.context = 100;
	cfg.seed = 7;
	if (sim_init(s, &cfg, TEST_DATADIR, &e) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	return 0;
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
	CU_ASSERT_DOUBLE_EQUAL(gpu_attn_proj_ns(&s.hw, 1, &s.model, 2) +
				       gpu_attention_ns(&s.hw, 1, &s.model, 0, 2, 100),
			       attn, 1e-6);
	/* Router: a 64 x 4 GEMM for 2 tokens, then top-k: two launches.  It
	 * ends the attention phase (the dispatch waits for it). */
	router = 2 * 500 + 256 + 2.0 * 256 * 2 / 1000;
	CU_ASSERT_DOUBLE_EQUAL(gpu_router_ns(&s.hw, 1, &s.model, 2), router, 1e-6);
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
			if (u->layer != t->layer || j == i)
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
			CU_ASSERT_DOUBLE_EQUAL(t->dur_ns, gpu_lm_head_ns(&s->gpu_view, 1, &s->model,
									 s->cfg.batch / s->hw.gpus), 1e-6);
		}
	}
	return heads;
}

/* Over a whole run of every policy, layer by layer from the history: no
 * resource does two things at once, experts start after the dispatch,
 * combine after the experts, a task starts after its dependencies, router
 * and LM head in their places. */
static void dependencies_hold_in_a_real_run(void)
{
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		struct sim_config cfg;
		struct sim s;
		struct err e;
		double last_end[64] = {0};
		int heads = 0;

		CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
		cfg.sched = p;
		cfg.iters = 1;
		cfg.batch = 32;
		CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
		CU_ASSERT_FATAL(s.eng.nres <= 64);
		while (sim_step_layer(&s) == 1) {
			const struct layer_record *r = history_get(sim_history(&s), 0);
			double disp_end = 0, exp_end = 0, comb_start = INFINITY;
			heads += check_router_and_lm_head(&s, r);
			for (int i = 0; i < r->ntasks; i++) {
				const struct engine_task *t = &r->task[i];
				if (t->kind == TASK_DISPATCH)
					disp_end = fmax(disp_end, t->end_ns);
				if (t->kind == TASK_GPU_EXPERTS || t->kind == TASK_PIM_EXPERT)
					exp_end = fmax(exp_end, t->end_ns);
				if (t->kind == TASK_COMBINE)
					comb_start = fmin(comb_start, t->start_ns);
				for (int k = 0; k < t->ndeps; k++)
					CU_ASSERT(t->start_ns >= r->task[r->dep[t->dep0 + k]].end_ns);
				for (int k = 0; k < t->nres; k++) {	/* never two at once */
					CU_ASSERT(t->start_ns >= last_end[t->res[k]] - 1e-6);
					last_end[t->res[k]] = t->end_ns;
				}
			}
			for (int i = 0; i < r->ntasks; i++) {
				const struct engine_task *t = &r->task[i];
				if (t->kind == TASK_GPU_EXPERTS || t->kind == TASK_PIM_EXPERT)
					CU_ASSERT(t->start_ns >= disp_end - 1e-6);
			}
			CU_ASSERT(comb_start >= exp_end - 1e-6);
		}
		CU_ASSERT_EQUAL(heads, s.hw.gpus * s.iters_done);
		sim_release(&s);
	}
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
		{"a failed PIM cost stops the run", failed_pim_cost_stops_the_run},
		{NULL, NULL},
	};
	tests_add_suite("sim", cases);
}
