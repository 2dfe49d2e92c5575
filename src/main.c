/*
 * main.c - sieve's entry point: picks the subcommand.
 *
 *   sieve                 the terminal UI on the built-in scenario
 *   sieve run ...         headless decode simulation
 *   sieve probe ...       one component model at a time
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "sched.h"

#define SIEVE_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{"run", cmd_run, "simulate decode iterations headless and print a report"},
	{"compare", cmd_compare, "run every partition policy on the same routing, side by side"},
	{"sweep", cmd_sweep, "the cross product of --vary PARAM=V1,V2,..., one JSON line per point"},
	{"serve", cmd_serve, "requests with SLOs: TTFT/TPOT percentiles, SLO attainment, throughput"},
	{"probe", cmd_probe, "one component model alone: gpu, routing, dram, pim"},
	{"ui", cmd_ui, "the terminal UI (the default with no command)"},
};

int cmd_fail(const char *msg)
{
	cli_print_error(msg);
	return EXIT_USAGE;
}

static void help(FILE *out)
{
	fputs("usage: sieve [COMMAND] [--name value ...]\n\n"
	      "sieve simulates Mixture-of-Experts LLM decode on multi-GPU servers whose\n"
	      "HBM stacks can compute (HBM-PIM).\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fputs("\nrun parameters (defaults from data/defaults.ini):\n", out);
	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *f = &config_field_table.fields[i];
		char opt[64];
		snprintf(opt, sizeof opt, "--%s %s", f->name,
			 f->type == FIELD_INT ? "N" : f->type == FIELD_ENUM ? "NAME" : "VALUE");
		fprintf(out, "  %-22s %s\n", opt, f->help);
	}
	fputs("  --format FMT           text (default), json or csv\n"
	      "  --explain LAYER        run: print that layer's decision table\n"
	      "  --trace-out FILE       run: write the timeline as Chrome trace-event JSON\n"
	      "  -x FILE                run: the console commands of a script (help: sieve run -c help)\n"
	      "  -c 'CMD; CMD'          run: console commands, e.g. -c 'set sched duplex; run 3'\n"
	      "  --lesson N|list        run: classroom lesson N (data/lessons) headless, or list them\n"
	      "  --native               compare: each baseline on its own device, sieve on each\n"
	      "  --at-tpot MS           compare: per policy the largest batch (<= 1024) whose\n"
	      "                         TPOT is at most MS, and its throughput\n\n"
	      "  --vary PARAM=V1,V2,... sweep: a run parameter's values (repeatable)\n"
	      "  --shard I/N            sweep: run every N-th point starting at I\n\n"
	      "  --rate R, --duration S serve: Poisson requests per second, seconds of arrivals\n"
	      "  --arrivals poisson|FILE, --lengths FILE\n"
	      "                         serve: arrivals (CSV arrival_s,prompt,output) or lengths\n"
	      "  --max-batch B, --slo-ttft MS, --slo-tpot MS, --speed-change T:SPEC\n"
	      "                         serve: batch, SLOs, a gpu_speed change at T seconds\n"
	      "                         (serve sets --batch, --iters, --active)\n\n"
	      "  --theme NAME           ui: dark (default), light or mono\n"
	      "  --ascii, --no-color, --no-mouse\n"
	      "                         ui: ASCII glyphs, no colour (also NO_COLOR), mouse off\n"
	      "  --no-history           ui: no console history file\n"
	      "                         ($XDG_STATE_HOME/sieve/history, ~/.local/state/...)\n"
	      "  --norc                 ui: skip $XDG_CONFIG_HOME/sieve/sieverc (~/.config/...)\n"
	      "  -x FILE, -c 'CMD; CMD' ui: run console commands at start, then stay interactive\n"
	      "  ui keys: space event, n layer, N iteration, b back, r play, c compare,\n"
	      "           Enter inspect, : console (Tab completes, Up history), ? help, q quit\n\n"
	      "policies (--sched):\n", out);
	for (int p = 0; p < SCHED_NPOLICIES; p++)
		fprintf(out, "  %-17s %s\n", sched_policies[p].name, sched_policies[p].help);
	fputs("\nprobe options: sieve probe --help\n"
	      "memory: a run must fit in every GPU's mem_gb (weights, KV cache, activations);\n"
	      "one that does not is refused (exit 2) with what would fit\n\n"
	      "examples:\n"
	      "  sieve run --model qwen3-30b-a3b --batch 64 --iters 10 --format json\n"
	      "  sieve probe gpu --hidden 2048 --inter 768 --tokens 1 --format json\n"
	      "  sieve probe routing --model qwen3-30b-a3b --batch 64\n"
	      "  sieve compare --model gpt-oss-120b --batch 64\n"
	      "  sieve run --sched sieve --explain 3 --iters 2\n"
	      "  sieve serve --hw h100x8-pim-var --rate 30 --place vibe --sched gpu\n\n"
	      "run, compare and sweep show progress on a terminal after a second;\n"
	      "Ctrl-C stops them between layers (exit status 130).\n"
	      "Data files are found in $SIEVE_DATA, else beside the program (data/, or\n"
	      "../share/sieve/ when installed).  See sieve(1).\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_ui(0, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		help(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sieve %s\n", SIEVE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* `sieve CMD --help`: the one help lists every command's options */
		for (int k = 2; k < argc && strcmp(argv[1], "probe") != 0; k++)
			if (strcmp(argv[k], "--help") == 0) {
				help(stdout);
				return EXIT_OK;
			}
		return commands[i].fn(argc - 2, argv + 2);
	}
	if (argv[1][0] == '-')	/* options of the UI: --theme, -x FILE ... */
		return cmd_ui(argc - 1, argv + 1);
	fprintf(stderr, "sieve: unknown command '%s' (try 'sieve --help')\n", argv[1]);
	return EXIT_USAGE;
}
