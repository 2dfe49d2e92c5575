/*
 * trace.h - recorded MoE routing: which experts real tokens picked.
 *
 * File format (data/routing/README.txt): optional leading `#` comment lines
 * of key=value words (layers=, experts=, top_k= are checked against the
 * model when present), the header `seq,token,layer,e0,...,e{k-1}`, then one
 * row per token per MoE layer.  Rows are sorted by (seq, token) and each
 * token has every MoE layer once, in order; layers are numbered as in the
 * model, so the first MoE layer is model->first_dense.  Any deviation is an
 * error naming the first bad row ("path:line: ...").
 *
 * A decode batch replays whole tokens: `batch` distinct rows are sampled,
 * and the same rows are used at every layer of that iteration, because a
 * real token passes through all layers and its choices are correlated.
 */
#ifndef SIEVE_TRACE_H
#define SIEVE_TRACE_H

#include <stdint.h>

#include "model.h"

struct trace {
	int tokens;		/* distinct (seq, token) pairs, in file order */
	int layers;		/* MoE layers per token */
	int top_k;
	long *seq, *tok;	/* tokens: the file's seq and token columns */
	int *ids;		/* tokens x layers x top_k expert ids */
	/* sample of the last (seed, iter, batch) asked: recomputed on change */
	int *perm;		/* tokens: scratch for the partial shuffle */
	int *rows;		/* rows_cap: the sampled token indices */
	int rows_cap, rows_iter, rows_batch;
	uint64_t rows_seed;
};

/*
 * Load FILE: a path when it contains '/' or ends in ".csv", else
 * datadir/routing/FILE.csv (an unknown name lists the known ones).
 * Validates every row against m.  On error t is left empty.
 */
int trace_load(struct trace *t, const struct model *m, const char *datadir,
	       const char *file, struct err *e);

void trace_release(struct trace *t);

/*
 * The token rows of the batch of iteration iter: a pure function of (seed,
 * iter, batch), distinct while batch <= tokens (beyond that, each further
 * block of `tokens` rows is a fresh permutation).  A smaller batch gets a
 * prefix of a larger one.  The array stays valid until the next call.
 */
const int *trace_sample(struct trace *t, uint64_t seed, int iter, int batch);

/* The top_k expert ids of token row `row` at MoE layer moe_layer. */
const int *trace_ids(const struct trace *t, int row, int moe_layer);

#endif
