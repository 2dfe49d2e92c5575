/*
 * gpu.h - how long a GPU takes for the kernels of one decode step.
 *
 * Model: every GEMM is cut into tiles of tile_m rows (tokens) by tile_n
 * columns, scheduled in waves over the SMs, each tile at 1/sms of the
 * tensor throughput; its weights stream from HBM.  For one GEMM of N x K
 * weights over experts e with t_e > 0 tokens:
 *
 *   m_e     = ceil(t_e / tile_m)                    row tiles of expert e
 *   tiles   = sum_e m_e * ceil(N / tile_n)
 *   split   = floor(sms / tiles) if tiles < sms, else 1   (split-K)
 *   compute = ceil(tiles / sms) * 2 tile_m tile_n K / split / (F / sms)
 *   memory  = sum_e N K b (1 + l2_reread (m_e - 1)) / BW
 *   gemm    = (memory^p + compute^p)^(1/p)
 *
 * An expert FFN (SwiGLU) is two such GEMMs, gate/up (N = 2 inter, K =
 * hidden) and down (N = hidden, K = inter), plus a fixed launch chain:
 *
 *   batched (one expert, or E equal experts, cuBLAS bmm):
 *       t = kernel_overhead + gemm1 + gemm2
 *   grouped (uneven counts, one grouped GEMM per projection):
 *       t = kernel_overhead + grouped_overhead + gemm1 + gemm2,
 *       with BW scaled by grouped_bw_eff
 *
 * then each term scaled by the GPU's speed factors (hw.h): compute by
 * speed.compute, memory by speed.memory, before the blend, and the launch
 * costs by speed.compute.  What each term is physically:
 * - Tile padding: an expert with 3 tokens costs a 64-row tile; wave
 *   quantisation: 133 tiles take two waves.  A skewed layer pays for its
 *   hot expert's tiles, a wide one for its many one-token experts.  A GEMM
 *   of fewer tiles than SMs splits K over the idle ones (cuBLAS/CUTLASS
 *   split-K), so a lone small GEMM is not charged a whole SM-tile.
 * - An expert whose tokens span several row tiles re-reads its weights for
 *   each extra tile; l2_reread is the share L2 does not catch.
 * - A grouped GEMM (torch._grouped_mm, per-expert offsets) builds its
 *   per-group problem descriptors on the device before the first tile
 *   (grouped_overhead) and streams weights below a batched GEMM's rate
 *   (grouped_bw_eff): each switch to a new expert's matrices stalls the
 *   tile pipeline.  A per-active-expert cost is therefore proportional to
 *   the expert's bytes; a flat per-expert term fitted to zero.
 * - BW = stream_efficiency x stacks x the stack's peak (hbm.h), so a faster
 *   stack speeds up the GPU's own weight reads; the efficiency is fitted at
 *   5.2 Gb/s and assumed to hold at other data rates.
 * - F is the 786 TFLOPS the same H100 measured on an 8192^3 BF16 GEMM;
 *   tile_m 64 / tile_n 128 are Hopper wgmma-sized tiles; sms 132 is the
 *   H100 SXM datasheet figure.
 * - MXFP4/FP8 weights move fewer bytes at the same tensor throughput
 *   (dequantised on the fly).
 *
 * Fit (least squares of the log error over the 202 rows of
 * data/gpu/h100_sxm_{moe_layer_uneven,expert_ffn_grouped,expert_ffn_loop}.csv,
 * uneven rows weighted twice; H100 SXM, BF16, CUDA-graph timed, median of
 * 5): kernel_overhead 12.6 us, grouped_overhead 15.4 us, stream_efficiency
 * 0.884 (2.94 TB/s of 3.33), grouped_bw_eff 0.856, l2_reread 0.235, p 6.
 * Errors: uneven layers median 3.2%, worst 12.4%, mean signed +0.2%;
 * grouped (bmm) 3.5% / 22%; loop 4.8% / 20%.  Refitted without one model's
 * shape, the uneven rows of the held-out shape stay within 7.3% median,
 * 18.4% worst (tests/test_gpu.c refits and checks this).
 *
 * Dense GEMMs (attention projections, router, LM head) are batched GEMMs
 * with their own launch, gemm_launch: the FFN chain's 12.6 us is three
 * kernels (GEMM, SiLU-and-multiply, GEMM), 4.2 us each; the decode
 * attention file's whole-kernel floor (~7 us) bounds it from above.
 *
 * Decode attention streams the KV cache: t = hypot(floor, kv / BWkv),
 * fitted to data/gpu/h100_sxm_decode_attention.csv (launch floor ~7 us).
 */
#ifndef SIEVE_GPU_H
#define SIEVE_GPU_H

#include "hw.h"
#include "model.h"

enum gpu_kernel { GPU_BATCHED, GPU_GROUPED };

/*
 * What a kernel of experts costs depends on two sums over its experts,
 * additive so a scheduler can move experts in and out in O(1).
 */
struct gpu_expert_load {
	int experts;		/* experts with at least one token */
	long m_tiles;		/* sum over them of ceil(tokens / tile_m) */
};

/* Weight-streaming bandwidth of a GPU: stream_efficiency x stacks x stack peak. */
double gpu_stream_gbps(const struct hw *hw);

/* Add (sign 1) or remove (sign -1) an expert with `tokens` tokens (0: nothing). */
void gpu_load_add(const struct hw *hw, struct gpu_expert_load *l, int tokens, int sign);

/* Fixed cost of an expert FFN kernel chain of that kind (launches, setup). */
double gpu_fixed_ns(const struct hw *hw, struct gpu_speed speed, enum gpu_kernel kind);

/* One expert's share of a grouped kernel: its time alone without the fixed cost. */
double gpu_expert_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		     double bytes_per_weight, int tokens);

/* An expert FFN kernel over a load, fixed costs included; 0 for no expert. */
double gpu_load_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		   double bytes_per_weight, const struct gpu_expert_load *l, enum gpu_kernel kind);

/*
 * The same with the weights streamed at bw_scale (0 < bw_scale <= 1) of the
 * bandwidth (a kernel held back by its busiest stack: gpu_experts_bw_ns).
 */
double gpu_load_bw_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		      double bytes_per_weight, const struct gpu_expert_load *l, enum gpu_kernel kind,
		      double bw_scale);

/*
 * A grouped expert FFN: n experts of the given shape, counts[i] tokens each
 * (0 = not launched).  0 when no expert has a token.
 */
double gpu_experts_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
		      double bytes_per_weight, const int *counts, int n);

/*
 * The same when the weights stream at bw_scale (0 < bw_scale <= 1) of the
 * GPU's bandwidth: an expert sits in one stack (sim.h), so a kernel whose
 * experts are unevenly spread over the stacks waits for its busiest stack
 * (sched_stack_bw_scale).  Only the memory term slows; the tiles' compute
 * does not.
 */
double gpu_experts_bw_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
			 double bytes_per_weight, const int *counts, int n, double bw_scale);

/* E experts with t tokens each, batched (bmm), as in the measured files. */
double gpu_experts_uniform_ns(const struct hw *hw, struct gpu_speed speed, int hidden, int inter,
			      double bytes_per_weight, int experts, int tokens);

/* One dense GEMM of n x k weights for `tokens` tokens, its launch included. */
double gpu_gemm_ns(const struct hw *hw, struct gpu_speed speed, int n, int k, double bytes_per_weight,
		   int tokens);

/* KV-cache bytes read by one decode step of `seqs` sequences at `context`. */
double gpu_attention_kv_bytes(const struct model *m, int layer, int seqs, int context);

/* Decode attention of one layer for `seqs` sequences at `context` tokens. */
double gpu_attention_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int layer,
			int seqs, int context);

/* Dense projections of attention (QKV + O) for `tokens` tokens: two GEMMs. */
double gpu_attn_proj_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens);

/* A dense SwiGLU FFN of width inter (shared experts, dense blocks). */
double gpu_dense_ffn_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int inter,
			int tokens);

/*
 * The router of one MoE layer: a hidden x experts GEMM in the model's
 * weight type, then a top-k kernel (one more launch).
 */
double gpu_router_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens);

/*
 * The LM head of one iteration: a hidden x vocab GEMM, then sampling, a
 * kernel that reads the FP32 logits back (one more launch).
 */
double gpu_lm_head_ns(const struct hw *hw, struct gpu_speed speed, const struct model *m, int tokens);

#endif
