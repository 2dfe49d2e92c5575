/* pim.c - running PIM kernels on the memory model, memoised (see pim.h). */
#include "pim.h"

#include <stdlib.h>
#include <string.h>

const char *const pim_kind_names[3] = {"bank", "bankgroup", "logic"};

struct pim_key {
	int gemv, a, b, tokens, stacks, kind, power_limit;
	uint64_t bpw_bits;
};

struct pim_memo_entry {
	int used;
	struct pim_key key;
	struct pim_result res;
};

static int check_hbm(const struct hbm *h, struct err *e)
{
	if (h->pim_io_bytes < 1)
		return err_set(e, "pim: [pim] pim_io_bytes is missing from the hw file");
	switch (h->pim_kind) {
	case PIM_BANK:
		if (h->nCCDAB < 1 || h->nCCDAB_power < 1 || h->unit_lanes < 1)
			return err_set(e, "pim: bank PIM needs nCCDAB, nCCDAB_power and unit_lanes "
				       "in [pim]");
		return 0;
	case PIM_BANKGROUP:
		if (h->nCCDBG < 1 || h->nCCDBG_power < 1 || h->unit_lanes < 1)
			return err_set(e, "pim: bankgroup PIM needs nCCDBG, nCCDBG_power and "
				       "unit_lanes in [pim]");
		return 0;
	case PIM_LOGIC:
		if (h->logic_bw_ratio < 1 || !(h->logic_tflops > 0))
			return err_set(e, "pim: logic PIM needs logic_bw_ratio and logic_tflops in "
				       "[pim]");
		return 0;
	default:
		return err_set(e, "pim: unknown pim_kind %d", h->pim_kind);
	}
}

int pim_init(struct pim *p, const struct hbm *h, struct err *e)
{
	memset(p, 0, sizeof *p);
	if (check_hbm(h, e) != 0)
		return -1;
	p->h = *h;
	p->use_memo = 1;
	p->one_channel = 1;
	return 0;
}

void pim_release(struct pim *p)
{
	free(p->memo);
	memset(p, 0, sizeof *p);
}

/* Field by field, so padding bytes never make two equal tables differ. */
static int hbm_equal(const struct hbm *a, const struct hbm *b)
{
	for (size_t i = 0; i < hbm_field_table.n; i++) {
		const struct field *f = &hbm_field_table.fields[i];
		const char *x = (const char *)a + f->offset, *y = (const char *)b + f->offset;
		size_t n = f->type == FIELD_DOUBLE ? sizeof(double) : sizeof(int);
		if (memcmp(x, y, n) != 0)
			return 0;
	}
	return 1;
}

int pim_set_hbm(struct pim *p, const struct hbm *h, struct err *e)
{
	if (check_hbm(h, e) != 0)
		return -1;
	if (!hbm_equal(&p->h, h)) {
		p->h = *h;
		p->memo_len = 0;
		if (p->memo != NULL)
			memset(p->memo, 0, p->memo_cap * sizeof *p->memo);
	}
	return 0;
}

static uint64_t key_hash(const struct pim_key *k)
{
	uint64_t x = k->bpw_bits;
	const int v[7] = {k->gemv, k->a, k->b, k->tokens, k->stacks, k->kind, k->power_limit};

	for (int i = 0; i < 7; i++) {
		x ^= (uint64_t)(unsigned)v[i] + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 31;
	}
	return x;
}

static int key_eq(const struct pim_key *a, const struct pim_key *b)
{
	return a->gemv == b->gemv && a->a == b->a && a->b == b->b && a->tokens == b->tokens &&
	       a->stacks == b->stacks && a->kind == b->kind && a->power_limit == b->power_limit &&
	       a->bpw_bits == b->bpw_bits;
}

static struct pim_memo_entry *memo_slot(struct pim *p, const struct pim_key *k)
{
	size_t i = key_hash(k) & (p->memo_cap - 1);

	while (p->memo[i].used && !key_eq(&p->memo[i].key, k))
		i = (i + 1) & (p->memo_cap - 1);
	return &p->memo[i];
}

static void memo_put(struct pim *p, const struct pim_key *k, const struct pim_result *r)
{
	struct pim_memo_entry *slot;

	if (2 * (p->memo_len + 1) > p->memo_cap) {
		struct pim_memo_entry *old = p->memo;
		size_t old_cap = p->memo_cap;
		p->memo_cap = old_cap ? 2 * old_cap : 64;
		p->memo = xcalloc(p->memo_cap, sizeof *p->memo);
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].used)
				*memo_slot(p, &old[i].key) = old[i];
		free(old);
	}
	slot = memo_slot(p, k);
	if (!slot->used)
		p->memo_len++;
	slot->used = 1;
	slot->key = *k;
	slot->res = *r;
}

/* Are the streams of every channel those of channel 0? */
static int channels_alike(const struct pim_streams *s, int pch_per_ch)
{
	for (int p = pch_per_ch; p < s->npch; p++) {
		const struct mem_pim_prog *a = &s->progs[p], *b = &s->progs[p % pch_per_ch];
		if (a->nops != b->nops || a->repeat != b->repeat)
			return 0;
		for (int i = 0; i < a->nops; i++)	/* field by field: ops have padding */
			if (a->ops[i].cmd != b->ops[i].cmd || a->ops[i].count != b->ops[i].count ||
			    a->ops[i].row != b->ops[i].row)
				return 0;
	}
	return 1;
}

/* Simulate the kernel's streams on one stack (or one channel of it). */
static int simulate(struct pim *p, const struct pim_streams *s, struct pim_result *out,
		    struct err *e)
{
	const struct hbm *h = &p->h;
	int nch = p->one_channel && channels_alike(s, h->pseudo_channels) ? 1 : h->channels;
	struct memsys m;
	struct mem_event ev;
	int rc;

	if (memsys_init(&m, h, nch, e) != 0)
		return -1;
	rc = memsys_pim_submit(&m, s->progs, nch * h->pseudo_channels, e);
	while (rc == 0 && memsys_pim_active(&m) && memsys_step(&m, &ev))
		;
	if (rc == 0) {
		out->cycles = m.pim_end;
		out->time_ns = (double)m.pim_end * hbm_tck_ns(h);
		for (int c = 0; c < DRAM_NCMD; c++)
			out->commands[c] = m.d.cmd_count[c] * (h->channels / nch);
		out->channels_simulated = nch;
	}
	memsys_release(&m);
	return rc;
}

static int run(struct pim *p, int gemv, int a, int b, double bpw, int tokens, int stacks,
	       struct pim_result *out, struct err *e)
{
	struct pim_key k;
	struct pim_streams s;
	int rc;

	memset(out, 0, sizeof *out);
	if (a < 1 || b < 1 || !(bpw > 0 && bpw <= 16) || tokens < 0 || stacks < 0 || stacks > 64)
		return err_set(e, "pim: bad kernel: %d x %d, %g bytes per weight, %d tokens, "
			       "%d stacks", a, b, bpw, tokens, stacks);
	if (stacks == 0)
		stacks = 1;	/* the default layout: one expert per stack */
	out->stacks = stacks;
	out->weight_bytes = (gemv ? 1.0 : 3.0) * a * b * bpw;
	out->flops = 2.0 * (gemv ? 1.0 : 3.0) * a * b * tokens;
	if (tokens == 0)
		return 0;
	memset(&k, 0, sizeof k);
	k.gemv = gemv, k.a = a, k.b = b, k.tokens = tokens, k.stacks = stacks;
	k.kind = p->h.pim_kind, k.power_limit = p->h.power_limit;
	memcpy(&k.bpw_bits, &bpw, sizeof bpw);
	if (p->use_memo && p->memo != NULL) {
		struct pim_memo_entry *slot = memo_slot(p, &k);
		if (slot->used) {
			*out = slot->res;
			out->memo_hit = 1;
			p->memo_hits++;
			return 0;
		}
	}
	p->memo_misses++;
	if (pim_streams_build(&p->h, gemv, a, b, bpw, tokens, stacks, &s, e) != 0)
		return -1;
	out->passes = s.passes;
	out->tokens_per_pass = s.tokens_per_pass;
	rc = simulate(p, &s, out, e);
	pim_streams_free(&s);
	if (rc == 0 && p->use_memo)
		memo_put(p, &k, out);
	return rc;
}

int pim_expert_run(struct pim *p, int hidden, int inter, double bytes_per_weight, int tokens,
		   int stacks, struct pim_result *out, struct err *e)
{
	return run(p, 0, hidden, inter, bytes_per_weight, tokens, stacks, out, e);
}

int pim_gemv_run(struct pim *p, int n_out, int n_in, double bytes_per_weight, int tokens,
		 int stacks, struct pim_result *out, struct err *e)
{
	return run(p, 1, n_out, n_in, bytes_per_weight, tokens, stacks, out, e);
}
