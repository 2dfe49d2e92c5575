/*
 * cmd_compare.c - `sieve compare`: every partition policy on the same
 * model, machine, routing and seed, side by side.  The threshold rule gets
 * its best tau (tried over TAUS), as a fair baseline should.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "progress.h"
#include "sim.h"

static const int taus[] = {1, 2, 3, 4, 6, 8, 12, 16, 32};

struct outcome {
	int policy, tau;
	double tokens_per_s, iter_ns;
	struct sim_totals t;
};

static int simulate(const struct sim_config *cfg, const char *datadir, struct pimcost *pim,
		    struct outcome *o, struct err *e)
{
	char what[64];
	struct sim s;

	if (sim_init_shared(&s, cfg, datadir, pim, e) != 0)
		return -1;
	snprintf(what, sizeof what, cfg->sched == SCHED_THRESHOLD ? "compare %s:%d" : "compare %s",
		 sched_policy_names[cfg->sched], cfg->tau);
	if (progress_run(&s, what, NULL, NULL, e) != 0) {
		if (!progress_interrupted())
			err_prefix(e, "sched %s, ", sched_policy_names[cfg->sched]);
		sim_release(&s);
		return -1;
	}
	o->policy = cfg->sched;
	o->tau = cfg->tau;
	o->tokens_per_s = sim_tokens_per_s(&s);
	o->iter_ns = sim_iter_ns(&s);
	sim_totals(&s, &o->t);
	sim_release(&s);
	return 0;
}

/* Every policy; threshold keeps its best tau.  One PIM memo serves all. */
static int compare_policies(const struct sim_config *base, const char *datadir, struct outcome *out,
			    struct err *e)
{
	struct model m;
	struct hw hw;
	struct pimcost pim;
	int rc = -1;

	if (model_load(&m, datadir, base->model, e) != 0 || hw_load(&hw, datadir, base->hw, e) != 0 ||
	    pimcost_init(&pim, &hw, &m, e) != 0)
		return -1;
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		struct sim_config cfg = *base;
		cfg.sched = p;
		if (p != SCHED_THRESHOLD) {
			if (simulate(&cfg, datadir, &pim, &out[p], e) != 0)
				goto out;
			continue;
		}
		out[p].tokens_per_s = -1;
		for (size_t i = 0; i < sizeof taus / sizeof taus[0]; i++) {
			struct outcome o;
			cfg.tau = taus[i];
			if (simulate(&cfg, datadir, &pim, &o, e) != 0)
				goto out;
			if (o.tokens_per_s > out[p].tokens_per_s)
				out[p] = o;
		}
	}
	rc = 0;
out:
	pimcost_release(&pim);
	return rc;
}

static double best_static(const struct outcome *o)
{
	double best = 0;

	for (int p = 0; p < SCHED_NPOLICIES; p++)
		if (p != SCHED_SIEVE && o[p].tokens_per_s > best)
			best = o[p].tokens_per_s;
	return best;
}

static void print(const struct sim_config *cfg, const struct outcome *o, enum format fmt)
{
	double best = best_static(o);

	if (fmt == FORMAT_JSON) {
		struct json j;
		json_init(&j, stdout, 1);
		json_object(&j, NULL);
		json_str(&j, "model", cfg->model);
		json_str(&j, "hw", cfg->hw);
		json_int(&j, "batch", cfg->batch);
		json_int(&j, "iters", cfg->iters);
		json_int(&j, "context", cfg->context);
		json_int(&j, "seed", cfg->seed);
		json_int(&j, "micro", cfg->micro);
		json_array(&j, "policies");
		for (int p = 0; p < SCHED_NPOLICIES; p++) {
			json_object(&j, NULL);
			json_str(&j, "sched", sched_policy_names[p]);
			if (p == SCHED_THRESHOLD)
				json_int(&j, "tau", o[p].tau);
			json_fixed(&j, "tokens_per_s", o[p].tokens_per_s, 1);
			json_fixed(&j, "tpot_ms", o[p].iter_ns / 1e6, 4);
			json_fixed(&j, "iter_us", o[p].iter_ns / 1e3, 3);
			json_fixed(&j, "pim_expert_share", o[p].t.pim_expert_share, 4);
			json_fixed(&j, "gpu_util", o[p].t.gpu_util, 4);
			json_fixed(&j, "pim_util", o[p].t.pim_util, 4);
			json_fixed(&j, "link_util", o[p].t.link_util, 4);
			if (p == SCHED_SIEVE) {
				json_fixed(&j, "speedup_vs_best_static", o[p].tokens_per_s / best, 4);
				json_fixed(&j, "estimate_error", o[p].t.est_error, 4);
			}
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
		json_finish(&j);
		return;
	}
	if (fmt == FORMAT_CSV)
		printf("sched,tau,tokens_per_s,tpot_ms,iter_us,pim_expert_share,gpu_util,pim_util,"
		       "link_util,speedup_vs_best_static\n");
	else {
		char micro[32] = "";
		if (cfg->micro > 1)
			snprintf(micro, sizeof micro, ", %d micro-batches", cfg->micro);
		printf("compare: %s on %s, batch %d, context %d, %d iterations, seed %d%s\n\n"
		       "%-10s %12s %9s %10s %9s %8s %8s %8s %8s\n", cfg->model, cfg->hw, cfg->batch,
		       cfg->context, cfg->iters, cfg->seed,
		       micro, "sched", "tokens/s", "tpot_ms", "iter_us", "pim_exp", "gpu_u", "pim_u",
		       "link_u", "speedup");
	}
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		char name[32], speedup[32] = "";
		if (p == SCHED_SIEVE)
			snprintf(speedup, sizeof speedup, "%.4f", o[p].tokens_per_s / best);
		if (fmt == FORMAT_CSV) {
			printf("%s,%d,%.1f,%.4f,%.3f,%.4f,%.4f,%.4f,%.4f,%s\n", sched_policy_names[p],
			       p == SCHED_THRESHOLD ? o[p].tau : 0, o[p].tokens_per_s, o[p].iter_ns / 1e6,
			       o[p].iter_ns / 1e3, o[p].t.pim_expert_share, o[p].t.gpu_util,
			       o[p].t.pim_util, o[p].t.link_util, speedup);
			continue;
		}
		snprintf(name, sizeof name, p == SCHED_THRESHOLD ? "%s:%d" : "%s",
			 sched_policy_names[p], o[p].tau);
		printf("%-10s %12.1f %9.4f %10.3f %8.1f%% %7.1f%% %7.1f%% %7.1f%% %8s\n", name,
		       o[p].tokens_per_s, o[p].iter_ns / 1e6, o[p].iter_ns / 1e3,
		       100 * o[p].t.pim_expert_share, 100 * o[p].t.gpu_util, 100 * o[p].t.pim_util,
		       100 * o[p].t.link_util, speedup);
	}
}

int cmd_compare(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS];
	struct outcome o[SCHED_NPOLICIES];
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	enum format fmt;
	struct err e;

	progress_catch_interrupt();	/* from the start: a load ends, then the run stops */
	cli_config_options(known, CLI_MAX_OPTS, NULL);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &cfg, &e) != 0 || cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (cli_get(&a, "sched") || cli_get(&a, "tau"))
		return cmd_fail("compare runs every policy and tunes tau; drop --sched and --tau");
	if (compare_policies(&cfg, datadir, o, &e) != 0)
		return progress_fail(e.msg);
	print(&cfg, o, fmt);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
