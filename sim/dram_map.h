/*
 * dram_map.h - host address to (channel, pseudo-channel, rank, bank group,
 * bank, row, column), chosen by `[hbm] mapping` in the hw file.
 *
 * Fields, from the least significant bit up, after the column_bytes offset:
 *   bg_interleaved:  Ch Pc Bg Co Ra Ba Ro   (Ramulator-style name RoBaRaCoBgPcCh)
 *   row_interleaved: Co Ch Pc Bg Ba Ra Ro   (RoRaBaBgPcChCo)
 * bg_interleaved spreads consecutive 32 B over channels and pseudo-channels
 * and then over bank groups before moving along a row, so a stream keeps
 * column commands nCCDS apart (different bank groups) and hits open rows;
 * it is the default because streaming then reaches the data-bus peak.
 * row_interleaved keeps a whole 1 KB row together (page interleaving): a
 * stream reads one bank at a time, so back-to-back reads are nCCDL apart.
 * Every organisation count must be a power of two.
 */
#ifndef SIEVE_DRAM_MAP_H
#define SIEVE_DRAM_MAP_H

#include <stdint.h>

#include "dram.h"
#include "err.h"
#include "hbm.h"

enum dram_field { DRAM_F_CH, DRAM_F_PCH, DRAM_F_RANK, DRAM_F_BG, DRAM_F_BANK, DRAM_F_ROW,
		  DRAM_F_COL, DRAM_NFIELD };

struct dram_map {
	int order[DRAM_NFIELD];	/* fields from the LSB up */
	int bits[DRAM_NFIELD];	/* by enum dram_field */
	int offset_bits;	/* log2(column_bytes) */
	uint64_t capacity_bytes;
};

/* Mapping h->mapping over `channels` channels of the stack. */
int dram_map_init(struct dram_map *m, const struct hbm *h, int channels, struct err *e);

void dram_map_decode(const struct dram_map *m, uint64_t addr, struct dram_addr *a);
uint64_t dram_map_encode(const struct dram_map *m, const struct dram_addr *a);

/* The k-th column, in address order, of the addresses that fall in
 * pseudo-channel (ch, pch): one pseudo-channel's share of a sequential stream. */
void dram_map_pch_seq(const struct dram_map *m, int ch, int pch, uint64_t k, struct dram_addr *a);

/* Columns per pseudo-channel (its share of the capacity / column_bytes). */
uint64_t dram_map_pch_columns(const struct dram_map *m);

#endif
