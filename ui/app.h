/*
 * app.h - the UI's state between frames: the snapshots, the views, the
 * focus, the cursor, play mode, the step-back stack and bookmarks.  Shared
 * by the event loop (loop.c), the key table (keys.c) and the overlays.
 */
#ifndef SIEVE_UI_APP_H
#define SIEVE_UI_APP_H

#include "console_line.h"
#include "theme.h"
#include "ui.h"
#include "view.h"
#include "worker.h"

enum panel_id { P_EXPERTS, P_HISTOGRAM, P_BANKS, P_TIMELINE, P_STATS, P_N };
enum overlay { OV_NONE, OV_HELP, OV_INSPECT };
enum grain { GRAIN_EVENT, GRAIN_LAYER, GRAIN_ITER, GRAIN_CYCLE };
/* Where the cursor goes once the step in flight has landed. */
enum cursor_after { CUR_KEEP, CUR_EVENT, CUR_END, CUR_SET, CUR_REPLAY };

#define BACK_MAX 512

/* Where the cursor stands: a time, and the event it is on (on_ev). */
struct cursor {
	double t_ns;
	struct history_event ev;
	int on_ev;
};

/* A position to come back to: the simulation's and the cursor's. */
struct place {
	struct sim_mark m;
	struct cursor cur;
	int set;
};

struct app {
	const struct ui_opts *o;
	struct look lk;
	struct worker w;
	int pipe[2];		/* worker -> loop, signals -> loop */
	struct ui_snap a, b;	/* the run shown and the compare run */
	struct ui_banks banks;	/* the stack replay, when there is one */
	int sel_gpu, sel_stack;	/* the stack of the Banks panel (s) */
	int cmp_on, cmp_sched;	/* compare policy, -1 = off */
	unsigned gen;		/* the worker generation of a and b */
	struct view *view[P_N];
	int focus;
	int overlay;
	struct inspect insp;
	int help_top;		/* first help line shown */
	struct cursor cur;	/* "now" on the timeline */
	int cursor_after;
	struct cursor cursor_set;	/* CUR_SET */
	int grain;		/* the last step's, for b and play */
	int playing, speed;	/* speed: index into the speed table */
	double next_play_s;
	struct place back[BACK_MAX];
	int nback;
	struct place bookmark[10];
	int quote;		/* ' pressed: a digit follows */
	int pending[16];	/* keys that wait for the step in flight, in order */
	int npending;
	char msg[ERR_MAX + 64];	/* the status line's message, "" when none */
	int quit;
	int too_small;
	struct conline con;	/* the console line, its output and notes */
	/* the worker's progress, read by the loop before each frame */
	int busy, busy_iter, busy_layer;
	double busy_s;
};

/* Handle one key (the key table, then the focused panel). */
void keys_handle(struct app *ap, int key);

/* The help screen, generated from the key table. */
void keys_draw_help(const struct app *ap);
int keys_help_lines(void);

/* Play: the label of the current speed, and the seconds between steps (0: no wait). */
const char *keys_speed_label(int speed);
double keys_speed_period_s(int speed);
/* The speed nearest steps_per_s (on a log scale; above the table: unlimited). */
int keys_speed_nearest(double steps_per_s);

/*
 * A step of grain g: the cursor's next event, or a job for the worker
 * (remembering where to come back to); -1 when the worker is busy.
 */
int app_step(struct app *ap, int grain);

/* The decision inspector over the screen. */
void inspector_draw(const struct app *ap);

/* Panel rectangles for the terminal size; 0 when it is too small. */
int layout(struct app *ap, int lines, int cols);

/* Draw a frame (erase, lay out, every panel, overlays) and update the terminal. */
void app_draw(struct app *ap);

/* Create the panels' views / free them. */
void app_open_views(struct app *ap);
void app_close_views(struct app *ap);

/* Feed every view the current snapshots and cursor. */
void app_update_views(struct app *ap);

#endif
