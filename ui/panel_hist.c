/*
 * panel_hist.c - the Histogram panel: how many experts got 1, 2-3, 4-7,
 * ... tokens in the shown layer (log-2 buckets), each bar split into the
 * experts the policy ran on the GPU and in PIM, the policy's split marked
 * (the bucket of the busiest expert it sent to PIM, and below the buckets
 * the token counts either side), with a mark at what uniform
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
	int pim_max, gpu_min;	/* the split: most tokens in PIM, fewest on a GPU (0: none) */
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
		if (a->where[e] == WHERE_PIM) {
			st->pim[bucket_of(a->counts[e])]++;
			if (a->counts[e] > st->pim_max)
				st->pim_max = a->counts[e];
		} else {
			st->gpu[bucket_of(a->counts[e])]++;
			if (st->gpu_min == 0 || a->counts[e] < st->gpu_min)
				st->gpu_min = a->counts[e];
		}
	}
	for (int k = 1; k <= a->batch; k++)
		st->uniform[bucket_of(k)] += a->experts * binomial_pmf(a->batch, k, p);
}

/* The policy's split in words, under the buckets. */
static void split_line(const struct hist *st, const struct look *lk, int y, struct rect r)
{
	if (st->pim_max == 0)
		draw_text(lk, y, r.x, r.w, R_DIM, "  split: every expert on the GPUs");
	else if (st->gpu_min == 0)
		draw_text(lk, y, r.x, r.w, R_DIM, "> split: every expert in PIM");
	else
		draw_text(lk, y, r.x, r.w, R_NORMAL, "> split: PIM up to %d tokens, GPU from %d%s",
			  st->pim_max, st->gpu_min,
			  st->gpu_min <= st->pim_max ? " (per GPU)" : "");
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
			draw_text(lk, y, r.x + 1, label_w - 1, R_NORMAL, "%7d", lo);
		else
			draw_text(lk, y, r.x + 1, label_w - 1, R_NORMAL, "%4d-%-4d", lo, hi);
		if (st->pim_max > 0 && b == bucket_of(st->pim_max))
			draw_text(lk, y, r.x, 1, R_WARN, ">");
		used = draw_hbar(lk, y, x, bar_w, st->gpu[b], max, R_GPU, lk->gl->gpu_full);
		draw_hbar(lk, y, x + used, bar_w - used, st->pim[b], max, R_PIM, lk->gl->pim_full);
		if (ref < bar_w && st->uniform[b] >= 0.05)
			draw_glyph(lk, y, x + ref, R_REF, lk->gl->ref);
		draw_text(lk, y, x + bar_w + 1, num_w, R_NORMAL, "%3d/%-3d %5.1f", st->gpu[b],
			  st->pim[b], st->uniform[b]);
	}
	if (st->n + 1 < r.h)
		split_line(st, lk, r.y + 1 + st->n, r);
}

const struct view_ops histogram_view = {
	.title = "Histogram",
	.update = update,
	.draw = draw,
	.state_size = sizeof(struct hist),
};
