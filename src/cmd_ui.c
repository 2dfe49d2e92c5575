/*
 * cmd_ui.c - `sieve` / `sieve ui`: the run parameters and the UI's own
 * options from the command line, then the terminal UI (ui.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "lessons.h"
#include "sim.h"
#include "ui.h"

static int theme_ok(const char *name)
{
	for (const char *const *t = ui_theme_names; *t; t++)
		if (strcmp(*t, name) == 0)
			return 1;
	return 0;
}

int cmd_ui(int argc, char **argv)
{
	static const char *const flags[] = {"ascii", "no-color", "no-mouse", NULL};
	static const char *const own[] = {"theme", "ascii", "no-color", "no-mouse", NULL};
	const char *known[CLI_MAX_OPTS];
	char datadir[4096], lesson[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct ui_opts o;
	struct sim s;
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
	if (lesson[0] != '\0')	/* the UI has no console yet to run it in */
		return cmd_fail("--lesson: the UI cannot run scripts yet; "
				"'sieve run --lesson N' runs the lesson headless");
	if (cli_parse(&a, argc, argv, flags, &e) != 0 || cli_config(&a, datadir, &cfg, &e) != 0)
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
	if (cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cmd_fail("the UI needs a terminal; for a report without one use 'sieve run'");
	if (sim_init(&s, &cfg, datadir, &e) != 0)
		return cmd_fail(e.msg);
	rc = ui_run(&o, &s, &busy, &e);
	if (busy)		/* a step is still running on the UI's worker: leave it */
		exit(rc < 0 ? EXIT_USAGE : rc);
	sim_release(&s);
	return rc < 0 ? cmd_fail(e.msg) : rc;
}
