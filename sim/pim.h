/*
 * pim.h - PIM kernels on HBM3-PIM stacks: one expert's SwiGLU FFN (or one
 * GEMV) for n tokens, laid out in the banks, turned into command streams
 * per pseudo-channel and timed by the cycle-level memory model (memctrl.h).
 *
 * PIM kinds ([pim] pim_kind; AttAcc, ASPLOS'24; Duplex, MICRO'24):
 * - bank: a unit per bank (AttAcc; Duplex Bank-PIM).  MACAB makes every
 *   bank of the pseudo-channel read one column (column_bytes) into its unit,
 *   every nCCDAB cycles (nCCDAB_power with power_limit on).  With 32 banks
 *   per pseudo-channel (2 ranks x 16), 4-cycle spacing and the bus moving
 *   32 B per nBL = 2 cycles, that is 32 x 32 / 4 / 16 = 16x the external
 *   bandwidth; 10.7x at nCCDAB_power 6 (AttAcc's power-limited table).
 * - bankgroup: a unit per bank group (8 per pseudo-channel); MACBG makes each
 *   read one column of one of its banks, every nCCDBG (nCCDBG_power) cycles:
 *   8 x 32 / 2 / 16 = 8x (3.2x at 5).
 * - logic: Duplex Logic-PIM on the base die; MACLG reads one column from
 *   each of logic_bw_ratio banks every nBL cycles: 4x the external
 *   bandwidth, no power limit.  Its compute, logic_tflops per stack, gives
 *   logic_tflops / (4 x peak) = 8 FLOP per byte at 5.2 Gb/s: a weight read
 *   serves floor(8 x bytes_per_weight / 2) tokens (8 for BF16), so n tokens
 *   take ceil(n / 8) passes over the weights.
 * - Bank and bank-group units have a fixed number of multipliers, [pim]
 *   unit_lanes (16: Samsung HBM-PIM's 16-lane FP16 SIMD fed by one 32 B
 *   column access, Lee et al. ISCA 2021; AttAcc's unit is the same).  One
 *   MAC command multiplies unit_lanes weights by one input.  A column holds
 *   w = column_bytes / bytes_per_weight weights: 16 BF16, 32 FP8, ~60
 *   MXFP4.  Physical reading: the column is latched in the unit and consumed
 *   over m = ceil(w / unit_lanes) MAC commands, issued back to back on the
 *   open row nCCDAB (nCCDBG) apart, so narrow weights are compute-bound in
 *   the unit: m x nCCDAB cycles per column and token (1 for BF16, 2 for
 *   FP8, 4 for MXFP4), the same unit time per weight whatever the width.
 *   The extra commands read nothing new; commands[] counts all of them.
 *   Wider units (w <= unit_lanes / 2) serve floor(unit_lanes / w) tokens
 *   per command instead.  With BF16 and 16 lanes: 1 FLOP per byte, one pass
 *   per token, the weights re-streamed for every token (GEMV per token),
 *   which is why they lose to the GPU at many tokens.
 *
 * Weight layout (one GEMV y = W x, W of N rows ("neurons") of K weights):
 * - Each neuron is padded to whole columns: cpn = ceil(K x bpw / 32 B);
 *   W is the stream of N x cpn columns, neuron after neuron.
 * - The stream is cut into `stacks` equal parts, one per stack (the last
 *   may be shorter; stacks run in parallel, so the first sets the time).
 * - Within a stack it is cut into equal runs of cpu = ceil(C / U) columns,
 *   one per PIM unit (U = units per pseudo-channel x 32 pseudo-channels);
 *   unit u = j x 32 + p is unit j of flat pseudo-channel p, so the runs go
 *   round the pseudo-channels first and every pseudo-channel gets work.
 * - A unit's run fills row r of each of its banks (bank kind: its one bank;
 *   bankgroup: the 4 banks of its group; logic: 8 banks) before row r + 1.
 *   All units of a pseudo-channel step together: a round is ACTAB (row r in
 *   every bank), as many MACs as the fullest unit has columns in row r of
 *   its banks, PREA.  Gate and up are one GEMV of 2 x inter neurons (rows
 *   from 0); down follows in the next rows.
 * - Inputs: the K input values of each token in the pass (pim_io_bytes
 *   each, BF16) are written into every pseudo-channel holding part of W
 *   (WRGB, one column per command, right after the pass's first ACTAB).
 *   Results: each unit keeps one partial sum per neuron it touches per
 *   token, read out after the GEMV's last MACs (RDRES, pim_io_bytes each);
 *   the reduction of partial sums and the SwiGLU activation happen where
 *   they are read (GPU or base die) and take no DRAM cycles.
 * - MACs per round: the fullest unit's columns in row r times m (above).
 * - An expert: per pass, [ACTAB, WRGB x, MACs..., RDRES, PREA] for gate/up,
 *   a barrier (every partial sum has arrived, the activation is applied),
 *   then [ACTAB, WRGB h, MACs..., RDRES, PREA] for down.  The kernel ends
 *   when the last result has arrived and the banks are precharged.
 *
 * Shortcuts, each proven exact by tests/test_pim.c: when every channel of
 * a stack gets the same command streams, one channel is simulated for all;
 * results are memoised by (shape, bytes per weight, tokens, stacks, kind,
 * power limit).  Kernels start on an idle stack at cycle 0 (refresh phase
 * 0, no host traffic): the latency of the kernel alone.
 */
#ifndef SIEVE_PIM_H
#define SIEVE_PIM_H

#include <stdint.h>

#include "dram_timing.h"
#include "err.h"
#include "hbm.h"
#include "memctrl.h"

extern const char *const pim_kind_names[3];	/* "bank", "bankgroup", "logic" */

struct pim_result {
	int64_t cycles;		/* memory-clock cycles, start to last result and precharge */
	double time_ns;		/* cycles * tCK */
	long long commands[DRAM_NCMD];	/* issued in one stack (the busiest), by type;
					   names in dram_cmd_names */
	int stacks;		/* stacks the weights are spread over */
	int passes;		/* passes over the weights */
	int tokens_per_pass;
	double weight_bytes;	/* all of the kernel's weights */
	double flops;		/* 2 x weights x tokens */
	int channels_simulated;	/* 1 when one channel stood for all */
	int memo_hit;		/* 1 when the result came from the memo */
};

struct pim_memo_entry;

struct pim {
	struct hbm h;
	int use_memo;		/* 1 (default): remember results */
	int one_channel;	/* 1 (default): simulate one channel when all are alike */
	struct pim_memo_entry *memo;
	size_t memo_len, memo_cap;	/* open addressing, power-of-two capacity */
	long long memo_hits, memo_misses;
};

/* Checks that h has what its pim_kind needs (see above). */
int pim_init(struct pim *p, const struct hbm *h, struct err *e);
void pim_release(struct pim *p);

/* Take new [hbm]/[pim] parameters (e.g. `set power_limit on`); the memo is
 * kept when nothing changed, else cleared. */
int pim_set_hbm(struct pim *p, const struct hbm *h, struct err *e);

/*
 * One expert's SwiGLU FFN for `tokens` tokens: gate and up (hidden ->
 * inter each) and down (inter -> hidden), bytes_per_weight bytes per weight
 * (2 BF16, 1 FP8, 0.5 MXFP4); stacks = 0 takes the default, 1 (the expert
 * sits in one stack's channels, so the other stacks can run other experts).
 * Memoised: the decode loop may call it freely.  tokens = 0 gives 0 cycles.
 */
int pim_expert_run(struct pim *p, int hidden, int inter, double bytes_per_weight, int tokens,
		   int stacks, struct pim_result *out, struct err *e);

/* One GEMV of n_out x n_in weights for `tokens` tokens (same layout). */
int pim_gemv_run(struct pim *p, int n_out, int n_in, double bytes_per_weight, int tokens,
		 int stacks, struct pim_result *out, struct err *e);

/*
 * The command streams of a kernel on a stack, for the UI or a combined
 * GPU + PIM run: progs[npch] (npch = channels x pseudo_channels) to pass to
 * memsys_pim_submit; the ops stay valid until pim_streams_free.  gemv: 1 for
 * pim_gemv_run's kernel (hidden = n_out, inter = n_in), 0 for an expert.
 * A kernel whose weights need more rows than a bank has is an error.
 */
struct pim_streams {
	struct mem_pim_prog *progs;
	struct mem_pim_op *ops;
	int npch;
	int passes, tokens_per_pass;
};
int pim_streams_build(const struct hbm *h, int gemv, int hidden, int inter,
		      double bytes_per_weight, int tokens, int stacks, struct pim_streams *s,
		      struct err *e);
void pim_streams_free(struct pim_streams *s);

#endif
