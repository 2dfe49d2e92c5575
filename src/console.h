/*
 * console.h - the command language of sieve: one table of commands, run
 * one line at a time against a session (a simulation, its parameters,
 * breakpoints and notes).  The UI's console line (`:`), script files
 * (`source`, `sieve run -x FILE`, `sieve -x FILE`) and batch runs
 * (`sieve run -c 'set sched duplex; run 3'`) all execute through it, so a
 * scenario written once replays anywhere, byte for byte.
 *
 * No curses here: output goes to a print callback, and the commands that
 * need the UI (pause, speed, compare, stepping by cycle) call the UI's
 * hooks, or say "only in the UI" when there are none (headless).
 *
 * A line is a command word and its arguments, separated by blanks; "..."
 * or '...' quote an argument with blanks; a line whose first non-blank is
 * '#' is a comment.  A command word ending in '!' confirms a restart
 * (`set! batch 128`).  A bad command, parameter or value changes nothing
 * and fills the error with one line naming it.
 *
 * Parameters (params.h): a live one takes effect at the current position
 * (a layer boundary) through sim_configure and is recorded there, so a
 * rewind to before it and stepping forward replay it.  One that needs a
 * restart starts a new simulation with every parameter as now plus the
 * change, at iteration 0, layer 0 (the live changes logged so far are
 * folded into the new start).  At position 0 that happens at once; later
 * the console refuses and asks for `set!`, so nothing simulated is thrown
 * away by a typo.  Model and machine fields are overrides of the preset
 * files, kept across `set model` and `load`, dropped by `reset`.
 */
#ifndef SIEVE_CONSOLE_H
#define SIEVE_CONSOLE_H

#include <stdio.h>

#include "err.h"
#include "params.h"
#include "sim.h"

#define CONSOLE_MAX_BREAKS 32
#define CONSOLE_MAX_OVERRIDES 128
#define CONSOLE_MAX_ARGS 16
#define CONSOLE_MAX_DEPTH 8	/* nested `source` */

/*
 * How far a long motion (step, run, goto) has got, for the progress hook:
 * what the command is, the position reached, where it ends at the latest
 * (to_iter, to_layer: the run's end if sooner), and layers done of total.
 */
struct console_progress {
	const char *what;
	int iter, layer;
	int to_iter, to_layer;
	long done, total;
};

/*
 * What the console needs from its front end.  Every member may be NULL:
 * print then writes to stdout, the others make their command say "only in
 * the UI".
 */
struct console_hooks {
	void *ctx;
	void (*print)(void *ctx, const char *line);	/* one line, no newline */
	int (*pause)(void *ctx, struct err *e);
	int (*speed)(void *ctx, double x, struct err *e);
	int (*compare)(void *ctx, int policy, struct err *e);	/* policy -1: off */
	int (*step_cycle)(void *ctx, long n, struct err *e);
	void (*note)(void *ctx, const char *text);
	/*
	 * The simulation was replaced (restart, load): s is the new one.  Called
	 * before the old one is released, so runs that borrow from it (the UI's
	 * compare run shares its PIM memo) can let go first.
	 */
	void (*restarted)(void *ctx, struct sim *s);
	/*
	 * Called by step, run and goto after every layer they simulate (every
	 * event for `step N event`): nonzero stops the motion at that layer
	 * boundary, which prints "stopped at iteration I, layer L" and sets
	 * interrupted (a script and a ';' list stop there too).  The front end
	 * decides how often to show anything; headless there is none.
	 */
	int (*progress)(void *ctx, const struct console_progress *p);
};

enum break_kind {
	BREAK_LAYER,	/* layer L has just been simulated (any iteration) */
	BREAK_ITER,	/* the run reached the start of iteration I */
	BREAK_PIM,	/* an expert with more than N tokens went to PIM */
	BREAK_GAP,	/* the layer's straggler gap exceeded X us */
	BREAK_DIFFERS,	/* the run's choice for a GPU differs from policy's */
	BREAK_NKINDS
};

struct console_break {
	int id;
	int kind;		/* enum break_kind */
	double arg;		/* L, I, N or X; the policy for BREAK_DIFFERS */
	long hits;
};

struct console_note {
	int iter, layer;	/* where it was written */
	char *text;
};

/* A model or machine field set by the console: name = value. */
struct console_override {
	struct param p;
	char value[256];
};

struct console {
	struct sim *sim;	/* owned; replaced by a restart */
	char datadir[4096];
	struct sim_config defaults;	/* data/defaults.ini, for reset and show changed */
	struct console_override ov[CONSOLE_MAX_OVERRIDES];
	int nov;
	struct console_break brk[CONSOLE_MAX_BREAKS];
	int nbrk, next_brk;
	struct console_note *note;
	int nnotes;
	struct console_hooks h;
	int quit;		/* `quit` was run */
	int interrupted;	/* the progress hook stopped the last command's motion */
	int depth;		/* `source` nesting */
	int stopped_by;		/* the breakpoint id that stopped the last motion, 0 none */
	/* `step event`: the last event visited (sim_step_event) */
	int ev_valid;
	double ev_t_ns;
	const struct engine_task *ev_task;
	int ev_end;
	/* headless stand-ins for the UI's views (console_views.c) */
	struct stack_replay *replay;	/* `replay`, `step N cycle` when no UI steps one */
	long replay_pos;	/* the position it was built at */
	int replay_gpu, replay_stack;
	int differs_expert;	/* the first expert the last met `break differs` named; -1 */
};

/*
 * A session on cfg (datadir holds the presets); hooks may be NULL.  On
 * failure nothing needs releasing.
 */
int console_init(struct console *c, const struct sim_config *cfg, const char *datadir,
		 const struct console_hooks *hooks, struct err *e);
void console_release(struct console *c);

/* Run one line (a command or a comment). */
int console_exec(struct console *c, const char *line, struct err *e);

/* Run commands separated by ';' (outside quotes) in order; stops at the first error. */
int console_exec_list(struct console *c, const char *text, struct err *e);

/*
 * Run a script file, one command a line, '#' comments; the first error
 * stops it and reads "FILE:LINE: message".  A script stops at `quit` too.
 */
int console_source(struct console *c, const char *path, struct err *e);

/* printf to the session's output, one line. */
void console_printf(struct console *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * After a layer simulated outside the console (the UI's play mode, on the
 * session's simulation): the breakpoints are checked as step and run
 * check them, hits counted.  Returns the id of the first that is met and
 * says where in msg (nothing is printed: the caller may be another
 * thread), or 0.
 */
int console_break_hit(struct console *c, char *msg, size_t len);

/* A line callback (ctx: the console) that prints text through console_printf. */
void console_print_line(void *ctx, const char *text);

/* --- the command table (console_cmds.c) --- */

struct console_args {
	int argc;
	char *argv[CONSOLE_MAX_ARGS];	/* argv[0] is the command as typed, without '!' */
	const char *rest;	/* the line after the command word, trimmed */
	int force;		/* the command word ended in '!' */
};

struct console_cmd {
	const char *name;
	const char *alias;	/* a short form, or NULL */
	const char *usage;	/* arguments: WORD, [optional], a|b, VALUE... (the rest) */
	int min_args, max_args;	/* after the command word */
	const char *help;	/* one line */
	const char *long_help;	/* what `help CMD` adds, lines separated by '\n' */
	int (*exec)(struct console *c, const struct console_args *a, struct err *e);
};

extern const struct console_cmd console_cmds[];
extern const size_t console_ncmds;

/* By name or alias, or NULL. */
const struct console_cmd *console_cmd_find(const char *name);

/*
 * Completion of the word that ends at the end of line (text before the
 * cursor): commands, then the words their usage names (parameters, their
 * enum values, policies, fixed keywords; FILE completes nothing here: the
 * front end completes file names).  Calls add for each candidate that
 * starts with the word; returns 1 when the word is a FILE argument.
 */
int console_complete(const char *line, void (*add)(void *ctx, const char *word), void *ctx);

/* Roff for the man page: the COMMANDS and PARAMETERS sections of the console. */
void console_man(FILE *out);

/* --- helpers shared by the command files --- */

/* The current position, and a position as one number of layers. */
long console_pos(const struct sim *s);

/* Parse a whole number in [lo, hi] for argument name. */
int console_long(const char *name, const char *text, long lo, long hi, long *out,
		 struct err *e);

/* Start a new simulation on cfg with the overrides ov[0..nov); on error nothing changes. */
int console_restart(struct console *c, const struct sim_config *cfg,
		    const struct console_override *ov, int nov, struct err *e);

#endif
