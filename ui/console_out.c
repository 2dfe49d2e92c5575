/*
 * console_out.c - what the console shows and does in the UI
 * (console_line.h): lines run when the worker is idle, their output kept
 * for a pane, notes shown from where they were written, and the ui_*
 * functions of ui.h the commands call.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "screen.h"

#define KEY_ESC 27

static void out_add(struct conline *cl, const char *line)
{
	char **slot = &cl->out[cl->nout % CON_OUT_MAX];

	free(*slot);
	*slot = xstrdup(line);
	cl->nout++;
}

static long out_first(const struct conline *cl)
{
	return cl->nout > CON_OUT_MAX ? cl->nout - CON_OUT_MAX : 0;
}

void con_free(struct app *ap)
{
	struct conline *cl = &ap->con;

	for (int i = 0; i < CON_OUT_MAX; i++)
		free(cl->out[i]);
	for (int i = 0; i < cl->nqueue; i++)
		free(cl->queue[i]);
	for (int i = 0; i < cl->nnotes; i++)
		free(cl->note[i].text);
	free(cl->note);
	memset(cl->out, 0, sizeof cl->out);
	cl->nqueue = cl->nnotes = 0;
	cl->note = NULL;
}

void con_submit(struct app *ap, const char *line)
{
	struct conline *cl = &ap->con;

	if (cl->nqueue == CON_QUEUE) {
		snprintf(ap->msg, sizeof ap->msg, "too many commands waiting: '%s' dropped", line);
		return;
	}
	cl->queue[cl->nqueue++] = xstrdup(line);
}

static int before(const struct sim_mark *a, const struct sim_mark *b)
{
	return a->iter < b->iter || (a->iter == b->iter && a->layer < b->layer);
}

/*
 * Run line (NULL: the startup) on the idle worker's simulation, show what
 * it said, then have the worker bring the compare run and the replay along
 * and snapshot the result.
 */
static void run(struct app *ap, const char *line)
{
	struct conline *cl = &ap->con;
	const struct ui_console *uc = &ap->o->con;
	struct sim_mark was, now;
	char err[ERR_MAX];
	long first;
	int rc;

	if (line != NULL) {
		char echo[ERR_MAX];
		snprintf(echo, sizeof echo, ":%s", line);
		out_add(cl, echo);
	}
	first = cl->nout;
	cl->cycles = 0;
	cl->progressed = 0;
	if (line != NULL) {	/* the screen waits while it runs: say so first */
		snprintf(ap->msg, sizeof ap->msg, "running :%s ...", line);
		app_draw(ap);
		ap->msg[0] = '\0';
	}
	err[0] = '\0';
	sim_mark(ap->w.s, &was);
	rc = line != NULL ? uc->exec(uc->ctx, ap, line, err, sizeof err)
			  : uc->startup(uc->ctx, ap, err, sizeof err);
	if (cl->progressed && screen_signal() == SIGINT)
		screen_signal_forget();	/* meant for the long command, which ended meanwhile */
	if (rc != 0) {
		snprintf(ap->msg, sizeof ap->msg, "error: %s", err);
		out_add(cl, ap->msg);
	} else if (line == NULL) {
		/* the rc file and scripts: their output waits in the pane's log */
	} else if (cl->nout - first == 1) {
		snprintf(ap->msg, sizeof ap->msg, "%s", cl->out[(cl->nout - 1) % CON_OUT_MAX]);
	} else if (cl->nout - first > 1) {	/* more than a line: the pane, from the command */
		cl->pane = 1;
		cl->pane_top = first - 1;
	}
	sim_mark(ap->w.s, &now);
	if (before(&was, &now) || before(&now, &was))
		ap->cursor_after = CUR_END;
	struct job_args j = {.job = JOB_SYNC, .cmp_sched = ap->cmp_sched, .cycles = cl->cycles,
			     .gpu = ap->sel_gpu, .stack = ap->sel_stack};
	if (cl->cycles > 0)
		ap->cursor_after = CUR_REPLAY;
	worker_submit(&ap->w, &j);	/* idle: commands run only then */
}

int con_run_pending(struct app *ap)
{
	struct conline *cl = &ap->con;
	char *line;

	if (ap->o->con.exec == NULL)
		return 0;
	if (!cl->started) {
		cl->started = 1;
		if (ap->o->con.startup != NULL) {
			run(ap, NULL);
			return 1;
		}
	}
	if (cl->nqueue == 0)
		return 0;
	line = cl->queue[0];
	memmove(cl->queue, cl->queue + 1, (size_t)--cl->nqueue * sizeof *cl->queue);
	run(ap, line);
	free(line);
	return 1;
}

/* --- the output pane --- */

static int pane_rows(void)
{
	return LINES / 2 - 2 > 1 ? LINES / 2 - 2 : 1;
}

static void pane_clamp(struct conline *cl)
{
	long last = cl->nout - pane_rows();

	if (cl->pane_top > last)
		cl->pane_top = last;
	if (cl->pane_top < out_first(cl))
		cl->pane_top = out_first(cl);
}

int con_pane_key(struct app *ap, int ch)
{
	struct conline *cl = &ap->con;

	if (!cl->pane)
		return 0;
	switch (ch) {
	case KEY_UP:
		cl->pane_top--;
		break;
	case KEY_DOWN:
		cl->pane_top++;
		break;
	case KEY_PPAGE:
		cl->pane_top -= pane_rows();
		break;
	case KEY_NPAGE:
		cl->pane_top += pane_rows();
		break;
	case KEY_HOME:
		cl->pane_top = out_first(cl);
		break;
	case KEY_END:
		cl->pane_top = cl->nout;
		break;
	case ':':	/* another command with the output in view */
		return 0;
	default:	/* Esc closes it; any other key closes it, then acts */
		cl->pane = 0;
		return 0;
	}
	pane_clamp(cl);
	return 1;
}

void con_pane_draw(struct app *ap)
{
	struct conline *cl = &ap->con;
	int rows = pane_rows();
	struct rect r = {LINES - 3 - rows, 0, rows + 2, COLS}, in = rect_inner(r);

	if (!cl->pane || r.y < 1)
		return;
	pane_clamp(cl);
	draw_clear(r);
	draw_box(&ap->lk, r, "Console output (Up/Down PgUp PgDn scroll, Esc closes)", 1);
	for (int i = 0; i < in.h && cl->pane_top + i < cl->nout; i++) {
		const char *s = cl->out[(cl->pane_top + i) % CON_OUT_MAX];
		draw_text(&ap->lk, in.y + i, in.x + 1, in.w - 2, s[0] == ':' ? R_TITLE : R_NORMAL,
			  "%s", s);
	}
}

/* --- notes --- */

const char *con_note_now(const struct app *ap)
{
	const struct conline *cl = &ap->con;
	const struct con_note *best = NULL;
	struct sim_mark now = {.iter = ap->a.next_iter, .layer = ap->a.next_layer};

	for (int i = 0; i < cl->nnotes; i++) {
		struct sim_mark at = {.iter = cl->note[i].iter, .layer = cl->note[i].layer};
		if (before(&now, &at))
			continue;
		if (best == NULL || !before(&at, &(struct sim_mark){best->iter, best->layer}))
			best = &cl->note[i];
	}
	return best != NULL ? best->text : NULL;
}

/* --- what the commands do to the UI (ui.h) --- */

void ui_print(struct app *ap, const char *line)
{
	out_add(&ap->con, line);
}

void ui_pause(struct app *ap)
{
	ap->playing = 0;
}

const char *ui_speed(struct app *ap, double steps_per_s)
{
	ap->speed = keys_speed_nearest(steps_per_s);
	return keys_speed_label(ap->speed);
}

void ui_compare(struct app *ap, int policy)
{
	ap->cmp_sched = policy;
}

void ui_step_cycle(struct app *ap, long n)
{
	ap->con.cycles += n;
}

void ui_note(struct app *ap, int iter, int layer, const char *text)
{
	struct conline *cl = &ap->con;

	cl->note = xrealloc(cl->note, (size_t)(cl->nnotes + 1) * sizeof *cl->note);
	cl->note[cl->nnotes++] = (struct con_note){iter, layer, xstrdup(text)};
}

void ui_set_sim(struct app *ap, struct sim *s)
{
	worker_set_sim(&ap->w, s);
	ap->nback = 0;	/* places in the old run mean nothing in the new one */
	memset(ap->bookmark, 0, sizeof ap->bookmark);
	ap->sel_gpu = ap->sel_stack = 0;
	ap->cursor_after = CUR_END;
}

void ui_quit(struct app *ap)
{
	ap->quit = 1;
}

int ui_progress(struct app *ap, const char *text)
{
	int ch, stop = 0;

	ap->con.progressed = 1;
	while ((ch = getch()) != ERR)
		if (ch == KEY_ESC)
			stop = 1;
	if (screen_signal() == SIGINT) {	/* Ctrl-C stops the command, not the UI */
		screen_signal_forget();
		stop = 1;
	} else if (screen_signal() != 0) {	/* the loop quits once the command has stopped */
		stop = 1;
	}
	if (!ap->cmp_on) {	/* the worker is idle: the simulation is ours to read */
		snap_take(&ap->a, ap->w.s);
		snap_whatif(&ap->a, NULL);
		ap->cur.t_ns = ap->a.end_ns;
		ap->cur.on_ev = 0;
		app_update_views(ap);
	}
	snprintf(ap->msg, sizeof ap->msg, "%s ... Esc or Ctrl-C stops", text);
	app_draw(ap);
	ap->msg[0] = '\0';
	return stop;
}
