/*
 * pimcost.h - what the decode simulation asks of PIM: how long one expert
 * of the model takes in PIM for n tokens, and how long a GPU's stacks take
 * to stream a number of bytes through their PIM units (attention in PIM).
 *
 * Both come from the cycle-level memory model (pim.h): an expert's kernel is
 * simulated once per token count and remembered (pim.h's tests prove the
 * memoised cycles equal a fresh simulation).  Attention streams the KV
 * cache like GEMV weights, once per query head of a GQA group on bank and
 * bank-group PIM (1 FLOP per byte), fewer passes on Logic-PIM; its cost is
 * a line through two simulated GEMV kernels (a fixed part and bytes per
 * ns of one stack), the KV cache spread over all of the GPU's stacks.
 * Assumption: one expert's weights sit in one stack (its 16 channels, or
 * the reserved ones with [pim] attach reserved: hbm.h), so a GPU runs up
 * to `stacks` PIM experts at once.
 */
#ifndef SIEVE_PIMCOST_H
#define SIEVE_PIMCOST_H

#include "err.h"
#include "hw.h"
#include "model.h"
#include "pim.h"

struct pimcost {
	struct pim pim;		/* the cycle model, with its memo */
	int hidden, inter;
	double bytes_per_weight;
	int stacks;		/* per GPU */
	double stream_bytes_per_ns;	/* one stack, KV bytes of a GQA group */
	double stream_fixed_ns;
};

int pimcost_init(struct pimcost *p, const struct hw *hw, const struct model *m, struct err *e);
void pimcost_release(struct pimcost *p);

/*
 * One expert of the model in PIM for tokens >= 1, activations in and out
 * included, into *ns; -1 with e filled when the kernel cannot run (its
 * weights do not fit in a stack's rows).
 */
int pimcost_expert_ns(struct pimcost *p, int tokens, double *ns, struct err *e);

/* Stream bytes through all stacks of one GPU (KV cache for attention). */
double pimcost_stream_ns(const struct pimcost *p, double bytes);

#endif
