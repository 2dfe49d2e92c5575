/* lane.c - tasks painted into columns (lane.h). */
#include "lane.h"

#include <math.h>

#include "theme.h"

static const struct {
	int role;
	char letter;
} kinds[TASK_KINDS] = {
	[TASK_ATTN] = {R_ATTN, 'A'},
	[TASK_ATTN_PIM] = {R_ATTN_PIM, 'a'},
	[TASK_DISPATCH] = {R_LINK, '>'},
	[TASK_GPU_EXPERTS] = {R_GPU, 'G'},
	[TASK_PIM_EXPERT] = {R_PIM, 'P'},
	[TASK_SHARED] = {R_SHARED, 'S'},
	[TASK_COMBINE] = {R_LINK, '<'},
	[TASK_ROUTER] = {R_ATTN, 'R'},
	[TASK_LM_HEAD] = {R_SHARED, 'H'},
	[TASK_MIGRATE] = {R_LINK, 'M'},	/* weights moved by a recalibration */
};

int lane_role(int kind)
{
	return kind >= 0 && kind < TASK_KINDS ? kinds[kind].role : R_NORMAL;
}

char lane_letter(int kind)
{
	return kind >= 0 && kind < TASK_KINDS && kinds[kind].letter ? kinds[kind].letter : '?';
}

int lane_pim(const struct ui_snap *p, const struct engine_task *t, int gpu)
{
	(void)p;
	return t->gpu == gpu && (t->kind == TASK_PIM_EXPERT || t->kind == TASK_ATTN_PIM);
}

void lane_fill(const struct ui_snap *p, double t0_ns, double t1_ns, int w, lane_pick pick,
	       int arg, int *cell)
{
	double per = (t1_ns - t0_ns) / (w > 0 ? w : 1);

	for (int c = 0; c < w; c++)
		cell[c] = -1;
	if (per <= 0)
		return;
	for (int i = 0; i < p->ntasks; i++) {
		const struct engine_task *t = &p->task[i];
		if (t->dur_ns <= 0 || t->end_ns <= t0_ns || t->start_ns >= t1_ns || !pick(p, t, arg))
			continue;
		int c0 = (int)floor((t->start_ns - t0_ns) / per);
		int c1 = (int)ceil((t->end_ns - t0_ns) / per);
		if (c0 < 0)
			c0 = 0;
		if (c1 > w)
			c1 = w;
		if (c1 <= c0)	/* shorter than a column: still one cell */
			c1 = c0 + 1 <= w ? c0 + 1 : w;
		for (int c = c0; c < c1; c++)
			cell[c] = i;
	}
}

int lane_res(const struct ui_snap *p, const struct engine_task *t, int res)
{
	(void)p;
	for (int i = 0; i < t->nres; i++)
		if (t->res[i] == res)
			return 1;
	return 0;
}
