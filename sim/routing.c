/* routing.c - synthetic routing, trace replay and routing statistics (see routing.h). */
#include "routing.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* First key of rng_derive: one stream family per use, the layer in the low bits. */
#define KEY(tag, layer) (((uint64_t)(tag) << 48) | (uint64_t)(layer))
enum { TAG_POP = 1, TAG_PREF, TAG_DRIFT, TAG_CLUSTER, TAG_TOKEN };

#define MAX_TOP_K 64	/* model.c caps top_k */
#define LANES 4		/* tokens drawn in step, see draw_lanes */

static void normals(struct rng *g, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rng_normal(g);
}

/* The seed's popularity and preferences of every layer; no anchor cached. */
static void synthetic_draw(struct routing *r)
{
	size_t E = (size_t)r->experts, C = (size_t)r->clusters, L = (size_t)r->layers;

	for (size_t l = 0; l < L; l++) {
		struct rng g;
		rng_derive(&g, r->seed, KEY(TAG_POP, l), 0, 0);
		normals(&g, r->z0 + l * E, E);
		r->anchor_k[l] = LONG_MIN;
		for (size_t c = 0; c < C; c++) {
			/* relative to the cluster's favourite, exp() stays finite at
			 * any affinity; the scale cancels in sampling */
			double *p = r->pref + (l * C + c) * E, top = -HUGE_VAL;
			rng_derive(&g, r->seed, KEY(TAG_PREF, l), c, 0);
			normals(&g, p, E);
			for (size_t e = 0; e < E; e++)
				top = fmax(top, p[e]);
			for (size_t e = 0; e < E; e++)
				p[e] = exp(r->affinity * (p[e] - top));
		}
	}
}

static void synthetic_init(struct routing *r, const struct model *m)
{
	size_t E = (size_t)m->experts, C = (size_t)m->routing_clusters, L = (size_t)r->layers;

	r->skew = m->routing_skew;
	r->affinity = m->routing_affinity;
	r->drift = m->routing_drift;
	r->clusters = m->routing_clusters;
	r->drift_iters = m->routing_drift_iters;
	r->z0 = xmalloc(L * E * sizeof *r->z0);
	r->pref = xmalloc(L * C * E * sizeof *r->pref);
	r->anchor = xmalloc(L * 2 * E * sizeof *r->anchor);
	r->anchor_k = xmalloc(L * sizeof *r->anchor_k);
	r->pop = xmalloc(E * sizeof *r->pop);
	r->cum = xmalloc((E + 1) * sizeof *r->cum);
	r->first = xmalloc((C + 1) * sizeof *r->first);
	synthetic_draw(r);
}

int routing_init(struct routing *r, const struct model *m, const char *datadir,
		 const char *spec, uint64_t seed, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->experts = m->experts;
	r->top_k = m->top_k;
	r->layers = m->layers - m->first_dense;
	r->seed = seed;
	if (strcmp(spec, "synthetic") == 0) {
		r->kind = ROUTING_SYNTHETIC;
		synthetic_init(r, m);
		return 0;
	}
	if (strncmp(spec, "trace:", 6) == 0 && spec[6] != '\0') {
		r->kind = ROUTING_TRACE;
		return trace_load(&r->trace, m, datadir, spec + 6, e);
	}
	return err_set(e, "unknown routing '%s' (use synthetic, trace:NAME or trace:PATH)", spec);
}

void routing_reseed(struct routing *r, uint64_t seed)
{
	r->seed = seed;
	if (r->kind == ROUTING_SYNTHETIC)
		synthetic_draw(r);
	/* a trace's sample is keyed by the seed it was drawn with */
}

void routing_release(struct routing *r)
{
	free(r->z0);
	free(r->pref);
	free(r->anchor);
	free(r->anchor_k);
	free(r->pop);
	free(r->cum);
	free(r->first);
	free(r->order);
	trace_release(&r->trace);
	memset(r, 0, sizeof *r);
}

/* ---- synthetic: popularity at an iteration ---- */

/* Drift anchors g_k and g_k+1 of layer l, reusing the cached ones. */
static const double *drift_anchors(struct routing *r, int l, long k)
{
	size_t E = (size_t)r->experts;
	double *a = r->anchor + (size_t)l * 2 * E;
	struct rng g;

	if (r->anchor_k[l] == k)
		return a;
	if (r->anchor_k[l] == k - 1) {	/* the usual step forward */
		memcpy(a, a + E, E * sizeof *a);
	} else {
		rng_derive(&g, r->seed, KEY(TAG_DRIFT, l), (uint64_t)k, 0);
		normals(&g, a, E);
	}
	rng_derive(&g, r->seed, KEY(TAG_DRIFT, l), (uint64_t)(k + 1), 0);
	normals(&g, a + E, E);
	r->anchor_k[l] = k;
	return a;
}

/* r->pop = exp(z_e(iter) - max z): popularity of layer l at iteration iter. */
static void popularity(struct routing *r, int iter, int l)
{
	size_t E = (size_t)r->experts;
	const double *z0 = r->z0 + (size_t)l * E, *a = NULL;
	double fixed = sqrt(1 - r->drift), wa = 0, wb = 0, top = -HUGE_VAL;

	if (r->drift > 0) {
		long P = r->drift_iters, k = iter >= 0 ? iter / P : -((P - 1 - (long)iter) / P);
		double f = (double)(iter - k * P) / (double)P, s = f * f * (3 - 2 * f);
		/* a blend of two independent N(0,1) has variance (1-s)^2 + s^2 */
		double norm = sqrt((1 - s) * (1 - s) + s * s) / sqrt(r->drift);
		a = drift_anchors(r, l, k);
		wa = (1 - s) / norm;
		wb = s / norm;
	}
	for (size_t e = 0; e < E; e++) {
		double z = fixed * z0[e];
		if (a != NULL)
			z += wa * a[e] + wb * a[E + e];
		r->pop[e] = r->skew * z;
		top = fmax(top, r->pop[e]);
	}
	for (size_t e = 0; e < E; e++)
		r->pop[e] = exp(r->pop[e] - top);
}

/*
 * Running sums of cluster c's weights pop * pref, with cum[-1] = 0 so that
 * expert e owns [cum[e-1], cum[e]) on the line of total mass cum[E-1].
 */
static const double *cluster_cum(struct routing *r, int l, int c)
{
	size_t E = (size_t)r->experts;
	const double *p = r->pref + ((size_t)l * (size_t)r->clusters + (size_t)c) * E;
	double *cum = r->cum + 1, sum = 0;

	r->cum[0] = 0;
	for (size_t e = 0; e < E; e++) {
		sum += r->pop[e] * p[e];
		cum[e] = sum;
	}
	return cum;
}

/* ---- synthetic: drawing k distinct experts ---- */

/*
 * First e with cum[e] > x, by a binary search whose steps do not branch on
 * the data: with a random x every data branch would be mispredicted, and
 * this beat a guide table with a short scan here.  Rounding can put x at
 * the total: the last expert then.
 */
static int find(const double *cum, int n, double x)
{
	int lo = 0, len = n;

	while (len > 1) {
		int half = len / 2;
		lo = cum[lo + half - 1] <= x ? lo + half : lo;
		len -= half;
	}
	lo += cum[lo] <= x;
	return lo < n ? lo : n - 1;
}

/* Rounding, or fewer than k experts with any weight: the heaviest expert
 * not drawn yet (lowest id on ties). */
static int heaviest_left(const double *cum, int n, const int *taken, int j)
{
	double best = -1;
	int pick = 0;

	for (int e = 0; e < n; e++) {
		int used = 0;
		for (int i = 0; i < j; i++)
			used |= taken[i] == e;
		if (!used && cum[e] - cum[e - 1] > best) {
			best = cum[e] - cum[e - 1];
			pick = e;
		}
	}
	return pick;
}

/*
 * One token's sequential sampling without replacement (each draw is
 * proportional to weight among the experts not drawn yet: Plackett-Luce,
 * the same distribution as Gumbel-top-k).  A uniform x on the mass not
 * drawn yet is mapped back onto the full line past the drawn experts'
 * intervals, then looked up: no rejection loop.  Drawn experts are kept by
 * ascending id with their starts as seen on the line without them (rs,
 * ascending) and the mass before each (before), so the mapping is
 * x + before[c] with c = #(rs <= x), and the new expert must land between
 * taken[c-1] and taken[c].
 */
struct lane {
	struct rng g;
	int *out;
	int taken[MAX_TOP_K + 1];
	double rs[MAX_TOP_K + 1], before[MAX_TOP_K + 2];
};

static void draw_one(const double *cum, int n, struct lane *ln, int j)
{
	double x = rng_uniform(&ln->g) * (cum[n - 1] - ln->before[j]), w;
	int pick, i, c = 0;

	for (i = 0; i < j; i++)
		c += ln->rs[i] <= x;
	pick = find(cum, n, x + ln->before[c]);
	w = cum[pick] - cum[pick - 1];
	if ((c > 0 && pick <= ln->taken[c - 1]) || (c < j && pick >= ln->taken[c]) || w <= 0) {
		pick = heaviest_left(cum, n, ln->taken, j);
		w = cum[pick] - cum[pick - 1];
		for (c = 0; c < j && ln->taken[c] < pick; c++)
			;
	}
	ln->out[j] = pick;
	for (i = j; i > c; i--) {
		ln->taken[i] = ln->taken[i - 1];
		ln->rs[i] = ln->rs[i - 1] - w;
		ln->before[i + 1] = ln->before[i] + w;
	}
	ln->taken[c] = pick;
	ln->rs[c] = cum[pick - 1] - ln->before[c];
	ln->before[c + 1] = ln->before[c] + w;
}

/* A token's draws form one serial chain; n tokens drawn in step give the
 * CPU independent work (12% faster than one at a time on 512 experts). */
static void draw_lanes(const double *cum, int experts, int k, struct lane *lanes, int n)
{
	for (int s = 0; s < n; s++)
		lanes[s].before[0] = 0;
	for (int j = 0; j < k; j++)
		for (int s = 0; s < n; s++)
			draw_one(cum, experts, &lanes[s], j);
}

/*
 * The batch's tokens sorted by cluster into r->order, r->first[c] being
 * where cluster c starts, so that each cluster's running sums are built
 * once per call.
 */
static void sort_by_cluster(struct routing *r, int iter, int batch)
{
	int C = r->clusters, *cl;

	if (batch > r->order_cap) {
		r->order_cap = batch;
		r->order = xrealloc(r->order, 2 * (size_t)batch * sizeof *r->order);
	}
	cl = r->order + batch;
	memset(r->first, 0, ((size_t)C + 1) * sizeof *r->first);
	for (int t = 0; t < batch; t++) {
		struct rng g;
		/* not keyed by layer: a token keeps its topic through the network */
		rng_derive(&g, r->seed, KEY(TAG_CLUSTER, 0), (uint64_t)(int64_t)iter, (uint64_t)t);
		cl[t] = (int)rng_below(&g, (uint64_t)C);
		r->first[cl[t] + 1]++;
	}
	for (int c = 0; c < C; c++)
		r->first[c + 1] += r->first[c];
	for (int t = 0; t < batch; t++)
		r->order[r->first[cl[t]]++] = t;
	for (int c = C; c > 0; c--)	/* the fill advanced each start to the next */
		r->first[c] = r->first[c - 1];
	r->first[0] = 0;
}

static void synthetic_batch(struct routing *r, int iter, int l, int batch, int *out)
{
	struct lane lanes[LANES];

	popularity(r, iter, l);
	sort_by_cluster(r, iter, batch);
	for (int c = 0; c < r->clusters; c++) {
		const double *cum;
		if (r->first[c] == r->first[c + 1])
			continue;
		cum = cluster_cum(r, l, c);
		for (int i = r->first[c]; i < r->first[c + 1]; i += LANES) {
			int n = r->first[c + 1] - i < LANES ? r->first[c + 1] - i : LANES;
			for (int s = 0; s < n; s++) {
				int t = r->order[i + s];
				rng_derive(&lanes[s].g, r->seed, KEY(TAG_TOKEN, l),
					   (uint64_t)(int64_t)iter, (uint64_t)t);
				lanes[s].out = out + (size_t)t * (size_t)r->top_k;
			}
			draw_lanes(cum, r->experts, r->top_k, lanes, n);
		}
	}
}

void routing_batch(struct routing *r, int iter, int moe_layer, int batch, int *out)
{
	const int *rows;
	size_t k = (size_t)r->top_k;

	assert(moe_layer >= 0 && moe_layer < r->layers && batch >= 0);
	if (r->kind == ROUTING_SYNTHETIC) {
		synthetic_batch(r, iter, moe_layer, batch, out);
		return;
	}
	rows = trace_sample(&r->trace, r->seed, iter, batch);
	for (int t = 0; t < batch; t++) {
		const int *ids = trace_ids(&r->trace, rows[t], moe_layer);
		memcpy(out + (size_t)t * k, ids, k * sizeof *out);
	}
}

void routing_count(const struct model *m, const int *assign, int batch, int *counts)
{
	size_t slots = (size_t)batch * (size_t)m->top_k;

	memset(counts, 0, (size_t)m->experts * sizeof *counts);
	for (size_t i = 0; i < slots; i++)
		counts[assign[i]]++;
}

/* ---- statistics ---- */

int routing_hist_lo(int bin)
{
	return bin == 0 ? 1 : (1 << (bin - 1)) + 1;
}

int routing_hist_hi(int bin)
{
	return bin == ROUTING_HIST_BINS - 1 ? -1 : 1 << bin;
}

int routing_hist_bin(int count)
{
	int bin = 0;

	while (bin < ROUTING_HIST_BINS - 1 && count > (1 << bin))
		bin++;
	return bin;
}

void routing_stats_init(struct routing_stats *s)
{
	memset(s, 0, sizeof *s);
}

/* Tokens of the busiest n experts without sorting: bisect for the count v
 * of the n-th busiest, take everything above v and fill up with ties at v. */
static long top_n_tokens(const int *counts, int experts, int n, int max)
{
	int lo = 0, hi = max, n_above = 0;
	long above = 0;

	while (lo < hi) {	/* largest v with #(count >= v) >= n */
		int v = (lo + hi + 1) / 2, ge = 0;
		for (int e = 0; e < experts; e++)
			ge += counts[e] >= v;
		if (ge >= n)
			lo = v;
		else
			hi = v - 1;
	}
	for (int e = 0; e < experts; e++) {
		if (counts[e] > lo) {
			above += counts[e];
			n_above++;
		}
	}
	return above + (long)(n - n_above) * lo;
}

void routing_stats_add(struct routing_stats *s, const int *counts, int experts, int batch,
		       int top_k)
{
	int active = 0, single = 0, max = 0, n10 = (experts + 5) / 10;	/* round(E/10) */
	double slots = (double)batch * top_k, hist[ROUTING_HIST_BINS] = {0};

	for (int e = 0; e < experts; e++) {
		if (counts[e] <= 0)
			continue;
		active++;
		single += counts[e] == 1;
		max = counts[e] > max ? counts[e] : max;
		hist[routing_hist_bin(counts[e])]++;
	}
	s->sum_activated += active;
	s->sum_max += max;
	if (active > 0) {
		s->sum_single += (double)single / active;
		for (int b = 0; b < ROUTING_HIST_BINS; b++)
			s->sum_hist[b] += hist[b] / active;
	}
	if (slots > 0)
		s->sum_top10 += (double)top_n_tokens(counts, experts, n10 > 0 ? n10 : 1, max) / slots;
	s->samples++;
}

void routing_stats_finish(struct routing_stats *s)
{
	double n = s->samples > 0 ? (double)s->samples : 1;

	s->activated = s->sum_activated / n;
	s->frac_single = s->sum_single / n;
	s->top10_share = s->sum_top10 / n;
	s->max_load = s->sum_max / n;
	for (int b = 0; b < ROUTING_HIST_BINS; b++)
		s->hist[b] = s->sum_hist[b] / n;
}
