/*
 * ui.h - the terminal UI: an ncursesw front end that steps a simulation
 * (sim.h) and draws it in panels.  The only curses user; it reads the
 * simulator through sim/ headers only and knows nothing of the command line.
 *
 * Panels (each titled on its border): Experts, Histogram, Banks, Timeline,
 * Stats; a decision inspector and a help screen generated from the key
 * table.  Simulation work runs on a worker thread so the screen keeps
 * drawing and taking keys while a long step (the first layer of a large
 * model fills the PIM-kernel memo) is in progress.
 */
#ifndef SIEVE_UI_H
#define SIEVE_UI_H

#include <stddef.h>

#include "err.h"
#include "sim.h"

struct app;	/* the running UI, opaque outside ui/ */

/*
 * The console line (`:`), readline inside curses: the command language
 * lives in src/, which ui/ never includes, so src/ hands it in as
 * callbacks.  Commands run on the UI thread while the worker is idle (they
 * touch the simulation directly); the UI then takes a new snapshot.
 */
struct ui_console {
	void *ctx;
	/* run one line; 0, or -1 with a one-line message in err */
	int (*exec)(void *ctx, struct app *ui, const char *line, char *err, size_t errlen);
	/* once, before the first key: the rc file and -x scripts (as exec) */
	int (*startup)(void *ctx, struct app *ui, char *err, size_t errlen);
	/* candidates for the word that ends line; 1 when it is a file name */
	int (*complete)(void *ctx, const char *line, void (*add)(void *actx, const char *word),
			void *actx);
	/* on the worker thread after each layer it simulates: 1 stops play (msg says why) */
	int (*stop)(void *ctx, char *msg, size_t len);
	const char *history;	/* the history file, or NULL for none */
	int history_max;	/* lines kept */
};

struct ui_opts {
	const char *theme;	/* a name from ui_theme_names; NULL = "dark" */
	int ascii;		/* ASCII glyphs even in a UTF-8 locale */
	int no_color;		/* no colour escapes (also when NO_COLOR is set) */
	int no_mouse;		/* leave the mouse to the terminal (selection) */
	const char *datadir;	/* data files, for the compare run (sim_init_shared) */
	struct ui_console con;	/* exec NULL: no console line */
};

/* Theme names, NULL-terminated (for option checking and help). */
extern const char *const ui_theme_names[];

/* The smallest terminal the panels are laid out in. */
#define UI_MIN_COLS 80
#define UI_MIN_LINES 24

/*
 * Run the UI on s (initialised, any position) until the user quits.
 * Returns the exit status (0, or 128 + signal for SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT), or -1 with e filled when the terminal cannot be set up (an
 * unknown TERM).  The terminal is restored in every case.  *sim_busy is set
 * when the user quit while a step was still running on the worker thread:
 * s is then in use and must be neither read nor released (exit at once).
 */
int ui_run(const struct ui_opts *o, struct sim *s, int *sim_busy, struct err *e);

/*
 * What the console's commands do to the UI: call these only from inside
 * the exec and startup callbacks.
 */
void ui_print(struct app *ui, const char *line);	/* to the console's output */
void ui_pause(struct app *ui);
const char *ui_speed(struct app *ui, double steps_per_s);	/* the speed chosen, as text */
void ui_compare(struct app *ui, int policy);	/* -1: off */
void ui_step_cycle(struct app *ui, long n);	/* the stack replay, n cycles on */
void ui_note(struct app *ui, int iter, int layer, const char *text);	/* shown from there on */
void ui_set_sim(struct app *ui, struct sim *s);	/* the shown run was replaced */
void ui_quit(struct app *ui);
/*
 * A command that takes long (run, step, goto, a script of them) calls this
 * now and then with a line saying how far it got: the status line shows
 * it, the panels show the position reached (unless compare is on: the
 * compare run catches up afterwards), the keyboard is read.  1 when the
 * user asked to stop (Esc or Ctrl-C); other keys are dropped meanwhile.
 */
int ui_progress(struct app *ui, const char *text);

#endif
