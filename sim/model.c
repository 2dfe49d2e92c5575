/* model.c - MoE model descriptions (see model.h). */
#include "model.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define I(sec, name, lo, hi, opt, help) \
	{sec, #name, FIELD_INT, offsetof(struct model, name), 0, lo, hi, NULL, opt, "", help}
#define D(sec, name, lo, hi, opt, unit, help) \
	{sec, #name, FIELD_DOUBLE, offsetof(struct model, name), 0, lo, hi, NULL, opt, unit, help}

static const struct field model_fields[] = {
	I("model", layers, 1, 1000, 0, "transformer blocks"),
	I("model", first_dense, 0, 1000, 1, "leading blocks with a dense FFN instead of experts"),
	I("model", hidden, 16, 65536, 0, "hidden size"),
	I("model", vocab, 0, 1 << 24, 1, "vocabulary: rows of the LM head (0 = not modelled)"),
	I("model", expert_inter, 1, 65536, 0, "routed expert FFN width"),
	I("model", experts, 1, 4096, 0, "routed experts per MoE layer"),
	I("model", top_k, 1, 64, 0, "experts each token is routed to"),
	I("model", shared_experts, 0, 16, 0, "always-active shared experts"),
	I("model", shared_inter, 0, 65536, 1, "FFN width of one shared expert"),
	I("model", dense_inter, 0, 131072, 1, "FFN width of the dense blocks"),
	D("model", expert_weight_bytes, 0.1, 8, 0, "B", "bytes per expert weight (2 = BF16)"),
	D("model", weight_bytes, 0.1, 8, 0, "B", "bytes per non-expert weight"),
	D("model", act_bytes, 0.1, 8, 0, "B", "bytes per activation element sent between GPUs"),
	I("attention", q_heads, 1, 1024, 0, "query heads"),
	I("attention", kv_heads, 1, 1024, 0, "key/value heads"),
	I("attention", head_dim, 1, 1024, 0, "head dimension"),
	D("attention", kv_bytes, 0.1, 8, 0, "B", "bytes per KV-cache element"),
	{"attention", "layout", FIELD_STR, offsetof(struct model, layout),
	 sizeof(((struct model *)0)->layout), 0, 0, NULL, 0, "",
	 "repeating per-layer pattern of full, sliding, linear"},
	I("attention", sliding_window, 0, 1 << 24, 1, "tokens a sliding-window layer attends to"),
	I("attention", linear_state_bytes, 0, 1 << 30, 1,
	  "state bytes per sequence of a linear-attention layer"),
	D("routing", routing_skew, 0, 20, 0, "", "spread of expert popularity (Gumbel-noise units)"),
	D("routing", routing_affinity, 0, 20, 0, "", "spread of per-cluster expert preference"),
	I("routing", routing_clusters, 1, 4096, 0, "latent token clusters"),
	D("routing", routing_drift, 0, 1, 0, "", "share of popularity that drifts"),
	I("routing", routing_drift_iters, 1, 1 << 30, 0, "iterations per drift step"),
};

const struct field_table model_field_table = {
	"model", model_fields, sizeof model_fields / sizeof model_fields[0]};

static const char *const attn_names[] = {"full", "sliding", "linear"};

/* Parse the layout into kinds; returns count or -1 with the bad word. */
static int parse_layout(const char *layout, enum attn_kind *kinds, int max, char *bad,
			size_t bad_len)
{
	char buf[64], *save = NULL, *w;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", layout);
	for (w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int k = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(w, attn_names[i]) == 0)
				k = i;
		if (k < 0 || n == max) {
			snprintf(bad, bad_len, "%s", w);
			return -1;
		}
		kinds[n++] = (enum attn_kind)k;
	}
	return n;
}

enum attn_kind model_attn_kind(const struct model *m, int layer)
{
	enum attn_kind kinds[16];
	char bad[64];
	int n = parse_layout(m->layout, kinds, 16, bad, sizeof bad);

	return n > 0 ? kinds[layer % n] : ATTN_FULL;
}

int model_is_moe(const struct model *m, int layer)
{
	return layer >= m->first_dense;
}

double model_expert_bytes(const struct model *m)
{
	return 3.0 * m->hidden * m->expert_inter * m->expert_weight_bytes;
}

static int check(const struct model *m, const struct ini *ini, struct err *e)
{
	enum attn_kind kinds[16];
	char bad[64];
	int n;

#define LINE(key) (ini_get(ini, "model", key) ? ini_get(ini, "model", key)->line : 0)
	if (m->top_k > m->experts)
		return err_set(e, "%s:%d: top_k %d is larger than experts %d", ini->path,
			       LINE("top_k"), m->top_k, m->experts);
	if (m->first_dense >= m->layers)
		return err_set(e, "%s:%d: first_dense %d leaves no MoE layer of %d", ini->path,
			       LINE("first_dense"), m->first_dense, m->layers);
	if (m->first_dense > 0 && m->dense_inter == 0)
		return err_set(e, "%s: first_dense is %d but dense_inter is not given", ini->path,
			       m->first_dense);
	if (m->shared_experts > 0 && m->shared_inter == 0)
		return err_set(e, "%s: shared_experts is %d but shared_inter is not given",
			       ini->path, m->shared_experts);
	{
		double moe = m->layers - m->first_dense, entries;
		entries = moe * (m->routing_clusters + 3.0) * m->experts;
		if (entries > (double)MODEL_MAX_ROUTING_ENTRIES) {
			const struct ini_entry *en = ini_get(ini, "routing", "routing_clusters");
			return err_set(e, "%s:%d: experts %d x routing_clusters %d x %.0f MoE layers "
				       "need %.3g GB of synthetic routing tables (at most %.3g GB: "
				       "lower one of them)", ini->path, en ? en->line : 0,
				       m->experts, m->routing_clusters, moe, entries * 8 / 1e9,
				       MODEL_MAX_ROUTING_ENTRIES * 8 / 1e9);
		}
	}
	if (m->q_heads % m->kv_heads != 0)
		return err_set(e, "%s: q_heads %d is not a multiple of kv_heads %d", ini->path,
			       m->q_heads, m->kv_heads);
#undef LINE
	n = parse_layout(m->layout, kinds, 16, bad, sizeof bad);
	{
		const struct ini_entry *en = ini_get(ini, "attention", "layout");
		int line = en ? en->line : 0;
		if (list_check("layout", m->layout, e) != 0)
			return err_prefix(e, "%s:%d: ", ini->path, line);
		if (n < 0)
			return err_set(e, "%s:%d: layout: unknown attention kind '%s' (full, sliding, linear)",
				       ini->path, line, bad);
		if (n == 0)
			return err_set(e, "%s:%d: layout is empty", ini->path, line);
		for (int i = 0; i < n; i++) {
			if (kinds[i] == ATTN_SLIDING && m->sliding_window == 0)
				return err_set(e, "%s:%d: layout has sliding layers but sliding_window is not given",
					       ini->path, line);
			if (kinds[i] == ATTN_LINEAR && m->linear_state_bytes == 0)
				return err_set(e, "%s:%d: layout has linear layers but linear_state_bytes is not given",
					       ini->path, line);
		}
	}
	return 0;
}

int model_load(struct model *m, const char *datadir, const char *name_or_path,
	       struct err *e)
{
	return model_load_over(m, datadir, name_or_path, NULL, e);
}

int model_load_over(struct model *m, const char *datadir, const char *name_or_path,
		    const struct ini *over, struct err *e)
{
	struct ini ini;
	struct model tmp;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	if (ini_load_named(&ini, datadir, "models", name_or_path, tmp.name, sizeof tmp.name, e) != 0)
		return -1;
	ini_extend(&ini, over);
	rc = fields_load(&model_field_table, &tmp, sizeof tmp, &ini, e);
	if (rc == 0)
		rc = check(&tmp, &ini, e);
	ini_free(&ini);
	if (rc == 0)
		*m = tmp;
	return rc;
}
