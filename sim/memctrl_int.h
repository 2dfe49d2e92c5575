/*
 * memctrl_int.h - state shared by memctrl.c (host scheduling, refresh, the
 * event loop) and memctrl_pim.c (PIM streams).  Not an API: use memctrl.h.
 */
#ifndef SIEVE_MEMCTRL_INT_H
#define SIEVE_MEMCTRL_INT_H

#include "memctrl.h"

struct mc_pch {
	/* host queue: slots, a list per bank (oldest first), a candidate per bank */
	struct mem_req *q;	/* [queue_depth] */
	int16_t *free_slots;
	int nfree, count;
	int16_t *head, *tail;	/* [bank_per_pch] slot or -1 */
	int8_t *cand_cmd;	/* [bank_per_pch] next command for the bank */
	int16_t *cand_slot;	/* [bank_per_pch] the request it serves */
	uint64_t *cand_seq;	/* [bank_per_pch] age of that request */
	int64_t *cand_local;	/* [bank_per_pch] its earliest cycle at bank and bank-group level */
	uint64_t pending;	/* banks with queued requests */
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

/* memctrl_pim.c */
/* The PIM command pc would issue next, with the address it needs;
 * -1 when waiting at a barrier. */
int mc_pim_next(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a);
/* After issuing that command at t: advance, handle barriers and the end. */
void mc_pim_advance(struct memsys *m, struct mc_pch *pc, int cmd, int64_t t);

/* memctrl.c */
/* Recompute the host candidate of every bank of pc (after PREA, REF, PIM). */
void mc_cands_all(struct memsys *m, struct mc_pch *pc);
/* The pch-scoped address of pc (rank, bank group, bank 0). */
void mc_pch_addr(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a);

#endif
