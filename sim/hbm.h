/*
 * hbm.h - organisation and timing of one HBM3(-PIM) stack, as read from
 * the [hbm] and [pim] sections of a data/hw file.
 *
 * Owns the numbers only; the cycle-level model that uses them is dram.h,
 * the PIM kernels pim.h.  All timings are in memory-clock cycles (tCK =
 * 1000 / clock_mhz ns).  Sources: JEDEC JESD238 (HBM3) for organisation;
 * AttAcc (Park et al., ASPLOS'24) HBM3-PIM timing at 5.2 Gb/s for
 * nCL..nFAW, nREFI and the all-bank MAC spacing nCCDAB; see the files in data/hw
 * for the value of each field and its citation.  ranks, mapping,
 * queue_depth, nCCDBG(_power), logic_bw_ratio, pim_io_bytes and unit_lanes are optional
 * in a file (absent = 0; ranks 0 means 1, mapping 0 is bg_interleaved) and
 * checked by the module that needs them (memctrl.h, pim.h).
 */
#ifndef SIEVE_HBM_H
#define SIEVE_HBM_H

#include "fields.h"

enum pim_kind { PIM_BANK, PIM_BANKGROUP, PIM_LOGIC };

/*
 * How PIM and the GPU share a GPU's stacks ([pim] attach).  The layout is
 * one for both sides: an expert's weights sit in one stack (its stack by
 * placement, sim.h), so the GPU reads an expert at the bandwidth of that
 * stack and a grouped kernel is as slow as its busiest stack.
 * - shared: PIM uses every channel of every stack, in time with the GPU;
 *   with bank and bank-group PIM all-bank mode locks the stacks, so the
 *   GPU's expert kernel and PIM work on the same GPU run one after the
 *   other (Samsung HBM-PIM, AttAcc; what sieve assumed from the start).
 * - reserved: a fraction reserved_channels of every stack's channels is
 *   PIM's; PIM kernels run on those channels only, and the GPU streams from
 *   the others concurrently, at their share of the bandwidth.  Assumption:
 *   an expert keeps two copies in its stack, one in the reserved channels
 *   for PIM and one in the others for the GPU, so a run-time split needs no
 *   weight movement (capacity: the experts' bytes twice).
 * - logic: Logic-PIM on the base die (Duplex, MICRO'24) reads the banks
 *   through its own TSV bundles, so it overlaps the GPU's reads; needs
 *   pim_kind logic.
 * Absent from a file, attach is logic for pim_kind logic and shared else.
 */
enum pim_attach { ATTACH_SHARED, ATTACH_RESERVED, ATTACH_LOGIC };

/* How a host address is cut into channel, bank and row (dram_map.h). */
enum hbm_mapping { HBM_MAP_BG_INTERLEAVED, HBM_MAP_ROW_INTERLEAVED };

struct hbm {
	/* organisation, per stack */
	int channels;		/* 16 */
	int pseudo_channels;	/* per channel: 2 */
	int bank_groups;	/* per pseudo-channel: 4 */
	int banks_per_group;	/* 4 */
	int ranks;		/* stack IDs per pseudo-channel, 8-Hi = 2 (optional: absent = 1) */
	int rows;		/* per bank */
	int row_bytes;		/* 1024 */
	int column_bytes;	/* 32: one burst */
	double data_rate_gbps;	/* per pin: 5.2 (H100) or 6.4 */
	int pch_bits;		/* data bus width of a pseudo-channel: 32 */
	double clock_mhz;	/* command clock: data_rate / 4 */
	int mapping;		/* enum hbm_mapping (optional: absent = bg_interleaved) */
	int queue_depth;	/* controller queue per pseudo-channel (needed by memctrl.h) */
	/* timing, cycles */
	int nBL, nCL, nRCD, nRP, nRAS, nRC, nCCDS, nCCDL, nRRDS, nRRDL, nFAW;
	int nWR, nRTP, nCWL, nWTRS, nWTRL, nRTW, nREFI, nRFC;
	/* PIM */
	int pim_kind;		/* enum pim_kind */
	int nCCDAB;		/* all-bank MAC spacing */
	int nCCDAB_power;	/* under the power limit */
	int power_limit;	/* 0 off, 1 on */
	double logic_tflops;	/* Logic-PIM compute per stack */
	/* optional (0 = absent; pim.h says which kind needs which) */
	int nCCDBG;		/* bank-group MAC spacing */
	int nCCDBG_power;	/* under the power limit */
	int logic_bw_ratio;	/* Logic-PIM internal bandwidth / external */
	int pim_io_bytes;	/* bytes per input element and per result (BF16 = 2) */
	int unit_lanes;		/* multipliers of a bank or bank-group unit (pim.h) */
	int attach;		/* enum pim_attach (optional, see above) */
	double reserved_channels;	/* attach reserved: PIM's fraction of the channels */
};

extern const char *const pim_attach_names[];	/* "shared", "reserved", "logic", NULL */

/* Channels per stack PIM kernels run on: round(reserved_channels x channels)
 * with attach reserved, else all. */
int hbm_pim_channels(const struct hbm *h);

/* The GPU's share of a stack's bandwidth: the unreserved channels with
 * attach reserved, else 1 (shared stacks are used in time, not split). */
double hbm_gpu_bw_share(const struct hbm *h);

/*
 * Check attach against pim_kind and reserved_channels; `where` prefixes the
 * message ("path" or "--native").  0 when consistent.
 */
int hbm_check_attach(const struct hbm *h, const char *where, struct err *e);

/* The [hbm] and [pim] fields, for the hw loader and `show`. */
extern const struct field_table hbm_field_table;

/* Banks one pseudo-channel may have: the controller keeps them in a 64-bit mask. */
#define HBM_MAX_BANKS_PER_PCH 64

/*
 * The organisation every command needs (one check, so `run` and `probe
 * dram` accept the same files): channels, pseudo_channels, ranks,
 * bank_groups, banks_per_group, rows, column_bytes and columns per row
 * (row_bytes / column_bytes) powers of two, as the address mapping cuts
 * addresses into bit fields (dram_map.h); at most HBM_MAX_BANKS_PER_PCH
 * banks per pseudo-channel; for logic PIM, logic_bw_ratio dividing them.
 * On error e says what (no file prefix) and *field names the key to blame.
 */
int hbm_check(const struct hbm *h, const char **field, struct err *e);

/* Bytes per second of one stack's external interface. */
double hbm_peak_gbps(const struct hbm *h);

/* Nanoseconds per memory-clock cycle. */
double hbm_tck_ns(const struct hbm *h);

#endif
