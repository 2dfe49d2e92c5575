/* dram_map.c - address mappings (see dram_map.h). */
#include "dram_map.h"

#include <stddef.h>
#include <string.h>

static const int orders[][DRAM_NFIELD] = {
	/* LSB first */
	[HBM_MAP_BG_INTERLEAVED] = {DRAM_F_CH, DRAM_F_PCH, DRAM_F_BG, DRAM_F_COL, DRAM_F_RANK,
				    DRAM_F_BANK, DRAM_F_ROW},
	[HBM_MAP_ROW_INTERLEAVED] = {DRAM_F_COL, DRAM_F_CH, DRAM_F_PCH, DRAM_F_BG, DRAM_F_BANK,
				     DRAM_F_RANK, DRAM_F_ROW},
};

static int log2_exact(long v)
{
	int b = 0;

	if (v <= 0 || (v & (v - 1)) != 0)
		return -1;
	while ((1L << b) < v)
		b++;
	return b;
}

int dram_map_init(struct dram_map *m, const struct hbm *h, int channels, struct err *e)
{
	static const char *const names[DRAM_NFIELD] = {"channels", "pseudo_channels", "ranks",
						       "bank_groups", "banks_per_group", "rows",
						       "columns per row"};
	long counts[DRAM_NFIELD] = {channels, h->pseudo_channels, h->ranks > 0 ? h->ranks : 1,
				    h->bank_groups, h->banks_per_group, h->rows,
				    h->row_bytes / h->column_bytes};
	int total = 0;

	memset(m, 0, sizeof *m);
	if (h->mapping < 0 || h->mapping >= (int)(sizeof orders / sizeof orders[0]))
		return err_set(e, "dram map: unknown mapping %d", h->mapping);
	memcpy(m->order, orders[h->mapping], sizeof m->order);
	for (int f = 0; f < DRAM_NFIELD; f++) {
		m->bits[f] = log2_exact(counts[f]);
		if (m->bits[f] < 0)
			return err_set(e, "dram map: %s = %ld is not a power of two", names[f],
				       counts[f]);
		total += m->bits[f];
	}
	m->offset_bits = log2_exact(h->column_bytes);
	if (m->offset_bits < 0)
		return err_set(e, "dram map: column_bytes = %d is not a power of two",
			       h->column_bytes);
	if (total + m->offset_bits > 62)
		return err_set(e, "dram map: %d address bits do not fit", total + m->offset_bits);
	m->capacity_bytes = (uint64_t)1 << (total + m->offset_bits);
	return 0;
}

/* Where each field (enum dram_field) lives in a struct dram_addr. */
static const size_t field_offset[DRAM_NFIELD] = {
	offsetof(struct dram_addr, ch), offsetof(struct dram_addr, pch),
	offsetof(struct dram_addr, rank), offsetof(struct dram_addr, bg),
	offsetof(struct dram_addr, bank), offsetof(struct dram_addr, row),
	offsetof(struct dram_addr, col),
};

static void set_field(struct dram_addr *a, int f, int v)
{
	*(int *)((char *)a + field_offset[f]) = v;
}

static int get_field(const struct dram_addr *a, int f)
{
	return *(const int *)((const char *)a + field_offset[f]);
}

void dram_map_decode(const struct dram_map *m, uint64_t addr, struct dram_addr *a)
{
	uint64_t x = (addr & (m->capacity_bytes - 1)) >> m->offset_bits;

	for (int i = 0; i < DRAM_NFIELD; i++) {
		int f = m->order[i];
		set_field(a, f, (int)(x & ((1u << m->bits[f]) - 1)));
		x >>= m->bits[f];
	}
}

uint64_t dram_map_encode(const struct dram_map *m, const struct dram_addr *a)
{
	uint64_t x = 0;

	for (int i = DRAM_NFIELD - 1; i >= 0; i--) {
		int f = m->order[i];
		x = (x << m->bits[f]) | (uint64_t)get_field(a, f);
	}
	return x << m->offset_bits;
}

void dram_map_pch_seq(const struct dram_map *m, int ch, int pch, uint64_t k, struct dram_addr *a)
{
	k &= dram_map_pch_columns(m) - 1;
	for (int i = 0; i < DRAM_NFIELD; i++) {
		int f = m->order[i];
		if (f == DRAM_F_CH || f == DRAM_F_PCH)
			continue;
		set_field(a, f, (int)(k & ((1u << m->bits[f]) - 1)));
		k >>= m->bits[f];
	}
	a->ch = ch;
	a->pch = pch;
}

uint64_t dram_map_pch_columns(const struct dram_map *m)
{
	return m->capacity_bytes >> (m->offset_bits + m->bits[DRAM_F_CH] + m->bits[DRAM_F_PCH]);
}
