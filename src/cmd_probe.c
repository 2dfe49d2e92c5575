/*
 * cmd_probe.c - `sieve probe COMPONENT`: one component model at a time,
 * for validation and teaching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "gpu.h"
#include "hw.h"
#include "json.h"
#include "model.h"
#include "routing.h"

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

static int probe_gpu(struct cli_args *a, const char *datadir, struct err *e)
{
	static const char *const known[] = {"hidden", "inter", "tokens", "experts", "counts",
					    "hw", "bytes", "format", NULL};
	const char *counts_text = cli_get(a, "counts"), *v;
	long hidden = 0, inter = 0, tokens = 1, experts = 1;
	double bytes = 2;	/* BF16, as the calibration measurements */
	int *counts = xcalloc(MAX_COUNTS, sizeof *counts), n = 0, active = 0, rc = -1;
	struct sim_config cfg;
	enum format fmt;
	struct hw hw;
	double total_ns;

	if (cli_format(a, &fmt, e) != 0 || config_defaults(&cfg, datadir, e) != 0)
		goto out;
	if ((v = cli_get(a, "hw")) != NULL)
		snprintf(cfg.hw, sizeof cfg.hw, "%s", v);
	if ((v = cli_get(a, "hidden")) == NULL || cli_int("hidden", v, 1, 1 << 20, &hidden, e) != 0 ||
	    (v = cli_get(a, "inter")) == NULL || cli_int("inter", v, 1, 1 << 20, &inter, e) != 0) {
		if (v == NULL)
			err_set(e, "probe gpu: --hidden and --inter are required");
		goto out;
	}
	if ((v = cli_get(a, "bytes")) != NULL) {
		char *end;
		bytes = strtod(v, &end);
		if (*end != '\0' || !(bytes > 0 && bytes <= 8)) {
			err_set(e, "--bytes: '%s' is not a byte count in (0, 8]", v);
			goto out;
		}
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
	if (cli_check_unused(a, known, e) != 0 || hw_load(&hw, datadir, cfg.hw, e) != 0)
		goto out;
	for (int i = 0; i < n; i++)
		active += counts[i] > 0;
	total_ns = gpu_experts_ns(&hw, 1.0, (int)hidden, (int)inter, bytes, counts, n);
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
		json_fixed(&j, "activated", st->activated, 3);
		json_fixed(&j, "frac_single", st->frac_single, 4);
		json_fixed(&j, "top10_share", st->top10_share, 4);
		json_fixed(&j, "max_load", st->max_load, 3);
		json_array(&j, "histogram");
		for (int b = 0; b < ROUTING_HIST_BINS; b++) {
			json_object(&j, NULL);
			json_int(&j, "lo", routing_hist_lo(b));
			json_int(&j, "hi", routing_hist_hi(b));
			json_fixed(&j, "frac", st->hist[b], 4);
			json_end(&j);
		}
		json_end(&j);
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
	printf("  activated    %8.2f of %d experts\n", st->activated, m->experts);
	printf("  one token    %8.1f%% of activated\n", 100 * st->frac_single);
	printf("  top 10%%      %8.1f%% of token-slots\n", 100 * st->top10_share);
	printf("  busiest      %8.2f tokens\n", st->max_load);
	printf("  tokens per activated expert:\n");
	for (int b = 0; b < ROUTING_HIST_BINS; b++) {
		char range[32];
		int lo = routing_hist_lo(b), hi = routing_hist_hi(b);
		if (hi < 0)
			snprintf(range, sizeof range, "%d+", lo);
		else if (hi == lo)
			snprintf(range, sizeof range, "%d", lo);
		else
			snprintf(range, sizeof range, "%d-%d", lo, hi);
		printf("    %-9s %6.1f%% ", range, 100 * st->hist[b]);
		for (int k = 0; k < (int)(st->hist[b] * 50 + 0.5); k++)
			putchar('#');
		putchar('\n');
	}
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

static const struct {
	const char *name;
	int (*fn)(struct cli_args *, const char *, struct err *);
	const char *usage;
} probes[] = {
	{"gpu", probe_gpu,
	 "--hidden H --inter I [--tokens T] [--experts E | --counts \"C1 C2 ...\"] [--bytes B] [--hw PRESET]"},
	{"routing", probe_routing,
	 "[--model M] [--batch B] [--routing synthetic|trace:FILE] [--samples N] [--seed S]"},
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
	cli_datadir(datadir, sizeof datadir);
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		if (strcmp(argv[0], probes[i].name) != 0)
			continue;
		if (cli_parse(&a, argc - 1, argv + 1, NULL, &e) != 0 ||
		    probes[i].fn(&a, datadir, &e) != 0)
			return cmd_fail(e.msg);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	fprintf(stderr, "sieve: unknown component '%s'\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
