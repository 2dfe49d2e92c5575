/* capacity.c - memory per GPU against its capacity (see capacity.h). */
#include "capacity.h"

#include <math.h>
#include <stdio.h>

#include "gpu.h"

/* Weights every GPU holds (attention is data parallel), bytes. */
static double replicated_bytes(const struct model *m)
{
	double q = (double)m->q_heads * m->head_dim, kv = (double)m->kv_heads * m->head_dim;
	double attn = m->hidden * (q + 2 * kv) + q * m->hidden;	/* QKV and O */
	double w = 0;

	for (int l = 0; l < m->layers; l++) {
		w += attn;
		if (model_is_moe(m, l))
			w += (double)m->hidden * m->experts +
			     3.0 * m->hidden * m->shared_inter * m->shared_experts;
		else
			w += 3.0 * m->hidden * m->dense_inter;
	}
	return w * m->weight_bytes;
}

void capacity_of(const struct model *m, const struct hw *hw, int gpus, int batch, int context,
		 struct capacity *c)
{
	int owned = (m->experts + gpus - 1) / gpus, seqs = (batch + gpus - 1) / gpus, moe = 0;
	int slots_per_token = m->top_k < owned ? m->top_k : owned;
	int inter = m->expert_inter;

	for (int l = 0; l < m->layers; l++)
		moe += model_is_moe(m, l);
	if (m->first_dense > 0 && m->dense_inter > inter)
		inter = m->dense_inter;
	if (m->shared_experts > 0 && m->shared_inter > inter)
		inter = m->shared_inter;
	/* attach reserved keeps each expert twice, in PIM's channels and the GPU's (hbm.h) */
	c->expert_bytes = (double)moe * owned * model_expert_bytes(m) *
			  (hw->hbm.attach == ATTACH_RESERVED ? 2 : 1);
	c->replicated_bytes = replicated_bytes(m);
	c->embed_bytes = 2.0 * m->vocab * m->hidden * m->weight_bytes;
	c->kv_bytes = 0;
	for (int l = 0; l < m->layers; l++)
		c->kv_bytes += gpu_attention_kv_bytes(m, l, seqs, context);
	c->act_bytes = 2.0 * batch * slots_per_token * (m->hidden + 2.0 * inter) * m->act_bytes +
		       (double)seqs * m->vocab * 4;
	c->capacity_bytes = hw->mem_gb * CAPACITY_GIB;
	c->reserve_bytes = hw->mem_reserve * c->capacity_bytes;
	c->used_bytes = c->expert_bytes + c->replicated_bytes + c->embed_bytes + c->kv_bytes +
			c->act_bytes + c->reserve_bytes;
	c->headroom_bytes = c->capacity_bytes - c->used_bytes;
}

static int fits(const struct model *m, const struct hw *hw, int gpus, int batch, int context)
{
	struct capacity c;

	capacity_of(m, hw, gpus, batch, context, &c);
	return c.headroom_bytes >= 0;
}

/* The largest batch (vary_batch) or context below the given one that fits, 0 if none. */
static int largest(const struct model *m, const struct hw *hw, int batch, int context,
		   int vary_batch)
{
	int lo = 0, hi = (vary_batch ? batch : context) - 1;

	while (lo < hi) {	/* fits(lo) or lo = 0; none above hi fits */
		int mid = lo + (hi - lo + 1) / 2;
		if (fits(m, hw, hw->gpus, vary_batch ? mid : batch, vary_batch ? context : mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int capacity_check(const struct model *m, const struct hw *hw, int batch, int context,
		   struct err *e)
{
	struct capacity c;
	char fit[512];
	int n = 0, b, ctx, g;
	double need_gib;

	capacity_of(m, hw, hw->gpus, batch, context, &c);
	if (c.headroom_bytes >= 0)
		return 0;
	b = largest(m, hw, batch, context, 1);
	ctx = largest(m, hw, batch, context, 0);
	for (g = hw->gpus + 1; g <= HW_MAX_GPUS && !fits(m, hw, g, batch, context); g++)
		;
	/* Memory per GPU that would do: the reserve grows with it. */
	need_gib = (c.used_bytes - c.reserve_bytes) / (1 - hw->mem_reserve) / CAPACITY_GIB;
	if (b > 0)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "batch <= %d at context %d, ", b,
			      context);
	if (ctx > 0)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "context <= %d at batch %d, ", ctx,
			      batch);
	if (g <= HW_MAX_GPUS)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "%d GPUs of this kind, ", g);
	snprintf(fit + n, sizeof fit - (size_t)n, "or GPUs of %.0f GiB", ceil(need_gib));
	return err_set(e, "%s does not fit on %s at batch %d, context %d: it needs %.1f GiB per "
		       "GPU (experts %.1f, replicated weights %.1f, embeddings %.1f, KV cache "
		       "%.1f, activations %.1f, reserve %.1f), %.1f GiB more than mem_gb %g; it "
		       "would fit with %s", m->name, hw->name, batch, context,
		       c.used_bytes / CAPACITY_GIB, c.expert_bytes / CAPACITY_GIB,
		       c.replicated_bytes / CAPACITY_GIB, c.embed_bytes / CAPACITY_GIB,
		       c.kv_bytes / CAPACITY_GIB, c.act_bytes / CAPACITY_GIB,
		       c.reserve_bytes / CAPACITY_GIB, -c.headroom_bytes / CAPACITY_GIB, hw->mem_gb,
		       fit);
}
