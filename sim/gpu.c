/* gpu.c - calibrated GPU roofline (see gpu.h for the model). */
#include "gpu.h"

#include <math.h>

double gpu_kernel_ns(const struct hw *hw, double speed, double bytes, double flops)
{
	double mem_ns = bytes / hw->eff_bw_gbps;		/* GB/s == bytes/ns */
	double comp_ns = flops / (hw->eff_tflops * 1e3);	/* TFLOPS == 1e3 flop/ns */
	double p = hw->roofline_p;

	return (hw->kernel_overhead_ns + pow(pow(mem_ns, p) + pow(comp_ns, p), 1.0 / p)) / speed;
}

double gpu_experts_ns(const struct hw *hw, double speed, int hidden, int inter,
		      double bytes_per_weight, const int *counts, int n)
{
	return gpu_experts_bw_ns(hw, speed, hidden, inter, bytes_per_weight, counts, n, 1);
}

double gpu_experts_bw_ns(const struct hw *hw, double speed, int hidden, int inter,
			 double bytes_per_weight, const int *counts, int n, double bw_scale)
{
	double per_expert_bytes = 3.0 * hidden * inter * bytes_per_weight;
	double per_token_flops = 2.0 * 3.0 * hidden * inter;
	double bytes = 0, flops = 0;

	for (int i = 0; i < n; i++) {
		if (counts[i] <= 0)
			continue;
		bytes += per_expert_bytes;
		flops += per_token_flops * counts[i];
	}
	/* reading at bw_scale of the bandwidth takes as long as reading bytes / bw_scale */
	return bytes > 0 ? gpu_kernel_ns(hw, speed, bytes / bw_scale, flops) : 0;
}

double gpu_experts_uniform_ns(const struct hw *hw, double speed, int hidden, int inter,
			      double bytes_per_weight, int experts, int tokens)
{
	double bytes = 3.0 * hidden * inter * bytes_per_weight * experts;
	double flops = 2.0 * 3.0 * hidden * inter * (double)tokens * experts;

	return tokens > 0 && experts > 0 ? gpu_kernel_ns(hw, speed, bytes, flops) : 0;
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

double gpu_attention_ns(const struct hw *hw, double speed, const struct model *m, int layer,
			int seqs, int context)
{
	double stream_ns = gpu_attention_kv_bytes(m, layer, seqs, context) / hw->attn_bw_gbps;

	if (seqs <= 0)
		return 0;
	return hypot(hw->attn_floor_ns, stream_ns) / speed;
}

double gpu_attn_proj_ns(const struct hw *hw, double speed, const struct model *m, int tokens)
{
	double q = (double)m->q_heads * m->head_dim, kv = (double)m->kv_heads * m->head_dim;
	double weights = m->hidden * (q + 2 * kv) + q * m->hidden;

	if (tokens <= 0)
		return 0;
	return gpu_kernel_ns(hw, speed, weights * m->weight_bytes, 2.0 * weights * tokens);
}

double gpu_dense_ffn_ns(const struct hw *hw, double speed, const struct model *m, int inter,
			int tokens)
{
	double weights = 3.0 * m->hidden * inter;

	if (tokens <= 0 || inter <= 0)
		return 0;
	return gpu_kernel_ns(hw, speed, weights * m->weight_bytes, 2.0 * weights * tokens);
}
