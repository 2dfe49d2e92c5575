/*
 * cmd_ui.c - `sieve` / `sieve ui`: the run parameters and the UI's own
 * options from the command line, then the terminal UI (ui.h) on a console
 * session (console.h), wired in as the UI's console line: the session owns
 * the simulation the UI shows, the console's hooks act on the UI, and at
 * start the rc file and any -x/-c scripts run in the UI, which then stays
 * interactive.
 *
 * Files (the XDG base directory specification; relative XDG_* ignored):
 *   $XDG_STATE_HOME/sieve/history  (~/.local/state/...)  the console's history
 *   $XDG_CONFIG_HOME/sieve/sieverc (~/.config/...)       commands run at start
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "console.h"
#include "lessons.h"
#include "sim.h"
#include "ui.h"
#include "wallclock.h"

#define HISTORY_MAX 1000	/* lines kept in the history file */
#define PROGRESS_FRAME_S 0.1	/* a long motion shows how far it got this often */

/* The console session and the UI it acts on while a command runs. */
struct session {
	struct console c;
	struct app *ui;		/* set during exec and startup only */
	const struct cli_scripts *sc;
	const char *rc;		/* the rc file, or NULL */
	double progress_due;	/* wall seconds: when a long motion shows progress next */
};

static int theme_ok(const char *name)
{
	for (const char *const *t = ui_theme_names; *t; t++)
		if (strcmp(*t, name) == 0)
			return 1;
	return 0;
}

/* $env/sieve/name, else $HOME/home_rel/sieve/name; NULL when neither is set. */
static const char *xdg_path(char *buf, size_t len, const char *env, const char *home_rel,
			    const char *name)
{
	const char *dir = getenv(env), *home = getenv("HOME");

	if (dir != NULL && dir[0] == '/')
		snprintf(buf, len, "%s/sieve/%s", dir, name);
	else if (home != NULL && home[0] != '\0')
		snprintf(buf, len, "%s/%s/sieve/%s", home, home_rel, name);
	else
		return NULL;
	return buf;
}

/* The directories above file, made 0700 where missing (mkdir -p). */
static int make_dirs(const char *file)
{
	char dir[4096];

	snprintf(dir, sizeof dir, "%s", file);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* --- the console's hooks: what its commands do to the UI --- */

static void h_print(void *ctx, const char *line)
{
	struct session *s = ctx;

	if (s->ui != NULL)
		ui_print(s->ui, line);
}

static int h_pause(void *ctx, struct err *e)
{
	struct session *s = ctx;

	(void)e;
	ui_pause(s->ui);
	console_printf(&s->c, "paused");
	return 0;
}

static int h_speed(void *ctx, double x, struct err *e)
{
	struct session *s = ctx;

	(void)e;
	console_printf(&s->c, "play speed: %s", ui_speed(s->ui, x));
	return 0;
}

static int h_compare(void *ctx, int policy, struct err *e)
{
	struct session *s = ctx;

	(void)e;
	ui_compare(s->ui, policy);
	if (policy < 0)
		console_printf(&s->c, "compare off");
	else
		console_printf(&s->c, "compare with %s", sched_policy_names[policy]);
	return 0;
}

static int h_step_cycle(void *ctx, long n, struct err *e)
{
	struct session *s = ctx;

	(void)e;
	ui_step_cycle(s->ui, n);
	return 0;
}

static void h_note(void *ctx, const char *text)
{
	struct session *s = ctx;

	if (s->ui != NULL)
		ui_note(s->ui, s->c.sim->iter, s->c.sim->layer, text);
}

static void h_restarted(void *ctx, struct sim *sim)
{
	struct session *s = ctx;

	if (s->ui != NULL)	/* before the UI (console_init) it is handed c.sim */
		ui_set_sim(s->ui, sim);
}

/*
 * Between the layers of a long motion: every PROGRESS_FRAME_S the UI shows
 * how far it got and reads the keyboard (Esc or Ctrl-C stop it).  A
 * command quicker than that never draws.
 */
static int h_progress(void *ctx, const struct console_progress *p)
{
	struct session *s = ctx;
	double now = wall_seconds();
	char text[160];
	int n;

	if (s->ui == NULL || now < s->progress_due)
		return 0;
	s->progress_due = now + PROGRESS_FRAME_S;
	n = p->to_iter >= 0 && p->to_layer == 0
	    ? snprintf(text, sizeof text, "%s: iteration %d of %d, layer %d", p->what, p->iter,
		       p->to_iter, p->layer)
	    : snprintf(text, sizeof text, "%s: iteration %d, layer %d", p->what, p->iter, p->layer);
	if (p->to_iter >= 0 && p->to_layer > 0)
		n += snprintf(text + n, sizeof text - n, "; to iteration %d, layer %d", p->to_iter,
			      p->to_layer);
	snprintf(text + n, sizeof text - n, " (%ld%%)", p->total > 0 ? 100 * p->done / p->total : 0);
	return ui_progress(s->ui, text);
}

/* A command or script starts in the UI: its progress shows once it has taken a frame. */
static void session_enter(struct session *s, struct app *ui)
{
	s->ui = ui;
	s->progress_due = wall_seconds() + PROGRESS_FRAME_S;
}

/* --- the UI's console callbacks --- */

/* An error names the command it came from (unless it does already). */
static void name_command(const char *line, struct err *e)
{
	char word[64];
	const struct console_cmd *cmd;
	size_t n;

	if (sscanf(line, " %63[^ \t!]", word) != 1 || (cmd = console_cmd_find(word)) == NULL)
		return;
	n = strlen(cmd->name);
	if (strncmp(e->msg, cmd->name, n) != 0 || e->msg[n] != ':')
		err_prefix(e, "%s: ", cmd->name);
}

static int ui_exec(void *ctx, struct app *ui, const char *line, char *err, size_t len)
{
	struct session *s = ctx;
	struct err e;
	int rc;

	session_enter(s, ui);
	rc = console_exec(&s->c, line, &e);
	if (rc != 0) {
		name_command(line, &e);
		snprintf(err, len, "%s", e.msg);
	}
	if (s->c.quit)
		ui_quit(ui);
	s->ui = NULL;
	return rc;
}

/* The rc file, then the scripts of -x and -c; the first error stops them. */
static int ui_startup(void *ctx, struct app *ui, char *err, size_t len)
{
	struct session *s = ctx;
	struct err e;
	int rc = 0;

	session_enter(s, ui);
	if (s->rc != NULL && access(s->rc, F_OK) == 0)
		rc = console_source(&s->c, s->rc, &e);
	if (rc == 0 && !s->c.interrupted)
		rc = cli_run_scripts(s->sc, &s->c, &e);
	if (rc != 0)
		snprintf(err, len, "%s", e.msg);
	if (s->c.quit)
		ui_quit(ui);
	s->ui = NULL;
	return rc;
}

static int ui_complete(void *ctx, const char *line, void (*add)(void *actx, const char *word),
		       void *actx)
{
	(void)ctx;
	return console_complete(line, add, actx);
}

/* On the UI's worker thread, which owns the simulation while it steps. */
static int ui_stop(void *ctx, char *msg, size_t len)
{
	struct session *s = ctx;

	return console_break_hit(&s->c, msg, len) != 0;
}

int cmd_ui(int argc, char **argv)
{
	static const char *const flags[] = {"ascii", "no-color", "no-mouse", "no-history", "norc",
					    NULL};
	static const char *const own[] = {"theme", "ascii", "no-color", "no-mouse", "no-history",
					  "norc", NULL};
	struct console_hooks hooks = {
		.print = h_print, .pause = h_pause, .speed = h_speed, .compare = h_compare,
		.step_cycle = h_step_cycle, .note = h_note, .restarted = h_restarted,
		.progress = h_progress,
	};
	const char *known[CLI_MAX_OPTS], *rc_file;
	char datadir[4096], hist[4096], rc_path[4096], lesson[4096];
	struct cli_scripts sc;
	struct cli_args a;
	struct sim_config cfg;
	struct ui_opts o;
	struct session *s;
	struct err e;
	int rc, busy = 0;

	cli_config_options(known, CLI_MAX_OPTS, own);
	cli_datadir(datadir, sizeof datadir);
	lesson[0] = '\0';
	switch (lessons_take_arg(argc, argv, datadir, lesson, sizeof lesson, &e)) {
	case -1:
		return cmd_fail(e.msg);
	case 1:		/* --lesson list */
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	/* a lesson came back as -x PATH: it runs in the UI like any script */
	if (cli_take_scripts(&argc, argv, &sc, &e) != 0 ||
	    cli_parse(&a, argc, argv, flags, &e) != 0 || cli_config(&a, datadir, &cfg, &e) != 0)
		return cmd_fail(e.msg);
	if (cli_get(&a, "format") != NULL)
		return cmd_fail("--format: the UI draws a screen; for a report use 'sieve run --format ...'");
	memset(&o, 0, sizeof o);
	o.datadir = datadir;
	o.theme = cli_get(&a, "theme");
	o.ascii = cli_get(&a, "ascii") != NULL;
	o.no_color = cli_get(&a, "no-color") != NULL;
	o.no_mouse = cli_get(&a, "no-mouse") != NULL;
	if (o.theme != NULL && !theme_ok(o.theme)) {
		snprintf(e.msg, sizeof e.msg, "--theme: unknown theme '%s' (dark, light or mono)", o.theme);
		return cmd_fail(e.msg);
	}
	o.con.history = cli_get(&a, "no-history") ? NULL
			: xdg_path(hist, sizeof hist, "XDG_STATE_HOME", ".local/state", "history");
	o.con.history_max = HISTORY_MAX;
	rc_file = cli_get(&a, "norc") ? NULL
		  : xdg_path(rc_path, sizeof rc_path, "XDG_CONFIG_HOME", ".config", "sieverc");
	if (cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cmd_fail("the UI needs a terminal; for a report without one use 'sieve run'");
	if (o.con.history != NULL && make_dirs(o.con.history) != 0)
		o.con.history = NULL;	/* no history is better than no UI */
	s = xcalloc(1, sizeof *s);
	s->sc = &sc;
	s->rc = rc_file;
	hooks.ctx = s;
	if (console_init(&s->c, &cfg, datadir, &hooks, &e) != 0) {
		free(s);
		return cmd_fail(e.msg);
	}
	o.con.ctx = s;
	o.con.exec = ui_exec;
	o.con.startup = ui_startup;
	o.con.complete = ui_complete;
	o.con.stop = ui_stop;
	rc = ui_run(&o, s->c.sim, &busy, &e);
	if (busy)		/* a step is still running on the UI's worker: leave it */
		exit(rc < 0 ? EXIT_USAGE : rc);
	console_release(&s->c);
	free(s);
	return rc < 0 ? cmd_fail(e.msg) : rc;
}
