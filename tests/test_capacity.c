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

	capacity_of(&m, &hw, hw.gpus, 64, 4096, 0, &c);
	CU_ASSERT_DOUBLE_EQUAL(c.expert_bytes, 15228518400.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.replicated_bytes, 1937571840.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.embed_bytes, 2316533760.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.kv_bytes, 2491416576.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.act_bytes, 21716992.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.reserve_bytes, 8589934592.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.used_bytes, 30585692160.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes, 85899345920.0 - 30585692160.0, 1);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 4096, 0, NULL), 0);
	/* attach reserved: a second copy of every expert, nothing else grows */
	hw.hbm.attach = ATTACH_RESERVED;
	capacity_of(&m, &hw, hw.gpus, 64, 4096, 0, &c);
	CU_ASSERT_DOUBLE_EQUAL(c.expert_bytes, 2 * 15228518400.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.used_bytes, 30585692160.0 + 15228518400.0, 1);
}

/*
 * The placement's spare slots count: gpt-oss-120b on h100x4-pim as above
 * at context 94208, where the KV cache is 16 sequences x 2048 B x 18 x
 * (94208 + 128) = 55641636864 B and linear placement uses 83735912448 B of
 * 85899345920 (headroom 2163433472).  Each spare slot is one expert more
 * per MoE layer, 36 x 13219200 = 475891200 B: eplb or vibe with 4 spare
 * slots (36 experts a layer) leave 259868672 B, with 5 they are
 * 216022528 B short, and the refusal offers spare_slots <= 4.  Linear
 * never replicates (place_spare_slots 0), so its spare slots cost nothing.
 */
static void spare_slots_by_hand(void)
{
	struct model m = test_model("gpt-oss-120b");
	struct hw hw = test_hw("h100x4-pim");
	struct capacity c, d;
	struct err e;

	capacity_of(&m, &hw, hw.gpus, 64, 94208, place_spare_slots(PLACE_LINEAR, 5), &c);
	CU_ASSERT_EQUAL(c.expert_slots, 32);
	CU_ASSERT_DOUBLE_EQUAL(c.kv_bytes, 55641636864.0, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes, 2163433472.0, 1);
	capacity_of(&m, &hw, hw.gpus, 64, 94208, place_spare_slots(PLACE_EPLB, 4), &c);
	CU_ASSERT_EQUAL(c.expert_slots, 36);
	CU_ASSERT_DOUBLE_EQUAL(c.expert_bytes, 36.0 * 36 * 13219200, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes, 259868672.0, 1);
	capacity_of(&m, &hw, hw.gpus, 64, 94208, place_spare_slots(PLACE_VIBE, 5), &c);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes, -216022528.0, 1);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 94208, 0, NULL), 0);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 94208, 4, NULL), 0);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 94208, 5, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "5 spare expert slots per GPU"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "37 per MoE layer"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "0.2 GiB more than mem_gb 80"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "spare_slots <= 4,"));
	/* a GPU holds one replica of an expert: never more than experts slots */
	capacity_of(&m, &hw, 2, 64, 4096, 64 + 64, &c);
	CU_ASSERT_EQUAL(c.expert_slots, 128);
	/* attach reserved: every slot twice, 951782400 B a spare slot */
	hw.hbm.attach = ATTACH_RESERVED;
	capacity_of(&m, &hw, hw.gpus, 64, 4096, 0, &c);
	capacity_of(&m, &hw, hw.gpus, 64, 4096, 3, &d);
	CU_ASSERT_DOUBLE_EQUAL(c.headroom_bytes - d.headroom_bytes, 3 * 951782400.0, 1);
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

	capacity_of(&m, &hw, hw.gpus, 256, 4096, 0, &a);
	capacity_of(&m, &hw, hw.gpus, 256, 8192, 0, &b);
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

	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, 1048576, 0, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "GiB more than mem_gb 80"));
	p = strstr(e.msg, "context <= ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ctx = atoi(p + strlen("context <= "));
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, ctx, 0, NULL), 0);
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 1024, ctx + 1, 0, NULL), -1);
	CU_ASSERT_PTR_NULL(strstr(e.msg, "batch <= "));	/* one sequence alone is too long */
	capacity_of(&m, &hw, hw.gpus, 1, 1048576, 0, &c);
	CU_ASSERT(c.headroom_bytes < 0);

	m = test_model("qwen3.5-397b-a17b");
	CU_ASSERT_EQUAL(capacity_check(&m, &hw, 64, 4096, 0, &e), -1);
	p = strstr(e.msg, "with ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	gpus = atoi(p + strlen("with "));
	CU_ASSERT(strstr(e.msg, "GPUs of this kind") != NULL);
	capacity_of(&m, &hw, gpus, 64, 4096, 0, &c);
	CU_ASSERT(c.headroom_bytes >= 0);
	capacity_of(&m, &hw, gpus - 1, 64, 4096, 0, &c);
	CU_ASSERT(c.headroom_bytes < 0);
}

/*
 * Every way into a run checks: sim_init, and a live change of context,
 * placement or spare slots.  qwen3-30b-a3b on h100x4-pim at context 37500:
 * linear leaves 0.68 GiB, a spare slot is 48 MoE layers x 3 x 2048 x 768
 * x 2 B = 0.42 GiB, so eplb fits with 1 spare slot and not with 2.
 */
static void sim_refuses(void)
{
	struct sim_config cfg;
	struct sim s;
	struct err e;
	int nchanges;

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

	cfg.context = 37500;
	cfg.spare_slots = 2;
	cfg.place = PLACE_EPLB;
	CU_ASSERT_EQUAL(sim_init(&s, &cfg, TEST_DATADIR, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "spare_slots <= 1,"));
	cfg.place = PLACE_LINEAR;
	CU_ASSERT_EQUAL_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e), 0);
	nchanges = s.tl.nchanges;
	cfg.place = PLACE_EPLB;
	CU_ASSERT_EQUAL(sim_configure(&s, &cfg, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2 spare expert slots per GPU"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "spare_slots <= 1,"));
	CU_ASSERT_EQUAL(s.cfg.place, PLACE_LINEAR);	/* unchanged, nothing recorded */
	CU_ASSERT_EQUAL(s.tl.nchanges, nchanges);
	cfg.spare_slots = 1;
	CU_ASSERT_EQUAL(sim_configure(&s, &cfg, &e), 0);
	CU_ASSERT_EQUAL(s.cfg.place, PLACE_EPLB);
	cfg.spare_slots = 2;	/* more slots for the placement in force: refused too */
	CU_ASSERT_EQUAL(sim_configure(&s, &cfg, &e), -1);
	CU_ASSERT_EQUAL(s.cfg.spare_slots, 1);
	sim_release(&s);
}

void test_capacity_register(void)
{
	static const struct test_case cases[] = {
		{"gpt-oss-120b per GPU equals the hand count", gpt_oss_by_hand},
		{"eplb's spare slots count: 4 fit where 5 do not, by hand", spare_slots_by_hand},
		{"linear-attention state does not grow with context", linear_state_is_fixed},
		{"refusal offers a context and GPU count that just fit", refusal_says_what_fits},
		{"sim_init and a live context, place or spare_slots change refuse a misfit", sim_refuses},
		{NULL, NULL},
	};
	tests_add_suite("capacity", cases);
}
