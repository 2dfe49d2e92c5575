/*
 * inspector.c - the decision inspector: the record behind an expert (or a
 * timeline task) of the shown layer: its tokens, the policy's GPU and PIM
 * estimates, the choice, the margin and the reason, in the units and
 * precision of `sieve run --explain`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "lane.h"

/* What every policy would have chosen for the same counts; returns the next row. */
static int whatif(const struct look *lk, const struct ui_snap *p, int e, struct rect in, int y)
{
	int x = in.x + 15;

	draw_text(lk, y, in.x, in.w, R_NORMAL, "other policies");
	if (p->whatif == NULL || !p->whatif_ready) {
		draw_text(lk, y, x, in.x + in.w - x, R_DIM, "(computing)");
		return y + 1;
	}
	for (int k = 0; k < SCHED_NPOLICIES; k++) {
		int w = p->whatif[k * p->experts + e];
		char item[48];
		if (k == p->sched)
			continue;
		snprintf(item, sizeof item, "%s %s", sched_policy_names[k],
			 w == WHERE_PIM ? "pim" : w == WHERE_GPU ? "gpu" : "-");
		if (x + (int)strlen(item) > in.x + in.w) {
			y++;
			x = in.x + 15;
		}
		draw_text(lk, y, x, in.x + in.w - x, w == WHERE_PIM ? R_PIM : R_GPU, "%s", item);
		x += (int)strlen(item) + 2;
	}
	return y + 1;
}

/* The decision lines of one expert; returns the next row. */
static int decision(const struct look *lk, const struct ui_snap *p, int e, struct rect in, int y)
{
	const struct sched_expert *d = snap_decision(p, e);

	if (d == NULL) {
		draw_text(lk, y++, in.x, in.w, R_DIM, "expert %d got no tokens in this layer", e);
		return y;
	}
	draw_text(lk, y++, in.x, in.w, R_NORMAL, "gpu %d, stack %d", d->gpu, d->stack);
	draw_text(lk, y++, in.x, in.w, R_NORMAL, "tokens        %d", d->tokens);
	draw_text(lk, y++, in.x, in.w, R_NORMAL, "gpu_us        %.3f   (its share of the grouped kernel)",
		  d->gpu_ns / 1e3);
	if (d->pim_ns >= 0)
		draw_text(lk, y++, in.x, in.w, R_NORMAL,
			  "pim_us        %.3f   (its kernel, activations in and out included)",
			  d->pim_ns / 1e3);
	else
		draw_text(lk, y++, in.x, in.w, R_NORMAL, "pim_us        -   (not computed: %s needs no PIM cost)",
			  config_sched_name(p->sched));
	draw_text(lk, y++, in.x, in.w, d->on_pim ? R_PIM : R_GPU, "where         %s",
		  d->on_pim ? "pim" : "gpu");
	if (isnan(d->margin_ns))
		draw_text(lk, y++, in.x, in.w, R_NORMAL, "margin_us     -");
	else
		draw_text(lk, y++, in.x, in.w, R_NORMAL, "margin_us     %.3f   (how much worse if flipped)",
			  d->margin_ns / 1e3);
	draw_text(lk, y++, in.x, in.w, R_NORMAL, "reason        %s", sched_reason_text(d->reason));
	return whatif(lk, p, e, in, y + 1);
}

static int task(const struct look *lk, const struct ui_snap *p, int i, struct rect in, int y)
{
	const struct engine_task *t = &p->task[i];
	char s[32], e[32], d[32];

	fmt_ns(s, sizeof s, t->start_ns - p->start_ns);
	fmt_ns(e, sizeof e, t->end_ns - p->start_ns);
	fmt_ns(d, sizeof d, t->dur_ns);
	draw_text(lk, y++, in.x, in.w, lane_role(t->kind), "%s on gpu %d%s",
		  engine_kind_name(t->kind), t->gpu, t->crit ? "  (on the critical path)" : "");
	draw_text(lk, y++, in.x, in.w, R_NORMAL, "from %s to %s after the layer's start: %s", s, e, d);
	if (t->tokens > 0)
		draw_text(lk, y++, in.x, in.w, R_NORMAL, "tokens        %d", t->tokens);
	if (t->bytes > 0)
		draw_text(lk, y++, in.x, in.w, R_NORMAL, "bytes         %.0f", t->bytes);
	if (t->kind == TASK_PIM_EXPERT && t->expert >= 0) {
		draw_text(lk, y++, in.x, in.w, R_TITLE, "expert %d:", t->expert);
		y = decision(lk, p, t->expert, in, y);
	}
	return y;
}

void inspector_draw(const struct app *ap)
{
	const struct look *lk = &ap->lk;
	const struct inspect *q = &ap->insp;
	const struct ui_snap *p = q->run ? &ap->b : &ap->a;
	int w = COLS - 4 < 76 ? COLS - 4 : 76, h = 16;
	struct rect r = {(LINES - h) / 2, (COLS - w) / 2, h, w}, in = rect_inner(r);
	int y = in.y;

	if (!p->has_layer || (q->kind == INSPECT_TASK && q->task >= p->ntasks))
		return;
	draw_clear(r);
	draw_box(lk, r, "Inspector (Esc closes)", 1);
	in.x++;
	in.w -= 2;
	if (q->kind == INSPECT_EXPERT) {
		draw_text(lk, y++, in.x, in.w, R_TITLE, "expert %d, layer %d, iteration %d, policy %s",
			  q->expert, p->layer, p->iter, config_sched_name(p->sched));
		y = decision(lk, p, q->expert, in, y + 1);
	} else {
		draw_text(lk, y++, in.x, in.w, R_TITLE, "task %d of layer %d, iteration %d, policy %s",
			  q->task, p->layer, p->iter, config_sched_name(p->sched));
		y = task(lk, p, q->task, in, y + 1);
	}
	(void)y;
}
