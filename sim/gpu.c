/* gpu.c - GEMM tiles in waves over the SMs, weights streamed from HBM (see gpu.h). */
#include "gpu.h"

#include <math.h>

/* Bytes of FP32 logits per token and vocabulary entry read by sampling. */
#define LOGIT_BYTES 4.0

double gpu_stream_gbps(const struct hw *hw)
{
	return hw->eff_bw_gbps;
}

static long ceil_div(long a, long b)
{
	return (a + b - 1) / b;
}

void gpu_load_add(const struct hw *hw, struct gpu_expert_load *l, int tokens, int sign)
{
	if (tokens <= 0)
		return;
	l->experts += sign;
	l->m_tiles += sign * ceil_div(tokens, hw->tile_m);
}

/*
 * One GEMM of n x k weights over a load: tiles in waves against weight
 * bytes streamed at bw, blended by the roofline p.  Without launch costs.
 */
static double gemm_body_ns(const struct hw *hw, struct gpu_speed speed, double n, double k,
			   double bytes_per_weight, const struct gpu_expert_load *l, double bw_gbps)
{
	double tiles = (double)l->m_tiles * ceil(n / hw->tile_n);
	double waves = ceil(tiles / hw->sms);
	double split = tiles < hw->sms ? floor(hw->sms / tiles) : 1;	/* split-K over idle SMs */
	double tile_flops = 2.0 * hw->tile_m * hw->tile_n * k;
	double comp_ns = waves * tile_flops / split * hw->sms / (hw->eff_tflops * 1e3) /
			 speed.compute;	/* TFLOPS = 1e3 flop/ns */
	double reads = l->experts + hw->l2_reread * (double)(l->m_tiles - l->experts);
	double mem_ns = n * k * bytes_per_weight * reads / bw_gbps / speed.memory;	/* GB/s = bytes/ns */
	double p = hw->roofline_p;

	return pow(pow(mem_ns, p) + pow(comp_ns, p), 1.0 / p);
}

/* Gate/up and down GEMMs of an expert FFN over a load, weights at bw_scale of the bandwidth. */
static double ffn_body_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
			  double bytes_per_weight, const struct gpu_expert_load *l, enum gpu_kernel kind,
			  double bw_scale)
{
	double bw = gpu_stream_gbps(hw) * (kind == GPU_GROUPED ? hw->grouped_bw_eff : 1.0) * bw_scale;

	return gemm_body_ns(hw, speed, 2.0 * inter, hidden, bytes_per_weight, l, bw) +
	       gemm_body_ns(hw, speed, hidden, inter, bytes_per_weight, l, bw);
}

double gpu_fixed_ns(const struct hw *hw, struct gpu_speed speed, enum gpu_kernel kind)
{
	return (hw->kernel_overhead_ns + (kind == GPU_GROUPED ? hw->grouped_overhead_ns : 0)) /
	       speed.compute;
}

double gpu_load_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		   double bytes_per_weight, const struct gpu_expert_load *l, enum gpu_kernel kind)
{
	return gpu_load_bw_ns(hw, speed, hidden, inter, bytes_per_weight, l, kind, 1);
}

double gpu_load_bw_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		      double bytes_per_weight, const struct gpu_expert_load *l, enum gpu_kernel kind,
		      double bw_scale)
{
	if (l->experts <= 0)
		return 0;
	return gpu_fixed_ns(hw, speed, kind) +
	       ffn_body_ns(hw, speed, hidden, inter, bytes_per_weight, l, kind, bw_scale);
}

double gpu_expert_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		     double bytes_per_weight, int tokens)
{
	struct gpu_expert_load one = {0, 0};

	gpu_load_add(hw, &one, tokens, 1);
	if (one.experts == 0)
		return 0;
	return ffn_body_ns(hw, speed, hidden, inter, bytes_per_weight, &one, GPU_GROUPED, 1);
}

double gpu_experts_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		      double bytes_per_weight, const int *counts, int n)
{
	return gpu_experts_bw_ns(hw, speed, hidden, inter, bytes_per_weight, counts, n, 1);
}

double gpu_experts_bw_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
			 double bytes_per_weight, const int *counts, int n, double bw_scale)
{
	struct gpu_expert_load l = {0, 0};

	for (int i = 0; i < n; i++)
		gpu_load_add(hw, &l, counts[i], 1);
	return gpu_load_bw_ns(hw, speed, hidden, inter, bytes_per_weight, &l, GPU_GROUPED, bw_scale);
}

double gpu_experts_uniform_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
			      double bytes_per_weight, int experts, int tokens)
{
	struct gpu_expert_load l = {0, 0};

	if (tokens <= 0 || experts <= 0)
		return 0;
	l.experts = experts;
	l.m_tiles = (long)experts * ceil_div(tokens, hw->tile_m);
	return gpu_load_ns(hw, speed, hidden, inter, bytes_per_weight, &l, GPU_BATCHED);
}

double gpu_gemm_ns(const struct hw *hw, struct gpu_speed speed, int n, int k, double bytes_per_weight,
		   int tokens)
{
	struct gpu_expert_load l = {0, 0};

	gpu_load_add(hw, &l, tokens, 1);
	if (l.experts == 0 || n <= 0 || k <= 0)
		return 0;
	return hw->gemm_launch_ns / speed.compute +
	       gemm_body_ns(hw, speed, n, k, bytes_per_weight, &l, gpu_stream_gbps(hw));
}

double gpu_attention_kv_bytes(const struct model *m, int layer, int seqs, int context)
{
	double per_token = 2.0 * m->kv_heads * m->head_dim * m->kv_bytes;	/* K and V */

	switch (model_attn_kind(m, layer)) {
	case ATTN_SLIDING:
		if (context > m->sliding_window)
			context = m->sliding_window;
		break;
	case ATTN_LINEAR:
		return (double)seqs * m->linear_state_bytes;
	case ATTN_FULL:
		break;
	}
	return per_token * context * seqs;
}

double gpu_attention_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int layer,
			int seqs, int context)
{
	double stream_ns = gpu_attention_kv_bytes(m, layer, seqs, context) / hw->attn_bw_gbps;

	if (seqs <= 0)
		return 0;
	return hypot(hw->attn_floor_ns / speed.compute, stream_ns / speed.memory);
}

double gpu_attn_proj_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens)
{
	int q = m->q_heads * m->head_dim, kv = m->kv_heads * m->head_dim;

	return gpu_gemm_ns(hw, speed, q + 2 * kv, m->hidden, m->weight_bytes, tokens) +
	       gpu_gemm_ns(hw, speed, m->hidden, q, m->weight_bytes, tokens);
}

double gpu_dense_ffn_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int inter,
			int tokens)
{
	if (inter <= 0)
		return 0;
	return gpu_experts_uniform_ns(hw, speed, m->hidden, inter, m->weight_bytes, 1, tokens);
}

double gpu_router_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens)
{
	double gemm = gpu_gemm_ns(hw, speed, m->experts, m->hidden, m->weight_bytes, tokens);

	return gemm > 0 ? gemm + hw->gemm_launch_ns / speed.compute : 0;
}

double gpu_lm_head_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens)
{
	double gemm = gpu_gemm_ns(hw, speed, m->vocab, m->hidden, m->weight_bytes, tokens);
	double logits = (double)tokens * m->vocab * LOGIT_BYTES;

	if (gemm <= 0)
		return 0;
	return gemm + hw->gemm_launch_ns / speed.compute +
	       logits / gpu_stream_gbps(hw) / speed.memory;
}
