/* pim_layout.c - weight layout and command streams of PIM kernels (see pim.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pim.h"

/* What a PIM kind's units look like in one pseudo-channel. */
struct units {
	int per_pch;		/* units per pseudo-channel */
	int banks_per_unit;
	int mac_cmd;
	int tokens_per_pass;
	int macs_per_col;	/* MAC commands a unit needs for one column and token */
};

/* Growing op buffer (built once per kernel, never on the cycle path). */
struct opbuf {
	struct mem_pim_op *ops;
	size_t n, cap;
};

static void put(struct opbuf *b, int cmd, long count, int row)
{
	if (count <= 0)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->ops = xrealloc(b->ops, b->cap * sizeof *b->ops);
	}
	b->ops[b->n++] = (struct mem_pim_op){(int8_t)cmd, (int32_t)count, row};
}

/*
 * A bank or bank-group unit multiplies unit_lanes weights by one input per
 * MAC command.  A column of w = column_bytes / bpw weights takes
 * ceil(w / lanes) commands per token when the weights are narrower than the
 * lanes (FP8, MXFP4: compute-bound in the unit), and serves
 * floor(lanes / w) tokens per command when they are wider.
 */
static int unit_rate(const struct hbm *h, double bpw, struct units *u, struct err *e)
{
	double w = h->column_bytes / bpw, lanes = h->unit_lanes;

	if (h->unit_lanes < 1)
		return err_set(e, "pim: [pim] unit_lanes is missing from the hw file");
	u->macs_per_col = (int)ceil(w / lanes - 1e-9);
	u->tokens_per_pass = (int)floor(lanes / w + 1e-9);
	if (u->macs_per_col < 1)
		u->macs_per_col = 1;
	if (u->tokens_per_pass < 1)
		u->tokens_per_pass = 1;
	return 0;
}

static int units_of(const struct hbm *h, double bpw, struct units *u, struct err *e)
{
	int ranks = h->ranks > 0 ? h->ranks : 1;
	int banks = ranks * h->bank_groups * h->banks_per_group;

	switch (h->pim_kind) {
	case PIM_BANK:
		*u = (struct units){banks, 1, DRAM_MACAB, 1, 1};
		return unit_rate(h, bpw, u, e);
	case PIM_BANKGROUP:
		*u = (struct units){ranks * h->bank_groups, h->banks_per_group, DRAM_MACBG, 1, 1};
		return unit_rate(h, bpw, u, e);
	case PIM_LOGIC: {
		double flop_per_byte, tpp;
		if (h->logic_bw_ratio < 1 || banks % h->logic_bw_ratio != 0)
			return err_set(e, "pim: logic_bw_ratio %d does not divide the %d banks of a "
				       "pseudo-channel", h->logic_bw_ratio, banks);
		flop_per_byte = h->logic_tflops * 1e3 / (h->logic_bw_ratio * hbm_peak_gbps(h));
		tpp = floor(flop_per_byte * bpw / 2 + 1e-9);
		*u = (struct units){h->logic_bw_ratio, banks / h->logic_bw_ratio, DRAM_MACLG,
				    tpp < 1 ? 1 : (int)tpp, 1};
		return 0;
	}
	default:
		return err_set(e, "pim: unknown pim_kind %d", h->pim_kind);
	}
}

/* One GEMV of n x k weights for tk tokens, on flat pseudo-channel p of
 * npch, rows from row0; returns the rounds (rows) it uses on p. */
static long gemv_ops(const struct hbm *h, const struct units *u, long n, long k, double bpw,
		     int stacks, int tk, int p, int npch, int row0, struct opbuf *b)
{
	long colb = h->column_bytes, cols_per_row = h->row_bytes / colb;
	long cpn = (long)ceil(k * bpw / colb - 1e-9);
	long c_stack = (n * cpn + stacks - 1) / stacks;
	long units = (long)u->per_pch * npch, cpu = (c_stack + units - 1) / units;
	long cap = cols_per_row * u->banks_per_unit, maxcols, rounds, segs = 0;

	if (cpn < 1)
		cpn = 1;
	for (int j = 0; j < u->per_pch; j++) {
		long unit = (long)j * npch + p, first = unit * cpu;
		long cols = c_stack - first < cpu ? c_stack - first : cpu;
		if (cols > 0)
			segs += (first + cols - 1) / cpn - first / cpn + 1;
	}
	maxcols = c_stack - (long)p * cpu < cpu ? c_stack - (long)p * cpu : cpu;
	if (maxcols <= 0)
		return 0;
	rounds = (maxcols + cap - 1) / cap;
	for (long r = 0; r < rounds; r++) {
		long macs = maxcols - r * cap < cap ? maxcols - r * cap : cap;
		put(b, DRAM_ACTAB, 1, (int)(row0 + r));
		if (r == 0)
			put(b, DRAM_WRGB, (k * h->pim_io_bytes * tk + colb - 1) / colb, 0);
		put(b, u->mac_cmd, macs * u->macs_per_col, (int)(row0 + r));
		if (r == rounds - 1)
			put(b, DRAM_RDRES, (segs * h->pim_io_bytes * tk + colb - 1) / colb, 0);
		put(b, DRAM_PREA, 1, (int)(row0 + r));
	}
	return rounds;
}

/* One pass (tk tokens) of the kernel on pseudo-channel p. */
static void pass_ops(const struct hbm *h, const struct units *u, int gemv, long hidden,
		     long inter, double bpw, int stacks, int tk, int p, int npch, struct opbuf *b)
{
	size_t start = b->n;
	long rows;

	if (gemv) {
		gemv_ops(h, u, hidden, inter, bpw, stacks, tk, p, npch, 0, b);
		return;
	}
	/* Rows of down start after the rows gate/up use on pseudo-channel 0 (the fullest). */
	struct opbuf probe = {NULL, 0, 0};
	rows = gemv_ops(h, u, 2 * inter, hidden, bpw, stacks, tk, 0, npch, 0, &probe);
	free(probe.ops);
	gemv_ops(h, u, 2 * inter, hidden, bpw, stacks, tk, p, npch, 0, b);
	put(b, MEM_PIM_BARRIER, 1, 0);
	gemv_ops(h, u, hidden, inter, bpw, stacks, tk, p, npch, (int)rows, b);
	if (b->n == start + 1)
		b->n = start;	/* no work at all here: not a member of the barrier */
}

int pim_streams_build(const struct hbm *h, int gemv, int hidden, int inter,
		      double bytes_per_weight, int tokens, int stacks, struct pim_streams *s,
		      struct err *e)
{
	struct units u;
	struct opbuf b = {NULL, 0, 0};
	size_t *first;
	int last;

	memset(s, 0, sizeof *s);
	if (units_of(h, bytes_per_weight, &u, e) != 0)
		return -1;
	if (h->pim_io_bytes < 1)
		return err_set(e, "pim: [pim] pim_io_bytes is missing from the hw file");
	if (tokens < 1 || stacks < 1 || hidden < 1 || inter < 1)
		return err_set(e, "pim: bad kernel (%d x %d, %d tokens, %d stacks)", hidden, inter,
			       tokens, stacks);
	s->npch = h->channels * h->pseudo_channels;
	s->tokens_per_pass = u.tokens_per_pass;
	s->passes = (tokens + u.tokens_per_pass - 1) / u.tokens_per_pass;
	last = tokens - (s->passes - 1) * u.tokens_per_pass;
	s->progs = xcalloc((size_t)s->npch, sizeof *s->progs);
	first = xcalloc((size_t)s->npch + 1, sizeof *first);
	for (int p = 0; p < s->npch; p++) {
		first[p] = b.n;
		if (last == u.tokens_per_pass) {
			/* Every pass alike: one pass, repeated. */
			pass_ops(h, &u, gemv, hidden, inter, bytes_per_weight, stacks, last, p,
				 s->npch, &b);
			s->progs[p].repeat = s->passes;
		} else {
			for (int k = 0; k < s->passes; k++)
				pass_ops(h, &u, gemv, hidden, inter, bytes_per_weight, stacks,
					 k < s->passes - 1 ? u.tokens_per_pass : last, p, s->npch, &b);
			s->progs[p].repeat = 1;
		}
		s->progs[p].nops = (int)(b.n - first[p]);
	}
	s->ops = b.ops;
	for (int p = 0; p < s->npch; p++)
		s->progs[p].ops = s->ops + first[p];
	free(first);
	for (size_t i = 0; i < b.n; i++) {
		int row = (int)b.ops[i].row;
		if (row >= h->rows) {	/* the weights do not fit in the stack */
			pim_streams_free(s);
			return err_set(e, "pim: a %d x %d kernel needs row %d of every bank, but "
				       "banks have %d rows ([hbm] rows)", hidden, inter, row, h->rows);
		}
	}
	return 0;
}

void pim_streams_free(struct pim_streams *s)
{
	free(s->progs);
	free(s->ops);
	memset(s, 0, sizeof *s);
}
