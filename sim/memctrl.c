/* memctrl.c - setup, refresh and the event loop: which channel steps next,
 * and which of its refresh, PIM and host commands issue (see memctrl.h,
 * memctrl_int.h; the host queues are memctrl_host.c). */
#include "memctrl.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "memctrl_int.h"

int memsys_init(struct memsys *m, const struct hbm *h, int channels, struct err *e)
{
	struct dram *d = &m->d;

	memset(m, 0, sizeof *m);
	if (h->queue_depth < 1 || h->queue_depth > 4096)
		return err_set(e, "memctrl: [hbm] queue_depth is %d (missing from the hw file?)",
			       h->queue_depth);
	if (dram_init(d, h, channels, e) != 0)
		return -1;
	if (d->bank_per_pch > HBM_MAX_BANKS_PER_PCH || d->rank_per_pch > MC_MAX_RANKS) {
		/* the counts are read before dram_release clears them */
		err_set(e, "memctrl: %d banks in %d ranks per pseudo-channel (at most %d in %d)",
			d->bank_per_pch, d->rank_per_pch, HBM_MAX_BANKS_PER_PCH, MC_MAX_RANKS);
		dram_release(d);
		return -1;
	}
	if (dram_map_init(&m->map, &d->h, channels, e) != 0) {
		dram_release(d);
		return -1;
	}
	m->queue_depth = h->queue_depth;
	m->bg_shift = m->map.bits[DRAM_F_BANK];
	m->rank_shift = m->bg_shift + m->map.bits[DRAM_F_BG];
	m->bg_banks = d->bank_per_bg >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << d->bank_per_bg) - 1;
	m->pch = xcalloc((size_t)d->npch, sizeof *m->pch);
	m->ch_next = xcalloc((size_t)d->nch, sizeof *m->ch_next);
	for (int p = 0; p < d->npch; p++) {
		struct mc_pch *pc = &m->pch[p];
		mc_host_init(m, pc);
		pc->id = p;
		pc->ch = p / d->pch_per_ch;
		pc->bank0 = p * d->bank_per_pch;
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
	for (int p = 0; m->pch && p < m->d.npch; p++)
		mc_host_release(&m->pch[p]);
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

void memsys_set_source(struct memsys *m, const struct mem_source *src)
{
	m->src = *src;
	for (int c = 0; c < m->d.nch; c++)
		m->ch_next[c] = m->now;
}

/* Admit the requests that have arrived by t while pc has room; returns the
 * next arrival (DRAM_NEVER: none, or no room).  ready (if not NULL) gets the
 * earliest cycle of the admitted requests' banks' commands. */
static int64_t admit(struct memsys *m, struct mc_pch *pc, int64_t t, int64_t *ready)
{
	while (m->src.next_arrival != NULL && pc->nfree > 0) {
		int64_t at = m->src.next_arrival(m->src.ctx, pc->id), e;
		struct mem_req r;
		if (at > t)
			return at;
		m->src.take(m->src.ctx, pc->id, &r);
		e = mc_host_admit(m, pc, &r, t);
		if (ready != NULL)
			*ready = mc_min64(*ready, e);
	}
	return DRAM_NEVER;
}

/* The next command of pc's PIM stream (-1 at a barrier) and the earliest
 * cycle it may issue. */
static int64_t pim_earliest(const struct memsys *m, const struct mc_pch *pc, int *cmd)
{
	struct dram_addr a;
	int path[DRAM_NLEVEL];

	*cmd = mc_pim_next(m, pc, &a);
	if (*cmd < 0)
		return DRAM_NEVER;
	dram_path(&m->d, *cmd, &a, path);
	return mc_max64(dram_earliest(&m->d, *cmd, path), pc->not_before);
}

/*
 * A read or write freed a slot of pc at t: a request waiting for it enters
 * now, before the row bus is decided, as a fresh look at the channel would
 * have let it in.  Returns when the channel must be looked at again for it:
 * its bank's command (now: t, which holds back this cycle's row command for
 * a fresh look) or the next arrival.
 */
static int64_t refill(struct memsys *m, struct mc_pch *pc, int64_t t)
{
	int64_t ready = DRAM_NEVER, at = admit(m, pc, t, &ready);

	return mc_min64(at, mc_max64(ready, t));
}

/* Admit, note refresh, and offer every command of the channel ready at t
 * to k, with the earliest cycle of the others per bus; returns the next
 * arrival or refresh. */
static int64_t scan_channel(struct memsys *m, int ch, int64_t t, struct mc_pick *k)
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
		future = mc_min64(future, admit(m, pc, t, NULL));
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
				mc_offer(k, MC_CLS_REFRESH, 0, pc, 0, cmd, 0);
			else
				mc_wait(k, cmd, e);
		} else if (pc->active) {
			e = pim_earliest(m, pc, &cmd);
			if (cmd < 0)
				continue;	/* at a barrier */
			if (e <= t)
				mc_offer(k, MC_CLS_PIM, 0, pc, 0, cmd, 0);
			else
				mc_wait(k, cmd, e);
		} else {
			mc_host_scan(m, pc, t, k);
		}
	}
	return future;
}

/* Issue a ready candidate; returns when the channel must be looked at again
 * because of it (t: this cycle, for PIM and refresh). */
static int64_t issue(struct memsys *m, struct mc_cand *c, int64_t t, struct mem_issued *ev)
{
	struct mc_pch *pc = c->pc;
	struct dram_addr a;
	int rc;

	ev->cmd = c->cmd;
	ev->pch = pc->id;
	switch (c->cls) {
	case MC_CLS_REFRESH:
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
	case MC_CLS_PIM:
		ev->source = 1;
		mc_pim_next(m, pc, &a);
		ev->a = a;
		rc = dram_issue(&m->d, c->cmd, &a, t, DRAM_BUSY_PIM);
		assert(rc == 0);
		(void)rc;
		/* Within an op only the stream's own next command is new; past one,
		 * anything may be (barriers, the stream's end), and a pending
		 * refresh goes as soon as the stream closes its row: look again now. */
		if (mc_pim_advance(m, pc, c->cmd, t) && !pc->refresh_pending) {
			int next;
			return mc_max64(pim_earliest(m, pc, &next), t);
		}
		return t;
	default:
		ev->source = 0;
		return mc_host_issue(m, c, t, ev);
	}
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

	unsigned mask = bus ? ((1u << DRAM_NCMD) - 1) & ~DRAM_ROW_CMDS : DRAM_ROW_CMDS;

	for (; mask; mask &= mask - 1)
		t = mc_min64(t, nc[__builtin_ctz(mask)]);
	return t;
}

/* The channel with the earliest next event (the lowest on a tie), and when. */
static int next_channel(const struct memsys *m, int64_t *t)
{
	int ch = 0;

	*t = DRAM_NEVER;
	for (int c = 0; c < m->d.nch; c++) {
		if (m->ch_next[c] < *t) {
			*t = m->ch_next[c];
			ch = c;
		}
	}
	return ch;
}

int memsys_step(struct memsys *m, struct mem_event *ev)
{
	int64_t t, future, again;
	int ch = next_channel(m, &t), first;
	struct mc_pick k;

	ev->n = 0;
	ev->cycle = t;
	ev->ch = ch;
	if (t == DRAM_NEVER)
		return 0;
	m->now = t;
	for (int bus = 0; bus < 2; bus++) {
		k.bus[bus].cls = MC_CLS_NONE;
		k.ready[bus] = 0;
		k.wait[bus] = DRAM_NEVER;
	}
	future = scan_channel(m, ch, t, &k);
	/*
	 * Column command first (hits have priority), then the row command if
	 * it is still ready: the two buses are separate, so FR-FCFS order is
	 * kept.  Commands left ready for lack of a bus go next cycle.
	 */
	first = k.bus[1].cls != MC_CLS_NONE ? 1 : 0;
	if (k.bus[first].cls != MC_CLS_NONE) {
		again = issue(m, &k.bus[first], t, &ev->cmd[ev->n++]);
		if (first == 1 && ev->cmd[0].source == 0)
			again = mc_min64(again, refill(m, k.bus[1].pc, t));
		future = again < future ? again : future;
		if (first == 1 && k.bus[0].cls != MC_CLS_NONE) {
			if (again > t && mc_host_still_ready(m, &k.bus[0], t)) {
				again = issue(m, &k.bus[0], t, &ev->cmd[ev->n++]);
				future = again < future ? again : future;
			} else {
				future = t;
			}
		}
	}
	/*
	 * Commands left ready, and those that were not ready, wait at least
	 * for their bus (a lower bound that skips the cycles a command just
	 * issued holds it), and never before now: an idle bus has been free
	 * since before t, and time must not run backwards.
	 */
	for (int bus = 0; bus < 2; bus++) {
		if (k.ready[bus] > 1)
			k.wait[bus] = t;
		if (k.wait[bus] < future)	/* else the bus cannot bring future closer */
			future = mc_min64(future, mc_max64(mc_max64(k.wait[bus], bus_free(m, ch, bus)), t));
	}
	/* Not-ready candidates only get later when commands issue, so future
	 * is never late (at worst the channel is looked at for nothing); and
	 * simulated time never runs backwards. */
	assert(future >= t);
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

void memsys_run_before(struct memsys *m, int64_t cycle, int ch)
{
	struct mem_event ev;

	for (;;) {
		int64_t t;
		int c = next_channel(m, &t);
		if (t == DRAM_NEVER || t > cycle || (t == cycle && c >= ch))
			return;
		memsys_step(m, &ev);
	}
}

int memsys_queued(const struct memsys *m)
{
	int n = 0;

	for (int p = 0; p < m->d.npch; p++)
		n += m->pch[p].count;
	return n;
}
