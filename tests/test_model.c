/* test_model.c - model and hardware presets and the loader's errors. */
#include <stdio.h>
#include <string.h>

#include "hw.h"
#include "model.h"
#include "tests.h"
#include "testutil.h"

#define QWEN TEST_DATADIR "/models/qwen3-30b-a3b.ini"
#define HW TEST_DATADIR "/hw/h100x4-pim.ini"

static void every_preset_loads(void)
{
	static const char *const models[] = {"qwen3-30b-a3b", "gpt-oss-120b", "qwen3.5-397b-a17b",
					     "qwen3-235b-a22b", "deepseek-v3", "deepseek-v2-lite",
					     "mixtral-8x7b", "olmoe-1b-7b"};
	struct model m;
	struct hw hw;
	struct err e;

	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
		int rc = model_load(&m, TEST_DATADIR, models[i], &e);
		if (rc != 0)
			fprintf(stderr, "\n%s: %s\n", models[i], e.msg);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_STRING_EQUAL(m.name, models[i]);
	}
	CU_ASSERT_EQUAL_FATAL(hw_load(&hw, TEST_DATADIR, "h100x4-pim", &e), 0);
	CU_ASSERT_EQUAL(hw.gpus, 4);
	CU_ASSERT_EQUAL(hw.stacks, 5);
	CU_ASSERT_EQUAL(hw.hbm.channels, 16);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[3].compute, 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[3].memory, 1.0, 1e-12);
	/* 5.2 Gb/s x 32 bits x 32 pseudo-channels = 665.6 GB/s per stack (the ~670 GB/s usually quoted for H100 SXM HBM3: 3.35 TB/s / 5) */
	CU_ASSERT_DOUBLE_EQUAL(hbm_peak_gbps(&hw.hbm), 665.6, 1e-9);
}

static void figures_match_the_official_configs(void)
{
	struct model m;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "deepseek-v2-lite", &e), 0);
	CU_ASSERT_EQUAL(m.layers, 27);
	CU_ASSERT_EQUAL(m.first_dense, 1);
	CU_ASSERT_EQUAL(m.hidden, 2048);
	CU_ASSERT_EQUAL(m.expert_inter, 1408);
	CU_ASSERT_EQUAL(m.experts, 64);
	CU_ASSERT_EQUAL(m.top_k, 6);
	CU_ASSERT_EQUAL(m.shared_experts, 2);
	CU_ASSERT_FALSE(model_is_moe(&m, 0));
	CU_ASSERT_TRUE(model_is_moe(&m, 1));
	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "qwen3-30b-a3b", &e), 0);
	/* 3 x 2048 x 768 x 2 bytes: the weight_gbps column of the measured file
	 * (681.5 GB/s at 13.848 us) implies the same 9.44 MB */
	CU_ASSERT_DOUBLE_EQUAL(model_expert_bytes(&m), 9437184.0, 0.5);
	CU_ASSERT_DOUBLE_EQUAL(model_expert_bytes(&m) / 13.848e3, 681.5, 0.5);
	CU_ASSERT_EQUAL(m.vocab, 151936);	/* config.json vocab_size */
	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "qwen3.5-397b-a17b", &e), 0);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 0), ATTN_LINEAR);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 3), ATTN_FULL);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 7), ATTN_FULL);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 8), ATTN_LINEAR);
	CU_ASSERT_EQUAL(m.vocab, 248320);	/* config.json text_config.vocab_size */
	CU_ASSERT_EQUAL_FATAL(model_load(&m, TEST_DATADIR, "gpt-oss-120b", &e), 0);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 0), ATTN_SLIDING);
	CU_ASSERT_EQUAL(model_attn_kind(&m, 1), ATTN_FULL);
	CU_ASSERT_EQUAL(m.vocab, 201088);
}

/* Edit one line of a shipped preset and expect exactly this message. */
static void expect_model_error(const char *key, const char *replacement, const char *want)
{
	const char *path = test_edit_file(QWEN, "bad-model.ini", key, replacement);
	char full[1024];
	struct model m;
	struct err e;

	memset(&m, 0x5a, sizeof m);
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, path, &e), -1);
	snprintf(full, sizeof full, "%s%s", path, want);
	if (strcmp(e.msg, full) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", e.msg, full);
	CU_ASSERT_STRING_EQUAL(e.msg, full);
	CU_ASSERT_EQUAL(m.layers, 0x5a5a5a5a);	/* untouched */
}

static void model_errors_name_file_line_key_and_value(void)
{
	expect_model_error("top_k", "topk = 8", ":8: unknown model parameter 'topk' (did you mean 'top_k'?)");
	expect_model_error("hidden", "hidden = 2k", ":4: hidden: '2k' is not a number");
	expect_model_error("hidden", "hidden = 0", ":4: hidden: 0 is out of range [16, 65536]");
	expect_model_error("layers", NULL, ": missing model parameter 'layers' in [model]");
	expect_model_error("top_k", "top_k = 200", ":8: top_k: 200 is out of range [1, 64]");
	expect_model_error("experts", "experts = 4", ":8: top_k 8 is larger than experts 4");
	expect_model_error("layout", "layout = full,sparse",
			   ":19: layout: unknown attention kind 'sparse' (full, sliding, linear)");
	{
		/* the lines of the shipped file, wherever its keys move */
		char want[256];
		snprintf(want, sizeof want, ":%d: layout: empty item in 'full,,full'",
			 test_key_line(QWEN, "layout"));
		expect_model_error("layout", "layout = full,,full", want);
		snprintf(want, sizeof want, ":%d: hidden: '0x800' is not a decimal number",
			 test_key_line(QWEN, "hidden"));
		expect_model_error("hidden", "hidden = 0x800", want);
		snprintf(want, sizeof want, ":%d: hidden: 'inf' is not a number",
			 test_key_line(QWEN, "hidden"));
		expect_model_error("hidden", "hidden = inf", want);
		snprintf(want, sizeof want, ":%d: routing_skew: '1e-320' is too close to zero (write "
			 "0, or a value above 2.22507e-308)", test_key_line(QWEN, "routing_skew"));
		expect_model_error("routing_skew", "routing_skew = 1e-320", want);
	}
}

/* Each figure in range, their product not: refused at load, with the size.
 * 4096 x (4096 + 3) x 1000 entries of 8 bytes = 134 GB. */
static void model_tables_too_large_are_refused(void)
{
	const char *p = test_edit_file(QWEN, "big1.ini", "experts", "experts = 4096");
	char want[512];
	struct model m;
	struct err e;

	p = test_edit_file(p, "big2.ini", "routing_clusters", "routing_clusters = 4096");
	p = test_edit_file(p, "big3.ini", "layers", "layers = 1000");
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, p, &e), -1);
	snprintf(want, sizeof want, "%s:%d: experts 4096 x routing_clusters 4096 x 1000 MoE layers "
		 "need 134 GB of synthetic routing tables (at most 0.268 GB: lower one of them)", p,
		 test_key_line(p, "routing_clusters"));
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	/* just under the limit loads: 1024 x (1021 + 3) x 32 = 2^25 entries */
	p = test_edit_file(QWEN, "edge1.ini", "experts", "experts = 1024");
	p = test_edit_file(p, "edge2.ini", "routing_clusters", "routing_clusters = 1021");
	p = test_edit_file(p, "edge3.ini", "layers", "layers = 32");
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, p, &e), 0);
	p = test_edit_file(p, "edge4.ini", "routing_clusters", "routing_clusters = 1022");
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, p, &e), -1);
}

static void hw_errors(void)
{
	/* one or two lines edited (key2 NULL: one); the message part names the
	 * line (%d) of the last key edited, found in the edited file */
	static const struct {
		const char *key, *line, *key2, *line2, *want;
	} cases[] = {
		{"speed", "speed = 1.0 0.9", NULL, NULL, ":%d: speed: 2 values for 4 GPUs"},
		{"speed", "speed = 1.0 fast 1 1", NULL, NULL, ":%d: speed: 'fast' is not a speed factor"},
		{"nREFI", "nREFII = 5070", NULL, NULL,
		 "unknown hw parameter 'nREFII' (did you mean 'nREFI'?)"},
		{"nRAS", "nRAS = 10", NULL, NULL, ":%d: inconsistent timing"},
		{"speed", "speed = 1.0,,0.9", NULL, NULL, ":%d: speed: empty item in '1.0,,0.9'"},
		/* the organisation every command needs, checked at load with the
		 * line (it was "0 banks in 0 ranks" from probe dram only) */
		{"bank_groups", "bank_groups = 16", "banks_per_group", "banks_per_group = 16",
		 ":%d: 2 ranks x 16 bank groups x 16 banks is 512 banks per pseudo-channel (at most 64)"},
		{"channels", "channels = 3", NULL, NULL, ":%d: channels 3 is not a power of two"},
		{"rows", "rows = 12000", NULL, NULL, ":%d: rows 12000 is not a power of two"},
		{"row_bytes", "row_bytes = 96", NULL, NULL,
		 ":%d: row_bytes 96 is not a power-of-two multiple of column_bytes 32"},
	};
	struct hw hw;
	struct err e;
	const char *p;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *blamed = cases[i].key2 ? cases[i].key2 : cases[i].key;
		char want[256];
		p = test_edit_file(HW, "bad-hw.ini", cases[i].key, cases[i].line);
		if (cases[i].key2 != NULL)
			p = test_edit_file(p, "bad-hw2.ini", cases[i].key2, cases[i].line2);
		snprintf(want, sizeof want, cases[i].want, test_key_line(p, blamed));
		CU_ASSERT_EQUAL(hw_load(&hw, TEST_DATADIR, p, &e), -1);
		if (strstr(e.msg, want) == NULL)
			fprintf(stderr, "\n  got:  %s\n  want: ...%s", e.msg, want);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
	}
	p = test_edit_file(HW, "bad-hw.ini", "speed", "speed = 1.0 0.9 0.95 0.88");
	CU_ASSERT_EQUAL_FATAL(hw_load(&hw, TEST_DATADIR, p, &e), 0);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[3].compute, 0.88, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[3].memory, 0.88, 1e-12);
	/* compute/memory pairs, mixed with single factors */
	p = test_edit_file(HW, "bad-hw.ini", "speed", "speed = 1.0 0.9/0.95, 0.95 0.88/0.97");
	CU_ASSERT_EQUAL_FATAL(hw_load(&hw, TEST_DATADIR, p, &e), 0);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[1].compute, 0.9, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[1].memory, 0.95, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[2].memory, 0.95, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(hw.gpu_speed[3].memory, 0.97, 1e-12);
	p = test_edit_file(HW, "bad-hw.ini", "speed", "speed = 1.0 0.9/ 1 1");
	CU_ASSERT_EQUAL(hw_load(&hw, TEST_DATADIR, p, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ":8: speed: '0.9/' is not a speed factor"));
	/* formatted factors read back to the same values */
	{
		struct gpu_speed sp[4] = {{1, 1}, {0.9, 0.95}, {0.875, 1}, {2, 0.5}}, back[4];
		char text[256];
		hw_format_speed(sp, 4, text, sizeof text);
		CU_ASSERT_STRING_EQUAL(text, "1/1 0.9/0.95 0.875/1 2/0.5");
		CU_ASSERT_EQUAL_FATAL(hw_parse_speed(text, 4, back, &e), 0);
		CU_ASSERT_EQUAL(memcmp(sp, back, sizeof sp), 0);
	}
}

static void unknown_names_are_suggested(void)
{
	struct model m;
	struct err e;

	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, "qwen3-30b", &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown model 'qwen3-30b'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "known: "));
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, "mixtral-8x7", &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'mixtral-8x7b'?"));
	CU_ASSERT_EQUAL(model_load(&m, TEST_DATADIR, "/nonexistent/x.ini", &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/x.ini: cannot open"));
}

void test_model_register(void)
{
	static const struct test_case cases[] = {
		{"every shipped preset loads", every_preset_loads},
		{"figures match the official configs", figures_match_the_official_configs},
		{"model errors name file, line, key and value", model_errors_name_file_line_key_and_value},
		{"hw errors", hw_errors},
		{"model tables too large are refused", model_tables_too_large_are_refused},
		{"unknown preset names are suggested", unknown_names_are_suggested},
		{NULL, NULL},
	};
	tests_add_suite("model", cases);
}
