/*
 * console_int.h - what the console's command files share: the handlers the
 * table in console_cmds.c points to, and the parameter helpers `save` uses.
 */
#ifndef SIEVE_CONSOLE_INT_H
#define SIEVE_CONSOLE_INT_H

#include "console.h"

#define HANDLER(name) \
	int name(struct console *c, const struct console_args *a, struct err *e)

/* console_cmds.c: parameters */
HANDLER(con_set);
HANDLER(con_show);
HANDLER(con_reset);
HANDLER(con_load);
HANDLER(con_note);
HANDLER(con_ui_only);
HANDLER(con_quit);
/* console_motion.c: moving in time and breakpoints */
HANDLER(con_step);
HANDLER(con_back);
HANDLER(con_run);
HANDLER(con_goto);
HANDLER(con_break);
HANDLER(con_delete);
HANDLER(con_info);
/* console_file.c */
HANDLER(con_save);
HANDLER(con_source);
HANDLER(con_export);
/* console_help.c */
HANDLER(con_help);
/* console_views.c */
HANDLER(con_probe);
HANDLER(con_inspect);
HANDLER(con_replay);
/* lessons.c */
HANDLER(con_lesson);

/* Drop the headless replay (a restart, the end of the session). */
void console_views_drop(struct console *c);

/* `step N cycle` with no UI: N cycles of the console's own stack replay. */
int console_replay_step(struct console *c, long n, struct err *e);

/* `compare POLICY` with no UI: POLICY (-1: off) to this position, throughputs printed. */
int console_compare_once(struct console *c, int policy, struct err *e);

/*
 * Set parameter name to text (validated fully first); force allows a
 * restart away from position 0.  Prints what changed.
 */
int console_set(struct console *c, const char *name, const char *text, int force,
		struct err *e);

/* The current value of p as text (an override, or what is loaded). */
void console_param_value(const struct console *c, const struct param *p, char *buf, size_t len);

/* The value of p before any override: defaults.ini for run parameters, else the preset file's. */
void console_param_default(const struct console *c, const struct param *p, char *buf,
			   size_t len);

/* A policy name (sched's values) into *policy, or set sched's error for it. */
int console_policy(const char *text, int *policy, struct err *e);

/* One breakpoint as its command's arguments, e.g. "layer 3" or "differs gpu". */
void console_break_text(const struct console_break *b, char *buf, size_t len);

/* Write a note at the current position (also used by `source` of a saved script). */
void console_add_note(struct console *c, const char *text);

#endif
