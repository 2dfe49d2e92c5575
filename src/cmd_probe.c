/*
 * cmd_probe.c - `sieve probe COMPONENT`: one component model at a time,
 * for validation and teaching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "dram_probe.h"
#include "gpu.h"
#include "hw.h"
#include "json.h"
#include "model.h"
#include "pim.h"
#include "report.h"
#include "routing.h"
#include "wallclock.h"

#define MAX_COUNTS 4096

/* --counts "C1 C2 ...": token counts of one GPU's experts. */
static int parse_counts(const char *text, int *counts, int *n, struct err *e)
{
	char *copy = xstrdup(text), *save = NULL, *w;
	int rc = 0;

	*n = 0;
	for (w = strtok_r(copy, " ,", &save); w && rc == 0; w = strtok_r(NULL, " ,", &save)) {
		long v;
		if (*n == MAX_COUNTS)
			rc = err_set(e, "--counts: more than %d experts", MAX_COUNTS);
		else if (cli_int("counts", w, 0, 1000000, &v, e) == 0)
			counts[(*n)++] = (int)v;
		else
			rc = -1;
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = err_set(e, "--counts: no token counts given");
	return rc;
}

/* The hw preset of --hw (default: data/defaults.ini's). */
static int probe_hw(struct cli_args *a, const char *datadir, struct hw *hw, struct err *e)
{
	struct sim_config cfg;
	const char *v;

	if (config_defaults(&cfg, datadir, e) != 0)
		return -1;
	if ((v = cli_get(a, "hw")) != NULL)
		snprintf(cfg.hw, sizeof cfg.hw, "%s", v);
	return hw_load(hw, datadir, cfg.hw, e);
}

/* Option opt, if given, as a number in (0, hi] into *out (else *out stays);
 * what names the kind of number in the error. */
static int parse_positive(struct cli_args *a, const char *opt, double hi, const char *what,
			  double *out, struct err *e)
{
	const char *v = cli_get(a, opt);
	double x;

	if (v == NULL)
		return 0;
	if (number_parse(v, &x, e) != 0)
		return err_prefix(e, "--%s: ", opt);
	if (!(x > 0 && x <= hi))
		return err_set(e, "--%s: '%s' is not a %s in (0, %g]", opt, v, what, hi);
	*out = x;
	return 0;
}

/* --bytes B: bytes per weight, default 2 (BF16, as the calibration data). */
static int parse_bytes(struct cli_args *a, double *bytes, struct err *e)
{
	*bytes = 2;
	return parse_positive(a, "bytes", 8, "byte count", bytes, e);
}

static int probe_gpu(struct cli_args *a, const char *datadir, struct err *e)
{
	static const char *const known[] = {"hidden", "inter", "tokens", "experts", "counts",
					    "hw", "bytes", "format", NULL};
	const char *counts_text = cli_get(a, "counts"), *v;
	long hidden = 0, inter = 0, tokens = 1, experts = 1;
	double bytes;
	int *counts = xcalloc(MAX_COUNTS, sizeof *counts), n = 0, active = 0, rc = -1;
	enum format fmt;
	struct hw hw;
	double total_ns;

	if (cli_format(a, &fmt, e) != 0 || probe_hw(a, datadir, &hw, e) != 0 ||
	    parse_bytes(a, &bytes, e) != 0)
		goto out;
	if ((v = cli_get(a, "hidden")) == NULL || cli_int("hidden", v, 1, 1 << 20, &hidden, e) != 0 ||
	    (v = cli_get(a, "inter")) == NULL || cli_int("inter", v, 1, 1 << 20, &inter, e) != 0) {
		if (v == NULL)
			err_set(e, "probe gpu: --hidden and --inter are required");
		goto out;
	}
	if (counts_text != NULL) {
		if (cli_get(a, "tokens") || cli_get(a, "experts")) {
			err_set(e, "probe gpu: --counts replaces --tokens and --experts");
			goto out;
		}
		if (parse_counts(counts_text, counts, &n, e) != 0)
			goto out;
	} else {
		if (((v = cli_get(a, "tokens")) && cli_int("tokens", v, 1, 1 << 24, &tokens, e)) ||
		    ((v = cli_get(a, "experts")) && cli_int("experts", v, 1, MAX_COUNTS, &experts, e)))
			goto out;
		n = (int)experts;
		for (int i = 0; i < n; i++)
			counts[i] = (int)tokens;
	}
	if (cli_check_unused(a, known, e) != 0)
		goto out;
	for (int i = 0; i < n; i++)
		active += counts[i] > 0;
	total_ns = gpu_experts_ns(&hw, GPU_NOMINAL, (int)hidden, (int)inter, bytes, counts, n);
	if (fmt == FORMAT_JSON) {
		struct json j;
		json_init(&j, stdout, 0);
		json_object(&j, NULL);
		json_str(&j, "hw", hw.name);
		json_int(&j, "hidden", hidden);
		json_int(&j, "inter", inter);
		json_num(&j, "bytes_per_weight", bytes);
		json_int(&j, "experts", n);
		json_int(&j, "active_experts", active);
		if (counts_text == NULL)
			json_int(&j, "tokens", tokens);
		json_fixed(&j, "us_total", total_ns / 1e3, 3);
		json_fixed(&j, "us_per_expert", active ? total_ns / 1e3 / active : 0, 3);
		json_end(&j);
		json_finish(&j);
	} else if (fmt == FORMAT_CSV) {
		printf("hw,hidden,inter,experts,active_experts,us_total,us_per_expert\n");
		printf("%s,%ld,%ld,%d,%d,%.3f,%.3f\n", hw.name, hidden, inter, n, active,
		       total_ns / 1e3, active ? total_ns / 1e3 / active : 0);
	} else {
		printf("gpu %s: %d experts (%d with tokens) of %ldx%ld, %.3g B/weight\n", hw.name, n,
		       active, hidden, inter, bytes);
		printf("  total       %10.3f us\n  per expert  %10.3f us\n", total_ns / 1e3,
		       active ? total_ns / 1e3 / active : 0);
	}
	rc = 0;
out:
	free(counts);
	return rc;
}

static void print_line(void *ctx, const char *text)
{
	(void)ctx;
	puts(text);
}

static void print_routing(const struct model *m, const struct sim_config *cfg, int samples,
			  const struct routing_stats *st, enum format fmt)
{
	if (fmt == FORMAT_JSON) {
		struct json j;
		json_init(&j, stdout, 0);
		json_object(&j, NULL);
		json_str(&j, "model", m->name);
		json_str(&j, "routing", cfg->routing);
		json_int(&j, "batch", cfg->batch);
		json_int(&j, "samples", samples);
		json_int(&j, "seed", cfg->seed);
		json_int(&j, "experts", m->experts);
		json_int(&j, "top_k", m->top_k);
		report_routing_json(&j, st);
		json_end(&j);
		json_finish(&j);
		return;
	}
	if (fmt == FORMAT_CSV) {
		printf("model,routing,batch,samples,activated,frac_single,top10_share,max_load\n");
		printf("%s,%s,%d,%d,%.3f,%.4f,%.4f,%.3f\n", m->name, cfg->routing, cfg->batch, samples,
		       st->activated, st->frac_single, st->top10_share, st->max_load);
		return;
	}
	printf("routing %s of %s: batch %d, %d samples x %d MoE layers\n", cfg->routing, m->name,
	       cfg->batch, samples, m->layers - m->first_dense);
	report_routing_lines(st, m->experts, print_line, NULL);
}

static int probe_routing(struct cli_args *a, const char *datadir, struct err *e)
{
	static const char *const known[] = {"model", "batch", "routing", "samples", "seed",
					    "format", NULL};
	static const char *const params[] = {"model", "batch", "routing", "seed", NULL};
	struct sim_config cfg;
	struct routing_stats st;
	struct routing r;
	struct model m;
	enum format fmt;
	long samples = 20;
	const char *v;
	int *assign, *counts;

	if (cli_format(a, &fmt, e) != 0 || config_defaults(&cfg, datadir, e) != 0)
		return -1;
	for (const char *const *p = params; *p; p++)
		if ((v = cli_get(a, *p)) != NULL && fields_set(&config_field_table, &cfg, *p, v, e) != 0)
			return err_prefix(e, "--");
	if ((v = cli_get(a, "samples")) && cli_int("samples", v, 1, 100000, &samples, e) != 0)
		return -1;
	if (cli_check_unused(a, known, e) != 0 || model_load(&m, datadir, cfg.model, e) != 0 ||
	    routing_init(&r, &m, datadir, cfg.routing, (uint64_t)cfg.seed, e) != 0)
		return -1;
	assign = xcalloc((size_t)cfg.batch * (size_t)m.top_k, sizeof *assign);
	counts = xcalloc((size_t)m.experts, sizeof *counts);
	routing_stats_init(&st);
	for (int it = 0; it < samples; it++) {
		for (int l = 0; l < m.layers - m.first_dense; l++) {
			routing_batch(&r, it, l, cfg.batch, assign);
			routing_count(&m, assign, cfg.batch, counts);
			routing_stats_add(&st, counts, m.experts, cfg.batch, m.top_k);
		}
	}
	routing_stats_finish(&st);
	print_routing(&m, &cfg, (int)samples, &st, fmt);
	free(assign);
	free(counts);
	routing_release(&r);
	return 0;
}


/*
 * The report is a pure function of the arguments (any --threads gives the
 * same figures); with --measure it also says how fast this machine
 * simulated it, in a "measured" object (text: the speed line), which is
 * the only part that changes from run to run.
 */
static int probe_dram(struct cli_args *a, const char *datadir, struct err *e)
{
	static const char *const known[] = {"pattern", "load", "requests", "seed", "threads", "hw",
					    "format", "measure", NULL};
	const char *v = cli_get(a, "pattern");
	long requests = 200000, seed = 1, threads = sysconf(_SC_NPROCESSORS_ONLN);	/* -1: unknown */
	double load = 1, t0, wall, speed;
	int pattern = -1, measure = cli_get(a, "measure") != NULL;
	struct dram_probe_result r;
	enum format fmt;
	struct hw hw;

	for (int i = 0; v && i < DRAM_PROBE_NPATTERN; i++)
		if (strcmp(v, dram_probe_pattern_names[i]) == 0)
			pattern = i;
	if (pattern < 0)
		return err_set(e, "--pattern: %s%s%s (seq or random)", v ? "unknown pattern '" : "required",
			       v ? v : "", v ? "'" : "");
	if (parse_positive(a, "load", 1, "fraction", &load, e) != 0)
		return -1;
	if (load < DRAM_PROBE_MIN_LOAD)
		return err_set(e, "--load: %s is below %g (an idle stack only refreshes between reads)",
			       cli_get(a, "load"), DRAM_PROBE_MIN_LOAD);
	if (((v = cli_get(a, "requests")) && cli_int("requests", v, 1, 1000000000, &requests, e)) ||
	    ((v = cli_get(a, "seed")) && cli_int("seed", v, 0, 2147483647, &seed, e)) ||
	    ((v = cli_get(a, "threads")) && cli_int("threads", v, 1, 1024, &threads, e)) ||
	    cli_format(a, &fmt, e) != 0 || probe_hw(a, datadir, &hw, e) != 0 ||
	    cli_check_unused(a, known, e) != 0)
		return -1;
	if (threads < 1)
		threads = 1;	/* sysconf could not tell */
	t0 = wall_seconds();
	if (dram_probe_run(&hw.hbm, pattern, load, requests, (uint64_t)seed, (int)threads, &r,
			   e) != 0)
		return -1;
	wall = wall_seconds() - t0;
	speed = wall > 0 ? r.requests / wall : 0;
	if (fmt == FORMAT_JSON) {
		struct json j;
		json_init(&j, stdout, 0);
		json_object(&j, NULL);
		json_str(&j, "hw", hw.name);
		json_str(&j, "pattern", dram_probe_pattern_names[pattern]);
		json_num(&j, "load", load);
		json_int(&j, "requests", r.requests);
		json_int(&j, "seed", seed);
		json_fixed(&j, "bw_gbps", r.bw_gbps, 2);
		json_fixed(&j, "peak_gbps", r.peak_gbps, 2);
		json_fixed(&j, "avg_latency_ns", r.avg_latency_ns, 2);
		json_fixed(&j, "row_hit_rate", r.row_hit_rate, 4);
		json_fixed(&j, "refresh_fraction", r.refresh_fraction, 4);
		json_int(&j, "cycles", (long)r.cycles);
		if (measure) {
			json_object(&j, "measured");
			json_int(&j, "threads", r.threads);
			json_fixed(&j, "wall_s", wall, 3);
			json_fixed(&j, "sim_requests_per_s", speed, 0);
			json_end(&j);
		}
		json_end(&j);
		json_finish(&j);
	} else if (fmt == FORMAT_CSV) {
		printf("hw,pattern,load,requests,seed,bw_gbps,peak_gbps,avg_latency_ns,row_hit_rate,"
		       "cycles%s\n", measure ? ",threads,wall_s,sim_requests_per_s" : "");
		printf("%s,%s,%g,%ld,%ld,%.2f,%.2f,%.2f,%.4f,%lld", hw.name,
		       dram_probe_pattern_names[pattern], load, r.requests, seed, r.bw_gbps,
		       r.peak_gbps, r.avg_latency_ns, r.row_hit_rate, (long long)r.cycles);
		if (measure)
			printf(",%d,%.3f,%.0f", r.threads, wall, speed);
		printf("\n");
	} else {
		printf("dram %s: %s reads at load %g, %ld requests on one %d-channel stack\n", hw.name,
		       dram_probe_pattern_names[pattern], load, r.requests, hw.hbm.channels);
		printf("  bandwidth     %9.2f GB/s of %.2f peak (%.1f%%)\n", r.bw_gbps, r.peak_gbps,
		       100 * r.bw_gbps / r.peak_gbps);
		printf("  latency       %9.2f ns average\n  row hits      %9.1f%%\n", r.avg_latency_ns,
		       100 * r.row_hit_rate);
		printf("  refresh       %9.1f%% of bank time\n  cycles        %9lld (%.3f us)\n",
		       100 * r.refresh_fraction, (long long)r.cycles, r.time_ns / 1e3);
		if (measure)
			printf("  measured      %9.0f simulated requests per wall second (%d thread%s, "
			       "%.3f s)\n", speed, r.threads, r.threads == 1 ? "" : "s", wall);
	}
	return 0;
}

static int probe_pim(struct cli_args *a, const char *datadir, struct err *e)
{
	static const char *const known[] = {"hidden", "inter", "tokens", "pim", "power-limit",
					    "stacks", "bytes", "hw", "format", NULL};
	long hidden, inter, tokens = 1, stacks = 0;
	double bytes;
	struct pim_result r;
	struct pim pim;
	enum format fmt;
	struct hw hw;
	const char *v;
	int rc;

	if ((v = cli_get(a, "hidden")) == NULL || cli_int("hidden", v, 1, 1 << 20, &hidden, e) != 0 ||
	    (v = cli_get(a, "inter")) == NULL || cli_int("inter", v, 1, 1 << 20, &inter, e) != 0) {
		if (v == NULL)
			err_set(e, "probe pim: --hidden and --inter are required");
		return -1;
	}
	if (((v = cli_get(a, "tokens")) && cli_int("tokens", v, 1, 1 << 20, &tokens, e)) ||
	    ((v = cli_get(a, "stacks")) && cli_int("stacks", v, 1, 64, &stacks, e)) ||
	    cli_format(a, &fmt, e) != 0 || probe_hw(a, datadir, &hw, e) != 0 ||
	    parse_bytes(a, &bytes, e) != 0)
		return -1;
	if ((v = cli_get(a, "pim")) && fields_set(&hbm_field_table, &hw.hbm, "pim_kind", v, e))
		return err_prefix(e, "--pim: ");
	if ((v = cli_get(a, "power-limit")) &&
	    fields_set(&hbm_field_table, &hw.hbm, "power_limit", v, e))
		return err_prefix(e, "--power-limit: ");
	if (cli_check_unused(a, known, e) != 0 || pim_init(&pim, &hw.hbm, e) != 0)
		return -1;
	rc = pim_expert_run(&pim, (int)hidden, (int)inter, bytes, (int)tokens, (int)stacks, &r, e);
	pim_release(&pim);
	if (rc != 0)
		return -1;
	{
		double gpu_us = gpu_experts_uniform_ns(&hw, GPU_NOMINAL, (int)hidden, (int)inter, bytes, 1,
						       (int)tokens) / 1e3;
		if (fmt == FORMAT_JSON) {
			struct json j;
			json_init(&j, stdout, 0);
			json_object(&j, NULL);
			json_str(&j, "hw", hw.name);
			json_str(&j, "pim", pim_kind_names[hw.hbm.pim_kind]);
			json_str(&j, "power_limit", hw.hbm.power_limit ? "on" : "off");
			json_int(&j, "hidden", hidden);
			json_int(&j, "inter", inter);
			json_int(&j, "tokens", tokens);
			json_fixed(&j, "us", r.time_ns / 1e3, 3);
			json_int(&j, "cycles", (long)r.cycles);
			json_object(&j, "commands");
			for (int c = 0; c < DRAM_NCMD; c++)
				if (r.commands[c] > 0)
					json_int(&j, dram_cmd_names[c], (long)r.commands[c]);
			json_end(&j);
			json_int(&j, "stacks", r.stacks);
			json_int(&j, "passes", r.passes);
			json_num(&j, "weight_bytes", r.weight_bytes);
			json_fixed(&j, "gpu_us", gpu_us, 3);
			json_end(&j);
			json_finish(&j);
		} else if (fmt == FORMAT_CSV) {
			printf("hw,pim,power_limit,hidden,inter,tokens,us,cycles,stacks,weight_bytes,gpu_us\n"
			       "%s,%s,%s,%ld,%ld,%ld,%.3f,%lld,%d,%.0f,%.3f\n", hw.name,
			       pim_kind_names[hw.hbm.pim_kind], hw.hbm.power_limit ? "on" : "off", hidden,
			       inter, tokens, r.time_ns / 1e3, (long long)r.cycles, r.stacks,
			       r.weight_bytes, gpu_us);
		} else {
			printf("pim %s (%s PIM, power limit %s): expert %ldx%ld, %ld tokens, %d stack%s\n",
			       hw.name, pim_kind_names[hw.hbm.pim_kind], hw.hbm.power_limit ? "on" : "off",
			       hidden, inter, tokens, r.stacks, r.stacks == 1 ? "" : "s");
			printf("  PIM         %10.3f us (%lld cycles, %d passes)\n", r.time_ns / 1e3,
			       (long long)r.cycles, r.passes);
			printf("  GPU         %10.3f us (the GPU model, same expert and tokens)\n", gpu_us);
			printf("  commands   ");
			for (int c = 0; c < DRAM_NCMD; c++)
				if (r.commands[c] > 0)
					printf(" %s %lld", dram_cmd_names[c], r.commands[c]);
			printf("\n");
		}
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cli_args *, const char *, struct err *);
	const char *usage;
} probes[] = {
	{"gpu", probe_gpu,
	 "--hidden H --inter I [--tokens T] [--experts E | --counts \"C1 C2 ...\"] [--bytes B] [--hw PRESET]"},
	{"routing", probe_routing,
	 "[--model M] [--batch B] [--routing synthetic|trace:FILE] [--samples N] [--seed S]"},
	{"dram", probe_dram,
	 "--pattern seq|random [--load F] [--requests N] [--seed S] [--threads N] [--hw H]\n"
	 "                       [--measure]  (add wall-clock figures: not reproducible)"},
	{"pim", probe_pim,
	 "--hidden H --inter I [--tokens T] [--pim bank|bankgroup|logic] [--power-limit on|off] "
	 "[--stacks N] [--bytes B] [--hw H]"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: sieve probe COMPONENT [options] [--format text|json|csv]\n");
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		fprintf(out, "  sieve probe %-8s %s\n", probes[i].name, probes[i].usage);
}

int cmd_probe(int argc, char **argv)
{
	char datadir[4096];
	struct cli_args a;
	struct err e;

	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	for (int k = 1; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
	cli_datadir(datadir, sizeof datadir);
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		if (strcmp(argv[0], probes[i].name) != 0)
			continue;
		static const char *const flags[] = {"measure", NULL};
		if (cli_parse(&a, argc - 1, argv + 1, flags, &e) != 0 ||
		    probes[i].fn(&a, datadir, &e) != 0)
			return cmd_fail(e.msg);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	fprintf(stderr, "sieve: unknown component '%s'\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
