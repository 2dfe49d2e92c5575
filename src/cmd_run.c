/* cmd_run.c - `sieve run`: a headless decode simulation with a report. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "report.h"
#include "sim.h"

int cmd_run(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS];
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct sim s;
	struct err e;
	enum format fmt;

	cli_config_options(known, CLI_MAX_OPTS);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &cfg, &e) != 0 || cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (sim_init(&s, &cfg, datadir, &e) != 0)
		return cmd_fail(e.msg);
	sim_run(&s);
	report_run(stdout, &s, fmt);
	sim_release(&s);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
