/* dram.c - HBM3-PIM device state and timing checks (see dram.h). */
#include "dram.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *const dram_state_names[DRAM_NSTATE] = {"idle", "activating", "open", "precharging",
						    "refreshing"};

static int pch_scoped(int cmd)
{
	return cmd == DRAM_PREA || cmd == DRAM_REF || cmd == DRAM_ACTAB || cmd == DRAM_MACAB ||
	       cmd == DRAM_MACBG || cmd == DRAM_MACLG || cmd == DRAM_WRGB || cmd == DRAM_RDRES;
}

/* The level below which cmd addresses nothing (pch-scoped commands stop
 * at the pseudo-channel). */
static int lowest_level(int cmd)
{
	return pch_scoped(cmd) ? DRAM_PCH : DRAM_BANK;
}

/* Regroup the timing table for update_timing; rules below a command's
 * scope never apply and are left out. */
static void group_rules(struct dram *d)
{
	for (int c = 0; c < DRAM_NCMD; c++) {
		d->nwindowed[c] = 0;
		d->nplain[c] = 0;
		for (int i = 0; i < d->t.nrules[c]; i++) {
			const struct dram_rule *r = &d->t.rules[c][i];
			if (r->window > 0) {
				d->windowed[c][d->nwindowed[c]++] = (int8_t)i;
			} else if (r->level <= lowest_level(c)) {
				struct dram_plain_rule *p = &d->plain[c][d->nplain[c]++];
				p->level = r->level;
				p->following = r->following;
				p->latency_cycles = r->latency_cycles;
			}
		}
	}
}

int dram_init(struct dram *d, const struct hbm *h, int channels, struct err *e)
{
	int nodes[DRAM_NLEVEL];

	memset(d, 0, sizeof *d);
	if (channels < 1 || channels > h->channels)
		return err_set(e, "dram: %d channels asked of a stack of %d", channels, h->channels);
	d->h = *h;
	if (d->h.ranks <= 0)
		d->h.ranks = 1;	/* optional in the hw file: a 4-Hi stack */
	if (dram_timing_init(&d->t, &d->h, e) != 0)
		return -1;
	group_rules(d);
	d->pch_per_ch = h->pseudo_channels;
	d->rank_per_pch = d->h.ranks;
	d->bg_per_rank = h->bank_groups;
	d->bank_per_bg = h->banks_per_group;
	d->bank_per_pch = d->rank_per_pch * d->bg_per_rank * d->bank_per_bg;
	d->nch = channels;
	d->npch = d->nch * d->pch_per_ch;
	d->nrank = d->npch * d->rank_per_pch;
	d->nbg = d->nrank * d->bg_per_rank;
	d->nbank = d->nbg * d->bank_per_bg;
	nodes[DRAM_CH] = d->nch, nodes[DRAM_PCH] = d->npch, nodes[DRAM_RANK] = d->nrank;
	nodes[DRAM_BG] = d->nbg, nodes[DRAM_BANK] = d->nbank;
	for (int l = 0; l < DRAM_NLEVEL; l++)
		d->next[l] = xcalloc((size_t)nodes[l] * DRAM_NCMD, sizeof *d->next[l]);
	for (int w = 0; w < d->t.nwindows; w++) {
		int n = nodes[d->t.window_level[w]];
		d->window_hist[w] = xmalloc((size_t)n * d->t.window_len[w] * sizeof(int64_t));
		for (int i = 0; i < n * d->t.window_len[w]; i++)
			d->window_hist[w][i] = -1;	/* no command yet */
		d->window_pos[w] = xcalloc((size_t)n, sizeof(int));
	}
	d->banks = xcalloc((size_t)d->nbank, sizeof *d->banks);
	for (int b = 0; b < d->nbank; b++) {
		d->banks[b].last_cmd = -1;
		d->banks[b].open_row = -1;
		d->banks[b].busy_since = -1;
		d->banks[b].last_cycle = -1;
	}
	d->pchs = xcalloc((size_t)d->npch, sizeof *d->pchs);
	for (int p = 0; p < d->npch; p++) {
		d->pchs[p].last_cmd = -1;
		d->pchs[p].last_cycle = -1;
	}
	return 0;
}

void dram_release(struct dram *d)
{
	for (int l = 0; l < DRAM_NLEVEL; l++)
		free(d->next[l]);
	for (int w = 0; w < DRAM_MAX_WINDOWS; w++) {
		free(d->window_hist[w]);
		free(d->window_pos[w]);
	}
	free(d->banks);
	free(d->pchs);
	memset(d, 0, sizeof *d);
}

int dram_pch_id(const struct dram *d, int ch, int pch)
{
	return ch * d->pch_per_ch + pch;
}

int dram_bank_id(const struct dram *d, const struct dram_addr *a)
{
	int rank = dram_pch_id(d, a->ch, a->pch) * d->rank_per_pch + a->rank;
	return (rank * d->bg_per_rank + a->bg) * d->bank_per_bg + a->bank;
}

void dram_path(const struct dram *d, int cmd, const struct dram_addr *a, int path[DRAM_NLEVEL])
{
	path[DRAM_CH] = a->ch;
	path[DRAM_PCH] = dram_pch_id(d, a->ch, a->pch);
	if (pch_scoped(cmd)) {
		path[DRAM_RANK] = path[DRAM_BG] = path[DRAM_BANK] = -1;
		return;
	}
	path[DRAM_RANK] = path[DRAM_PCH] * d->rank_per_pch + a->rank;
	path[DRAM_BG] = path[DRAM_RANK] * d->bg_per_rank + a->bg;
	path[DRAM_BANK] = path[DRAM_BG] * d->bank_per_bg + a->bank;
}

int64_t dram_earliest(const struct dram *d, int cmd, const int path[DRAM_NLEVEL])
{
	int64_t t = 0;

	for (int l = 0; l < DRAM_NLEVEL; l++) {
		if (path[l] < 0)
			break;
		int64_t v = d->next[l][(size_t)path[l] * DRAM_NCMD + cmd];
		if (v > t)
			t = v;
	}
	return t;
}

int dram_bank_state(const struct dram *d, int bank_id, int64_t now)
{
	const struct dram_bank *b = &d->banks[bank_id];

	if (now >= b->state_until) {
		if (b->state == DRAM_ACTIVATING)
			return DRAM_OPEN;
		if (b->state == DRAM_PRECHARGING || b->state == DRAM_REFRESHING)
			return DRAM_IDLE;
	}
	return b->state;
}

/* 0 when the bank/pch state on cmd's path allows cmd at clk (the open row
 * `row` for RD/WR, all banks closed for REF/ACTAB, ...), else -1; timing is
 * not checked. */
static int state_ok(const struct dram *d, int cmd, const int path[DRAM_NLEVEL], int row,
		    int64_t clk)
{
	const struct dram_pch *pc = &d->pchs[path[DRAM_PCH]];
	int first = path[DRAM_PCH] * d->bank_per_pch, b = path[DRAM_BANK], st = DRAM_IDLE;

	if (b >= 0) {
		st = dram_bank_state(d, b, clk);
		if (pc->allbank_open)
			return -1;	/* the pseudo-channel is in all-bank mode */
	}
	switch (cmd) {
	case DRAM_ACT:
		return st == DRAM_IDLE ? 0 : -1;
	case DRAM_PRE:
		return st == DRAM_OPEN || st == DRAM_ACTIVATING ? 0 : -1;
	case DRAM_RD:
	case DRAM_WR:
		return (st == DRAM_OPEN || st == DRAM_ACTIVATING) &&
		       d->banks[b].open_row == row ? 0 : -1;
	case DRAM_REF:
	case DRAM_ACTAB:
		if (pc->allbank_open)
			return -1;
		for (int i = 0; i < d->bank_per_pch; i++)
			if (dram_bank_state(d, first + i, clk) != DRAM_IDLE)
				return -1;
		return 0;
	case DRAM_MACAB:
	case DRAM_MACBG:
	case DRAM_MACLG:
		return pc->allbank_open ? 0 : -1;
	default:	/* PREA, WRGB, RDRES: always allowed by state */
		return 0;
	}
}

/* Start a busy interval of bank b at t, folding the previous one. */
static void busy_start(struct dram_bank *b, int kind, int64_t t)
{
	if (b->busy_since >= 0)
		b->busy_cycles[b->busy_kind] += b->busy_until - b->busy_since;
	b->busy_since = t;
	b->busy_until = DRAM_NEVER;
	b->busy_kind = (int8_t)kind;
}

static void bank_open(struct dram *d, struct dram_pch *pc, int bank, int row, int kind, int64_t clk)
{
	struct dram_bank *b = &d->banks[bank];

	b->state = DRAM_ACTIVATING;
	b->state_until = clk + d->h.nRCD;
	b->open_row = row;
	busy_start(b, kind, clk);
	pc->open_banks++;
}

static void bank_close(struct dram *d, struct dram_pch *pc, int bank, int64_t clk)
{
	struct dram_bank *b = &d->banks[bank];

	if (b->state != DRAM_ACTIVATING && b->state != DRAM_OPEN)
		return;
	b->state = DRAM_PRECHARGING;
	b->state_until = clk + d->h.nRP;
	b->open_row = -1;
	b->busy_until = clk + d->h.nRP;
	pc->open_banks--;
}

/* Push forward the earliest cycles that cmd at clk bounds (max: the order of
 * the rules does not matter, except among the windowed ones). */
static void update_timing(struct dram *d, int cmd, const int path[DRAM_NLEVEL], int64_t clk)
{
	const struct dram_plain_rule *pr = d->plain[cmd];
	int64_t *at[DRAM_NLEVEL];	/* the earliest cycles of the path's nodes */
	int n = d->nplain[cmd], lowest = lowest_level(cmd);

	for (int l = 0; l <= lowest; l++)
		at[l] = d->next[l] + (size_t)path[l] * DRAM_NCMD;
	for (int i = 0; i < n; i++) {
		int64_t *slot = at[pr[i].level] + pr[i].following, t = clk + pr[i].latency_cycles;
		if (t > *slot)
			*slot = t;
	}
	for (int k = 0; k < d->nwindowed[cmd]; k++) {
		/* The window-th previous command (this one counted) bounds the next. */
		const struct dram_rule *r = &d->t.rules[cmd][d->windowed[cmd][k]];
		int node = path[r->level], w = r->window_slot, len = d->t.window_len[w];
		int64_t *hist, *slot;
		int *pos;

		if (node < 0)
			continue;
		hist = d->window_hist[w] + (size_t)node * len;
		pos = &d->window_pos[w][node];
		hist[*pos] = clk;
		if (++*pos == len)
			*pos = 0;
		if (hist[*pos] < 0)	/* fewer than `window` so far */
			continue;
		slot = &d->next[r->level][(size_t)node * DRAM_NCMD + r->following];
		if (hist[*pos] + r->latency_cycles > *slot)
			*slot = hist[*pos] + r->latency_cycles;
	}
}

/* Is cmd legal at clk on its path, by state and timing? */
static int legal(const struct dram *d, int cmd, const int path[DRAM_NLEVEL], int row, int64_t clk)
{
	return clk >= dram_earliest(d, cmd, path) && state_ok(d, cmd, path, row, clk) == 0;
}

/* Apply cmd at clk on its path (dram_path of a). */
static void apply(struct dram *d, int cmd, const struct dram_addr *a,
		  const int path[DRAM_NLEVEL], int64_t clk, int kind)
{
	struct dram_pch *pc = &d->pchs[path[DRAM_PCH]];
	int first = path[DRAM_PCH] * d->bank_per_pch;

	update_timing(d, cmd, path, clk);
	d->cmd_count[cmd]++;
	switch (cmd) {
	case DRAM_ACT:
		bank_open(d, pc, path[DRAM_BANK], a->row, kind, clk);
		break;
	case DRAM_PRE:
		bank_close(d, pc, path[DRAM_BANK], clk);
		break;
	case DRAM_PREA:
		for (int i = 0; i < d->bank_per_pch; i++)
			bank_close(d, pc, first + i, clk);
		pc->allbank_open = 0;
		break;
	case DRAM_RD:
	case DRAM_WR:
	case DRAM_WRGB:
	case DRAM_RDRES:
		pc->data_busy_cycles += d->h.nBL;
		break;
	case DRAM_REF:
		for (int i = 0; i < d->bank_per_pch; i++) {
			struct dram_bank *b = &d->banks[first + i];
			b->state = DRAM_REFRESHING;
			b->state_until = clk + d->h.nRFC;
			busy_start(b, DRAM_BUSY_REFRESH, clk);
			b->busy_until = clk + d->h.nRFC;
		}
		break;
	case DRAM_ACTAB:
		for (int i = 0; i < d->bank_per_pch; i++)
			bank_open(d, pc, first + i, a->row, DRAM_BUSY_PIM, clk);
		pc->allbank_open = 1;
		break;
	default:
		break;
	}
	if (path[DRAM_BANK] >= 0) {
		d->banks[path[DRAM_BANK]].last_cmd = (int8_t)cmd;
		d->banks[path[DRAM_BANK]].last_cycle = clk;
	} else {
		pc->last_cmd = (int8_t)cmd;
		pc->last_cycle = clk;
	}
}

int dram_issue(struct dram *d, int cmd, const struct dram_addr *a, int64_t clk, int kind)
{
	int path[DRAM_NLEVEL];

	dram_path(d, cmd, a, path);
	if (!legal(d, cmd, path, a->row, clk))
		return -1;
	apply(d, cmd, a, path, clk, kind);
	return 0;
}

void dram_apply(struct dram *d, int cmd, const struct dram_addr *a, int64_t clk, int kind)
{
	int path[DRAM_NLEVEL];

	dram_path(d, cmd, a, path);
#ifdef SIEVE_CHECK
	assert(legal(d, cmd, path, a->row, clk));
#endif
	apply(d, cmd, a, path, clk, kind);
}

int64_t dram_bank_busy(const struct dram *d, int bank_id, int kind, int64_t now)
{
	const struct dram_bank *b = &d->banks[bank_id];
	int64_t sum = 0;

	for (int k = 0; k < DRAM_NBUSY; k++)
		if (kind < 0 || kind == k)
			sum += b->busy_cycles[k];
	if (b->busy_since >= 0 && (kind < 0 || kind == b->busy_kind) && now > b->busy_since)
		sum += (now < b->busy_until ? now : b->busy_until) - b->busy_since;
	return sum;
}

int dram_bank_last_cmd(const struct dram *d, int bank_id, int64_t *cycle)
{
	const struct dram_bank *b = &d->banks[bank_id];
	const struct dram_pch *pc = &d->pchs[bank_id / d->bank_per_pch];

	if (pc->last_cycle > b->last_cycle) {
		*cycle = pc->last_cycle;
		return pc->last_cmd;
	}
	*cycle = b->last_cycle;
	return b->last_cmd;
}
