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
		 int spare, struct capacity *c)
{
	int held = (m->experts + gpus - 1) / gpus + spare, seqs = (batch + gpus - 1) / gpus, moe = 0;
	int slots_per_token;
	int inter = m->expert_inter;

	if (held > m->experts)	/* one replica of an expert per GPU */
		held = m->experts;
	slots_per_token = m->top_k < held ? m->top_k : held;
	for (int l = 0; l < m->layers; l++)
		moe += model_is_moe(m, l);
	if (m->first_dense > 0 && m->dense_inter > inter)
		inter = m->dense_inter;
	if (m->shared_experts > 0 && m->shared_inter > inter)
		inter = m->shared_inter;
	/* attach reserved keeps each expert twice, in PIM's channels and the GPU's (hbm.h) */
	c->expert_slots = held;
	c->expert_bytes = (double)moe * held * model_expert_bytes(m) *
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

/* A run's shape: what the refusal varies to find what would fit. */
struct shape {
	int gpus, batch, context, spare;
};

static int fits(const struct model *m, const struct hw *hw, const struct shape *s)
{
	struct capacity c;

	capacity_of(m, hw, s->gpus, s->batch, s->context, s->spare, &c);
	return c.headroom_bytes >= 0;
}

/*
 * The largest value below *field (batch, context or spare of *s) with
 * which *s fits, the other fields as they are; lowest - 1 if none
 * (lowest: the least value the field takes).  *field is left as given.
 */
static int largest(const struct model *m, const struct hw *hw, struct shape *s, int *field,
		   int lowest)
{
	int given = *field, lo = lowest - 1, hi = given - 1;

	while (lo < hi) {	/* fits(lo) or lo = lowest - 1; none above hi fits */
		int mid = lo + (hi - lo + 1) / 2;
		*field = mid;
		if (fits(m, hw, s))
			lo = mid;
		else
			hi = mid - 1;
	}
	*field = given;
	return lo;
}

int capacity_check(const struct model *m, const struct hw *hw, int batch, int context, int spare,
		   struct err *e)
{
	struct shape s = {hw->gpus, batch, context, spare};
	struct capacity c;
	char fit[512], slots[64] = "";
	int n = 0, b, ctx, sp, g;
	double need_gib;

	capacity_of(m, hw, hw->gpus, batch, context, spare, &c);
	if (c.headroom_bytes >= 0)
		return 0;
	b = largest(m, hw, &s, &s.batch, 1);
	ctx = largest(m, hw, &s, &s.context, 1);
	sp = largest(m, hw, &s, &s.spare, 0);
	for (s.gpus++; s.gpus <= HW_MAX_GPUS && !fits(m, hw, &s); s.gpus++)
		;
	g = s.gpus;
	/* Memory per GPU that would do: the reserve grows with it. */
	need_gib = (c.used_bytes - c.reserve_bytes) / (1 - hw->mem_reserve) / CAPACITY_GIB;
	if (b > 0)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "batch <= %d at context %d, ", b,
			      context);
	if (ctx > 0)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "context <= %d at batch %d, ", ctx,
			      batch);
	if (sp >= 0)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "spare_slots <= %d, ", sp);
	if (g <= HW_MAX_GPUS)
		n += snprintf(fit + n, sizeof fit - (size_t)n, "%d GPUs of this kind, ", g);
	snprintf(fit + n, sizeof fit - (size_t)n, "or GPUs of %.0f GiB", ceil(need_gib));
	if (spare > 0)
		snprintf(slots, sizeof slots, ", %d spare expert slot%s per GPU", spare,
			 spare == 1 ? "" : "s");
	return err_set(e, "%s does not fit on %s at batch %d, context %d%s: it needs %.1f GiB per "
		       "GPU (experts %.1f, %d per MoE layer; replicated weights %.1f, embeddings "
		       "%.1f, KV cache %.1f, activations %.1f, reserve %.1f), %.1f GiB more than "
		       "mem_gb %g; it would fit with %s", m->name, hw->name, batch, context, slots,
		       c.used_bytes / CAPACITY_GIB, c.expert_bytes / CAPACITY_GIB, c.expert_slots,
		       c.replicated_bytes / CAPACITY_GIB, c.embed_bytes / CAPACITY_GIB,
		       c.kv_bytes / CAPACITY_GIB, c.act_bytes / CAPACITY_GIB,
		       c.reserve_bytes / CAPACITY_GIB, -c.headroom_bytes / CAPACITY_GIB, hw->mem_gb,
		       fit);
}
