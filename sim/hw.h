/*
 * hw.h - the machine: GPUs, their links and their HBM-PIM stacks, read
 * from data/hw/NAME.ini.
 *
 * Owns the GPU roofline and its calibration constants, the link figures,
 * per-GPU speed factors and the HBM stack description (hbm.h).  Every
 * figure comes from the data file, which cites its source (NVIDIA H100
 * SXM datasheet, measured calibration in data/gpu).  At load, the
 * calibrated rates are checked against the datasheet: eff_tflops <=
 * peak_tflops, attn_bw_gbps <= hbm_gbps, and hbm_gbps no more than the
 * stacks deliver (stacks x hbm_peak_gbps, 1% for rounding; weight
 * streaming is a share of that, stream_efficiency <= 1).
 */
#ifndef SIEVE_HW_H
#define SIEVE_HW_H

#include "fields.h"
#include "hbm.h"

#define HW_MAX_GPUS 64
#define HW_MAX_STACKS 16	/* a task can hold a GPU and all of its stacks (engine.h) */

struct hw {
	char name[64];
	/* [system] */
	int gpus;
	double link_gbps;	/* datasheet peak per GPU, per direction */
	double a2a_bw_gbps;	/* achieved by an all-to-all (comm.h) */
	double a2a_fixed_ns;	/* launch and barrier of one all-to-all */
	double a2a_peer_ns;	/* per peer GPU (signalling) */
	char speed[256];	/* per-GPU speed factors, "1.0" or "1.0 0.95 ..." */
	/* [gpu] datasheet */
	double peak_tflops;	/* dense BF16 */
	double hbm_gbps;	/* datasheet HBM bandwidth */
	double mem_gb;		/* HBM capacity, GiB (the "80 GB" of an H100 is 5 x 16 GiB) */
	double mem_reserve;	/* share of mem_gb kept from the model (capacity.h) */
	int stacks;		/* HBM stacks per GPU */
	/* [gpu] calibration (fitted to data/gpu, see gpu.h) */
	double kernel_overhead_ns;	/* launch chain of one expert FFN */
	double grouped_overhead_ns;	/* extra setup of a grouped (uneven) FFN */
	double gemm_launch_ns;	/* launch of one dense GEMM or small kernel */
	double stream_efficiency;	/* weight streaming / (stacks x stack peak) */
	double grouped_bw_eff;	/* a grouped GEMM's streaming / a batched one's */
	double eff_tflops;	/* tensor throughput of a full wave of tiles */
	double roofline_p;	/* sharpness of the memory/compute transition */
	int sms;		/* streaming multiprocessors */
	int tile_m, tile_n;	/* GEMM tile: rows (tokens) x columns */
	double l2_reread;	/* share of weights re-read per extra row tile */
	double attn_floor_ns;	/* launch-bound floor of one attention kernel */
	double attn_bw_gbps;	/* KV-cache streaming bandwidth */
	/* [hbm], [pim] */
	struct hbm hbm;
	/* derived at load: speed factor per GPU; weight-streaming bandwidth,
	 * stream_efficiency x stacks x hbm_peak_gbps (gpu.h) */
	double speed_factor[HW_MAX_GPUS];
	double eff_bw_gbps;
};

extern const struct field_table hw_field_table;

/* Load from a file path or NAME under datadir/hw; checks consistency. */
int hw_load(struct hw *hw, const char *datadir, const char *name_or_path,
	    struct err *e);

/* The same with over's entries (may be NULL) applied after the file's. */
int hw_load_over(struct hw *hw, const char *datadir, const char *name_or_path,
		 const struct ini *over, struct err *e);

/*
 * The machine as the GPU's kernels see it: its bandwidths (eff_bw_gbps,
 * attn_bw_gbps) scaled to the channels the GPU streams from
 * (hbm_gpu_bw_share: the unreserved ones with [pim] attach reserved).
 */
void hw_gpu_view(const struct hw *hw, struct hw *view);

/* Look a parameter up in either table ([system]/[gpu] or [hbm]/[pim]). */
const struct field *hw_field(const char *name, const struct field_table **table);

#endif
