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
#include "progress.h"
#include "report.h"
#include "sim.h"
#include "trace_out.h"

/* --explain LAYER: the table of that layer, kept as the run passes it. */
struct explain_at {
	long layer;	/* -1: none */
	struct explained ex;
};

static void take_explained(struct sim *s, void *ctx)
{
	struct explain_at *at = ctx;

	if (s->last_layer == at->layer)
		explained_take(&at->ex, s);
}

int cmd_run(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS], *v, *trace_path;
	FILE *trace = NULL;
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct explain_at at;
	struct sim s;
	struct err e;
	enum format fmt;
	long explain = -1;
	static const char *const own[] = {"explain", "trace-out", NULL};
	int rc = EXIT_OK;

	progress_catch_interrupt();	/* from the start: a load ends, then the run stops */
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
	if (trace_path != NULL && (trace = fopen(trace_path, "w")) == NULL) {
		snprintf(e.msg, sizeof e.msg, "--trace-out: cannot write '%s': %s", trace_path,
			 strerror(errno));
		sim_release(&s);
		return cmd_fail(e.msg);
	}
	s.eng.keep = trace_path != NULL;
	memset(&at, 0, sizeof at);
	at.layer = explain;
	if (progress_run(&s, "run", take_explained, &at, &e) != 0) {
		explained_free(&at.ex);
		sim_release(&s);
		if (trace != NULL)
			fclose(trace);
		return progress_fail(e.msg);
	}
	report_run(stdout, &s, fmt, explain >= 0 ? &at.ex : NULL);
	if (trace != NULL && trace_write(trace, trace_path, &s, &e) != 0) {
		fprintf(stderr, "sieve: %s\n", e.msg);
		rc = EXIT_FAIL;	/* the input was fine; the disk was not */
	}
	explained_free(&at.ex);
	sim_release(&s);
	if (fflush(stdout) != 0)
		rc = EXIT_FAIL;
	return rc;
}
