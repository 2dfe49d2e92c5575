/*
 * dram.h - the device: bank state machines and per-node timing state of the
 * channels of one HBM3(-PIM) stack, checked against the flat table of
 * dram_timing.h.
 *
 * The device knows nothing of requests or scheduling (memctrl.h does): it
 * answers "when may this command issue at the earliest" and applies a
 * command.  Time is in memory-clock cycles (hbm_tck_ns) and only moves
 * forward; nothing happens between commands, so the state at any cycle is
 * derived from the last command and the cycle it completes (bank states are
 * resolved lazily, e.g. ACTIVATING becomes OPEN nRCD after the ACT).
 *
 * Organisation (struct hbm): channels x pseudo_channels x ranks x
 * bank_groups x banks_per_group banks; ranks are HBM3 stack IDs (an 8-Hi
 * stack has 2 per pseudo-channel, JESD238; AttAcc HBM3_8Gb_2R).  Each bank
 * has rows of row_bytes and columns of column_bytes.
 *
 * Occupancy: a bank is busy from the ACT (ACTAB, REF) that takes it out of
 * IDLE until its precharge (refresh) completes, and the cycles are charged to
 * the host, to PIM or to refresh by the command that opened it.  Counters
 * are cumulative; the busy cycles of a window [a, b) are
 * dram_bank_busy(b) - dram_bank_busy(a).
 */
#ifndef SIEVE_DRAM_H
#define SIEVE_DRAM_H

#include <stdint.h>

#include "dram_timing.h"
#include "err.h"
#include "hbm.h"

#define DRAM_NEVER INT64_MAX

enum dram_bank_state { DRAM_IDLE, DRAM_ACTIVATING, DRAM_OPEN, DRAM_PRECHARGING,
		       DRAM_REFRESHING, DRAM_NSTATE };
extern const char *const dram_state_names[DRAM_NSTATE];

/* Who kept a bank busy. */
enum dram_busy { DRAM_BUSY_HOST, DRAM_BUSY_PIM, DRAM_BUSY_REFRESH, DRAM_NBUSY };

/* A command's target; levels below the command's scope are ignored
 * (PREA, REF, ACTAB, MAC*, WRGB and RDRES address a pseudo-channel). */
struct dram_addr {
	int ch, pch, rank, bg, bank;	/* pch is within the channel */
	int row, col;
};

struct dram_bank {
	int8_t state;		/* enum dram_bank_state as of the last command */
	int8_t last_cmd;	/* -1 none */
	int8_t busy_kind;	/* enum dram_busy of the current busy interval */
	int32_t open_row;	/* -1 when closed */
	int64_t state_until;	/* ACTIVATING -> OPEN, PRECHARGING/REFRESHING -> IDLE */
	int64_t last_cycle;
	int64_t busy_since;	/* -1: never busy */
	int64_t busy_until;	/* DRAM_NEVER while open */
	int64_t busy_cycles[DRAM_NBUSY];	/* closed intervals */
};

/* Per pseudo-channel: all-bank mode and the last pseudo-channel command. */
struct dram_pch {
	int8_t allbank_open;	/* an ACTAB row is open */
	int8_t last_cmd;	/* last pch-scoped command (PREA, REF, ACTAB, MAC*, ...) */
	int32_t open_banks;	/* banks ACTIVATING or OPEN */
	int64_t last_cycle;
	int64_t data_busy_cycles;	/* cycles the data bus moved data (RD, WR, WRGB, RDRES) */
};

/* A rule of the timing table without a window, as dram_issue applies it. */
struct dram_plain_rule {
	int8_t level;
	int8_t following;
	int32_t latency_cycles;
};

struct dram {
	struct hbm h;
	struct dram_timing t;
	/* t's rules regrouped for dram_issue: per command, the windowless ones
	 * at the levels the command reaches (nplain[c] of them), and the indices
	 * into t.rules[c] of the windowed ones */
	struct dram_plain_rule plain[DRAM_NCMD][DRAM_MAX_RULES];
	int nplain[DRAM_NCMD];
	int8_t windowed[DRAM_NCMD][DRAM_MAX_RULES];
	int8_t nwindowed[DRAM_NCMD];
	int nch, npch, nrank, nbg, nbank;	/* node counts per level (whole device) */
	int pch_per_ch, rank_per_pch, bg_per_rank, bank_per_bg, bank_per_pch;
	int64_t *next[DRAM_NLEVEL];	/* [node * DRAM_NCMD + cmd]: earliest issue cycle */
	int64_t *window_hist[DRAM_MAX_WINDOWS];	/* [node * len + i]: ring of issue cycles */
	int *window_pos[DRAM_MAX_WINDOWS];
	struct dram_bank *banks;	/* [nbank] */
	struct dram_pch *pchs;		/* [npch] */
	long long cmd_count[DRAM_NCMD];
};

/* A device of `channels` channels (1..h->channels) of stack h. */
int dram_init(struct dram *d, const struct hbm *h, int channels, struct err *e);
void dram_release(struct dram *d);

/* Node ids of addr at every level, -1 below the command's scope. */
void dram_path(const struct dram *d, int cmd, const struct dram_addr *a, int path[DRAM_NLEVEL]);

/* Earliest cycle at which cmd may issue on path (timing only). */
int64_t dram_earliest(const struct dram *d, int cmd, const int path[DRAM_NLEVEL]);

/*
 * Apply cmd at clk.  dram_issue checks state and timing first and returns
 * -1, changing nothing, if cmd is not legal at clk; kind charges the busy
 * cycles it starts.  dram_apply skips the check, for a caller that has
 * established legality from the same state (memctrl issues only candidates
 * whose earliest cycle has passed); builds with -DSIEVE_CHECK (make asan)
 * assert it there too.
 */
int dram_issue(struct dram *d, int cmd, const struct dram_addr *a, int64_t clk, int kind);
void dram_apply(struct dram *d, int cmd, const struct dram_addr *a, int64_t clk, int kind);

/* Flat bank id of a (ch, pch, rank, bg, bank); pch id of (ch, pch). */
int dram_bank_id(const struct dram *d, const struct dram_addr *a);
int dram_pch_id(const struct dram *d, int ch, int pch);

/* Inspection: a bank's state at cycle now (>= its last command). */
int dram_bank_state(const struct dram *d, int bank_id, int64_t now);

/* Cumulative busy cycles of a bank up to now, of one kind (or all: -1). */
int64_t dram_bank_busy(const struct dram *d, int bank_id, int kind, int64_t now);

/* The last command that touched a bank (its own or an all-bank one). */
int dram_bank_last_cmd(const struct dram *d, int bank_id, int64_t *cycle);

#endif
