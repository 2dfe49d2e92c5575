/*
 * panel_banks.c - the Banks panel: what each HBM-PIM stack of the selected
 * GPU did over the shown layer, a row per stack and a column per slice of
 * time: PIM kernels, GPU weight reads (the grouped kernel holds the stacks
 * with bank PIM), attention streamed in PIM, idle.  It reads the task
 * timeline; the per-bank view of one stack comes with the stack replay
 * (sim/replay.h).  s selects the next GPU.
 */
#include <stdlib.h>
#include <string.h>

#include "lane.h"
#include "view.h"

#define MAX_W 512

struct banks {
	const struct ui_snap *a;
	double cursor_ns;
	int gpu;
};

static void update(struct view *v, const struct view_in *in)
{
	struct banks *st = v->state;

	st->a = in->a;
	st->cursor_ns = in->cursor_ns;
	if (st->gpu >= in->a->gpus)
		st->gpu = 0;
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

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct banks *st = v->state;
	const struct ui_snap *a = st->a;
	int cell[MAX_W], w = r.w - 9, cur;

	if (a == NULL || r.h < 3 || w < 8)
		return;
	if (w > MAX_W)
		w = MAX_W;
	draw_text(lk, r.y, r.x, r.w, R_NORMAL, "gpu%d stacks over layer %d (s: next GPU)", st->gpu,
		  a->has_layer ? a->layer : 0);
	if (!a->has_layer)
		return;
	cur = (int)((st->cursor_ns - a->start_ns) / (a->end_ns - a->start_ns) * w);
	for (int k = 0; k < a->stacks && k + 2 < r.h; k++) {
		int y = r.y + 1 + k;
		lane_fill(a, a->start_ns, a->end_ns, w, lane_res, a->res_stack0[st->gpu] + k, cell);
		draw_text(lk, y, r.x, 9, R_NORMAL, "stack%-2d", k);
		for (int c = 0; c < w; c++) {
			int role;
			const char *g;
			cell_look(lk, cell[c] >= 0 ? &a->task[cell[c]] : NULL, &role, &g);
			draw_glyph(lk, y, r.x + 9 + c, c == cur ? R_CURSOR : role, g);
		}
	}
	if (a->stacks + 2 < r.h) {
		int y = r.y + 1 + a->stacks, x = r.x;
		static const struct {
			int role;
			const char *text;
		} legend[] = {{R_PIM, " PIM kernel "}, {R_GPU, " GPU reads "},
			      {R_ATTN_PIM, " attention "}, {R_DIM, " idle"}};
		const char *glyph[] = {lk->gl->pim_full, lk->gl->shade[1], lk->gl->shade[2],
				       lk->gl->shade[0]};
		for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
			draw_glyph(lk, y, x, legend[i].role, glyph[i]);
			draw_text(lk, y, x + 1, r.x + r.w - x - 1, R_NORMAL, "%s", legend[i].text);
			x += 1 + (int)strlen(legend[i].text);
		}
	}
}

static int key(struct view *v, int k)
{
	struct banks *st = v->state;

	if (k != 's' || st->a == NULL)
		return 0;
	st->gpu = (st->gpu + 1) % (st->a->gpus > 0 ? st->a->gpus : 1);
	return 1;
}

const struct view_ops banks_view = {
	.title = "Banks",
	.update = update,
	.draw = draw,
	.key = key,
	.state_size = sizeof(struct banks),
};
