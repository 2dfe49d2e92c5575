/* memctrl_host.c - host queues and FR-FCFS scheduling over them (see memctrl.h,
 * memctrl_int.h). */
#include <stdlib.h>

#include "memctrl.h"
#include "memctrl_int.h"

#define REQ_MISS 1	/* an ACT was issued for it */
#define REQ_CONFLICT 2	/* a PRE was issued for it */

/* Bucket column of a host command, and back; column buckets (RD, WR) are 2, 3. */
static const int8_t host_index[DRAM_WR + 1] = {[DRAM_ACT] = 0, [DRAM_PRE] = 1, [DRAM_RD] = 2,
					       [DRAM_WR] = 3};
static const int8_t host_cmd[MC_HOST_CMDS] = {DRAM_ACT, DRAM_PRE, DRAM_RD, DRAM_WR};

void mc_host_init(struct memsys *m, struct mc_pch *pc)
{
	int nb = m->d.bank_per_pch;

	pc->q = xcalloc((size_t)m->queue_depth, sizeof *pc->q);
	pc->free_slots = xcalloc((size_t)m->queue_depth, sizeof *pc->free_slots);
	for (int i = 0; i < m->queue_depth; i++)
		pc->free_slots[i] = (int16_t)(m->queue_depth - 1 - i);
	pc->nfree = m->queue_depth;
	pc->head = xmalloc((size_t)nb * sizeof *pc->head);
	pc->tail = xmalloc((size_t)nb * sizeof *pc->tail);
	pc->cand_cmd = xcalloc((size_t)nb, sizeof *pc->cand_cmd);
	pc->cand_bucket = xmalloc((size_t)nb * sizeof *pc->cand_bucket);
	pc->cand_slot = xcalloc((size_t)nb, sizeof *pc->cand_slot);
	pc->cand_local = xcalloc((size_t)nb, sizeof *pc->cand_local);
	pc->cand_seq = xcalloc((size_t)nb, sizeof *pc->cand_seq);
	for (int b = 0; b < nb; b++) {
		pc->head[b] = pc->tail[b] = -1;
		pc->cand_bucket[b] = -1;
	}
	for (int g = 0; g < MC_MAX_BUCKETS; g++) {
		pc->bucket[g].kind = g % MC_HOST_CMDS;
		pc->bucket[g].rank_next = g / MC_HOST_CMDS * DRAM_NCMD + host_cmd[g % MC_HOST_CMDS];
	}
}

void mc_host_release(struct mc_pch *pc)
{
	free(pc->q);
	free(pc->free_slots);
	free(pc->head);
	free(pc->tail);
	free(pc->cand_cmd);
	free(pc->cand_bucket);
	free(pc->cand_slot);
	free(pc->cand_local);
	free(pc->cand_seq);
}

/* Local bank index of a decoded address within its pseudo-channel. */
static int local_bank(const struct dram *d, const struct dram_addr *a)
{
	return (a->rank * d->bg_per_rank + a->bg) * d->bank_per_bg + a->bank;
}

/* The bound of the levels above the bank group (channel, pseudo-channel,
 * rank) on cmd for the banks of local rank r: the same for all of them. */
static int64_t upper(const struct memsys *m, const struct mc_pch *pc, int r, int cmd)
{
	const struct dram *d = &m->d;

	return mc_max64(mc_max64(d->next[DRAM_CH][(size_t)pc->ch * DRAM_NCMD + cmd],
				 d->next[DRAM_PCH][(size_t)pc->id * DRAM_NCMD + cmd]),
			d->next[DRAM_RANK][(size_t)(pc->rank0 + r) * DRAM_NCMD + cmd]);
}

/* The bank- and bank-group-level part of a bank's candidate's earliest
 * cycle: it changes only when a command issues in that bank group. */
static void cand_local(struct memsys *m, struct mc_pch *pc, int b)
{
	const struct dram *d = &m->d;
	int cmd = pc->cand_cmd[b], bg = pc->bg0 + (b >> m->bg_shift);

	pc->cand_local[b] = mc_max64(d->next[DRAM_BANK][(size_t)(pc->bank0 + b) * DRAM_NCMD + cmd],
				     d->next[DRAM_BG][(size_t)bg * DRAM_NCMD + cmd]);
	pc->bucket_dirty |= (uint32_t)1 << pc->cand_bucket[b];
}

/* Move bank b's candidate from its bucket to bucket g (-1: none). */
static void rebucket(struct mc_pch *pc, int b, int g)
{
	int old = pc->cand_bucket[b];
	uint64_t bit = (uint64_t)1 << b;

	if (old == g)
		return;
	if (old >= 0) {
		pc->bucket[old].members &= ~bit;
		pc->bucket_dirty |= (uint32_t)1 << old;
		if (pc->bucket[old].members == 0)
			pc->bucket_used &= ~((uint32_t)1 << old);
	}
	if (g >= 0) {
		pc->bucket[g].members |= bit;
		pc->bucket_used |= (uint32_t)1 << g;
	}
	pc->cand_bucket[b] = (int8_t)g;
}

/* FR-FCFS per bank: the oldest hit on the open row, else close it (PRE),
 * else open the oldest request's row (ACT). */
static void cand_update(struct memsys *m, struct mc_pch *pc, int b)
{
	int s = pc->head[b], row;

	if (s < 0) {
		pc->pending &= ~((uint64_t)1 << b);
		rebucket(pc, b, -1);
		return;
	}
	pc->pending |= (uint64_t)1 << b;
	row = m->d.banks[pc->bank0 + b].open_row;
	pc->cand_cmd[b] = DRAM_PRE;
	pc->cand_slot[b] = (int16_t)s;
	if (row < 0) {
		pc->cand_cmd[b] = DRAM_ACT;
	} else {
		for (; s >= 0; s = pc->q[s].next) {
			if (pc->q[s].a.row == row) {
				pc->cand_cmd[b] = pc->q[s].is_write ? DRAM_WR : DRAM_RD;
				pc->cand_slot[b] = (int16_t)s;
				break;
			}
		}
	}
	pc->cand_seq[b] = pc->q[pc->cand_slot[b]].seq;
	rebucket(pc, b, (b >> m->rank_shift) * MC_HOST_CMDS + host_index[pc->cand_cmd[b]]);
	cand_local(m, pc, b);
}

void mc_cands_all(struct memsys *m, struct mc_pch *pc)
{
	for (uint64_t mask = pc->pending; mask; mask &= mask - 1)
		cand_update(m, pc, __builtin_ctzll(mask));
}

static int64_t cand_earliest(const struct memsys *m, const struct mc_pch *pc, int b);

int64_t mc_host_admit(struct memsys *m, struct mc_pch *pc, const struct mem_req *r, int64_t t)
{
	int s = pc->free_slots[--pc->nfree];
	int b = local_bank(&m->d, &r->a);
	struct mem_req *q = &pc->q[s];

	*q = *r;
	q->arrival = t;
	q->seq = m->seq++;
	q->flags = 0;
	q->next = -1;
	q->prev = pc->tail[b];
	if (pc->tail[b] >= 0)
		pc->q[pc->tail[b]].next = (int16_t)s;
	else
		pc->head[b] = (int16_t)s;
	pc->tail[b] = (int16_t)s;
	pc->count++;
	cand_update(m, pc, b);
	return cand_earliest(m, pc, b);
}

static void unlink_req(struct mc_pch *pc, int b, int s)
{
	struct mem_req *q = &pc->q[s];

	if (q->prev >= 0)
		pc->q[q->prev].next = q->next;
	else
		pc->head[b] = q->next;
	if (q->next >= 0)
		pc->q[q->next].prev = q->prev;
	else
		pc->tail[b] = q->prev;
	pc->free_slots[pc->nfree++] = (int16_t)s;
	pc->count--;
}

int memsys_enqueue(struct memsys *m, const struct mem_req *r)
{
	struct mc_pch *pc = &m->pch[dram_pch_id(&m->d, r->a.ch, r->a.pch)];

	if (pc->nfree == 0)
		return -1;
	mc_host_admit(m, pc, r, m->now);
	m->ch_next[pc->ch] = m->now;	/* look again now */
	return 0;
}

/* Recompute bucket g's cache at t: a member is ready at t, as far as its
 * bank and bank group go, when its local bound has passed. */
static void bucket_refresh(struct mc_pch *pc, struct mc_bucket *bk, int64_t t)
{
	uint64_t best = UINT64_MAX;
	int64_t wait = DRAM_NEVER;
	int n = 0;

	for (uint64_t mask = bk->members; mask; mask &= mask - 1) {
		int b = __builtin_ctzll(mask);
		int64_t e = pc->cand_local[b];
		int ok = e <= t;
		/* branch-free: which banks are ready is random under random traffic */
		uint64_t kb = (pc->cand_seq[b] << 6 | (uint64_t)b) | ((uint64_t)ok - 1);
		best = kb < best ? kb : best;
		n += ok;
		e = ok ? DRAM_NEVER : e;
		wait = e < wait ? e : wait;
	}
	bk->best_key = best;
	bk->nready = n;
	bk->wait_min = wait;
}

/*
 * A bank's candidate is ready when both its local bound and its bucket's
 * upper bound have passed; FR-FCFS takes the oldest ready one per bus (the
 * bus decides between a hit and a row command, see memctrl.c).  Per bucket:
 * upper <= t: its cached ready members are ready, the others wait for their
 * local bound; upper > t: all wait, at least until upper.
 */
void mc_host_scan(struct memsys *m, struct mc_pch *pc, int64_t t, struct mc_pick *k)
{
	const struct dram *d = &m->d;
	const int64_t *nc = d->next[DRAM_CH] + (size_t)pc->ch * DRAM_NCMD;
	const int64_t *np = d->next[DRAM_PCH] + (size_t)pc->id * DRAM_NCMD;
	const int64_t *nr = d->next[DRAM_RANK] + (size_t)pc->rank0 * DRAM_NCMD;
	uint64_t key[2] = {UINT64_MAX, UINT64_MAX};
	int64_t above[MC_HOST_CMDS];
	int ready[2] = {0, 0};
	uint32_t dirty = pc->bucket_dirty;

	if (t < pc->scan_t)
		dirty = ~(uint32_t)0;	/* time went back (see memsys_step) */
	pc->scan_t = t;
	pc->bucket_dirty = 0;
	for (int i = 0; i < MC_HOST_CMDS; i++)
		above[i] = mc_max64(nc[host_cmd[i]], np[host_cmd[i]]);
	for (uint32_t mask = pc->bucket_used; mask; mask &= mask - 1) {
		int g = __builtin_ctz(mask);
		struct mc_bucket *bk = &pc->bucket[g];
		int col = bk->kind >= 2;
		int64_t u = mc_max64(above[bk->kind], nr[bk->rank_next]);

		if (((dirty >> g) & 1u) || t >= bk->wait_min)
			bucket_refresh(pc, bk, t);
		/* u <= t: the cached ready members are ready, the others wait for
		 * their local bound; else all wait, at least until u (branch-free) */
		int ok = u <= t;
		uint64_t best = bk->best_key | ((uint64_t)ok - 1);
		int64_t e = mc_pick64(ok, bk->wait_min,
				      mc_max64(u, mc_pick64(bk->nready > 0, INT64_MIN, bk->wait_min)));
		ready[col] += ok * bk->nready;
		key[col] = best < key[col] ? best : key[col];
		k->wait[col] = mc_min64(k->wait[col], e);
	}
	for (int bus = 0; bus < 2; bus++) {
		int b = (int)(key[bus] & 63);
		if (ready[bus] == 0)
			continue;
		mc_offer(k, bus ? MC_CLS_HIT : MC_CLS_ROW, key[bus] >> 6, pc, b, pc->cand_cmd[b],
			 pc->cand_slot[b]);
		k->ready[bus] += ready[bus] - 1;
	}
}

/* Earliest cycle of bank b's candidate (DRAM_NEVER when it has none). */
static int64_t cand_earliest(const struct memsys *m, const struct mc_pch *pc, int b)
{
	if (!((pc->pending >> b) & 1u))
		return DRAM_NEVER;
	return mc_max64(pc->cand_local[b], upper(m, pc, b >> m->rank_shift, pc->cand_cmd[b]));
}

/* A request's last data beat: account for it and tell the requester. */
static void serve(struct memsys *m, const struct mem_req *q, int64_t end)
{
	struct mem_stats *st = &m->st;

	if (q->is_write)
		st->writes++;
	else
		st->reads++;
	if (q->flags & REQ_CONFLICT)
		st->conflicts++;
	else if (q->flags & REQ_MISS)
		st->misses++;
	else
		st->hits++;
	st->latency_cycles_sum += end - q->arrival;
	st->offered_latency_cycles_sum += end - q->offered;
	if (end > st->last_data_cycle)
		st->last_data_cycle = end;
	if (m->src.done != NULL)
		m->src.done(m->src.ctx, q, end);
}

int64_t mc_host_issue(struct memsys *m, const struct mc_cand *c, int64_t t, struct mem_issued *ev)
{
	struct mc_pch *pc = c->pc;
	struct mem_req *q = &pc->q[c->slot];
	const struct hbm *h = &m->d.h;
	int first = c->bank >> m->bg_shift << m->bg_shift;
	int64_t again;

	/* legal: the candidate is ready by the same timing state (cand_earliest)
	 * and its command follows the bank's state (cand_update) */
	dram_apply(&m->d, c->cmd, &q->a, t, DRAM_BUSY_HOST);
	ev->a = q->a;
	if (c->cmd == DRAM_ACT) {
		q->flags |= REQ_MISS;
	} else if (c->cmd == DRAM_PRE) {
		q->flags |= REQ_CONFLICT;
	} else {
		serve(m, q, t + (q->is_write ? h->nCWL : h->nCL) + h->nBL);
		unlink_req(pc, c->bank, c->slot);
	}
	cand_update(m, pc, c->bank);
	/* The command moved its bank group's timing: refresh the cached part. */
	for (uint64_t mask = pc->pending & m->bg_banks << first & ~((uint64_t)1 << c->bank); mask;
	     mask &= mask - 1)
		cand_local(m, pc, __builtin_ctzll(mask));
	again = cand_earliest(m, pc, c->bank);
	return again > t ? again : t;
}

int mc_host_still_ready(const struct memsys *m, const struct mc_cand *c, int64_t t)
{
	if (c->cls != MC_CLS_HIT && c->cls != MC_CLS_ROW)
		return 0;	/* PIM and refresh: look again */
	if (c->pc->cand_cmd[c->bank] != c->cmd || c->pc->cand_slot[c->bank] != c->slot)
		return 0;
	return cand_earliest(m, c->pc, c->bank) <= t;
}

int memsys_queue(const struct memsys *m, int pch, struct mem_req *out, int max)
{
	const struct mc_pch *pc = &m->pch[pch];
	int n = 0;

	for (int b = 0; b < m->d.bank_per_pch; b++)
		for (int s = pc->head[b]; s >= 0; s = pc->q[s].next)
			if (n < max)
				out[n++] = pc->q[s];
	return pc->count;
}
