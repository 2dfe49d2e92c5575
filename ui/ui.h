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

#include "err.h"
#include "sim.h"

struct ui_opts {
	const char *theme;	/* a name from ui_theme_names; NULL = "dark" */
	int ascii;		/* ASCII glyphs even in a UTF-8 locale */
	int no_color;		/* no colour escapes (also when NO_COLOR is set) */
	int no_mouse;		/* leave the mouse to the terminal (selection) */
	const char *datadir;	/* data files, for the compare run (sim_init_shared) */
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

#endif
