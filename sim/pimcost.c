/* pimcost.c - PIM times for the decode loop, from the cycle model (see pimcost.h). */
#include "pimcost.h"

#include <string.h>

/* Time of one GEMV kernel of n_out x n_in in one stack. */
static int gemv_ns(struct pimcost *p, int n_out, int n_in, int tokens, double *ns,
		   double *bytes, struct err *e)
{
	struct pim_result r;

	if (pim_gemv_run(&p->pim, n_out, n_in, p->bytes_per_weight, tokens, 1, &r, e) != 0)
		return -1;
	*ns = r.time_ns;
	*bytes = r.weight_bytes;
	return 0;
}

int pimcost_init(struct pimcost *p, const struct hw *hw, const struct model *m, struct err *e)
{
	double ns1, ns2, b1, b2;
	int group = m->q_heads / m->kv_heads;
	struct hbm h = hw->hbm;

	memset(p, 0, sizeof *p);
	p->hidden = m->hidden;
	p->inter = m->expert_inter;
	p->bytes_per_weight = m->expert_weight_bytes;
	p->stacks = hw->stacks;
	h.channels = hbm_pim_channels(&hw->hbm);	/* PIM's own channels (attach) */
	if (pim_init(&p->pim, &h, e) != 0)
		return -1;
	/*
	 * Attention in PIM streams K and V like GEMV weights, once per query
	 * head that shares them (a GQA group are `group` "tokens").  Two kernel
	 * sizes give the per-byte rate and the fixed part of one stack.
	 */
	p->bytes_per_weight = m->kv_bytes;
	if (gemv_ns(p, 1024, 1024, group, &ns1, &b1, e) != 0 ||
	    gemv_ns(p, 8192, 1024, group, &ns2, &b2, e) != 0) {
		pim_release(&p->pim);
		return -1;
	}
	p->bytes_per_weight = m->expert_weight_bytes;
	p->stream_bytes_per_ns = (b2 - b1) / (ns2 - ns1);
	p->stream_fixed_ns = ns1 - b1 / p->stream_bytes_per_ns;
	return 0;
}

void pimcost_release(struct pimcost *p)
{
	pim_release(&p->pim);
	memset(p, 0, sizeof *p);
}

int pimcost_expert_ns(struct pimcost *p, int tokens, double *ns, struct err *e)
{
	struct pim_result r;

	if (pim_expert_run(&p->pim, p->hidden, p->inter, p->bytes_per_weight, tokens, 1, &r, e) != 0)
		return -1;
	*ns = r.time_ns;
	return 0;
}

double pimcost_stream_ns(const struct pimcost *p, double bytes)
{
	if (bytes <= 0)
		return 0;
	return p->stream_fixed_ns + bytes / (p->stream_bytes_per_ns * p->stacks);
}
