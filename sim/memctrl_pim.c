/* memctrl_pim.c - running PIM command streams on the controllers (see memctrl.h). */
#include <string.h>

#include "memctrl.h"
#include "memctrl_int.h"

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static void wake(struct memsys *m, int ch, int64_t t)
{
	if (t < m->ch_next[ch])
		m->ch_next[ch] = t;
}

int mc_pim_next(const struct memsys *m, const struct mc_pch *pc, struct dram_addr *a)
{
	const struct mem_pim_op *op;

	if (pc->barrier_wait)
		return -1;
	op = &pc->prog.ops[pc->op];
	mc_pch_addr(m, pc, a);
	a->row = op->row;
	/* Rows the host left open are closed before all-bank mode starts. */
	if (op->cmd == DRAM_ACTAB && !m->d.pchs[pc->id].allbank_open &&
	    m->d.pchs[pc->id].open_banks > 0)
		return DRAM_PREA;
	return op->cmd;
}

static void settle(struct memsys *m, struct mc_pch *pc);

/* Every pseudo-channel waiting at the barrier goes on at the release cycle. */
static void release(struct memsys *m)
{
	int64_t rel = m->barrier_time;

	m->barrier_arrived = 0;
	m->barrier_time = 0;
	for (int p = 0; p < m->d.npch; p++) {
		struct mc_pch *q = &m->pch[p];
		if (!q->active || !q->barrier_wait)
			continue;
		q->barrier_wait = 0;
		q->op++;
		q->not_before = max64(q->not_before, rel);
		wake(m, q->ch, rel);
		settle(m, q);
	}
}

/* Move past the end of a pass, the end of the stream and barriers. */
static void settle(struct memsys *m, struct mc_pch *pc)
{
	for (;;) {
		if (pc->op == pc->prog.nops) {
			pc->op = 0;
			if (++pc->pass == pc->prog.repeat) {
				pc->active = 0;
				m->pim_active--;
				m->pim_end = max64(m->pim_end, pc->end);
				mc_cands_all(m, pc);
				wake(m, pc->ch, m->now);
				return;
			}
		}
		if (pc->prog.ops[pc->op].cmd != MEM_PIM_BARRIER)
			return;
		pc->barrier_wait = 1;
		m->barrier_time = max64(m->barrier_time, max64(pc->result_end, pc->not_before));
		if (++m->barrier_arrived < m->barrier_members)
			return;
		release(m);	/* settles pc too */
		return;
	}
}

int mc_pim_advance(struct memsys *m, struct mc_pch *pc, int cmd, int64_t t)
{
	const struct hbm *h = &m->d.h;
	int64_t done = t;

	pc->not_before = t;
	switch (cmd) {
	case DRAM_WRGB: done = t + h->nCWL + h->nBL; break;
	case DRAM_RDRES:
		done = t + h->nCL + h->nBL;
		pc->result_end = max64(pc->result_end, done);
		break;
	case DRAM_PREA: done = t + h->nRP; break;
	case DRAM_ACTAB: done = t + h->nRCD; break;
	default: done = t + h->nCL; break;	/* MACs: operands reach the units */
	}
	pc->end = max64(pc->end, done);
	if (cmd != pc->prog.ops[pc->op].cmd)
		return 0;	/* the PREA closing host rows: not part of the stream */
	if (++pc->done_in_op < pc->prog.ops[pc->op].count)
		return 1;
	pc->done_in_op = 0;
	pc->op++;
	settle(m, pc);
	return 0;
}

static int is_pim_op(int cmd)
{
	return cmd == DRAM_ACTAB || cmd == DRAM_MACAB || cmd == DRAM_MACBG || cmd == DRAM_MACLG ||
	       cmd == DRAM_PREA || cmd == DRAM_WRGB || cmd == DRAM_RDRES || cmd == MEM_PIM_BARRIER;
}

int memsys_pim_submit(struct memsys *m, const struct mem_pim_prog *progs, int npch,
		      struct err *e)
{
	long barriers = -1;

	if (m->pim_active > 0)
		return err_set(e, "memctrl: a PIM stream is still running");
	if (npch > m->d.npch)
		return err_set(e, "memctrl: %d programs for %d pseudo-channels", npch, m->d.npch);
	for (int p = 0; p < npch; p++) {
		const struct mem_pim_prog *g = &progs[p];
		long nb = 0;
		int open = 0;	/* all-bank row open, as the stream leaves it */
		if (g->nops <= 0 || g->repeat <= 0)
			continue;
		for (int i = 0; i < g->nops; i++) {
			const struct mem_pim_op *op = &g->ops[i];
			if (!is_pim_op(op->cmd) || op->count < 1)
				return err_set(e, "memctrl: pch %d op %d: not a PIM command", p, i);
			if (op->cmd == DRAM_ACTAB && (open || op->count != 1))
				return err_set(e, "memctrl: pch %d op %d: ACTAB while a row is open", p, i);
			if (!open && dram_cmd_is_mac(op->cmd))
				return err_set(e, "memctrl: pch %d op %d: %s without an open row (ACTAB)",
					       p, i, dram_cmd_names[op->cmd]);
			open = op->cmd == DRAM_ACTAB ? 1 : op->cmd == DRAM_PREA ? 0 : open;
			nb += op->cmd == MEM_PIM_BARRIER;
		}
		if (open)
			return err_set(e, "memctrl: pch %d: the stream ends with its row open (no PREA)",
				       p);
		nb *= g->repeat;
		if (barriers >= 0 && nb != barriers)
			return err_set(e, "memctrl: pch %d reaches %ld barriers, others %ld", p, nb,
				       barriers);
		barriers = nb;
	}
	m->barrier_members = m->barrier_arrived = 0;
	m->barrier_time = 0;
	m->pim_end = m->now;
	for (int p = 0; p < npch; p++) {
		struct mc_pch *pc = &m->pch[p];
		if (progs[p].nops <= 0 || progs[p].repeat <= 0)
			continue;
		pc->prog = progs[p];
		pc->active = 1;
		pc->op = pc->done_in_op = pc->pass = pc->barrier_wait = 0;
		pc->not_before = pc->result_end = pc->end = m->now;
		m->barrier_members++;
		m->pim_active++;
	}
	for (int p = 0; p < npch; p++)
		if (m->pch[p].active)
			settle(m, &m->pch[p]);
	for (int c = 0; c < m->d.nch; c++)
		wake(m, c, m->now);
	return 0;
}

int memsys_pim_active(const struct memsys *m)
{
	return m->pim_active;
}
