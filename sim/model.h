/*
 * model.h - an MoE model's shape, read from data/models/NAME.ini.
 *
 * Owns the architecture figures the simulator needs (layers, hidden size,
 * expert FFN size, experts, top-k, shared experts, attention heads and
 * layout, bytes per weight) and the synthetic routing preset of the model.
 * Sources are cited in each data file (official configs on Hugging Face).
 * Assumptions: experts are SwiGLU FFNs (gate, up, down: 3 * hidden * inter
 * weights); the first `first_dense` layers have a dense FFN of
 * `dense_inter` instead of experts; attention is GQA unless the layout says
 * a layer is sliding-window or linear (constant-size state).
 */
#ifndef SIEVE_MODEL_H
#define SIEVE_MODEL_H

#include "fields.h"

enum attn_kind { ATTN_FULL, ATTN_SLIDING, ATTN_LINEAR };

struct model {
	char name[64];
	/* [model] */
	int layers;		/* transformer blocks */
	int first_dense;	/* leading blocks with a dense FFN */
	int hidden;
	int vocab;		/* LM head rows (optional: 0 = no LM head modelled) */
	int expert_inter;	/* routed expert FFN width */
	int experts;		/* routed experts per MoE layer */
	int top_k;
	int shared_experts;
	int shared_inter;	/* FFN width of one shared expert */
	int dense_inter;	/* FFN width of the dense blocks */
	double expert_weight_bytes;	/* bytes per expert weight (2 = BF16) */
	double weight_bytes;		/* bytes per non-expert weight */
	double act_bytes;		/* bytes per activation element sent between GPUs */
	/* [attention] */
	int q_heads, kv_heads, head_dim;
	double kv_bytes;	/* bytes per KV-cache element */
	char layout[64];	/* repeating pattern: "full", "sliding,full", "linear,linear,linear,full" */
	int sliding_window;	/* tokens a sliding layer attends to */
	int linear_state_bytes;	/* per sequence per linear-attention layer */
	/* [routing] synthetic preset (see routing.h) */
	double routing_skew;	/* spread of expert popularity, in Gumbel-noise units */
	double routing_affinity;	/* spread of per-cluster preference */
	int routing_clusters;	/* latent token clusters (topics) */
	double routing_drift;	/* 0..1: share of popularity that drifts */
	int routing_drift_iters;	/* iterations over which popularity drifts once */
};

extern const struct field_table model_field_table;

/*
 * Most entries of the synthetic routing tables (routing.h: MoE layers x
 * (routing_clusters + 3) x experts doubles, 256 MiB).  Each field can be in
 * range while their product is not (experts 4096, routing_clusters 4096,
 * layers 1000 would ask for 134 GB): model_load refuses such a model.
 * The largest preset (qwen3.5-397b-a17b) needs 0.5 M entries.
 */
#define MODEL_MAX_ROUTING_ENTRIES (1L << 25)

/*
 * Load a model from a file path, or from NAME under datadir/models.
 * Checks the fields, their consistency (top_k <= experts ...) and the size
 * of the run's tables (MODEL_MAX_ROUTING_ENTRIES).
 */
int model_load(struct model *m, const char *datadir, const char *name_or_path,
	       struct err *e);

/* The same with over's entries (may be NULL) applied after the file's. */
int model_load_over(struct model *m, const char *datadir, const char *name_or_path,
		    const struct ini *over, struct err *e);

/* Kind of attention of a layer, from the repeating layout. */
enum attn_kind model_attn_kind(const struct model *m, int layer);

/* 1 when layer has routed experts. */
int model_is_moe(const struct model *m, int layer);

/* Weight bytes of one routed expert (gate, up, down). */
double model_expert_bytes(const struct model *m);

#endif
