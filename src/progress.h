/*
 * progress.h - what a long headless run shows while it works, and how
 * Ctrl-C stops it.
 *
 * A run that is still going after PROGRESS_DELAY_S seconds shows one line
 * on stderr, rewritten in place ("sieve run: iteration 3/10, layer 12/48,
 * 27%, about 8 s left"), only when stderr is a terminal: logs and pipes get
 * nothing.  The line is cleared when the run ends.
 *
 * SIGINT, while progress_catch_interrupt is in force, sets a flag that the
 * runs check between layers: the run stops at a layer boundary, prints
 * nothing more on stdout, and the command exits 130 (128 + SIGINT) with a
 * message saying where it stopped.
 */
#ifndef SIEVE_PROGRESS_H
#define SIEVE_PROGRESS_H

#include <stdio.h>

#define PROGRESS_DELAY_S 1.0
#define EXIT_INTERRUPTED 130

struct sim;

struct progress {
	const char *what;	/* "run", "compare: sieve", "sweep 3/12" */
	double t0, last;	/* wall seconds: start, last line */
	int width;		/* of the line shown, to clear it; 0 = none */
	int tty;
};

/* Catch SIGINT from now on (the flag starts clear). */
void progress_catch_interrupt(void);

/* 1 once SIGINT arrived while caught. */
int progress_interrupted(void);

void progress_begin(struct progress *p, const char *what);

/* done of total units of work: shows or rewrites the line when due. */
void progress_update(struct progress *p, double done, double total);

/* Clear the line, if one is shown. */
void progress_end(struct progress *p);

/*
 * Run s to the end layer by layer with a progress line, checking for
 * SIGINT between layers; on_layer (may be NULL) sees each layer simulated.
 * Returns 0, or -1 with e saying why: interrupted (s then stands at a layer
 * boundary), or a layer the models cannot run (sim_error).
 */
struct err;
int progress_run(struct sim *s, const char *what, void (*on_layer)(struct sim *, void *),
		 void *ctx, struct err *e);

/* "sieve: msg" on stderr; EXIT_INTERRUPTED after SIGINT, else EXIT_USAGE. */
int progress_fail(const char *msg);

#endif
