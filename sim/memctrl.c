/* memctrl.c - FR-FCFS controllers, refresh and the event loop (see memctrl.h). */
#include "memctrl.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "memctrl_int.h"

#define REQ_MISS 1	/* an ACT was issued for it */
#define REQ_CONFLICT 2	/* a PRE was issued for it */

enum cls { CLS_REFRESH, CLS_PIM, CLS_HIT, CLS_ROW, CLS_NONE };

/* The best command ready now in a channel. */
struct cand {
	int cls;
	uint64_t age;
	struct mc_pch *pc;
	int bank, cmd, slot;
};

int memsys_init(struct memsys *m, const struct hbm *h, int channels, struct err *e)
{
	struct dram *d = &m->d;

	memset(m, 0, sizeof *m);
	if (h->queue_depth < 1 || h->queue_depth > 4096)
		return err_set(e, "memctrl: [hbm] queue_depth is %d (missing from the hw file?)",
			       h->queue_depth);
	if (dram_init(d, h, channels, e) != 0)
		return -1;
	if (d->bank_per_pch > 64) {
		dram_release(d);
		return err_set(e, "memctrl: %d banks per pseudo-channel (at most 64)",
			       d->bank_per_pch);
	}
	if (dram_map_init(&m->map, &d->h, channels, e) != 0) {
		dram_release(d);
		return -1;
	}
	m->queue_depth = h->queue_depth;
	m->bg_shift = m->map.bits[DRAM_F_BANK];
	m->rank_shift = m->bg_shift + m->map.bits[DRAM_F_BG];
	m->pch = xcalloc((size_t)d->npch, sizeof *m->pch);
	m->ch_next = xcalloc((size_t)d->nch, sizeof *m->ch_next);
	for (int p = 0; p < d->npch; p++) {
		struct mc_pch *pc = &m->pch[p];
		int nb = d->bank_per_pch;
		pc->q = xcalloc((size_t)m->queue_depth, sizeof *pc->q);
		pc->free_slots = xcalloc((size_t)m->queue_depth, sizeof *pc->free_slots);
		for (int i = 0; i < m->queue_depth; i++)
			pc->free_slots[i] = (int16_t)(m->queue_depth - 1 - i);
		pc->nfree = m->queue_depth;
		pc->head = xmalloc((size_t)nb * sizeof *pc->head);
		pc->tail = xmalloc((size_t)nb * sizeof *pc->tail);
		pc->cand_cmd = xcalloc((size_t)nb, sizeof *pc->cand_cmd);
		pc->cand_slot = xcalloc((size_t)nb, sizeof *pc->cand_slot);
		pc->cand_local = xcalloc((size_t)nb, sizeof *pc->cand_local);
		pc->cand_seq = xcalloc((size_t)nb, sizeof *pc->cand_seq);
		for (int b = 0; b < nb; b++)
			pc->head[b] = pc->tail[b] = -1;
		pc->id = p;
		pc->ch = p / d->pch_per_ch;
		pc->bank0 = p * nb;
		pc->rank0 = p * d->rank_per_pch;
		pc->bg0 = p * d->rank_per_pch * d->bg_per_rank;
		pc->refresh_due = d->h.nREFI;
	}
	for (int c = 0; c < d->nch; c++)
		m->ch_next[c] = d->h.nREFI;	/* the first refresh */
	return 0;
}

void memsys_release(struct memsys *m)
{
	for (int p = 0; m->pch && p < m->d.npch; p++) {
		struct mc_pch *pc = &m->pch[p];
		free(pc->q);
		free(pc->free_slots);
		free(pc->head);
		free(pc->tail);
		free(pc->cand_cmd);
		free(pc->cand_slot);
		free(pc->cand_local);
		free(pc->cand_seq);
	}
	free(m->pch);
	free(m->ch_next);
	dram_release(&m->d);
	memset(m, 0, sizeof *m);
}

void mc_pch_addr(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a)
{
	memset(a, 0, sizeof *a);
	a->ch = pc->ch;
	a->pch = pc->id - pc->ch * m->d.pch_per_ch;
}

/* Local bank index of a decoded address within its pseudo-channel. */
static int local_bank(const struct dram *d, const struct dram_addr *a)
{
	return (a->rank * d->bg_per_rank + a->bg) * d->bank_per_bg + a->bank;
}

static inline int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The bank- and bank-group-level part of a bank's candidate's earliest
 * cycle: it changes only when a command issues in that bank group. */
static void cand_local(struct memsys *m, struct mc_pch *pc, int b)
{
	const struct dram *d = &m->d;
	int cmd = pc->cand_cmd[b], bg = pc->bg0 + (b >> m->bg_shift);

	pc->cand_local[b] = max64(d->next[DRAM_BANK][(size_t)(pc->bank0 + b) * DRAM_NCMD + cmd],
				  d->next[DRAM_BG][(size_t)bg * DRAM_NCMD + cmd]);
}

/* FR-FCFS per bank: the oldest hit on the open row, else close it (PRE),
 * else open the oldest request's row (ACT). */
static void cand_update(struct memsys *m, struct mc_pch *pc, int b)
{
	int s = pc->head[b], row;

	if (s < 0) {
		pc->pending &= ~((uint64_t)1 << b);
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
	cand_local(m, pc, b);
}

void mc_cands_all(struct memsys *m, struct mc_pch *pc)
{
	for (uint64_t mask = pc->pending; mask; mask &= mask - 1)
		cand_update(m, pc, __builtin_ctzll(mask));
}

static void admit(struct memsys *m, struct mc_pch *pc, const struct mem_req *r, int64_t t)
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
	admit(m, pc, r, m->now);
	m->ch_next[pc->ch] = m->now;	/* look again now */
	return 0;
}

void memsys_set_source(struct memsys *m, const struct mem_source *src)
{
	m->src = *src;
	for (int c = 0; c < m->d.nch; c++)
		m->ch_next[c] = m->now;
}

/* Keep the better of two ready candidates: lower class, then older. */
static void consider(struct cand *best, int cls, uint64_t age, struct mc_pch *pc, int b, int cmd,
		     int slot)
{
	if (cls < best->cls || (cls == best->cls && age < best->age)) {
		best->cls = cls, best->age = age, best->pc = pc;
		best->bank = b, best->cmd = cmd, best->slot = slot;
	}
}

/* The best ready command per command bus of a channel, and how many were ready. */
struct pick {
	struct cand bus[2];	/* 0 row bus, 1 column bus */
	int ready[2];
};

static void offer(struct pick *k, int cls, uint64_t age, struct mc_pch *pc, int b, int cmd,
		  int slot)
{
	int bus = !dram_cmd_is_row(cmd);

	k->ready[bus]++;
	consider(&k->bus[bus], cls, age, pc, b, cmd, slot);
}

/* Host candidates of pc: the best ready one per bus offered to k; returns
 * the earliest cycle of the others.  Levels above the bank group are the
 * same for every bank of a rank, so they are read once per scan; the loop
 * is branch-free (it is the simulator's hot spot): a ready candidate's key
 * is its age, with the bank in the low 6 bits. */
static int64_t scan_host(struct memsys *m, struct mc_pch *pc, int64_t t, struct pick *k)
{
	static const int8_t col_bus[DRAM_WR + 1] = {[DRAM_RD] = 1, [DRAM_WR] = 1};
	const struct dram *d = &m->d;
	const int64_t *np = d->next[DRAM_PCH] + (size_t)pc->id * DRAM_NCMD;
	const int64_t *nc = d->next[DRAM_CH] + (size_t)pc->ch * DRAM_NCMD;
	int64_t upper[8][DRAM_WR + 1], future = DRAM_NEVER;
	uint64_t key[2] = {UINT64_MAX, UINT64_MAX};
	int ready[2] = {0, 0}, shift = m->rank_shift;

	for (int r = 0; r < d->rank_per_pch; r++) {
		const int64_t *nr = d->next[DRAM_RANK] + (size_t)(pc->rank0 + r) * DRAM_NCMD;
		for (int c = DRAM_ACT; c <= DRAM_WR; c++)
			upper[r][c] = max64(max64(np[c], nc[c]), nr[c]);
	}
	for (uint64_t mask = pc->pending; mask; mask &= mask - 1) {
		int b = __builtin_ctzll(mask), cmd = pc->cand_cmd[b], bus = col_bus[cmd];
		int64_t e = max64(pc->cand_local[b], upper[b >> shift][cmd]);
		int ok = e <= t;
		uint64_t kb = ok ? pc->cand_seq[b] << 6 | (uint64_t)b : UINT64_MAX;
		key[bus] = kb < key[bus] ? kb : key[bus];
		ready[bus] += ok;
		e = ok ? DRAM_NEVER : e;
		future = e < future ? e : future;
	}
	for (int bus = 0; bus < 2; bus++) {
		int b = (int)(key[bus] & 63);
		if (ready[bus] == 0)
			continue;
		offer(k, bus ? CLS_HIT : CLS_ROW, key[bus] >> 6, pc, b, pc->cand_cmd[b],
		      pc->cand_slot[b]);
		k->ready[bus] += ready[bus] - 1;
	}
	return future;
}

/* Admit, note refresh, and offer every command of the channel ready at t;
 * returns the earliest cycle at which a not-ready one may become ready. */
static int64_t scan_channel(struct memsys *m, int ch, int64_t t, struct pick *k)
{
	const struct dram *d = &m->d;
	int64_t future = DRAM_NEVER;

	for (int p = ch * d->pch_per_ch; p < (ch + 1) * d->pch_per_ch; p++) {
		struct mc_pch *pc = &m->pch[p];
		const struct dram_pch *dp = &d->pchs[p];
		struct dram_addr a;
		int path[DRAM_NLEVEL];
		int64_t e;
		int cmd;

		/* 1. admit arrived requests while there is room */
		while (m->src.next_arrival != NULL && pc->nfree > 0) {
			int64_t at = m->src.next_arrival(m->src.ctx, p);
			struct mem_req r;
			if (at > t) {
				future = at < future ? at : future;
				break;
			}
			m->src.take(m->src.ctx, p, &r);
			admit(m, pc, &r, t);
		}
		/* 2. refresh falls due */
		if (!pc->refresh_pending) {
			if (t >= pc->refresh_due)
				pc->refresh_pending = 1;
			else if (pc->refresh_due < future)
				future = pc->refresh_due;
		}
		/* 3. refresh, else the PIM stream, else the host queue */
		if (pc->refresh_pending && !(pc->active && dp->allbank_open)) {
			cmd = dp->open_banks > 0 ? DRAM_PREA : DRAM_REF;
			mc_pch_addr(m, pc, &a);
			dram_path(d, cmd, &a, path);
			e = dram_earliest(d, cmd, path);
			if (e <= t)
				offer(k, CLS_REFRESH, 0, pc, 0, cmd, 0);
			else if (e < future)
				future = e;
		} else if (pc->active) {
			cmd = mc_pim_next(m, pc, &a);
			if (cmd < 0)
				continue;	/* at a barrier */
			dram_path(d, cmd, &a, path);
			e = max64(dram_earliest(d, cmd, path), pc->not_before);
			if (e <= t)
				offer(k, CLS_PIM, 0, pc, 0, cmd, 0);
			else if (e < future)
				future = e;
		} else {
			e = scan_host(m, pc, t, k);
			if (e < future)
				future = e;
		}
	}
	return future;
}

/* Earliest cycle of bank b's candidate (DRAM_NEVER when it has none). */
static int64_t cand_earliest(const struct memsys *m, const struct mc_pch *pc, int b)
{
	struct dram_addr a;
	int path[DRAM_NLEVEL];

	if (!((pc->pending >> b) & 1u))
		return DRAM_NEVER;
	a = pc->q[pc->cand_slot[b]].a;
	dram_path(&m->d, pc->cand_cmd[b], &a, path);
	return dram_earliest(&m->d, pc->cand_cmd[b], path);
}

/*
 * Issue a host command; returns when the channel must be looked at again
 * because of it: the bank's next command (it did not exist at the scan) or
 * the next arrival into a freed slot.
 */
static int64_t issue_host(struct memsys *m, struct cand *c, int64_t t, struct mem_issued *ev)
{
	struct mc_pch *pc = c->pc;
	struct mem_req *q = &pc->q[c->slot];
	const struct hbm *h = &m->d.h;
	int rc = dram_issue(&m->d, c->cmd, &q->a, t, DRAM_BUSY_HOST), freed = 0;
	int first = (c->bank >> m->bg_shift) << m->bg_shift;
	int64_t again;

	assert(rc == 0);
	(void)rc;
	ev->a = q->a;
	if (c->cmd == DRAM_ACT) {
		q->flags |= REQ_MISS;
	} else if (c->cmd == DRAM_PRE) {
		q->flags |= REQ_CONFLICT;
	} else {
		int64_t end = t + (q->is_write ? h->nCWL : h->nCL) + h->nBL;
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
		unlink_req(pc, c->bank, c->slot);
		freed = 1;
	}
	cand_update(m, pc, c->bank);
	/* The command moved its bank group's timing: refresh the cached part. */
	for (int b = first; b < first + m->d.bank_per_bg; b++)
		if (b != c->bank && ((pc->pending >> b) & 1u))
			cand_local(m, pc, b);
	again = cand_earliest(m, pc, c->bank);
	if (freed && m->src.next_arrival != NULL) {
		int64_t at = m->src.next_arrival(m->src.ctx, pc->id);
		again = at < again ? at : again;
	}
	return again > t ? again : t;
}

/* Issue a ready candidate; returns when the channel must be looked at again
 * because of it (t: this cycle, for PIM and refresh). */
static int64_t issue(struct memsys *m, struct cand *c, int64_t t, struct mem_issued *ev)
{
	struct mc_pch *pc = c->pc;
	struct dram_addr a;
	int rc;

	ev->cmd = c->cmd;
	ev->pch = pc->id;
	switch (c->cls) {
	case CLS_REFRESH:
		ev->source = 2;
		mc_pch_addr(m, pc, &a);
		ev->a = a;
		rc = dram_issue(&m->d, c->cmd, &a, t, DRAM_BUSY_REFRESH);
		assert(rc == 0);
		(void)rc;
		if (c->cmd == DRAM_REF) {
			pc->refresh_pending = 0;
			pc->refresh_due += m->d.h.nREFI;
		} else {
			mc_cands_all(m, pc);
		}
		return t;
	case CLS_PIM:
		ev->source = 1;
		mc_pim_next(m, pc, &a);
		ev->a = a;
		rc = dram_issue(&m->d, c->cmd, &a, t, DRAM_BUSY_PIM);
		assert(rc == 0);
		(void)rc;
		mc_pim_advance(m, pc, c->cmd, t);
		return t;
	default:
		ev->source = 0;
		return issue_host(m, c, t, ev);
	}
}

/* Is a host candidate chosen in the same scan still ready after another issue? */
static int still_ready(const struct memsys *m, const struct cand *c, int64_t t)
{
	struct dram_addr a;
	int path[DRAM_NLEVEL];

	if (c->cls != CLS_HIT && c->cls != CLS_ROW)
		return 0;	/* PIM and refresh: look again */
	if (c->pc->cand_cmd[c->bank] != c->cmd || c->pc->cand_slot[c->bank] != c->slot)
		return 0;
	a = c->pc->q[c->slot].a;
	dram_path(&m->d, c->cmd, &a, path);
	return dram_earliest(&m->d, c->cmd, path) <= t;
}

int64_t memsys_next_event(const struct memsys *m)
{
	int64_t t = DRAM_NEVER;

	for (int c = 0; c < m->d.nch; c++)
		if (m->ch_next[c] < t)
			t = m->ch_next[c];
	return t;
}

/* The first cycle a command of the bus may issue on channel ch, by the
 * channel-level rules alone (bus 0 row, 1 column). */
static int64_t bus_free(const struct memsys *m, int ch, int bus)
{
	const int64_t *nc = m->d.next[DRAM_CH] + (size_t)ch * DRAM_NCMD;
	int64_t t = DRAM_NEVER;

	for (int c = 0; c < DRAM_NCMD; c++)
		if (dram_cmd_is_row(c) == !bus && nc[c] < t)
			t = nc[c];
	return t;
}

int memsys_step(struct memsys *m, struct mem_event *ev)
{
	int ch = 0, first;
	int64_t t = DRAM_NEVER, future, again;
	struct pick k;

	for (int c = 0; c < m->d.nch; c++) {
		if (m->ch_next[c] < t) {
			t = m->ch_next[c];
			ch = c;
		}
	}
	ev->n = 0;
	ev->cycle = t;
	if (t == DRAM_NEVER)
		return 0;
	m->now = t;
	memset(&k, 0, sizeof k);
	k.bus[0].cls = k.bus[1].cls = CLS_NONE;
	future = scan_channel(m, ch, t, &k);
	/*
	 * Column command first (hits have priority), then the row command if
	 * it is still ready: the two buses are separate, so FR-FCFS order is
	 * kept.  Commands left ready for lack of a bus go next cycle.
	 */
	first = k.bus[1].cls != CLS_NONE ? 1 : 0;
	if (k.bus[first].cls != CLS_NONE) {
		again = issue(m, &k.bus[first], t, &ev->cmd[ev->n++]);
		future = again < future ? again : future;
		if (first == 1 && k.bus[0].cls != CLS_NONE) {
			if (again > t && still_ready(m, &k.bus[0], t)) {
				again = issue(m, &k.bus[0], t, &ev->cmd[ev->n++]);
				future = again < future ? again : future;
			} else {
				future = t;
			}
		}
		/* Commands left ready wait at least for their bus (a lower bound). */
		for (int bus = 0; bus < 2; bus++) {
			if (k.ready[bus] > 1) {
				int64_t at = bus_free(m, ch, bus);
				future = at < future ? at : future;
			}
		}
	}
	/* Not-ready candidates only get later when commands issue, so future
	 * is never late (at worst the channel is looked at for nothing). */
	m->ch_next[ch] = future;
	return 1;
}

void memsys_run_until(struct memsys *m, int64_t cycle)
{
	struct mem_event ev;

	while (memsys_next_event(m) <= cycle)
		memsys_step(m, &ev);
	if (cycle > m->now)
		m->now = cycle;
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

int memsys_queued(const struct memsys *m)
{
	int n = 0;

	for (int p = 0; p < m->d.npch; p++)
		n += m->pch[p].count;
	return n;
}
