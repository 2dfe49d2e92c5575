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

/*
 * How fast one GPU runs against the nominal part, separately for the two
 * sides of its roofline: compute scales tensor throughput and the
 * clock-bound launch chains, memory scales HBM streaming (weights, KV
 * cache, logits).  Each GEMM blends its two terms (gpu.h), so a kernel
 * slows by the factor of the side it is bound by.  PIM kernels and links
 * are not scaled: the PIM units and NVLink run on their own clocks.
 *
 * Why GPUs of one SKU differ: chips differ in leakage and in their
 * voltage/frequency curve, so under the same power and thermal limits they
 * settle at different SM clocks.  Sinha et al., "Not All GPUs Are Created
 * Equal: Characterizing Variability in Large-Scale, Accelerator-Rich
 * Systems" (SC'22, arXiv:2208.11035), measured 8% average (22% at most)
 * performance variation between GPUs of the same SKU within a cluster,
 * outliers up to 1.5x slower than the median GPU, the variation following
 * the clock under the power cap.  The memory side varies less: HBM runs on
 * its own clock, which power capping leaves alone while it lowers the SM
 * clock (Ujeniya et al., "Architectural Trade-offs ... power-capping NVIDIA
 * H100 and H200", arXiv:2604.11391).  The variable presets
 * (data/hw, names ending -var) take compute 0.88-1.00 (a 12% spread, inside the
 * measured 8-22%) and memory 0.93-1.00 (assumed about half of it).
 */
struct gpu_speed {
	double compute, memory;	/* 1 = nominal; 0.9 = takes 1/0.9 as long */
};

#define GPU_NOMINAL ((struct gpu_speed){1.0, 1.0})

struct hw {
	char name[64];
	/* [system] */
	int gpus;
	double link_gbps;	/* datasheet peak per GPU, per direction */
	double a2a_bw_gbps;	/* achieved by an all-to-all (comm.h) */
	double a2a_fixed_ns;	/* launch and barrier of one all-to-all */
	double a2a_peer_ns;	/* per peer GPU (signalling) */
	char speed[1024];	/* per-GPU speed factors (hw_parse_speed) */
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
	/* derived at load: speed factors per GPU; weight-streaming bandwidth,
	 * stream_efficiency x stacks x hbm_peak_gbps (gpu.h) */
	struct gpu_speed gpu_speed[HW_MAX_GPUS];
	double eff_bw_gbps;
};

extern const struct field_table hw_field_table;

/* Load from a file path or NAME under datadir/hw; checks consistency. */
int hw_load(struct hw *hw, const char *datadir, const char *name_or_path,
	    struct err *e);

/*
 * Speed factors from text into out[gpus]: empty (all nominal), one entry
 * for every GPU, or one per GPU; entries separated by spaces or commas,
 * each "F" (compute and memory) or "C/M", every factor in (0.05, 10].
 * e names the offending entry; out is unchanged on error.
 */
int hw_parse_speed(const char *text, int gpus, struct gpu_speed *out, struct err *e);

/*
 * The run parameter gpu_speed into out: "hw" (or empty) for the hw file's
 * factors, else as hw_parse_speed.
 */
int hw_speed_override(const struct hw *hw, const char *text, struct gpu_speed *out, struct err *e);

/* Speed factors as text hw_parse_speed reads back ("C/M C/M ..."). */
void hw_format_speed(const struct gpu_speed *sp, int gpus, char *buf, size_t len);

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
