/*
 * panel_experts.c - the Experts panel: tokens per expert of the shown
 * layer as vertical bars, GPU and PIM experts told apart by glyph and
 * colour; scrolls when there are more experts than columns, sorts by id or
 * by load, and Enter (or a click) inspects the selected expert.  Under
 * the bars, when there is room, a row says which GPU owns each expert
 * (placement, place.h): its id in base 36, '+' when it has replicas; the
 * header names the selected expert's GPUs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

struct experts {
	const struct ui_snap *a;
	int *order;		/* expert ids in drawing order */
	int n, cap;
	int sel;		/* position in order of the selected expert */
	int first;		/* first position drawn */
	int by_load;
	int chosen;		/* the user picked sel; until then it follows the first busy expert */
	int visible;		/* columns drawn last time */
	int col_w;
};

static int ascending(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

/* Busiest first, ties by id: sorted as keys (tokens descending, id). */
static void sort_by_load(int *order, const int *counts, int n)
{
	long *k = xcalloc((size_t)n + 1, sizeof *k);

	for (int e = 0; e < n; e++)
		k[e] = ((long)(1 << 30) - counts[e]) << 20 | e;
	qsort(k, (size_t)n, sizeof *k, ascending);
	for (int i = 0; i < n; i++)
		order[i] = (int)(k[i] & ((1 << 20) - 1));
	free(k);
}

static void update(struct view *v, const struct view_in *in)
{
	struct experts *st = v->state;
	int sel_id = st->n > 0 ? st->order[st->sel] : 0;

	st->a = in->a;
	if (in->a->experts > st->cap) {
		st->cap = in->a->experts;
		st->order = xrealloc(st->order, (size_t)st->cap * sizeof *st->order);
	}
	st->n = in->a->experts;
	for (int e = 0; e < st->n; e++)
		st->order[e] = e;
	if (st->by_load)
		sort_by_load(st->order, in->a->counts, st->n);
	st->sel = 0;
	for (int i = 0; i < st->n; i++)
		if (st->chosen ? st->order[i] == sel_id : in->a->counts[st->order[i]] > 0) {
			st->sel = i;
			break;
		}
}

static void release(struct view *v)
{
	struct experts *st = v->state;

	free(st->order);
}

/* One bar, bottom up, rows tall at most. */
static void bar(const struct look *lk, int x, int bottom, int rows, int count, int max,
		int where, int selected)
{
	int eighths = (int)(((long)count * rows * 8 + max - 1) / max);
	int role = selected ? R_SELECT : where == WHERE_PIM ? R_PIM : R_GPU;
	const char *full = where == WHERE_PIM ? lk->gl->pim_full : lk->gl->gpu_full;

	for (int y = 0; y < rows && eighths > 0; y++, eighths -= 8) {
		const char *g = full;
		if (eighths < 8)
			g = lk->gl->unicode ? lk->gl->eighth[eighths] : eighths >= 4 ? full : ".";
		draw_glyph(lk, bottom - y, x, role, g);
	}
}

/*
 * At the right of the header line, when it fits: the glyphs of GPU and PIM
 * experts, and which experts are shown when they do not all fit.  Returns
 * the columns taken (with a blank before).
 */
static int legend(const struct experts *st, const struct look *lk, struct rect r)
{
	char range[48] = "";
	int w, x, last = st->first + st->visible < st->n ? st->first + st->visible : st->n;

	if (last - st->first < st->n)
		snprintf(range, sizeof range, "  %s%d-%d of %d", st->by_load ? "ranks " : "",
			 st->first, last - 1, st->n);
	w = 10 + (int)strlen(range);
	if (r.w < w + 40)
		return 0;
	x = r.x + r.w - w;
	draw_glyph(lk, r.y, x + 1, R_GPU, lk->gl->gpu_full);
	draw_text(lk, r.y, x + 2, 4, R_GPU, "GPU");
	draw_glyph(lk, r.y, x + 6, R_PIM, lk->gl->pim_full);
	draw_text(lk, r.y, x + 7, 3, R_PIM, "PIM");
	draw_text(lk, r.y, x + 10, w - 10, R_DIM, "%s", range);
	return w;
}

/* "on GPU 3" or "on GPUs 3,5" for expert e, into buf ("" in a dense layer). */
static void owners_text(const struct ui_snap *a, int e, char *buf, size_t size)
{
	size_t len;

	buf[0] = '\0';
	if (a->nrep[e] == 0)
		return;
	snprintf(buf, size, " on GPU%s ", a->nrep[e] > 1 ? "s" : "");
	for (int r = 0; r < a->nrep[e]; r++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%d", r ? "," : "",
			 a->owner[e * PLACE_MAX_REPLICAS + r]);
	}
}

/* The owner row's glyph of expert e: its GPU in base 36, '+' for replicas. */
static char owner_glyph(const struct ui_snap *a, int e)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	int g = a->owner[e * PLACE_MAX_REPLICAS];

	if (a->nrep[e] == 0)
		return ' ';
	return a->nrep[e] > 1 ? '+' : g < 36 ? digits[g] : '*';
}

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct experts *st = v->state;
	const struct ui_snap *a = st->a;
	int max = 1, sel_e, owners_row = r.h >= 5 && a != NULL && a->moe_layer;
	int rows = r.h - 2 - owners_row;
	const struct sched_expert *d;
	char owners[64];

	if (a == NULL || r.h < 3 || r.w < 10)
		return;
	if (!a->has_layer) {
		draw_text(lk, r.y, r.x, r.w, R_DIM, "no layer simulated yet: n steps a layer, "
			  "space an event, N an iteration, ? lists the keys");
		return;
	}
	for (int e = 0; e < a->experts; e++)
		if (a->counts[e] > max)
			max = a->counts[e];
	st->col_w = r.w / a->experts >= 2 ? (r.w / a->experts >= 3 ? 3 : 2) : 1;
	st->visible = r.w / st->col_w;
	if (st->sel < st->first)
		st->first = st->sel;
	if (st->sel >= st->first + st->visible)
		st->first = st->sel - st->visible + 1;
	if (st->first > a->experts - st->visible)
		st->first = a->experts > st->visible ? a->experts - st->visible : 0;
	sel_e = st->order[st->sel];
	d = snap_decision(a, sel_e);
	owners_text(a, sel_e, owners, sizeof owners);
	{	/* the selected expert and its owner before the layer's totals when short of room */
		char head[96], sel[128];
		int room = r.w - legend(st, lk, r);
		snprintf(head, sizeof head, "layer %d iter %d  %d active  max %d  by %s  ", a->layer,
			 a->iter, a->last.activated, max, st->by_load ? "load" : "id");
		snprintf(sel, sizeof sel, "expert %d: %d tokens%s%s", sel_e, a->counts[sel_e],
			 d == NULL ? "" : d->on_pim ? ", PIM" : ", GPU", owners);
		if ((int)(strlen(head) + strlen(sel)) > room)
			snprintf(head, sizeof head, "layer %d iter %d  ", a->layer, a->iter);
		draw_text(lk, r.y, r.x, room, R_NORMAL, "%s%s", head, sel);
	}
	for (int i = 0; i < st->visible && st->first + i < a->experts; i++) {
		int e = st->order[st->first + i], x = r.x + i * st->col_w;
		if (a->counts[e] > 0)
			for (int k = 0; k < st->col_w - (st->col_w > 1); k++)
				bar(lk, x + k, r.y + rows, rows, a->counts[e], max, a->where[e],
				    st->first + i == st->sel);
		if (owners_row)
			draw_text(lk, r.y + rows + 1, x, 1, st->first + i == st->sel ? R_SELECT : R_DIM,
				  "%c", owner_glyph(a, e));
		if (st->first + i == st->sel)
			draw_glyph(lk, r.y + rows + 1 + owners_row, x, R_SELECT, "^");
		else if (((st->by_load ? st->first + i : e) % 10) == 0 && x + 4 < r.x + r.w)
			draw_text(lk, r.y + rows + 1 + owners_row, x, 4, R_DIM, "%d", e);
	}
}

static int key(struct view *v, int k)
{
	struct experts *st = v->state;
	int page = st->visible > 1 ? st->visible : 1;

	switch (k) {
	case 'o':
		st->by_load = !st->by_load;
		if (st->a != NULL) {
			struct view_in in = {.a = st->a};
			update(v, &in);
		}
		return 1;
	case KEY_LEFT: st->sel--; break;
	case KEY_RIGHT: st->sel++; break;
	case KEY_PPAGE: st->sel -= page; break;
	case KEY_NPAGE: st->sel += page; break;
	case KEY_HOME: st->sel = 0; break;
	case KEY_END: st->sel = st->n - 1; break;
	default: return 0;
	}
	st->chosen = 1;
	if (st->sel >= st->n)
		st->sel = st->n - 1;
	if (st->sel < 0)
		st->sel = 0;
	return 1;
}

static int click(struct view *v, struct rect r, int y, int x)
{
	struct experts *st = v->state;
	int i = st->first + (x - r.x) / (st->col_w > 0 ? st->col_w : 1);

	(void)y;
	if (st->a == NULL || !st->a->has_layer || i < 0 || i >= st->n)
		return 0;
	st->sel = i;
	st->chosen = 1;
	return 1;
}

static int inspect(struct view *v, struct inspect *out)
{
	struct experts *st = v->state;

	if (st->a == NULL || !st->a->has_layer || st->n == 0)
		return 0;
	out->kind = INSPECT_EXPERT;
	out->expert = st->order[st->sel];
	out->run = 0;
	return 1;
}

const struct view_ops experts_view = {
	.title = "Experts",
	.update = update,
	.draw = draw,
	.key = key,
	.click = click,
	.inspect = inspect,
	.release = release,
	.state_size = sizeof(struct experts),
};
