/*
 * gpu.h - how long a GPU takes for the kernels of one decode layer.
 *
 * Model (a roofline with a fixed launch cost and a smooth corner):
 *
 *   t = overhead + ( (bytes / BW)^p + (flops / F)^p )^(1/p),  then / speed
 *
 * bytes are the weights the kernel streams from HBM, flops its arithmetic;
 * overhead, BW, F and p come from the [gpu] section of the hw file, fitted
 * to the H100 SXM measurements in data/gpu (one SwiGLU expert FFN in BF16,
 * CUDA-graph timed: `loop` = one expert alone, `grouped` = E experts batched
 * like a fused-MoE kernel).  With overhead 12 us, BW 2.9 TB/s, F 600 TFLOPS
 * and p 2 the model is within 4% (median) and 19% (worst) of all 142 rows
 * (tests/test_gpu.c checks <= 15% / 35% against every row).
 *
 * Assumptions, and what they mean physically:
 * - A grouped kernel runs all of a GPU's experts of a layer at once: its
 *   bytes are the sum of the weights of the experts that received tokens
 *   (an expert with no token is skipped), its flops the sum over experts of
 *   2 * 3 * hidden * inter * tokens.  One launch chain per layer.
 * - BW is below the datasheet 3.35 TB/s as any real kernel is (the copy
 *   measured 2.95 TB/s); F is below the 786 TFLOPS of a large square GEMM
 *   because expert GEMMs are thin.  p = 2 blends the two near the ridge.
 * - A speed factor s (1.0 nominal) scales both rates and the overhead:
 *   a slower GPU (s < 1) takes t / s.
 * - Decode attention streams the KV cache: t = ((floor)^2 + (kv / BWkv)^2)^(1/2),
 *   fitted to data/gpu/h100_sxm_decode_attention.csv (launch floor ~7 us).
 * - MXFP4/FP8 experts move fewer bytes but are assumed to run at the same
 *   tensor throughput as BF16 (dequantised on the fly).
 */
#ifndef SIEVE_GPU_H
#define SIEVE_GPU_H

#include "hw.h"
#include "model.h"

/* One kernel (chain) that streams bytes and does flops. */
double gpu_kernel_ns(const struct hw *hw, double speed, double bytes, double flops);

/*
 * A grouped expert FFN: n experts of the given shape, counts[i] tokens each
 * (0 = not launched).  0 when no expert has a token.
 */
double gpu_experts_ns(const struct hw *hw, double speed, int hidden, int inter,
		      double bytes_per_weight, const int *counts, int n);

/*
 * The same when the weights are read at bw_scale (0 < bw_scale <= 1) of
 * the GPU's bandwidth: an expert sits in one stack (sim.h), so a kernel
 * whose experts are unevenly spread over the stacks waits for its busiest
 * stack (sched_stack_bw_scale).
 */
double gpu_experts_bw_ns(const struct hw *hw, double speed, int hidden, int inter,
			 double bytes_per_weight, const int *counts, int n, double bw_scale);

/* E experts with t tokens each, as in the measured files. */
double gpu_experts_uniform_ns(const struct hw *hw, double speed, int hidden, int inter,
			      double bytes_per_weight, int experts, int tokens);

/* KV-cache bytes read by one decode step of `seqs` sequences at `context`. */
double gpu_attention_kv_bytes(const struct model *m, int layer, int seqs, int context);

/* Decode attention of one layer for `seqs` sequences at `context` tokens. */
double gpu_attention_ns(const struct hw *hw, double speed, const struct model *m, int layer,
			int seqs, int context);

/* Dense projections of attention (QKV + O) for `tokens` tokens. */
double gpu_attn_proj_ns(const struct hw *hw, double speed, const struct model *m, int tokens);

/* A dense SwiGLU FFN of width inter (shared experts, dense blocks). */
double gpu_dense_ffn_ns(const struct hw *hw, double speed, const struct model *m, int inter,
			int tokens);

#endif
