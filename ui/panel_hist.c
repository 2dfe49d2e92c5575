/*
 * panel_hist.c - the Histogram panel: how many experts got 1, 2-3, 4-7,
 * ... tokens in the shown layer (log-2 buckets), each bar split into the
 * experts the policy ran on the GPU and in PIM, with a mark at what uniform
 * routing would give: tokens per expert ~ Binomial(batch, top_k / experts)
 * (each token picks top_k distinct experts of `experts`, independently).
 */
#include <math.h>
#include <string.h>

#include "view.h"

#define BUCKETS 20

struct hist {
	const struct ui_snap *a;
	int n;			/* buckets in use */
	int gpu[BUCKETS], pim[BUCKETS];
	double uniform[BUCKETS];	/* expected experts per bucket */
};

static int bucket_of(int tokens)
{
	int b = 0;

	while (tokens > 1 && b < BUCKETS - 1) {
		tokens >>= 1;
		b++;
	}
	return b;
}

/* P(X = k) for X ~ Binomial(n, p), through logs to stay finite at large n. */
static double binomial_pmf(int n, int k, double p)
{
	if (p <= 0)
		return k == 0;
	if (p >= 1)
		return k == n;
	return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) +
		   (n - k) * log1p(-p));
}

static void update(struct view *v, const struct view_in *in)
{
	struct hist *st = v->state;
	const struct ui_snap *a = in->a;
	double p = a->experts > 0 ? (double)a->top_k / a->experts : 0;

	memset(st, 0, sizeof *st);
	st->a = a;
	st->n = bucket_of(a->batch) + 1;
	for (int e = 0; e < a->experts && a->has_layer; e++) {
		if (a->counts[e] == 0)
			continue;
		if (a->where[e] == WHERE_PIM)
			st->pim[bucket_of(a->counts[e])]++;
		else
			st->gpu[bucket_of(a->counts[e])]++;
	}
	for (int k = 1; k <= a->batch; k++)
		st->uniform[bucket_of(k)] += a->experts * binomial_pmf(a->batch, k, p);
}

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct hist *st = v->state;
	double max = 1;
	int label_w = 10, num_w = 14, bar_w = r.w - label_w - num_w - 1;

	if (st->a == NULL || r.h < 2 || bar_w < 4)
		return;
	if (!st->a->has_layer) {
		draw_text(lk, r.y, r.x, r.w, R_DIM, "no layer yet");
		return;
	}
	for (int b = 0; b < st->n; b++)
		max = fmax(max, fmax(st->gpu[b] + st->pim[b], st->uniform[b]));
	draw_text(lk, r.y, r.x, r.w, R_NORMAL, "tokens    experts: ");
	draw_glyph(lk, r.y, r.x + 19, R_GPU, lk->gl->gpu_full);
	draw_text(lk, r.y, r.x + 20, 4, R_GPU, "GPU");
	draw_glyph(lk, r.y, r.x + 24, R_PIM, lk->gl->pim_full);
	draw_text(lk, r.y, r.x + 25, 4, R_PIM, "PIM");
	draw_glyph(lk, r.y, r.x + 29, R_REF, lk->gl->ref);
	draw_text(lk, r.y, r.x + 30, r.w - 30, R_NORMAL, "uniform routing");
	for (int b = 0; b < st->n && b + 1 < r.h; b++) {
		int y = r.y + 1 + b, lo = 1 << b, hi = (2 << b) - 1, x = r.x + label_w, used;
		int ref = (int)(st->uniform[b] / max * bar_w + 0.5);
		if (hi > st->a->batch)
			hi = st->a->batch;
		if (lo == hi)
			draw_text(lk, y, r.x, label_w, R_NORMAL, "%8d", lo);
		else
			draw_text(lk, y, r.x, label_w, R_NORMAL, "%4d-%-4d", lo, hi);
		used = draw_hbar(lk, y, x, bar_w, st->gpu[b], max, R_GPU, lk->gl->gpu_full);
		draw_hbar(lk, y, x + used, bar_w - used, st->pim[b], max, R_PIM, lk->gl->pim_full);
		if (ref < bar_w && st->uniform[b] >= 0.05)
			draw_glyph(lk, y, x + ref, R_REF, lk->gl->ref);
		draw_text(lk, y, x + bar_w + 1, num_w, R_NORMAL, "%3d/%-3d %5.1f", st->gpu[b],
			  st->pim[b], st->uniform[b]);
	}
}

const struct view_ops histogram_view = {
	.title = "Histogram",
	.update = update,
	.draw = draw,
	.state_size = sizeof(struct hist),
};
