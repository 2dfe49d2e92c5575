/*
 * cmd_run.c - `sieve run`: a headless decode simulation with a report,
 * optionally one layer's decision table (--explain) and the timeline as a
 * Chrome trace (--trace-out).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "report.h"
#include "sim.h"
#include "trace_out.h"

int cmd_run(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS], *v, *trace_path;
	FILE *trace_file = NULL;
	struct trace_out trace;
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct explained ex;
	struct sim s;
	struct err e;
	enum format fmt;
	long explain = -1;
	static const char *const own[] = {"explain", "trace-out", NULL};
	int rc = EXIT_OK;

	cli_config_options(known, CLI_MAX_OPTS, own);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &cfg, &e) != 0)
		return cmd_fail(e.msg);
	trace_path = cli_get(&a, "trace-out");
	if (((v = cli_get(&a, "explain")) && cli_int("explain", v, 0, 100000, &explain, &e)) ||
	    cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
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
	memset(&ex, 0, sizeof ex);
	while ((rc = sim_step_layer(&s)) > 0) {
		if (s.last_layer == explain)
			explained_take(&ex, &s);
		if (trace_file != NULL)
			trace_layer(&trace, &s, history_get(sim_history(&s), 0));
	}
	if (rc < 0) {	/* the inputs describe something the models cannot run */
		rc = cmd_fail(sim_error(&s));
		if (trace_file != NULL)
			fclose(trace_file);
		explained_free(&ex);
		sim_release(&s);
		return rc;
	}
	report_run(stdout, &s, fmt, explain >= 0 ? &ex : NULL);
	if (trace_file != NULL && trace_end(&trace, &e) != 0) {
		fprintf(stderr, "sieve: %s\n", e.msg);
		rc = EXIT_FAIL;	/* the input was fine; the disk was not */
	}
	explained_free(&ex);
	sim_release(&s);
	if (fflush(stdout) != 0)
		rc = EXIT_FAIL;
	return rc;
}
