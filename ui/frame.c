/*
 * frame.c - one frame: the title line, every panel in its box, the status
 * line and an overlay, or the "terminal too small" screen.  Views are fed
 * first (app_update_views), then drawn; nothing here reads the simulator.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"

void app_open_views(struct app *ap)
{
	static const struct view_ops *const ops[P_N] = {
		[P_EXPERTS] = &experts_view, [P_HISTOGRAM] = &histogram_view,
		[P_BANKS] = &banks_view, [P_TIMELINE] = &timeline_view, [P_STATS] = &stats_view,
	};

	for (int p = 0; p < P_N; p++)
		ap->view[p] = view_new(ops[p]);
}

void app_close_views(struct app *ap)
{
	for (int p = 0; p < P_N; p++) {
		view_free(ap->view[p]);
		ap->view[p] = NULL;
	}
}

void app_update_views(struct app *ap)
{
	static const char *const grain_names[] = {[GRAIN_EVENT] = "event", [GRAIN_LAYER] = "layer",
						  [GRAIN_ITER] = "iteration", [GRAIN_CYCLE] = "cycle"};
	struct view_in in = {
		.a = &ap->a,
		.b = ap->cmp_on ? &ap->b : NULL,
		.cursor_ns = ap->cur.t_ns,
		.ev = ap->cur.on_ev ? &ap->cur.ev : NULL,
		.playing = ap->playing,
		.speed = keys_speed_label(ap->speed),
		.grain = grain_names[ap->grain],
		.banks = &ap->banks,
		.sel_gpu = ap->sel_gpu,
		.sel_stack = ap->sel_stack,
	};

	for (int p = 0; p < P_N; p++)
		ap->view[p]->ops->update(ap->view[p], &in);
}

static void too_small(const struct look *lk)
{
	char need[32], have[32];
	int y = LINES / 2 - 1;

	snprintf(need, sizeof need, "(need %dx%d)", UI_MIN_COLS, UI_MIN_LINES);
	snprintf(have, sizeof have, "have %dx%d", COLS, LINES);
	/* on one line when it fits, else a word per line */
	if (COLS >= 32) {
		draw_text(lk, y, (COLS - 31) / 2, COLS, R_WARN, "terminal too small %s", need);
	} else {
		draw_text(lk, y - 1 < 0 ? 0 : y - 1, 0, COLS, R_WARN, "terminal too small");
		draw_text(lk, y, 0, COLS, R_WARN, "%s", need);
	}
	draw_text(lk, y + 1, COLS >= 32 ? (COLS - (int)strlen(have) - 9) / 2 : 0, COLS, R_NORMAL,
		  "%s, q quits", have);
}

static void title(const struct app *ap)
{
	const struct ui_snap *a = &ap->a;

	attrset(ap->lk.attr[R_HEADER]);
	mvhline(0, 0, ' ', COLS);
	draw_text(&ap->lk, 0, 0, COLS, R_HEADER,
		  " sieve  %s on %s (%d GPUs x %d stacks)  sched %s  batch %d  context %d  seed %d",
		  a->model, a->hw, a->gpus, a->stacks, config_sched_name(a->sched), a->batch,
		  a->context, a->seed);
}

static void status(struct app *ap)
{
	static const char spin[] = "|/-\\";

	mvhline(LINES - 1, 0, ' ', COLS);
	if (ap->busy)
		draw_text(&ap->lk, LINES - 1, 0, COLS, R_WARN,
			  " %c simulating iteration %d, layer %d ... %.1f s (%s; q quits)",
			  spin[(int)(ap->busy_s * 8) % 4], ap->busy_iter, ap->busy_layer, ap->busy_s,
			  ap->cmp_sched >= 0 ? "Esc stops compare" : "keys still work");
	else if (ap->msg[0])
		draw_text(&ap->lk, LINES - 1, 0, COLS, strncmp(ap->msg, "error: ", 7) ? R_NORMAL : R_WARN,
			  " %s", ap->msg);
	else if (con_note_now(ap) != NULL)	/* a lesson's note, from where it was written */
		draw_text(&ap->lk, LINES - 1, 0, COLS, R_TITLE, " note: %s", con_note_now(ap));
	else
		draw_text(&ap->lk, LINES - 1, 0, COLS, R_DIM,
			  " space event  n layer  N iteration  b back  r play  c compare  Tab panel  "
			  "Enter inspect  ? help  q quit");
}

void app_draw(struct app *ap)
{
	erase();
	ap->too_small = !layout(ap, LINES, COLS);
	if (ap->too_small) {
		too_small(&ap->lk);
	} else {
		title(ap);
		for (int p = 0; p < P_N; p++) {
			struct view *v = ap->view[p];
			draw_box(&ap->lk, v->r, v->ops->title, p == ap->focus);
			v->ops->draw(v, &ap->lk, rect_inner(v->r));
		}
		status(ap);
		if (ap->overlay == OV_HELP)
			keys_draw_help(ap);
		else if (ap->overlay == OV_INSPECT)
			inspector_draw(ap);
	}
	conline_draw(ap);
	wnoutrefresh(stdscr);
	doupdate();
}
