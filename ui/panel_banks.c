/*
 * panel_banks.c - the Banks panel.  Before a stack replay exists: what each
 * HBM-PIM stack of the selected GPU did over the shown layer, a row per
 * stack and a column per slice of time (PIM kernels, GPU weight reads,
 * attention in PIM, idle), from the task timeline.  With the replay (the
 * . key, sim/replay.h): the selected stack's channels x banks heatmap of
 * the last cycles, each bank shown by what it spent most of them doing
 * (idle, activate, host read, PIM MAC, refresh, precharge), and the
 * pseudo-channels' queue depths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lane.h"
#include "view.h"

#define MAX_W 512

struct banks {
	const struct ui_snap *a;
	const struct ui_banks *rp;
	double cursor_ns;
	int gpu, stack;
};

static void update(struct view *v, const struct view_in *in)
{
	struct banks *st = v->state;

	st->a = in->a;
	st->rp = in->banks;
	st->cursor_ns = in->cursor_ns;
	st->gpu = in->sel_gpu;
	st->stack = in->sel_stack;
}

/* How a column of a stack row looks for the task that covers it. */
static void cell_look(const struct look *lk, const struct engine_task *t, int *role,
		      const char **g)
{
	if (t == NULL) {
		*role = R_DIM;
		*g = lk->gl->shade[0];
	} else if (t->kind == TASK_PIM_EXPERT) {
		*role = R_PIM;
		*g = lk->gl->pim_full;
	} else if (t->kind == TASK_ATTN_PIM) {
		*role = R_ATTN_PIM;
		*g = lk->gl->shade[2];
	} else {
		*role = R_GPU;
		*g = lk->gl->shade[1];
	}
}

/* One legend entry per (role, glyph, text) from x; returns the next x. */
static int legend(const struct look *lk, int y, int x, int end, int role, const char *g,
		  const char *text)
{
	if (x + 2 + (int)strlen(text) > end)
		return x;
	draw_glyph(lk, y, x, role, g);
	draw_text(lk, y, x + 1, end - x - 1, R_NORMAL, "%s ", text);
	return x + 2 + (int)strlen(text);
}

static void draw_stacks(struct banks *st, const struct look *lk, struct rect r)
{
	const struct ui_snap *a = st->a;
	int cell[MAX_W], w = r.w - 9, cur, y, x = r.x;

	if (w > MAX_W)
		w = MAX_W;
	draw_text(lk, r.y, r.x, r.w, R_NORMAL, "gpu%d stacks over layer %d (s: next stack, "
		  ". replays it)", st->gpu, a->layer);
	cur = (int)((st->cursor_ns - a->start_ns) / (a->end_ns - a->start_ns) * w);
	for (int k = 0; k < a->stacks && k + 2 < r.h; k++) {
		y = r.y + 1 + k;
		lane_fill(a, a->start_ns, a->end_ns, w, lane_res, a->res_stack0[st->gpu] + k, cell);
		draw_text(lk, y, r.x, 9, k == st->stack ? R_SELECT : R_NORMAL, "stack%-2d", k);
		for (int c = 0; c < w; c++) {
			int role;
			const char *g;
			cell_look(lk, cell[c] >= 0 ? &a->task[cell[c]] : NULL, &role, &g);
			draw_glyph(lk, y, r.x + 9 + c, c == cur ? R_CURSOR : role, g);
		}
	}
	if (a->stacks + 2 >= r.h)
		return;
	y = r.y + 1 + a->stacks;
	x = legend(lk, y, x, r.x + r.w, R_PIM, lk->gl->pim_full, "PIM kernel");
	x = legend(lk, y, x, r.x + r.w, R_GPU, lk->gl->shade[1], "GPU reads");
	x = legend(lk, y, x, r.x + r.w, R_ATTN_PIM, lk->gl->shade[2], "attention");
	legend(lk, y, x, r.x + r.w, R_DIM, lk->gl->shade[0], "idle");
}

/* The look of each enum replay_occ in the heatmap. */
static void occ_look(const struct look *lk, int occ, int *role, const char **g)
{
	static const int roles[OCC_N] = {[OCC_IDLE] = R_DIM, [OCC_ACT] = R_ATTN, [OCC_HOST] = R_GPU,
					 [OCC_PIM] = R_PIM, [OCC_REF] = R_WARN, [OCC_PRE] = R_LINK};
	const char *glyphs[OCC_N] = {[OCC_IDLE] = lk->gl->shade[0], [OCC_ACT] = lk->gl->shade[1],
				     [OCC_HOST] = lk->gl->gpu_full, [OCC_PIM] = lk->gl->pim_full,
				     [OCC_REF] = "R", [OCC_PRE] = lk->gl->shade[2]};
	*role = roles[occ];
	*g = glyphs[occ];
}

/*
 * The kind of occupancy that dominates the cell of channels [c0, c0 + nc)
 * and banks [k0, k0 + nk): a cell stands for several banks when the stack
 * does not fit the panel one bank a cell.
 */
static int occ_of_cell(const struct ui_banks *b, int c0, int nc, int k0, int nk)
{
	int64_t sum[OCC_N] = {0};
	int best = OCC_IDLE;

	for (int c = c0; c < c0 + nc && c < b->channels; c++)
		for (int k = k0; k < k0 + nk && k < b->banks_per_channel; k++)
			for (int o = 0; o < OCC_N; o++)
				sum[o] += b->occ[(c * b->banks_per_channel + k) * OCC_N + o];
	for (int o = 0; o < OCC_N; o++)
		if (sum[o] > sum[best])
			best = o;
	return best;
}

static int ceil_div(int a, int b)
{
	return b > 0 ? (a + b - 1) / b : a;
}

static void draw_replay(struct banks *st, const struct look *lk, struct rect r)
{
	const struct ui_banks *b = st->rp;
	char t[32];
	int y = r.y, x, rows = r.h - 4 > 1 ? r.h - 4 : 1;
	/* channels a row and banks a cell, so the whole stack shows */
	int per_row = ceil_div(b->channels, rows), per_cell = ceil_div(b->banks_per_channel, r.w - 5);

	fmt_ns(t, sizeof t, b->cycle * b->tck_ns);
	draw_text(lk, y++, r.x, r.w, R_NORMAL, "gpu%d stack%d  cycle %lld = %s @ %.0f MHz%s", b->gpu,
		  b->stack, (long long)b->cycle, t, 1e3 / b->tck_ns, b->done ? "  [done]" : "");
	if (b->kernel < b->nkernels && b->expert >= 0)
		draw_text(lk, y++, r.x, r.w, R_NORMAL, "kernel %d of %d: expert %d, %d tokens",
			  b->kernel + 1, b->nkernels, b->expert, b->tokens);
	else if (b->kernel < b->nkernels)
		draw_text(lk, y++, r.x, r.w, R_NORMAL, "kernel %d of %d: the GPU's weight reads",
			  b->kernel + 1, b->nkernels);
	else
		draw_text(lk, y++, r.x, r.w, R_DIM, "%d kernels replayed", b->nkernels);
	if (per_row > 1 || per_cell > 1)	/* say what a cell is when it is not one bank */
		draw_text(lk, y - 1, r.x + r.w - 22, 22, R_DIM, "  cell: %dch x %d banks", per_row,
			  per_cell);
	for (int c = 0; c < b->channels && y < r.y + r.h - 2; c += per_row, y++) {
		draw_text(lk, y, r.x, 5, R_NORMAL, "ch%-2d", c);
		for (int k = 0, col = 0; k < b->banks_per_channel; k += per_cell, col++) {
			int role;
			const char *g;
			occ_look(lk, occ_of_cell(b, c, per_row, k, per_cell), &role, &g);
			draw_glyph(lk, y, r.x + 5 + col, role, g);
		}
	}
	if (y < r.y + r.h - 1) {
		draw_text(lk, y, r.x, 8, R_NORMAL, "queues");
		for (int p = 0; p < b->pchs && 8 + p < r.w; p++)
			draw_text(lk, y, r.x + 8 + p, 1, b->queue[p] ? R_WARN : R_DIM, "%c",
				  b->queue[p] > 9 ? '+' : '0' + b->queue[p]);
		y++;
	}
	if (y < r.y + r.h) {
		x = r.x;
		for (int o = 0; o < OCC_N; o++) {
			int role;
			const char *g;
			occ_look(lk, o, &role, &g);
			x = legend(lk, y, x, r.x + r.w, role, g, replay_occ_names[o]);
		}
	}
}

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct banks *st = v->state;

	if (st->a == NULL || r.h < 3 || r.w < 20)
		return;
	if (!st->a->has_layer)
		draw_text(lk, r.y, r.x, r.w, R_DIM, "no layer yet");
	else if (st->rp != NULL && st->rp->on)
		draw_replay(st, lk, r);
	else
		draw_stacks(st, lk, r);
}

const struct view_ops banks_view = {
	.title = "Banks",
	.update = update,
	.draw = draw,
	.state_size = sizeof(struct banks),
};
