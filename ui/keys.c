/*
 * keys.c - the key table: every key the UI takes, its help line and what
 * it does.  The help screen is generated from this table; keys a panel
 * owns (arrows, zoom, stack selection) are listed here and passed on.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"

#define KEY_ESC 27
#define KEY_TAB '\t'

/* Play speeds: steps per second (0 = as fast as the simulation goes). */
static const struct {
	double steps_per_s;
	const char *label;
} speeds[] = {
	{0.25, "1 step/4 s"}, {0.5, "1 step/2 s"}, {1, "1 step/s"}, {2, "2 steps/s"},
	{5, "5 steps/s"}, {10, "10 steps/s"}, {30, "30 steps/s"}, {0, "unlimited"},
};
#define NSPEEDS ((int)(sizeof speeds / sizeof speeds[0]))

const char *keys_speed_label(int speed)
{
	return speeds[speed].label;
}

double keys_speed_period_s(int speed)
{
	return speeds[speed].steps_per_s > 0 ? 1 / speeds[speed].steps_per_s : 0;
}

int keys_speed_nearest(double steps_per_s)
{
	int best = NSPEEDS - 1;	/* the last is unlimited */
	double best_d = INFINITY;

	if (steps_per_s > 2 * speeds[NSPEEDS - 2].steps_per_s)
		return best;
	for (int i = 0; i < NSPEEDS - 1; i++) {
		double d = fabs(log(speeds[i].steps_per_s / steps_per_s));
		if (d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

static void say(struct app *ap, const char *msg)
{
	snprintf(ap->msg, sizeof ap->msg, "%s", msg);
}

static int at(const struct app *ap, const struct sim_mark *m)
{
	return ap->a.next_iter == m->iter && ap->a.next_layer == m->layer;
}

static void push_back(struct app *ap)
{
	if (ap->nback == BACK_MAX) {	/* forget the oldest */
		memmove(ap->back, ap->back + 1, (BACK_MAX - 1) * sizeof *ap->back);
		ap->nback--;
	}
	ap->back[ap->nback].m.iter = ap->a.next_iter;
	ap->back[ap->nback].m.layer = ap->a.next_layer;
	ap->back[ap->nback].cur = ap->cur;
	ap->back[ap->nback++].set = 1;
}

/* Go to place p: move the cursor, rewinding the simulation when needed; -1 when busy. */
static int go_to(struct app *ap, const struct place *p)
{
	if (at(ap, &p->m)) {
		ap->cur = p->cur;
		app_update_views(ap);
		return 0;
	}
	struct job_args j = {.job = JOB_REWIND, .target = p->m};

	if (worker_submit(&ap->w, &j) != 0)
		return -1;
	ap->cursor_after = CUR_SET;
	ap->cursor_set = p->cur;
	return 0;
}

/* A key that needs the worker while it is busy runs once the step lands. */
static void later(struct app *ap, int k)
{
	if (ap->npending < (int)(sizeof ap->pending / sizeof ap->pending[0]))
		ap->pending[ap->npending++] = k;
}

/* The replay of the selected stack one cycle on (cycle -1) or at a cycle. */
static int replay_to(struct app *ap, int64_t cycle)
{
	struct job_args j = {.job = JOB_REPLAY, .gpu = ap->sel_gpu, .stack = ap->sel_stack,
			     .cycle = cycle};

	if (!ap->a.has_layer) {
		say(ap, "the stack replay needs a layer: step one first (n)");
		return 0;
	}
	if (worker_submit(&ap->w, &j) != 0)
		return -1;
	ap->cursor_after = CUR_REPLAY;
	return 0;
}

int app_step(struct app *ap, int grain)
{
	static const int jobs[] = {[GRAIN_EVENT] = JOB_EVENT, [GRAIN_LAYER] = JOB_LAYER,
				   [GRAIN_ITER] = JOB_ITER, [GRAIN_CYCLE] = JOB_REPLAY};
	/* the event after the one the cursor is on, so every event at one instant
	 * is visited in turn; else after the cursor's time in the shown layer
	 * (the next layer's first events at that instant included) */
	struct history_event from = {.t_ns = -1};
	struct job_args j = {.job = jobs[grain]};

	if (ap->cur.on_ev)
		from = ap->cur.ev;
	else if (ap->a.has_layer)
		from = (struct history_event){ap->cur.t_ns, ap->a.iter, ap->a.layer, INT_MAX, 1, NULL};
	j.from = from;

	ap->grain = grain;
	if (grain == GRAIN_CYCLE)
		return replay_to(ap, -1);
	if (ap->a.done && grain != GRAIN_EVENT) {
		say(ap, "the run is done: b steps back, q quits");
		ap->playing = 0;
		return 0;
	}
	if (worker_submit(&ap->w, &j) != 0)
		return -1;
	push_back(ap);
	ap->cursor_after = grain == GRAIN_EVENT ? CUR_EVENT : CUR_END;
	return 0;
}

static void k_event(struct app *ap, int k) { if (app_step(ap, GRAIN_EVENT)) later(ap, k); }
static void k_layer(struct app *ap, int k) { if (app_step(ap, GRAIN_LAYER)) later(ap, k); }
static void k_iter(struct app *ap, int k) { if (app_step(ap, GRAIN_ITER)) later(ap, k); }

static void k_cycle(struct app *ap, int k)
{
	if (app_step(ap, GRAIN_CYCLE))
		later(ap, k);
}

/* s: the next stack (of the next GPU after the last); the replay follows. */
static void k_stack(struct app *ap, int k)
{
	int stack = ap->sel_stack + 1, gpu = ap->sel_gpu;

	if (stack >= ap->a.stacks) {
		stack = 0;
		gpu = gpu + 1 < ap->a.gpus ? gpu + 1 : 0;
	}
	if (ap->banks.on) {
		struct job_args j = {.job = JOB_REPLAY, .gpu = gpu, .stack = stack, .cycle = 0};
		if (worker_submit(&ap->w, &j) != 0) {
			later(ap, k);
			return;
		}
		ap->cursor_after = CUR_REPLAY;
	}
	ap->sel_gpu = gpu;
	ap->sel_stack = stack;
	app_update_views(ap);
}

static void k_back(struct app *ap, int k)
{
	if (ap->grain == GRAIN_CYCLE && ap->banks.on) {	/* a cycle back: replayed again */
		if (ap->banks.cycle == 0)
			say(ap, "the replay is at its cycle 0: n, N or space steps the run again");
		else if (replay_to(ap, ap->banks.cycle - 1) != 0)
			later(ap, k);
		return;
	}
	if (ap->nback == 0) {
		say(ap, "nothing to step back to");
		return;
	}
	if (go_to(ap, &ap->back[ap->nback - 1]) == 0)
		ap->nback--;
	else
		later(ap, k);
}

static void k_play(struct app *ap, int k)
{
	(void)k;
	ap->playing = !ap->playing;
	ap->next_play_s = 0;
}

static void k_speed(struct app *ap, int k)
{
	ap->speed += k == '+' || k == '=' ? 1 : -1;
	if (ap->speed < 0)
		ap->speed = 0;
	if (ap->speed >= NSPEEDS)
		ap->speed = NSPEEDS - 1;
	snprintf(ap->msg, sizeof ap->msg, "play speed: %s", speeds[ap->speed].label);
	app_update_views(ap);
}

static void k_digit(struct app *ap, int k)
{
	struct place *bm = &ap->bookmark[k - '0'];

	if (!ap->quote) {
		bm->m.iter = ap->a.next_iter;
		bm->m.layer = ap->a.next_layer;
		bm->cur = ap->cur;
		bm->set = 1;
		snprintf(ap->msg, sizeof ap->msg, "bookmark %c: iteration %d, layer %d ('%c returns)",
			 k, bm->m.iter, bm->m.layer, k);
		return;
	}
	ap->quote = 0;
	if (!bm->set) {
		snprintf(ap->msg, sizeof ap->msg, "no bookmark %c (press %c to set it)", k, k);
		return;
	}
	push_back(ap);
	if (go_to(ap, bm) != 0) {
		ap->nback--;
		ap->quote = 1;	/* the digit comes again when the step lands */
		later(ap, k);
		return;
	}
	snprintf(ap->msg, sizeof ap->msg, "back at bookmark %c: iteration %d, layer %d (b returns)",
		 k, bm->m.iter, bm->m.layer);
}

static void k_quote(struct app *ap, int k)
{
	(void)k;
	ap->quote = 1;
	say(ap, "' then a digit: back to that bookmark");
}

static void k_focus(struct app *ap, int k)
{
	ap->focus = (ap->focus + (k == KEY_BTAB ? P_N - 1 : 1)) % P_N;
}

static void k_help(struct app *ap, int k)
{
	(void)k;
	ap->overlay = ap->overlay == OV_HELP ? OV_NONE : OV_HELP;
	ap->help_top = 0;
}

static void k_inspect(struct app *ap, int k)
{
	struct view *v = ap->view[ap->focus];

	struct job_args j = {.job = JOB_WHATIF};

	if (v->ops->inspect == NULL)
		v = ap->view[P_EXPERTS];
	if (!v->ops->inspect(v, &ap->insp)) {
		say(ap, "nothing to inspect yet: step a layer first (n)");
		return;
	}
	ap->overlay = OV_INSPECT;
	/* what the other policies would have chosen: computed on the worker */
	if (!ap->a.whatif_ready && worker_submit(&ap->w, &j) != 0)
		later(ap, k);
}

static void k_compare(struct app *ap, int k)
{
	int next = ap->cmp_sched;

	do
		next = next + 1 >= SCHED_NPOLICIES ? -1 : next + 1;
	while (next == ap->a.sched);
	struct job_args j = {.job = JOB_COMPARE, .cmp_sched = next};

	if (worker_submit(&ap->w, &j) != 0) {
		later(ap, k);
		return;
	}
	ap->cmp_sched = next;
	snprintf(ap->msg, sizeof ap->msg, next < 0 ? "compare off" : "compare with %s",
		 next < 0 ? "" : sched_policy_names[next]);
}

static void k_escape(struct app *ap, int k)
{
	(void)k;
	ap->overlay = OV_NONE;
	ap->quote = 0;
	ap->msg[0] = 0;
	if (ap->busy)	/* a compare run catching up stops */
		worker_cancel(&ap->w);
}

static void k_console(struct app *ap, int k)
{
	(void)k;
	ap->overlay = OV_NONE;
	conline_open(ap);
}

static void k_quit(struct app *ap, int k)
{
	(void)k;
	ap->quit = 1;
}

/*
 * A key, an alternative, or the range [key, last]; fn NULL passes the key
 * to panel (-1: the focused one).  A NULL label shares the line above.
 */
static const struct key_entry {
	int key, alt, last;
	const char *label;
	const char *help;
	void (*fn)(struct app *ap, int key);
	int panel;
} key_table[] = {
	{.key = ' ', .label = "space", .help = "next event (a task start or end)", .fn = k_event},
	{.key = '.', .label = ".", .help = "next DRAM cycle in the replay of the selected stack", .fn = k_cycle},
	{.key = 'n', .label = "n", .help = "next layer", .fn = k_layer},
	{.key = 'N', .label = "N", .help = "next iteration", .fn = k_iter},
	{.key = 'b', .label = "b", .help = "step back (the same grain as the last step)", .fn = k_back},
	{.key = 'r', .label = "r", .help = "run / pause (play mode)", .fn = k_play},
	{.key = '+', .alt = '=', .label = "+ -", .help = "play faster / slower", .fn = k_speed},
	{.key = '-', .label = NULL, .fn = k_speed},
	{.key = '1', .last = '9', .label = "1-9", .help = "set a bookmark here", .fn = k_digit},
	{.key = '\'', .label = "' 1-9", .help = "back to a bookmark", .fn = k_quote},
	{.key = KEY_TAB, .alt = KEY_BTAB, .label = "Tab", .help = "next panel (shift-Tab: previous)",
	 .fn = k_focus},
	{.key = KEY_LEFT, .alt = KEY_RIGHT, .label = "Left Right",
	 .help = "select an expert / pan the timeline", .panel = -1},
	{.key = KEY_UP, .alt = KEY_DOWN, .label = "Up Down", .help = "select a timeline lane (scrolls them)",
	 .panel = -1},
	{.key = KEY_PPAGE, .alt = KEY_NPAGE, .label = "PgUp PgDn", .help = "scroll a page",
	 .panel = -1},
	{.key = KEY_HOME, .alt = KEY_END, .label = "Home End", .help = "first / last; timeline: unzoom",
	 .panel = -1},
	{.key = 'z', .label = "z Z", .help = "zoom the timeline in / out (around the cursor)",
	 .panel = P_TIMELINE},
	{.key = 'Z', .label = NULL, .panel = P_TIMELINE},
	{.key = 'o', .label = "o", .help = "sort experts by id / by load", .panel = P_EXPERTS},
	{.key = 's', .label = "s", .help = "select the next stack (the Banks panel, the replay)",
	 .fn = k_stack},
	{.key = '\n', .alt = KEY_ENTER, .label = "Enter",
	 .help = "inspect the selected expert or timeline task", .fn = k_inspect},
	{.key = '\r', .label = NULL, .fn = k_inspect},
	{.key = 'c', .label = "c", .help = "compare: a second policy in lockstep (c again: the next)",
	 .fn = k_compare},
	{.key = ':', .label = ":", .help = "console: a command (Tab completes, Up history, Esc cancels; :help)",
	 .fn = k_console},
	{.key = '?', .label = "?", .help = "this help", .fn = k_help},
	{.key = KEY_ESC, .label = "Esc", .help = "close help or the inspector; stop a compare run catching up",
	 .fn = k_escape},
	{.key = 'q', .label = "q", .help = "quit", .fn = k_quit},
};
#define NKEYS ((int)(sizeof key_table / sizeof key_table[0]))

static const char *const help_tail[] = {
	"",
	"mouse: click an expert or a task to inspect it, the wheel scrolls",
	"       (--no-mouse leaves the mouse to the terminal, for selecting text)",
	"options: --theme dark|light|mono  --ascii  --no-color (or NO_COLOR)",
	"",
	"timeline: a lane per GPU (gpuN), its PIM stack group (gN pim), its link (gN link)",
	"  letters: A attention  a attention in PIM  R router  > dispatch  G GPU experts",
	"           P PIM expert  S shared experts  < combine  H LM head  M weights moved",
	"  the critical path is underlined; times are from the layer's start",
};
#define NTAIL ((int)(sizeof help_tail / sizeof help_tail[0]))

static void to_panel(struct app *ap, int panel, int k)
{
	struct view *v = ap->view[panel < 0 ? ap->focus : panel];

	if (v->ops->key != NULL && v->ops->key(v, k))
		return;
	/* a key the focused panel does not take: the Experts panel's arrows,
	 * else the Timeline's (Up/Down pick its lanes from any panel) */
	if (panel < 0 && ap->view[P_EXPERTS]->ops->key(ap->view[P_EXPERTS], k))
		return;
	if (panel < 0)
		ap->view[P_TIMELINE]->ops->key(ap->view[P_TIMELINE], k);
}

static void mouse(struct app *ap)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	for (int p = 0; p < P_N; p++) {
		struct view *v = ap->view[p];
		struct rect in = rect_inner(v->r);
		if (!rect_has(v->r, ev.y, ev.x))
			continue;
		ap->focus = p;
		if (ev.bstate & BUTTON4_PRESSED)
			to_panel(ap, p, p == P_EXPERTS ? KEY_LEFT : KEY_UP);
		else if (ev.bstate & BUTTON5_PRESSED)
			to_panel(ap, p, p == P_EXPERTS ? KEY_RIGHT : KEY_DOWN);
		else if (v->ops->click != NULL && rect_has(in, ev.y, ev.x) &&
			 v->ops->click(v, in, ev.y, ev.x) && v->ops->inspect(v, &ap->insp))
			ap->overlay = OV_INSPECT;
		return;
	}
}

void keys_handle(struct app *ap, int k)
{
	if (k == KEY_MOUSE) {
		mouse(ap);
		return;
	}
	if (ap->overlay == OV_HELP && (k == KEY_UP || k == KEY_DOWN)) {
		/* no further than the last line at the bottom of the box (LINES - 4 rows inside) */
		int last = keys_help_lines() - (LINES - 4);
		ap->help_top += k == KEY_DOWN ? 1 : -1;
		if (ap->help_top > last)
			ap->help_top = last;
		if (ap->help_top < 0)
			ap->help_top = 0;
		return;
	}
	if (ap->overlay != OV_NONE && k != 'q' && k != '?' && k != KEY_ESC)
		ap->overlay = OV_NONE;	/* any other key closes it, then acts */
	if (ap->quote && !(k >= '1' && k <= '9'))
		ap->quote = 0;
	for (int i = 0; i < NKEYS; i++) {
		const struct key_entry *e = &key_table[i];
		if (k != e->key && !(e->alt && k == e->alt) &&
		    !(e->last && k >= e->key && k <= e->last))
			continue;
		if (e->fn != NULL)
			e->fn(ap, k);
		else
			to_panel(ap, e->panel, k);
		return;
	}
}

int keys_help_lines(void)
{
	int n = 0;

	for (int i = 0; i < NKEYS; i++)
		n += key_table[i].label != NULL;
	return n + NTAIL;
}

void keys_draw_help(const struct app *ap)
{
	const struct look *lk = &ap->lk;
	int w = COLS - 4 < 84 ? COLS - 4 : 84, h = LINES - 2, row = 0;
	struct rect r = {1, (COLS - w) / 2, h, w}, in = rect_inner(r);

	draw_clear(r);
	draw_box(lk, r, "Help: keys (Esc closes, Up/Down scroll)", 1);
	for (int i = 0; i < NKEYS + NTAIL; i++) {
		int y = in.y + row - ap->help_top;
		if (i < NKEYS && key_table[i].label == NULL)
			continue;
		row++;
		if (y < in.y || y >= in.y + in.h)
			continue;
		if (i < NKEYS) {
			draw_text(lk, y, in.x + 1, 12, R_TITLE, "%s", key_table[i].label);
			draw_text(lk, y, in.x + 14, in.w - 15, R_NORMAL, "%s", key_table[i].help);
		} else {
			draw_text(lk, y, in.x + 1, in.w - 2, R_DIM, "%s", help_tail[i - NKEYS]);
		}
	}
}
