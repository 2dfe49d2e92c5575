/*
 * comm.h - the expert-parallel all-to-all (MoE dispatch and combine): how
 * many bytes each GPU moves and how long one all-to-all takes.
 *
 * Traffic: a token's activation goes once to every other GPU that owns one
 * of its top-k experts (the per-GPU deduplication of DeepEP's normal
 * kernels); the combine brings the same bytes back.  A GPU's time is set by
 * the larger of what it sends and what it receives (a switch: each GPU is
 * limited by its own per-direction bandwidth).
 *
 * Time of one all-to-all on a GPU that moves b > 0 bytes among G GPUs:
 *
 *     t = a2a_fixed_ns + (G - 1) * a2a_peer_ns + b / a2a_bw_gbps
 *
 * (a GPU with nothing to move takes no time).  The constants live in
 * data/hw/NAME.ini [system]; what is measured and what is assumed:
 *
 *   measured  a2a_bw_gbps, the bandwidth an EP all-to-all achieves on
 *             NVLink4 (900 GB/s bidirectional, 450 per direction): 327-345
 *             GB/s for DeepEP's intranode kernels at 4096 tokens on 8 H20
 *             (the same 18-link NVLink4 as H100), github.com/deepseek-ai/
 *             DeepEP/issues/138; on H800 (NVLink ~160 GB/s) DeepEP reports
 *             153 GB/s dispatch and 158 GB/s combine (DeepEP README,
 *             docs/legacy.md, "Normal kernels", EP8, 4096 tokens, hidden
 *             7168, top-8, FP8 dispatch, BF16 combine).
 *   fitted    the fixed cost at 8 GPUs, a2a_fixed_ns + 7 * a2a_peer_ns =
 *             26 us: the decode-sized all-to-alls of 128 tokens per GPU
 *             (hidden 7168, top-8, FP8 dispatch 7392 B a copy with its
 *             scales, BF16 combine 14336 B) take 77 us / 114 us (DeepEP
 *             low-latency kernels, EP8, H800, docs/legacy.md) and 76 us /
 *             126 us (Triton-distributed low-latency all-to-all v2, 8 H800,
 *             triton-distributed.readthedocs.io, kernels/nvidia/
 *             low_latency_a2a_v2); the bytes at H800's 155 GB/s explain
 *             49 us / 95 us of them and the rest, 19-31 us (mean 26.5), is
 *             launch, synchronisation and per-token bookkeeping that does
 *             not shrink with the bytes.  tests/test_comm.c checks all four
 *             within 10% and the large-batch bandwidths within 10%.
 *   assumed   the split of that fixed cost into a launch-and-barrier part
 *             (12 us) and a per-peer part (2 us a peer: a signal written to
 *             and polled from each peer); only 8-GPU figures are published,
 *             so the 4-GPU figure (18 us) rests on this split.  The fixed
 *             cost is taken to be the same at any token count (the figures
 *             are all at 128 tokens), and the same on H100 as on H800.
 *             The all-to-all holds only the links, not the GPU's SMs
 *             (DeepEP's low-latency kernels receive through a hook that
 *             occupies no SM while they are in flight).
 *
 * link_gbps (the datasheet peak per direction) bounds a2a_bw_gbps: an hw
 * file whose achieved bandwidth exceeds its peak is refused.
 */
#ifndef SIEVE_COMM_H
#define SIEVE_COMM_H

#include "hw.h"

/* Time of one all-to-all on a GPU that moves bytes (the larger direction). */
double comm_all_to_all_ns(const struct hw *hw, double bytes);

/*
 * Bytes each GPU sends and receives in one all-to-all direction when the
 * tokens listed in tok (ntok of them) are routed: assign holds top_k expert
 * ids per token (indexed by token id), token_gpu the GPU holding each
 * token's sequence; expert e lives on GPU e mod gpus.  send and recv
 * (gpus entries) are overwritten.  Returns the bytes on the links, dispatch
 * and combine together.
 */
double comm_traffic(const int *assign, int top_k, const int *token_gpu, const int *tok, int ntok,
		    int gpus, double token_bytes, double *send, double *recv);

#endif
