/*
 * memctrl_int.h - state shared by the files of the memory controller.  Not
 * an API: use memctrl.h.  Who owns what:
 * - memctrl.c: setup, the event loop (memsys_step picks the earliest channel,
 *   scans it, issues at most one row and one column command), refresh, and
 *   the choice between refresh, PIM and host commands of a channel.
 * - memctrl_host.c: the host queue of each pseudo-channel and FR-FCFS over
 *   it: admission, a candidate command per bank, the scan for the best ready
 *   one, issuing it and the statistics of served requests.
 * - memctrl_pim.c: PIM command streams and their barriers.
 */
#ifndef SIEVE_MEMCTRL_INT_H
#define SIEVE_MEMCTRL_INT_H

#include "memctrl.h"

/*
 * Host candidates are bucketed by (rank, command): the levels above the bank
 * group give every bank of a bucket the same bound ("upper"), so a scan reads
 * it once per bucket.  Each bucket caches, as of the cycle it was last
 * looked at, its members' best ready key (age << 6 | bank) among those whose
 * bank- and bank-group-level bound has passed, how many those are, and the
 * earliest such bound of the others; the cache holds until that cycle is
 * reached or a member changes (dirty).
 */
#define MC_HOST_CMDS 4		/* ACT, PRE, RD, WR: the host's commands */
#define MC_MAX_RANKS 8
#define MC_MAX_BUCKETS (MC_HOST_CMDS * MC_MAX_RANKS)

struct mc_bucket {
	int rank_next;		/* its (rank, command) in the rank level's next[] from rank0 */
	int kind;		/* its command's index among the host's (ACT, PRE, RD, WR) */
	uint64_t members;	/* banks whose candidate is in this bucket */
	uint64_t best_key;	/* UINT64_MAX: none ready */
	int64_t wait_min;	/* earliest local bound of the not-ready (DRAM_NEVER) */
	int nready;
};

struct mc_pch {
	/* host queue: slots, a list per bank (oldest first), a candidate per bank */
	struct mem_req *q;	/* [queue_depth] */
	int16_t *free_slots;
	int nfree, count;
	int16_t *head, *tail;	/* [bank_per_pch] slot or -1 */
	int8_t *cand_cmd;	/* [bank_per_pch] next command for the bank */
	int8_t *cand_bucket;	/* [bank_per_pch] its bucket, -1 none */
	int16_t *cand_slot;	/* [bank_per_pch] the request it serves */
	uint64_t *cand_seq;	/* [bank_per_pch] age of that request */
	int64_t *cand_local;	/* [bank_per_pch] its earliest cycle at bank and bank-group level */
	uint64_t pending;	/* banks with queued requests */
	struct mc_bucket bucket[MC_MAX_BUCKETS];	/* [rank * MC_HOST_CMDS + command] */
	uint32_t bucket_used;	/* buckets with members */
	uint32_t bucket_dirty;	/* buckets whose cache must be recomputed */
	int64_t scan_t;		/* cycle of the last scan: the caches hold from then on */
	int id, ch, bank0, rank0, bg0;	/* flat ids of this pch and its first nodes */
	/* refresh */
	int64_t refresh_due;
	int refresh_pending;
	/* PIM stream */
	struct mem_pim_prog prog;
	int active, op, done_in_op, pass, barrier_wait;
	int64_t not_before;	/* in order: no command before the previous one */
	int64_t result_end;	/* last result (RDRES data) arrived */
	int64_t end;		/* everything issued has completed */
};

/* Command classes in priority order (lower first). */
enum mc_cls { MC_CLS_REFRESH, MC_CLS_PIM, MC_CLS_HIT, MC_CLS_ROW, MC_CLS_NONE };

/* A command ready now in a channel. */
struct mc_cand {
	int cls;
	uint64_t age;
	struct mc_pch *pc;
	int bank, cmd, slot;
};

/* The best ready command per command bus of a channel, how many were ready,
 * and the earliest cycle at which one of the others may become ready. */
struct mc_pick {
	struct mc_cand bus[2];	/* 0 row bus, 1 column bus */
	int ready[2];
	int64_t wait[2];	/* DRAM_NEVER: none waiting */
};

static inline int64_t mc_max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t mc_min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* cond ? a : b without a branch: in the scans the condition follows the
 * traffic, and a mispredicted branch costs more than the arithmetic. */
static inline int64_t mc_pick64(int cond, int64_t a, int64_t b)
{
	int64_t all = -(int64_t)(cond != 0);

	return (a & all) | (b & ~all);
}

/* Offer a ready command to k: it counts as ready and wins its bus if it is
 * of a lower class, or of the same class and older. */
static inline void mc_offer(struct mc_pick *k, int cls, uint64_t age, struct mc_pch *pc, int b,
			    int cmd, int slot)
{
	int bus = !dram_cmd_is_row(cmd);
	struct mc_cand *best = &k->bus[bus];

	k->ready[bus]++;
	if (cls < best->cls || (cls == best->cls && age < best->age)) {
		best->cls = cls, best->age = age, best->pc = pc;
		best->bank = b, best->cmd = cmd, best->slot = slot;
	}
}

/* Note a command of k's channel that may become ready at cycle e. */
static inline void mc_wait(struct mc_pick *k, int cmd, int64_t e)
{
	int bus = !dram_cmd_is_row(cmd);

	k->wait[bus] = mc_min64(k->wait[bus], e);
}

/* memctrl.c */
/* The pch-scoped address of pc (rank, bank group, bank 0). */
void mc_pch_addr(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a);

/* memctrl_host.c */
/* Allocate and free pc's host queue (queue_depth slots, bank_per_pch banks). */
void mc_host_init(struct memsys *m, struct mc_pch *pc);
void mc_host_release(struct mc_pch *pc);
/* Put r in pc's queue at cycle t (a slot must be free); returns the
 * earliest cycle of its bank's next command. */
int64_t mc_host_admit(struct memsys *m, struct mc_pch *pc, const struct mem_req *r, int64_t t);
/* Recompute the host candidate of every bank of pc (after PREA, REF, PIM). */
void mc_cands_all(struct memsys *m, struct mc_pch *pc);
/* Offer pc's best ready host command per bus to k, and the earliest cycle
 * at which one of the others may become ready. */
void mc_host_scan(struct memsys *m, struct mc_pch *pc, int64_t t, struct mc_pick *k);
/* Issue host candidate c at t; returns when the channel must be looked at
 * again because of it: the bank's next command (it did not exist at the
 * scan).  A freed slot is refilled by memsys_step. */
int64_t mc_host_issue(struct memsys *m, const struct mc_cand *c, int64_t t, struct mem_issued *ev);
/* Is host candidate c, chosen in the same scan, still ready at t after another issue? */
int mc_host_still_ready(const struct memsys *m, const struct mc_cand *c, int64_t t);

/* memctrl_pim.c */
/* The PIM command pc would issue next, with the address it needs;
 * -1 when waiting at a barrier. */
int mc_pim_next(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a);
/* After issuing that command at t: advance, handle barriers and the end.
 * Returns 1 when the stream simply goes on with the next command of the
 * same op, 0 when it moved to another op (and so may have ended, reached
 * or released a barrier, waking channels) or the command closed host rows. */
int mc_pim_advance(struct memsys *m, struct mc_pch *pc, int cmd, int64_t t);

#endif
