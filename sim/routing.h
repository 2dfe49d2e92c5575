/*
 * routing.h - which experts each token of a decode batch is routed to.
 *
 * Two sources, chosen by a spec string:
 *
 * "synthetic": a per-model preset ([routing] of data/models/NAME.ini).
 *   Real routing is bimodal: a hot set takes most token-slots, a long tail
 *   gets a token or two (see data/models/qwen3-30b-a3b.ini for one
 *   recorded batch).  Per MoE layer l:
 *     - expert popularity z_e ~ N(0,1) * skew, fixed per (seed, l);
 *     - `clusters` latent token clusters (topics), cluster c prefers
 *       expert e by u_ce ~ N(0,1) * affinity, fixed per (seed, l);
 *     - each token draws a cluster uniformly and picks top_k distinct
 *       experts by score z_e + u_ce + Gumbel noise, i.e. samples them
 *       without replacement with weights exp(z_e + u_ce) (Plackett-Luce).
 *       The sampler draws them one by one, each in proportion to weight
 *       among those not drawn yet: the same distribution at O(k log E +
 *       k^2) per token instead of O(E) (about 30 ns a draw; all 60 layers
 *       of a 512-expert top-10 model at batch 256 take ~4.5 ms).
 *   A token keeps its cluster in every layer of an iteration (its topic
 *   does not change inside the network); layers have independent z and u,
 *   so each layer has its own hot experts.
 *   Drift: a share `drift` of the popularity's variance follows a random
 *   walk with anchors g_k ~ N(0,1) every `drift_iters` iterations, blended
 *   smoothly (smoothstep) and rescaled to unit variance in between, so the
 *   spread of popularity is the same at every iteration:
 *     z_e(i) = skew * (sqrt(1-drift) z0_e + sqrt(drift) walk_e(i)).
 *   Assumptions: popularity and affinity are Gaussian in log-weight space
 *   (one skew for every layer, so a layer where one expert takes most
 *   tokens is rarer than in real traces); the clusters of tokens in one
 *   batch are independent and drawn afresh each iteration (no sequence
 *   keeps its topic from one iteration to the next); the router has no
 *   capacity limit (no token is dropped); shared experts are not routed.
 *   Memory: layers x clusters x experts doubles of preferences.
 *
 * "trace:FILE": replay of recorded routing (trace.h): each iteration
 *   samples `batch` distinct recorded tokens and uses their real choices
 *   at every layer.
 *
 * Both are pure functions of (seed, iter, moe_layer, batch): the result
 * never depends on which iterations were computed before, so a user can
 * step or jump anywhere.  Token t's experts do not depend on batch either
 * (a batch of 32 is the first 32 tokens of a batch of 64).  The figures
 * the presets were tuned to are in the data files' [routing] comments and
 * checked by tests/test_routing.c.
 */
#ifndef SIEVE_ROUTING_H
#define SIEVE_ROUTING_H

#include <stdint.h>

#include "err.h"
#include "model.h"
#include "trace.h"

/* Bins of tokens per activated expert: 1, 2, 3-4, 5-8, ..., 257-512, 513+. */
#define ROUTING_HIST_BINS 11

enum routing_kind { ROUTING_SYNTHETIC, ROUTING_TRACE };

struct routing {
	enum routing_kind kind;
	int experts, top_k;
	int layers;		/* MoE layers: model layers - first_dense */
	uint64_t seed;
	/* synthetic preset (from the model) */
	double skew, affinity, drift;
	int clusters, drift_iters;
	double *z0;		/* layers x experts: fixed part of popularity, N(0,1) */
	double *pref;		/* layers x clusters x experts: exp(affinity u - max over e) */
	double *anchor;		/* layers x 2 x experts: drift anchors g_k, g_k+1 */
	long *anchor_k;		/* layers: the k held in anchor, LONG_MIN = none */
	/* scratch of one routing_batch call */
	double *pop;		/* experts: exp(z_e(iter) - max) */
	double *cum;		/* 1 + experts: 0, then running sums of one cluster's weights */
	int *first;		/* clusters + 1: where each cluster's tokens start in order */
	int *order;		/* 2 x order_cap: tokens by cluster, then each token's cluster */
	int order_cap;
	struct trace trace;	/* ROUTING_TRACE */
};

/*
 * spec: "synthetic", or "trace:FILE" where FILE is a path or a NAME under
 * datadir/routing (NAME.csv).  A trace is validated against m: expert ids
 * out of range, a different top_k, or layers that are not the model's MoE
 * layers are errors naming the first bad row (path:line).  An unknown spec
 * is an error listing the forms.  On error nothing is left to release.
 */
int routing_init(struct routing *r, const struct model *m, const char *datadir,
		 const char *spec, uint64_t seed, struct err *e);
void routing_release(struct routing *r);

/*
 * Use another seed from now on, as if routing_init had been given it (the
 * synthetic preset's per-layer draws are made again; no file is read).
 */
void routing_reseed(struct routing *r, uint64_t seed);

/*
 * The experts picked by each of `batch` tokens at MoE layer moe_layer
 * (0-based among MoE layers, 0 <= moe_layer < r->layers) of decode
 * iteration iter: out[t * top_k + j], each token's top_k ids distinct and
 * in [0, experts).  Pure in (seed, iter, moe_layer, batch); r holds only
 * caches.
 */
void routing_batch(struct routing *r, int iter, int moe_layer, int batch, int *out);

/* counts[e] = tokens routed to expert e (counts has m->experts entries). */
void routing_count(const struct model *m, const int *assign, int batch, int *counts);

/*
 * Statistics of per-expert token counts, averaged over the samples added
 * (one sample = one layer of one batch).  Each figure is computed per
 * sample, then averaged:
 *   activated    experts with >= 1 token
 *   frac_single  share of activated experts that got exactly 1 token
 *   top10_share  share of token-slots (batch * top_k) taken by the busiest
 *                max(1, round(experts / 10)) experts (13 of 128, 6 of 64,
 *                1 of 8; rounding half up)
 *   max_load     tokens of the busiest expert
 *   hist[i]      share of activated experts whose count falls in bin i
 */
struct routing_stats {
	double activated, frac_single, top10_share, max_load;
	double hist[ROUTING_HIST_BINS];
	long samples;
	/* sums behind the means, filled by routing_stats_add */
	double sum_activated, sum_single, sum_top10, sum_max;
	double sum_hist[ROUTING_HIST_BINS];
};

void routing_stats_init(struct routing_stats *s);
void routing_stats_add(struct routing_stats *s, const int *counts, int experts, int batch,
		       int top_k);
/* Turn the sums into means over the samples added (all 0 without any). */
void routing_stats_finish(struct routing_stats *s);

/* Bin i covers [routing_hist_lo(i), routing_hist_hi(i)] tokens; hi -1 = open. */
int routing_hist_lo(int bin);
int routing_hist_hi(int bin);

/* The bin of a count >= 1. */
int routing_hist_bin(int count);

#endif
