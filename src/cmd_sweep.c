/*
 * cmd_sweep.c - `sieve sweep`: the cross product of --vary PARAM=V1,V2,...
 * over the run parameters, one JSON object per line, each naming its
 * parameters.  --shard I/N runs every N-th point starting at I, so a
 * design-space exploration splits across machines with GNU parallel or a
 * Slurm job array; concatenating the shards' lines gives the whole sweep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "pim.h"
#include "progress.h"
#include "report.h"
#include "sim.h"

#define MAX_VARY 8
#define MAX_VALUES 64

struct axis {
	const struct field *f;
	char *values[MAX_VALUES];
	int n;
};

/* "batch=16,64,256" into an axis; every value is validated here. */
static int parse_vary(const char *text, const struct sim_config *base, struct axis *ax,
		      struct err *e)
{
	const char *eq = strchr(text, '=');
	char name[64], *copy, *save = NULL, *w;

	memset(ax, 0, sizeof *ax);
	if (eq == NULL || eq == text || (size_t)(eq - text) >= sizeof name)
		return err_set(e, "--vary: expected PARAM=V1,V2,... got '%s'", text);
	memcpy(name, text, (size_t)(eq - text));
	name[eq - text] = '\0';
	ax->f = field_find(&config_field_table, NULL, name);
	if (ax->f == NULL) {
		const char *s = field_suggest(&config_field_table, name);
		return err_set(e, "--vary: unknown run parameter '%s'%s%s%s", name,
			       s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
	}
	if (list_check(name, eq + 1, e) != 0)
		return err_prefix(e, "--vary: ");
	copy = xstrdup(eq + 1);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct sim_config probe = *base;
		if (ax->n == MAX_VALUES) {
			err_set(e, "--vary %s: more than %d values", name, MAX_VALUES);
			break;
		}
		if (field_set(ax->f, &probe, w, e) != 0) {
			err_prefix(e, "--vary: ");
			break;
		}
		ax->values[ax->n++] = xstrdup(w);
	}
	free(copy);
	if (ax->n == 0 && e->msg[0] == '\0')
		err_set(e, "--vary %s: no values", name);
	return ax->n > 0 && w == NULL ? 0 : -1;
}

static int parse_shard(const char *text, long *i, long *n, struct err *e)
{
	const char *slash = strchr(text, '/');
	char first[64];

	if (slash == NULL || slash == text || (size_t)(slash - text) >= sizeof first)
		return err_set(e, "--shard: expected I/N (e.g. 0/4), got '%s'", text);
	memcpy(first, text, (size_t)(slash - text));
	first[slash - text] = '\0';
	if (number_parse_whole(slash + 1, 1, 1e9, n, e) != 0 ||
	    number_parse_whole(first, 0, (double)(*n - 1), i, e) != 0)
		return err_prefix(e, "--shard %s: ", text);
	return 0;
}

static int run_point(const struct sim_config *cfg, const char *datadir, const struct axis *ax,
		     int nax, const int *idx, long point, struct err *e)
{
	struct sim_totals t;
	char what[64];
	struct json j;
	struct sim s;

	if (sim_init(&s, cfg, datadir, e) != 0)
		return -1;
	snprintf(what, sizeof what, "sweep point %ld", point);
	if (progress_run(&s, what, NULL, NULL, e) != 0) {
		sim_release(&s);
		return err_prefix(e, "sweep point %ld: ", point);
	}
	sim_totals(&s, &t);
	json_init(&j, stdout, 0);
	json_object(&j, NULL);
	json_object(&j, "params");
	for (int k = 0; k < nax; k++)
		json_str(&j, ax[k].f->name, ax[k].values[idx[k]]);
	json_end(&j);
	json_str(&j, "model", s.model.name);
	json_str(&j, "hw", s.hw.name);
	json_str(&j, "pim_kind", pim_kind_names[s.hw.hbm.pim_kind]);
	json_str(&j, "attach", pim_attach_names[s.hw.hbm.attach]);
	json_str(&j, "sched", config_sched_name(cfg->sched));
	json_int(&j, "batch", cfg->batch);
	json_int(&j, "seed", cfg->seed);
	json_int(&j, "micro", cfg->micro);
	json_fixed(&j, "tokens_per_s", sim_tokens_per_s(&s), 1);
	json_fixed(&j, "tpot_ms", sim_iter_ns(&s) / 1e6, 4);
	json_fixed(&j, "tokens_per_s_per_user", sim_tokens_per_s_per_user(&s), 3);
	json_fixed(&j, "expert_phase_us", t.expert_phase_ns / 1e3, 3);
	json_fixed(&j, "pim_expert_share", t.pim_expert_share, 4);
	json_fixed(&j, "gpu_util", t.gpu_util, 4);
	json_fixed(&j, "pim_util", t.pim_util, 4);
	json_fixed(&j, "link_util", t.link_util, 4);
	report_memory_json(&j, &s);
	json_end(&j);
	json_finish(&j);
	sim_release(&s);
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static const char *const repeatable[] = {"vary", NULL};
	const char *known[CLI_MAX_OPTS], *v;
	struct axis ax[MAX_VARY];
	struct sim_config base;
	char datadir[4096];
	struct cli_args a;
	struct err e = {""};
	long shard = 0, shards = 1, point = 0;
	int nax = 0, idx[MAX_VARY] = {0}, rc = EXIT_OK;
	static const char *const own[] = {"vary", "shard", NULL};

	progress_catch_interrupt();	/* from the start: a load ends, then the run stops */
	cli_config_options(known, CLI_MAX_OPTS, own);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse_ex(&a, argc, argv, NULL, repeatable, &e) != 0 ||
	    cli_config(&a, datadir, &base, &e) != 0 ||
	    ((v = cli_get(&a, "format")) && strcmp(v, "jsonl") != 0 &&
	     err_set(&e, "--format: sweep writes jsonl (one JSON object per line)")) ||
	    ((v = cli_get(&a, "shard")) && parse_shard(v, &shard, &shards, &e) != 0))
		return cmd_fail(e.msg);
	while ((v = cli_get_nth(&a, "vary", nax)) != NULL) {
		if (nax == MAX_VARY || parse_vary(v, &base, &ax[nax], &e) != 0) {
			if (nax == MAX_VARY)
				err_set(&e, "--vary: at most %d parameters", MAX_VARY);
			rc = cmd_fail(e.msg);
			goto out;
		}
		for (int k = 0; k < nax; k++)
			if (ax[k].f == ax[nax].f) {
				for (int i = 0; i < ax[nax].n; i++)
					free(ax[nax].values[i]);
				err_set(&e, "--vary: parameter '%s' given twice", ax[k].f->name);
				rc = cmd_fail(e.msg);
				goto out;
			}
		nax++;
	}
	if (cli_check_unused(&a, known, &e) != 0) {
		rc = cmd_fail(e.msg);
		goto out;
	}
	/* Pass 0 checks that every point loads (models, machines, traces), so a
	 * bad value fails before any line is printed; pass 1 runs them. */
	for (int pass = 0; pass < 2 && rc == EXIT_OK; pass++) {
		point = 0;
		for (;;) {	/* odometer over the axes, the last varying fastest */
			if (point++ % shards == shard) {
				struct sim_config cfg = base;
				struct sim s;
				for (int k = 0; k < nax; k++)
					field_set(ax[k].f, &cfg, ax[k].values[idx[k]], &e);
				if (pass == 0) {
					if (sim_init(&s, &cfg, datadir, &e) != 0)
						rc = cmd_fail(e.msg);
					else
						sim_release(&s);
				} else if (run_point(&cfg, datadir, ax, nax, idx, point - 1, &e) != 0) {
					rc = progress_fail(e.msg);
				}
				if (rc != EXIT_OK)
					break;
			}
			int k = nax - 1;
			while (k >= 0 && ++idx[k] == ax[k].n)
				idx[k--] = 0;
			if (k < 0)
				break;
		}
	}
out:
	for (int k = 0; k < nax; k++)
		for (int i = 0; i < ax[k].n; i++)
			free(ax[k].values[i]);
	return fflush(stdout) == 0 ? rc : EXIT_FAIL;
}
