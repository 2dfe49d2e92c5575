/*
 * test_capacity.c - memory per GPU against a hand computation, and the
 * refusal with what would fit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "sim.h"
#include "tests.h"
#include "testutil.h"

/*
 * gpt-oss-120b on h100x4-pim (4 GPUs of 80 GiB, reserve 0.1), batch 64,
 * context 4096, from its config: 36 layers, hidden 2880, vocab 201088,
 * 128 experts of inter 2880 in MXFP4 (0.53125 B), top-4, no shared
 * experts, 64 query and 8 KV heads of 64, BF16 elsewhere, sliding window
 * 128 on every other layer.
 *   experts:    128 / 4 = 32 per GPU x 36 layers x 3 x 2880^2 x 0.53125
 *               = 15228518400 B
 *   replicated: per layer QKV 2880 x (4096 + 2 x 512) + O 4096 x 2880
 *               + router 2880 x 128 = 26910720 weights, x 36 x 2 B
 *               = 1937571840 B
 *   embeddings: 2 x 201088 x 2880 x 2 B = 2316533760 B
 *   KV cache:   16 sequences x 2048 B per token and layer (K and V of 8
 *               heads x 64 x 2 B), 18 full layers x 4096 tokens + 18
 *               sliding layers x 128 = 2491416576 B
 *   activations: 2 x 64 x 4 slots x (2880 + 2 x 2880) x 2 B
 *               + 16 x 201088 x 4 B of logits = 21716992 B
 *   reserve:    0.1 x 80 GiB = 8589934592 B
 *   used:       30585692160 B of 85899345920.
 */
static void gpt_oss_by_hand(void)
{
	struct model m = test_model("gpt-oss-120b");
	struct hw hw = test_hw("h100x4-pim");
	struct capacity c;

	capacity_of(&m, &hw, hw.gpus, 64, 4096, &c);
	CU_ASSERT_DOUBLE_EQUAL(c.expert_bytes, 15228518400.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.replicated_bytes, 1937571840.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.embed_bytes, 2316533760.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.kv_bytes, 2491416576.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.act_bytes, 21716992.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.reserve_bytes, 8589934592.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.used_bytes, 30585692160.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes, 85899345920.0 - 30585692160.0, 1);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 4096, NULL), 0);
	/* attach reserved: a second copy of every expert, nothing else grows */
	hw.hbm.attach = ATTACH_RESERVED;
	capacity_of(&m, &hw, hw.gpus, 64, 4096, &c);
	CU_ASSERT_DOUBLE_EQUAL(c.expert_bytes, 2 * 15228518400.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.used_bytes, 30585692160.0 + 15228518400.0, 1);
}

/*
 * Linear attention keeps a fixed state: qwen3.5-397b-a17b-fp8 on 8 GPUs,
 * batch 256 (32 sequences per GPU), 60 layers of which 15 full (2 KV heads
 * x 256 x 2 B x 2 = 2048 B per token) and 45 linear (1 MiB each):
 * 15 x 4096 x 2048 x 32 + 45 x 1048576 x 32 B, at any context for the
 * linear part.
 */
static void linear_state_is_fixed(void)
{
	struct model m = test_model("qwen3.5-397b-a17b-fp8");
	struct hw hw = test_hw("h100x8-pim");
	struct capacity a, b;

	capacity_of(&m, &hw, hw.gpus, 256, 4096, &a);
	capacity_of(&m, &hw, hw.gpus, 256, 8192, &b);
	CU_ASSERT_DOUBLE_EQUAL(a.kv_bytes, 15.0 * 4096 * 2048 * 32 + 45.0 * 1048576 * 32, 1);
	CU_ASSERT_DOUBLE_EQUAL(b.kv_bytes - a.kv_bytes, 15.0 * 4096 * 2048 * 32, 1);
}

/*
 * A run that does not fit: the message names the shortfall, and what it
 * offers does fit while one step further does not.
 */
static void refusal_says_what_fits(void)
{
	struct model m = test_model("qwen3-30b-a3b");
	struct hw hw = test_hw("h100x4-pim");
	struct capacity c;
	struct err e;
	const char *p;
	int ctx, gpus;

	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, 1048576, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "GiB more than mem_gb 80"));
	p = strstr(e.msg, "context <= ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ctx = atoi(p + strlen("context <= "));
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, ctx, NULL), 0);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, ctx + 1, NULL), -1);
	CU_ASSERT_PTR_NULL(strstr(e.msg, "batch <= "));	/* one sequence alone is too long */
	capacity_of(&m, &hw, hw.gpus, 1, 1048576, &c);
	CU_ASSERT(c.headroom_bytes < 0);

	m = test_model("qwen3.5-397b-a17b");
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 4096, &e), -1);
	p = strstr(e.msg, "with ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	gpus = atoi(p + strlen("with "));
	CU_ASSERT(strstr(e.msg, "GPUs of this kind") != NULL);
	capacity_of(&m, &hw, gpus, 64, 4096, &c);
	CU_ASSERT(c.headroom_bytes >= 0);
	capacity_of(&m, &hw, gpus - 1, 64, 4096, &c);
	CU_ASSERT(c.headroom_bytes < 0);
}

/* Every way into a run checks: sim_init, and a live change of context. */
static void sim_refuses(void)
{
	struct sim_config cfg;
	struct sim s;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
	cfg.iters = 1;
	snprintf(cfg.model, sizeof cfg.model, "qwen3.5-397b-a17b");
	CU_ASSERT_EQUAL(sim_init(&s, &cfg, TEST_DATADIR, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "does not fit on h100x4-pim"));
	snprintf(cfg.model, sizeof cfg.model, "qwen3-30b-a3b");
	CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
	cfg.context = 1048576;
	CU_ASSERT_EQUAL(sim_configure(&s, &cfg, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "context 1048576"));
	CU_ASSERT_EQUAL(s.cfg.context, 4096);	/* unchanged */
	sim_release(&s);
}

void test_capacity_register(void)
{
	static const struct test_case cases[] = {
		{"gpt-oss-120b per GPU equals the hand count", gpt_oss_by_hand},
		{"linear-attention state does not grow with context", linear_state_is_fixed},
		{"refusal offers a context and GPU count that just fit", refusal_says_what_fits},
		{"sim_init and a live context change refuse what does not fit", sim_refuses},
		{NULL, NULL},
	};
	tests_add_suite("capacity", cases);
}
