/*
 * cmd_compare.c - `sieve compare`: the partition policies on the same
 * model, routing and seed, side by side.
 *
 * Rows.  Every policy once, on the machine given (the same device for
 * all: apples to apples); the threshold rule twice: at a tau fixed before
 * the run by the cost models' crossover (sched_crossover_tau), and as
 * "threshold-oracle", its best tau over TAUS tuned on the run itself, an
 * oracle no deployed system has.  With --native each baseline runs on the
 * device its paper assumes (sched_policies[].native_pim: Duplex on Logic-PIM,
 * AttAcc on bank PIM, ...), and sieve runs on each of those devices and
 * under each attachment of PIM to the stacks (hbm.h: shared, reserved,
 * logic), so both readings are one command away.
 *
 * Metrics per row: tokens/s, interactivity (tokens/s per user = 1 / TPOT),
 * TPOT, the expert phase alone (where the split acts), utilisations.  With
 * --at-tpot MS each row instead gets the largest batch whose TPOT is at
 * most MS, searched over 1..AT_TPOT_MAX_BATCH (doubling, then bisection;
 * TPOT grows with the batch), and its throughput: a comparison at equal service quality.
 *
 * Memory: the model must fit the machine given (at --at-tpot, at batch 1),
 * or compare is refused like every command (capacity.h).  A row on another
 * device that does not fit (attach reserved keeps each expert twice) or an
 * --at-tpot batch that does not is reported as such, not run.
 *
 * The machine is loaded once; each device is a copy with pim_kind and
 * attach overridden, and runs on one device share one PIM memo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "pim.h"
#include "progress.h"
#include "sim.h"

#define AT_TPOT_MAX_BATCH 1024
#define MAX_DEVICES 4
#define MAX_ROWS (2 * SCHED_NPOLICIES + MAX_DEVICES)

static const int taus[] = {1, 2, 3, 4, 6, 8, 12, 16, 32};

struct device {
	struct hw hw;		/* the given machine with pim_kind and attach set */
	struct pimcost pim;	/* its memo, shared by every run on it */
	int tau;		/* sched_crossover_tau on it */
};

struct row {
	char name[32];		/* the policy, or "threshold-oracle" */
	int policy, tuned, sieve;
	int dev;
	/* the outcome: at the given batch, or the one --at-tpot chose */
	int tau, batch;
	int fits;		/* 0: the model does not fit its device at that batch */
	char refused[512];	/* then why (capacity_check) */
	double tokens_per_s, iter_ns;
	struct sim_totals t;
};

struct compare {
	struct sim_config base;
	const char *datadir;
	struct model model;
	struct hw hw;		/* as given */
	struct device dev[MAX_DEVICES];
	int ndev;
	struct row row[MAX_ROWS];
	int nrows;
	int native;
	double at_tpot_ms;	/* 0: off */
};

/* The device with this PIM kind and attachment, added on first use. */
static int device(struct compare *c, int pim_kind, int attach, struct err *e)
{
	struct device *d;
	struct hw gpu_view;

	for (int i = 0; i < c->ndev; i++)
		if (c->dev[i].hw.hbm.pim_kind == pim_kind && c->dev[i].hw.hbm.attach == attach)
			return i;
	d = &c->dev[c->ndev];
	d->hw = c->hw;
	d->hw.hbm.pim_kind = pim_kind;
	d->hw.hbm.attach = attach;
	if (hbm_check_attach(&d->hw.hbm, c->hw.name, e) != 0 ||
	    pimcost_init(&d->pim, &d->hw, &c->model, e) != 0)
		return -1;
	hw_gpu_view(&d->hw, &gpu_view);
	if (sched_crossover_tau(&d->pim, &gpu_view, &c->model, &d->tau, e) != 0) {
		pimcost_release(&d->pim);
		return err_prefix(e, "threshold's crossover tau on %s PIM attached %s: ",
				  pim_kind_names[pim_kind], pim_attach_names[attach]);
	}
	return c->ndev++;
}

static void release(struct compare *c)
{
	for (int i = 0; i < c->ndev; i++)
		pimcost_release(&c->dev[i].pim);
	c->ndev = 0;
}

static int add_row(struct compare *c, int policy, int tuned, int pim_kind, int attach,
		   struct err *e)
{
	struct row *r = &c->row[c->nrows];

	memset(r, 0, sizeof *r);
	if ((r->dev = device(c, pim_kind, attach, e)) < 0)
		return -1;
	r->policy = policy;
	r->tuned = tuned;
	r->sieve = policy == SCHED_SIEVE;
	r->tau = c->dev[r->dev].tau;
	snprintf(r->name, sizeof r->name, "%s%s", sched_policy_names[policy],
		 tuned ? "-oracle" : "");
	c->nrows++;
	return 0;
}

static int attach_of(int pim_kind)
{
	return pim_kind == PIM_LOGIC ? ATTACH_LOGIC : ATTACH_SHARED;
}

/*
 * The rows: every baseline (threshold twice, fixed and tuned), then sieve;
 * with --native each baseline on its own device and sieve on every device
 * and attachment.
 */
static int make_rows(struct compare *c, struct err *e)
{
	const struct hbm *h = &c->hw.hbm;
	int bank = h->pim_kind == PIM_LOGIC ? PIM_BANK : h->pim_kind;

	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		int kind = c->native ? sched_policies[p].native_pim : h->pim_kind;
		int attach = c->native || kind != h->pim_kind ? attach_of(kind) : h->attach;
		if (p == SCHED_SIEVE)
			continue;
		if (kind == SCHED_NATIVE_NONE) {	/* no PIM of its own: the machine as given */
			kind = h->pim_kind;
			attach = h->attach;
		}
		if (add_row(c, p, 0, kind, attach, e) != 0 ||
		    (p == SCHED_THRESHOLD && add_row(c, p, 1, kind, attach, e) != 0))
			return -1;
	}
	if (!c->native)
		return add_row(c, SCHED_SIEVE, 0, h->pim_kind, h->attach, e);
	if (add_row(c, SCHED_SIEVE, 0, bank, ATTACH_SHARED, e) != 0 ||
	    add_row(c, SCHED_SIEVE, 0, bank, ATTACH_RESERVED, e) != 0 ||
	    add_row(c, SCHED_SIEVE, 0, PIM_LOGIC, ATTACH_LOGIC, e) != 0)
		return -1;
	return 0;
}

static int has_tau(const struct row *r)
{
	return r->policy == SCHED_THRESHOLD || r->policy == SCHED_ATTACC_THRESHOLD;
}

/* One run of row r's policy at batch b and tau; the outcome into r. */
static int simulate(struct compare *c, struct row *r, int batch, int tau, struct err *e)
{
	struct sim_config cfg = c->base;
	struct device *d = &c->dev[r->dev];
	struct sim s;
	struct err ce;
	char what[64];

	cfg.sched = r->policy;
	cfg.tau = tau;
	cfg.batch = batch;
	memset(&r->t, 0, sizeof r->t);
	r->tau = tau;
	r->batch = batch;
	r->tokens_per_s = r->iter_ns = 0;
	/* another device may not hold what the given machine holds (attach
	 * reserved keeps experts twice): its row says so instead of a number */
	r->fits = capacity_check(&c->model, &d->hw, batch, cfg.context,
				 place_spare_slots(cfg.place, cfg.spare_slots), &ce) == 0;
	if (!r->fits) {
		snprintf(r->refused, sizeof r->refused, "%s", ce.msg);
		return 0;
	}
	if (sim_init_on(&s, &cfg, &d->hw, c->datadir, &d->pim, e) != 0)
		return -1;
	snprintf(what, sizeof what, has_tau(r) ? "compare %s:%d" : "compare %s", r->name, tau);
	if (progress_run(&s, what, NULL, NULL, e) != 0) {
		if (!progress_interrupted())
			err_prefix(e, "sched %s, ", r->name);
		sim_release(&s);
		return -1;
	}
	r->tokens_per_s = sim_tokens_per_s(&s);
	r->iter_ns = sim_iter_ns(&s);
	sim_totals(&s, &r->t);
	sim_release(&s);
	return 0;
}

/* Row r at batch b: the oracle keeps its best tau, the others their own. */
static int evaluate(struct compare *c, struct row *r, int batch, struct err *e)
{
	struct row best;

	if (!r->tuned)
		return simulate(c, r, batch, c->dev[r->dev].tau, e);
	best.tokens_per_s = -1;
	for (size_t i = 0; i < sizeof taus / sizeof taus[0]; i++) {
		if (simulate(c, r, batch, taus[i], e) != 0)
			return -1;
		if (r->tokens_per_s > best.tokens_per_s)
			best = *r;
	}
	*r = best;
	return 0;
}

static int meets(const struct compare *c, const struct row *r)
{
	return r->fits && r->iter_ns <= c->at_tpot_ms * 1e6;
}

/*
 * The largest batch in 1..AT_TPOT_MAX_BATCH whose TPOT meets the target:
 * batches 1, 2, 4, ... (then the bound) until one fails, then bisection
 * between the last that met (lo) and the first that failed (hi).  lo always
 * meets and hi never does, so the answer's batch + 1 fails (or is past the
 * bound).  A batch that does not fit the device's memory does not meet it
 * either.  Batch 0 with no throughput when even batch 1 fails.
 */
static int at_tpot(struct compare *c, struct row *r, struct err *e)
{
	struct row lo = *r;
	int hi = 0;

	lo.batch = 0;
	lo.tokens_per_s = 0;
	for (int b = 1; hi == 0; b = b * 2 < AT_TPOT_MAX_BATCH ? b * 2 : AT_TPOT_MAX_BATCH) {
		if (evaluate(c, r, b, e) != 0)
			return -1;
		if (!meets(c, r))
			hi = b;
		else if (b == AT_TPOT_MAX_BATCH)
			return 0;
		else
			lo = *r;
	}
	while (hi - lo.batch > 1) {
		int mid = lo.batch + (hi - lo.batch) / 2;
		if (evaluate(c, r, mid, e) != 0)
			return -1;
		if (meets(c, r))
			lo = *r;
		else
			hi = mid;
	}
	*r = lo;
	return 0;
}

static int run_rows(struct compare *c, struct err *e)
{
	for (int i = 0; i < c->nrows; i++)
		if ((c->at_tpot_ms > 0 ? at_tpot(c, &c->row[i], e)
				       : evaluate(c, &c->row[i], c->base.batch, e)) != 0)
			return -1;
	return 0;
}

/* The best baseline's tokens/s; deployed_only leaves the oracle out. */
static double best_baseline(const struct compare *c, int deployed_only)
{
	double best = 0;

	for (int i = 0; i < c->nrows; i++)
		if (!c->row[i].sieve && !(deployed_only && c->row[i].tuned) &&
		    c->row[i].tokens_per_s > best)
			best = c->row[i].tokens_per_s;
	return best;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_json(const struct compare *c)
{
	double best = best_baseline(c, 0), deployed = best_baseline(c, 1);
	struct json j;

	json_init(&j, stdout, 1);
	json_object(&j, NULL);
	json_str(&j, "model", c->base.model);
	json_str(&j, "hw", c->base.hw);
	json_int(&j, "batch", c->base.batch);
	json_int(&j, "iters", c->base.iters);
	json_int(&j, "context", c->base.context);
	json_int(&j, "seed", c->base.seed);
	json_int(&j, "micro", c->base.micro);
	json_str(&j, "devices", c->native ? "native" : "given");
	if (c->at_tpot_ms > 0) {
		json_fixed(&j, "at_tpot_ms", c->at_tpot_ms, 4);
		json_int(&j, "max_batch", AT_TPOT_MAX_BATCH);
	}
	json_array(&j, "policies");
	for (int i = 0; i < c->nrows; i++) {
		const struct row *r = &c->row[i];
		json_object(&j, NULL);
		json_str(&j, "sched", r->name);
		if (has_tau(r)) {
			json_int(&j, "tau", r->tau);
			json_str(&j, "tau_from", r->tuned ? "tuned on the run itself (an oracle)"
							  : "cost-model crossover, before the run");
		}
		json_str(&j, "tuned", r->tuned ? "true" : "false");
		json_str(&j, "pim_kind", pim_kind_names[c->dev[r->dev].hw.hbm.pim_kind]);
		json_str(&j, "attach", pim_attach_names[c->dev[r->dev].hw.hbm.attach]);
		json_int(&j, "batch", r->batch);
		json_str(&j, "fits", r->fits ? "true" : "false");
		if (!r->fits)
			json_str(&j, "refused", r->refused);
		json_fixed(&j, "tokens_per_s", r->tokens_per_s, 1);
		json_fixed(&j, "tokens_per_s_per_user", ratio(1e9, r->iter_ns), 3);
		json_fixed(&j, "tpot_ms", r->iter_ns / 1e6, 4);
		json_fixed(&j, "iter_us", r->iter_ns / 1e3, 3);
		json_fixed(&j, "expert_phase_us", r->t.expert_phase_ns / 1e3, 3);
		json_fixed(&j, "pim_expert_share", r->t.pim_expert_share, 4);
		json_fixed(&j, "gpu_util", r->t.gpu_util, 4);
		json_fixed(&j, "pim_util", r->t.pim_util, 4);
		json_fixed(&j, "link_util", r->t.link_util, 4);
		if (r->sieve) {
			json_fixed(&j, "speedup_vs_best_static", ratio(r->tokens_per_s, best), 4);
			json_fixed(&j, "speedup_vs_best_deployed", ratio(r->tokens_per_s, deployed), 4);
			json_fixed(&j, "estimate_error", r->t.est_error, 4);
		}
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_finish(&j);
}

static void print_table(const struct compare *c, enum format fmt)
{
	double best = best_baseline(c, 0);

	if (fmt == FORMAT_CSV)
		printf("sched,tau,tuned,pim_kind,attach,batch,tokens_per_s,tokens_per_s_per_user,"
		       "tpot_ms,iter_us,expert_phase_us,pim_expert_share,gpu_util,pim_util,"
		       "link_util,speedup_vs_best_static,fits\n");
	else {
		char micro[32] = "";
		if (c->base.micro > 1)
			snprintf(micro, sizeof micro, ", %d micro-batches", c->base.micro);
		printf("compare: %s on %s (%s devices), context %d, %d iterations, seed %d%s\n",
		       c->base.model, c->base.hw, c->native ? "native" : "given", c->base.context,
		       c->base.iters, c->base.seed, micro);
		if (c->at_tpot_ms > 0)
			printf("at TPOT <= %.4g ms: the largest batch up to %d that meets it\n",
			       c->at_tpot_ms, AT_TPOT_MAX_BATCH);
		else
			printf("batch %d\n", c->base.batch);
		printf("\n%-18s %-9s %-8s %5s %10s %9s %8s %10s %7s %6s %6s %6s %7s\n", "sched",
		       "pim", "attach", "batch", "tokens/s", "tok/s/usr", "tpot_ms", "expert_us",
		       "pim_exp", "gpu_u", "pim_u", "link_u", "speedup");
	}
	for (int i = 0; i < c->nrows; i++) {
		const struct row *r = &c->row[i];
		const struct hbm *h = &c->dev[r->dev].hw.hbm;
		char name[48], speedup[32] = "";
		if (r->sieve && r->fits)
			snprintf(speedup, sizeof speedup, "%.4f", ratio(r->tokens_per_s, best));
		if (fmt == FORMAT_CSV) {
			printf("%s,%d,%d,%s,%s,%d,%.1f,%.3f,%.4f,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%s,%d\n",
			       r->name, has_tau(r) ? r->tau : 0, r->tuned, pim_kind_names[h->pim_kind],
			       pim_attach_names[h->attach], r->batch, r->tokens_per_s,
			       ratio(1e9, r->iter_ns), r->iter_ns / 1e6, r->iter_ns / 1e3,
			       r->t.expert_phase_ns / 1e3, r->t.pim_expert_share, r->t.gpu_util,
			       r->t.pim_util, r->t.link_util, speedup, r->fits);
			continue;
		}
		snprintf(name, sizeof name, has_tau(r) ? "%s:%d" : "%s", r->name, r->tau);
		if (!r->fits) {
			printf("%-18s %-9s %-8s %5d   does not fit (below)\n", name,
			       pim_kind_names[h->pim_kind], pim_attach_names[h->attach], r->batch);
			continue;
		}
		printf("%-18s %-9s %-8s %5d %10.1f %9.2f %8.4f %10.1f %6.1f%% %5.1f%% %5.1f%% "
		       "%5.1f%% %7s\n", name, pim_kind_names[h->pim_kind], pim_attach_names[h->attach],
		       r->batch, r->tokens_per_s, ratio(1e9, r->iter_ns), r->iter_ns / 1e6,
		       r->t.expert_phase_ns / 1e3, 100 * r->t.pim_expert_share, 100 * r->t.gpu_util,
		       100 * r->t.pim_util, 100 * r->t.link_util, speedup);
	}
	if (fmt != FORMAT_TEXT)
		return;
	printf("\nthreshold: tau fixed before the run where one expert in PIM stops being "
	       "faster than on the GPU\nthreshold-oracle: tau tuned on the run itself, an "
	       "oracle no deployed system has\nspeedup: sieve over the best other row\n");
	for (int i = 0; i < c->nrows; i++)
		if (!c->row[i].fits)
			printf("%s on %s PIM attached %s: %s\n", c->row[i].name,
			       pim_kind_names[c->dev[c->row[i].dev].hw.hbm.pim_kind],
			       pim_attach_names[c->dev[c->row[i].dev].hw.hbm.attach], c->row[i].refused);
}

static int parse_at_tpot(struct cli_args *a, struct compare *c, struct err *e)
{
	const char *v = cli_get(a, "at-tpot");
	char *end;

	if (v == NULL)
		return 0;
	c->at_tpot_ms = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || !(c->at_tpot_ms > 0 && c->at_tpot_ms < 1e6))
		return err_set(e, "--at-tpot: '%s' is not a time in milliseconds (> 0)", v);
	if (cli_get(a, "batch"))
		return err_set(e, "--at-tpot chooses the batch; drop --batch");
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const char *const own[] = {"native", "at-tpot", NULL};
	static const char *const flags[] = {"native", NULL};
	const char *known[CLI_MAX_OPTS];
	char datadir[4096];
	struct compare *c = xcalloc(1, sizeof *c);
	struct cli_args a;
	enum format fmt;
	struct err e;
	int rc = EXIT_USAGE;

	progress_catch_interrupt();	/* from the start: a load ends, then the run stops */
	cli_config_options(known, CLI_MAX_OPTS, own);
	c->datadir = cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, flags, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &c->base, &e) != 0 || parse_at_tpot(&a, c, &e) != 0)
		goto fail;
	c->native = cli_get(&a, "native") != NULL;
	if (cli_check_unused(&a, known, &e) != 0)
		goto fail;
	if (cli_get(&a, "sched") || cli_get(&a, "tau")) {
		err_set(&e, "compare runs every policy and sets tau; drop --sched and --tau");
		goto fail;
	}
	if (model_load(&c->model, datadir, c->base.model, &e) != 0 ||
	    hw_load(&c->hw, datadir, c->base.hw, &e) != 0 ||
	    capacity_check(&c->model, &c->hw, c->at_tpot_ms > 0 ? 1 : c->base.batch,
			   c->base.context, place_spare_slots(c->base.place, c->base.spare_slots),
			   &e) != 0 ||
	    make_rows(c, &e) != 0 || run_rows(c, &e) != 0)
		goto fail;
	if (fmt == FORMAT_JSON)
		print_json(c);
	else
		print_table(c, fmt);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	release(c);
	free(c);
	return rc;
fail:
	release(c);
	free(c);
	return progress_fail(e.msg);
}
