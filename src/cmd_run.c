/*
 * cmd_run.c - `sieve run`: a headless decode simulation with a report,
 * optionally one layer's decision table (--explain) and the timeline as a
 * Chrome trace (--trace-out).  With -x FILE or -c 'CMD; CMD' the console's
 * commands (console.h) drive the run instead, in order; their messages go
 * to stderr, the report to stdout.  --lesson N runs a classroom lesson's
 * script (lessons.h) as if given with -x.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "console.h"
#include "lessons.h"
#include "progress.h"
#include "report.h"
#include "sim.h"
#include "trace_out.h"

static void to_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

/* The scripts on a console session, then the report. */
static int run_scripts(const struct cli_scripts *sc, const struct sim_config *cfg,
		       const char *datadir, enum format fmt)
{
	const struct console_hooks hooks = {.print = to_stderr};
	struct console c;
	struct err e;
	int rc = EXIT_OK;

	if (console_init(&c, cfg, datadir, &hooks, &e) != 0)
		return cmd_fail(e.msg);
	if (cli_run_scripts(sc, &c, &e) != 0) {
		console_release(&c);
		return cmd_fail(e.msg);
	}
	report_run(stdout, c.sim, fmt, NULL);
	console_release(&c);
	if (fflush(stdout) != 0)
		rc = EXIT_FAIL;
	return rc;
}

/* What the run keeps as it passes each layer: --explain's table of one
 * layer, and --trace-out's events. */
struct run_out {
	long explain;		/* -1: none */
	struct explained ex;
	struct trace_out *trace;	/* NULL: none */
};

static void on_layer(struct sim *s, void *ctx)
{
	struct run_out *o = ctx;

	if (s->last_layer == o->explain)
		explained_take(&o->ex, s);
	if (o->trace != NULL)
		trace_layer(o->trace, s, history_get(sim_history(s), 0));
}

int cmd_run(int argc, char **argv)
{
	struct cli_scripts sc;
	const char *known[CLI_MAX_OPTS], *v, *trace_path;
	FILE *trace_file = NULL;
	struct trace_out trace;
	char datadir[4096], lesson[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct run_out o;
	struct sim s;
	struct err e;
	enum format fmt;
	long explain = -1;
	static const char *const own[] = {"explain", "trace-out", NULL};
	int rc = EXIT_OK;

	cli_config_options(known, CLI_MAX_OPTS, own);
	cli_datadir(datadir, sizeof datadir);
	switch (lessons_take_arg(argc, argv, datadir, lesson, sizeof lesson, &e)) {
	case -1:
		return cmd_fail(e.msg);
	case 1:		/* --lesson list */
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	if (cli_take_scripts(&argc, argv, &sc, &e) != 0)
		return cmd_fail(e.msg);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &cfg, &e) != 0)
		return cmd_fail(e.msg);
	trace_path = cli_get(&a, "trace-out");
	if (((v = cli_get(&a, "explain")) && cli_int("explain", v, 0, 100000, &explain, &e)) ||
	    cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (sc.n > 0 && (explain >= 0 || trace_path != NULL))
		return cmd_fail(explain >= 0 ? "--explain: not with -x or -c" :
				"--trace-out: not with -x or -c (use the command export trace FILE)");
	if (sc.n > 0)
		return run_scripts(&sc, &cfg, datadir, fmt);	/* Ctrl-C: the default, it ends */
	progress_catch_interrupt();	/* before loading: a load ends, then the run stops */
	if (sim_init(&s, &cfg, datadir, &e) != 0)
		return cmd_fail(e.msg);
	if (explain >= s.model.layers) {
		snprintf(e.msg, sizeof e.msg, "--explain: layer %ld does not exist (%s has layers 0-%d)",
			 explain, s.model.name, s.model.layers - 1);
		sim_release(&s);
		return cmd_fail(e.msg);
	}
	if (trace_path != NULL && (trace_file = fopen(trace_path, "w")) == NULL) {
		snprintf(e.msg, sizeof e.msg, "--trace-out: cannot write '%s': %s", trace_path,
			 strerror(errno));
		sim_release(&s);
		return cmd_fail(e.msg);
	}
	if (trace_file != NULL)
		trace_begin(&trace, trace_file, trace_path, &s);
	memset(&o, 0, sizeof o);
	o.explain = explain;
	o.trace = trace_file != NULL ? &trace : NULL;
	if (progress_run(&s, "run", on_layer, &o, &e) != 0) {
		if (trace_file != NULL)
			fclose(trace_file);
		explained_free(&o.ex);
		sim_release(&s);
		return progress_fail(e.msg);
	}
	report_run(stdout, &s, fmt, explain >= 0 ? &o.ex : NULL);
	if (trace_file != NULL && trace_end(&trace, &e) != 0) {
		fprintf(stderr, "sieve: %s\n", e.msg);
		rc = EXIT_FAIL;	/* the input was fine; the disk was not */
	}
	explained_free(&o.ex);
	sim_release(&s);
	if (fflush(stdout) != 0)
		rc = EXIT_FAIL;
	return rc;
}
