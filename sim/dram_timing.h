/*
 * dram_timing.h - the commands of an HBM3-PIM stack and the one flat table
 * of timing rules between them.
 *
 * A rule reads: at `level`, after a `preceding` command, a `following`
 * command must wait `latency` cycles (Ramulator 2's populate_timingcons,
 * whose HBM3 and AttAcc HBM3-PIM tables the rules are taken from).  The
 * device (dram.h) keeps, for every node of every level, the earliest cycle
 * at which each command may issue; issuing a command loops over the rules
 * it precedes and pushes those cycles forward.  Checking a command is then
 * a max over the nodes on its path, never a hand-written `if` per rule.
 *
 * Levels are channel > pseudo-channel > rank (stack ID) > bank group > bank.
 * Assumptions, with their sources:
 * - HBM3 has separate row and column command buses per channel, shared by
 *   its two pseudo-channels (JESD238): one row and one column command per
 *   channel per cycle, and an ACT/ACTAB holds the row bus 2 cycles
 *   (Ramulator 2 HBM3: "2-cycle ACT command").
 * - nRTP is used for every read-to-precharge rule (AttAcc distinguishes
 *   nRTPS 6 / nRTPL 8; the hw file gives one value).
 * - All-bank PIM commands (ACTAB, MAC*, PREA) act on one pseudo-channel:
 *   Samsung's HBM-PIM runs all-bank mode per pseudo-channel.  AttAcc's
 *   rules are used (ACTAB->MAC nRCD, MAC->PREA nRTP, PREA->ACTAB nRP,
 *   ACTAB->ACTAB nRC, MACAB->MACAB nCCDAB).  Two rules are added because
 *   the data must exist before it is used: an input write (WRGB) lands
 *   nCWL + nBL after the command, and a result can be read (RDRES) nCL
 *   after the last MAC, as a read's data would be.
 * - Data-path commands (RD, WR, WRGB, RDRES) share the pseudo-channel bus
 *   (nBL apart) and keep nCCDS / nCCDL between them (AttAcc).
 */
#ifndef SIEVE_DRAM_TIMING_H
#define SIEVE_DRAM_TIMING_H

#include <stdint.h>

#include "err.h"
#include "hbm.h"

enum dram_cmd {
	DRAM_ACT,	/* open a row in one bank */
	DRAM_PRE,	/* close one bank */
	DRAM_PREA,	/* close every bank of the pseudo-channel (also ends all-bank mode) */
	DRAM_RD,	/* read one column (column_bytes) */
	DRAM_WR,	/* write one column */
	DRAM_REF,	/* all-bank refresh of the pseudo-channel, nRFC */
	DRAM_ACTAB,	/* PIM: open the same row in every bank of the pseudo-channel */
	DRAM_MACAB,	/* PIM bank: every bank's unit reads one column and accumulates */
	DRAM_MACBG,	/* PIM bankgroup: every bank group's unit reads one column */
	DRAM_MACLG,	/* PIM logic: the base die reads logic_bw_ratio columns */
	DRAM_WRGB,	/* PIM: write one column of input into the units' buffers */
	DRAM_RDRES,	/* PIM: read one column of results out of the units */
	DRAM_NCMD
};

enum dram_level { DRAM_CH, DRAM_PCH, DRAM_RANK, DRAM_BG, DRAM_BANK, DRAM_NLEVEL };

/* "ACT", "MACAB", ... */
extern const char *const dram_cmd_names[DRAM_NCMD];
extern const char *const dram_level_names[DRAM_NLEVEL];

/* Commands that use the row bus (the rest use the column bus): a mask of
 * 1 << cmd, and the test (inline: the controller asks it per command). */
#define DRAM_ROW_CMDS ((1u << DRAM_ACT) | (1u << DRAM_PRE) | (1u << DRAM_PREA) | \
		       (1u << DRAM_REF) | (1u << DRAM_ACTAB))
static inline int dram_cmd_is_row(int cmd)
{
	return (DRAM_ROW_CMDS >> cmd) & 1u;
}

/* The all-bank MACs of the three PIM kinds. */
#define DRAM_MAC_CMDS ((1u << DRAM_MACAB) | (1u << DRAM_MACBG) | (1u << DRAM_MACLG))
static inline int dram_cmd_is_mac(int cmd)
{
	return (DRAM_MAC_CMDS >> cmd) & 1u;
}

/* One resolved rule: after the command it belongs to, at `level`,
 * `following` waits `latency_cycles`; window > 0: the rule applies to the
 * window-th previous such command (nFAW: window 4). */
struct dram_rule {
	int8_t level;
	int8_t following;
	int8_t window;
	int8_t window_slot;	/* which window history (see dram.h) */
	int32_t latency_cycles;
};

#define DRAM_MAX_RULES 48	/* per preceding command, after expansion */
#define DRAM_MAX_WINDOWS 2

/* The table resolved for one struct hbm: rules grouped by preceding command. */
struct dram_timing {
	struct dram_rule rules[DRAM_NCMD][DRAM_MAX_RULES];
	int nrules[DRAM_NCMD];
	int nwindows;		/* windowed rules (each keeps a history per node) */
	int window_len[DRAM_MAX_WINDOWS];
	int window_level[DRAM_MAX_WINDOWS];
};

/*
 * Resolve the flat table for h: latencies in cycles, the power limit
 * choosing nCCDAB or nCCDAB_power (nCCDBG or nCCDBG_power).  Fails when a
 * latency comes out negative or a needed field is missing.
 */
int dram_timing_init(struct dram_timing *t, const struct hbm *h, struct err *e);

/* The largest latency of any rule from `preceding` to `following` at any
 * level (0 when none): for tests that check one rule against the file. */
int dram_timing_latency(const struct dram_timing *t, int preceding, int following, int level);

#endif
