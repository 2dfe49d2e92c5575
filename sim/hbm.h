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
};

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
