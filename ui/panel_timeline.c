/*
 * panel_timeline.c - the Timeline panel: the shown layer's tasks on a lane
 * per GPU compute, per GPU's PIM stacks and one for the links, a letter and
 * colour per task kind, the critical path underlined and a cursor at "now".
 * With compare on, the second policy's lanes sit under the first on the
 * same time scale (time from each layer's start) with the difference.
 * z/Z zoom around the cursor, Left/Right pan, Up/Down pick a lane, Enter
 * inspects the task under the cursor on that lane.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lane.h"
#include "view.h"

#define MAX_W 1024
#define MAX_ROWS 256
#define LABEL_W 8

struct tl_view {
	const struct ui_snap *run[2];	/* a, and b or NULL */
	double cursor_ns;	/* in a's time */
	double zoom;		/* 1: the whole layer */
	double center;		/* of the view, ns from the layer's start */
	int sel;		/* selected lane, over both runs */
	int first;		/* first lane of each run drawn */
	int picked;		/* task picked by a click, or -1 */
	int picked_run;
	/* from the last draw, for clicks */
	int row_lane[MAX_ROWS];	/* lane index per row of the rectangle, -1 none */
	double t0, t1;
	int x0, w;
};

/* Lane i of a run: per GPU its compute, its PIM stack group and its link. */
#define LANES_PER_GPU 3

static int lanes_of(const struct ui_snap *p)
{
	return LANES_PER_GPU * p->gpus;
}

int timeline_lanes(const struct ui_snap *p)
{
	return lanes_of(p) > 0 ? lanes_of(p) : LANES_PER_GPU;
}

static lane_pick lane_def(const struct ui_snap *p, int i, int *arg, char *label, size_t len)
{
	int g = i / LANES_PER_GPU;

	switch (i % LANES_PER_GPU) {
	case 0:
		*arg = p->res_gpu[g];
		snprintf(label, len, "gpu%d", g);
		return lane_res;
	case 1:
		*arg = g;
		snprintf(label, len, "g%d pim", g);
		return lane_pim;
	default:
		*arg = p->res_link[g];
		snprintf(label, len, "g%d link", g);
		return lane_res;
	}
}

static double span_of(const struct tl_view *st)
{
	double d = 0;

	for (int k = 0; k < 2; k++)
		if (st->run[k] != NULL && st->run[k]->has_layer)
			d = fmax(d, st->run[k]->end_ns - st->run[k]->start_ns);
	return d;
}

static void update(struct view *v, const struct view_in *in)
{
	struct tl_view *st = v->state;

	st->run[0] = in->a;
	st->run[1] = in->b;
	st->cursor_ns = in->cursor_ns;
	if (st->zoom < 1)
		st->zoom = 1;
	if (st->zoom == 1)
		st->center = span_of(st) / 2;
	st->picked = -1;
}

static void window(struct tl_view *st)
{
	double span = span_of(st), half = span / st->zoom / 2;

	if (st->center - half < 0)
		st->center = half;
	if (st->center + half > span)
		st->center = span - half;
	st->t0 = st->center - half;
	st->t1 = st->center + half;
}

/* A run's header line and its lanes from row y; returns rows used. */
static int draw_run(struct tl_view *st, const struct look *lk, struct rect r, int y, int k,
		    int rows)
{
	const struct ui_snap *p = st->run[k];
	int cell[MAX_W], n = lanes_of(p), used = 1, w = st->w;
	double total = p->end_ns - p->start_ns, cur = st->cursor_ns - st->run[0]->start_ns;
	char tot[32], diff[64] = "";
	int ccol = -1, shown = rows - 1 < n - st->first ? rows - 1 : n - st->first;
	char more[48] = "";

	/* the cursor's column; "now" at the window's right edge is its last column */
	if (cur >= st->t0 && cur <= st->t1)
		ccol = (int)((cur - st->t0) / (st->t1 - st->t0) * w);
	if (ccol >= w)
		ccol = w - 1;
	if (shown < n)
		snprintf(more, sizeof more, " lanes %d-%d of %d ", st->first + 1,
			 st->first + shown, n);

	fmt_ns(tot, sizeof tot, total);
	if (k == 1) {
		double d = total - (st->run[0]->end_ns - st->run[0]->start_ns);
		snprintf(diff, sizeof diff, "  %+.3f us (%+.1f%%) against %s", d / 1e3,
			 100 * d / fmax(1, st->run[0]->end_ns - st->run[0]->start_ns),
			 config_sched_name(st->run[0]->sched));
	}
	/* which lanes are shown (Up/Down scroll them), right-aligned, kept
	 * whole; where they leave no room for the layer's time, it goes (the
	 * Stats panel and the scale line show it) rather than be cut to a
	 * number without its unit */
	{
		char head[160];
		int len = snprintf(head, sizeof head, " %s  layer %d  %s%s ",
				   config_sched_name(p->sched), p->layer, tot, diff);
		if (len + (int)strlen(more) > r.w)
			snprintf(head, sizeof head, " %s  layer %d ", config_sched_name(p->sched),
				 p->layer);
		draw_text(lk, y, r.x, r.w - (int)strlen(more), R_HEADER, "%s", head);
	}
	draw_text(lk, y, r.x + r.w - (int)strlen(more), (int)strlen(more), R_DIM, "%s", more);
	for (int i = st->first; i < n && used < rows; i++, used++) {
		int arg, lane = k * lanes_of(st->run[0]) + i, row = y + used;
		char label[24];
		lane_pick pick = lane_def(p, i, &arg, label, sizeof label);
		if (row - r.y < MAX_ROWS)
			st->row_lane[row - r.y] = lane;
		draw_text(lk, row, r.x, LABEL_W, lane == st->sel ? R_SELECT : R_NORMAL, "%-7.7s", label);
		lane_fill(p, st->t0 + p->start_ns, st->t1 + p->start_ns, w, pick, arg, cell);
		for (int c = 0; c < w; c++) {
			const struct engine_task *t = cell[c] >= 0 ? &p->task[cell[c]] : NULL;
			char ch[2] = {t ? lane_letter(t->kind) : ' ', 0};
			attr_t extra = t && t->crit ? A_UNDERLINE | A_BOLD : 0;
			if (t && lk->colour)
				extra |= A_REVERSE;
			if (c == ccol)
				attrset(lk->attr[R_CURSOR]);
			else
				attrset(t ? lk->attr[lane_role(t->kind)] | extra : lk->attr[R_NORMAL]);
			mvaddstr(row, st->x0 + c, c == ccol && !t ? lk->gl->ref : ch);
		}
		attrset(lk->attr[R_NORMAL]);
	}
	return used;
}

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct tl_view *st = v->state;
	const struct ui_snap *a = st->run[0];
	int runs = st->run[1] != NULL ? 2 : 1, y = r.y, per;
	char t0[32], t1[32], cur[32];

	for (int i = 0; i < MAX_ROWS; i++)
		st->row_lane[i] = -1;
	if (a == NULL || r.h < 4 || r.w < LABEL_W + 10)
		return;
	if (!a->has_layer) {
		draw_text(lk, r.y, r.x, r.w, R_DIM, "no layer yet");
		return;
	}
	st->x0 = r.x + LABEL_W;
	st->w = r.w - LABEL_W < MAX_W ? r.w - LABEL_W : MAX_W;
	window(st);
	per = (r.h - 1) / runs;
	if (st->sel >= runs * lanes_of(a))
		st->sel = runs * lanes_of(a) - 1;
	/* keep the selected lane in view */
	if (st->sel % lanes_of(a) < st->first)
		st->first = st->sel % lanes_of(a);
	if (st->sel % lanes_of(a) >= st->first + per - 1)
		st->first = st->sel % lanes_of(a) - per + 2;
	for (int k = 0; k < runs; k++)
		y += draw_run(st, lk, r, y, k, per);
	fmt_ns(t0, sizeof t0, st->t0);
	fmt_ns(t1, sizeof t1, st->t1);
	fmt_ns(cur, sizeof cur, st->cursor_ns - a->start_ns);
	/* times from the layer's start, so marked "+" (Stats shows absolute ones);
	 * the window's ends only where they leave room for "now" */
	char now[48];
	int foot = r.y + r.h - 1, nw, nx, e0 = (int)strlen(t0) + 2, e1 = (int)strlen(t1) + 1;

	nw = snprintf(now, sizeof now, "now +%s", cur);
	nx = st->x0 + (st->w - nw) / 2;
	draw_text(lk, foot, nx, nw, R_NORMAL, "%s", now);
	if (st->x0 + e0 < nx)
		draw_text(lk, foot, st->x0, e0 - 1, R_DIM, "+%s", t0);
	if (st->x0 + st->w - e1 > nx + nw)
		draw_text(lk, foot, st->x0 + st->w - e1, e1, R_DIM, "+%s", t1);
	draw_text(lk, foot, r.x, LABEL_W, R_DIM, "x%-6g", st->zoom);
}

static int key(struct view *v, int k)
{
	struct tl_view *st = v->state;
	double span = span_of(st) / st->zoom;
	int lanes = st->run[0] ? lanes_of(st->run[0]) * (st->run[1] ? 2 : 1) : 1;

	switch (k) {
	case 'z':
		if (st->zoom < 1024) {
			st->zoom *= 2;
			if (st->run[0] != NULL)
				st->center = st->cursor_ns - st->run[0]->start_ns;
		}
		break;
	case 'Z': st->zoom = st->zoom > 1 ? st->zoom / 2 : 1; break;
	case KEY_LEFT: st->center -= span / 8; break;
	case KEY_RIGHT: st->center += span / 8; break;
	case KEY_UP: st->sel = st->sel > 0 ? st->sel - 1 : 0; break;
	case KEY_DOWN: st->sel = st->sel + 1 < lanes ? st->sel + 1 : lanes - 1; break;
	case KEY_PPAGE: st->sel = st->sel >= 5 ? st->sel - 5 : 0; break;
	case KEY_NPAGE: st->sel = st->sel + 5 < lanes ? st->sel + 5 : lanes - 1; break;
	case KEY_HOME: st->zoom = 1; st->center = span_of(st) / 2; break;
	default: return 0;
	}
	return 1;
}

/* The task on lane `lane` at relative time t, or the one starting nearest. */
static int task_at(struct tl_view *st, int lane, double t, int *run)
{
	int n = lanes_of(st->run[0]), arg, best = -1;
	const struct ui_snap *p;
	char label[24];
	double bestd = INFINITY;

	*run = lane >= n;
	p = st->run[*run];
	if (p == NULL)
		return -1;
	lane_pick pick = lane_def(p, lane % n, &arg, label, sizeof label);
	t += p->start_ns;
	for (int i = 0; i < p->ntasks; i++) {
		const struct engine_task *x = &p->task[i];
		double d = t < x->start_ns ? x->start_ns - t : t > x->end_ns ? t - x->end_ns : 0;
		if (x->dur_ns > 0 && pick(p, x, arg) && d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

static int click(struct view *v, struct rect r, int y, int x)
{
	struct tl_view *st = v->state;
	int lane = y - r.y < MAX_ROWS ? st->row_lane[y - r.y] : -1;

	if (lane < 0 || x < st->x0 || st->w <= 0)
		return 0;
	st->sel = lane;
	st->picked = task_at(st, lane, st->t0 + (x - st->x0 + 0.5) * (st->t1 - st->t0) / st->w,
			     &st->picked_run);
	return st->picked >= 0;
}

static int inspect(struct view *v, struct inspect *out)
{
	struct tl_view *st = v->state;
	int run, t;

	if (st->run[0] == NULL || !st->run[0]->has_layer)
		return 0;
	if (st->picked >= 0) {
		t = st->picked;
		run = st->picked_run;
		st->picked = -1;
	} else {
		t = task_at(st, st->sel, st->cursor_ns - st->run[0]->start_ns, &run);
	}
	if (t < 0)
		return 0;
	out->kind = INSPECT_TASK;
	out->task = t;
	out->run = run;
	return 1;
}

const struct view_ops timeline_view = {
	.title = "Timeline",
	.update = update,
	.draw = draw,
	.key = key,
	.click = click,
	.inspect = inspect,
	.state_size = sizeof(struct tl_view),
};
