/*
 * cmd_serve.c - `sieve serve`: requests with SLOs on the decode simulation
 * (sim/serve.h), one report of latency percentiles, SLO attainment,
 * throughput, recalibrations and the straggler gap.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "serve.h"

struct serve_opts {
	double rate, duration;
	char arrivals[1024], lengths[1024], speed_change[1100];
	int max_batch;
	double slo_ttft, slo_tpot;
};

#define D(name, key, lo, hi, unit, help) \
	{"serve", key, FIELD_DOUBLE, offsetof(struct serve_opts, name), 0, lo, hi, NULL, 0, unit, help}
#define S(name, key, help) \
	{"serve", key, FIELD_STR, offsetof(struct serve_opts, name), \
	 sizeof(((struct serve_opts *)0)->name), 0, 0, NULL, 0, "", help}

static const struct field serve_fields[] = {
	D(rate, "rate", 1e-6, 1e6, "1/s", "requests per second (Poisson)"),
	D(duration, "duration", 1e-3, 1e6, "s", "seconds of arrivals; the run then drains"),
	S(arrivals, "arrivals", "poisson, or a CSV of arrival_s,prompt_tokens,output_tokens"),
	S(lengths, "lengths", "Poisson requests draw their lengths from this CSV's rows"),
	{"serve", "max-batch", FIELD_INT, offsetof(struct serve_opts, max_batch), 0, 1, 65536, NULL,
	 0, "", "running requests at most"},
	D(slo_ttft, "slo-ttft", 0, 1e9, "ms", "time to first token SLO"),
	D(slo_tpot, "slo-tpot", 0, 1e9, "ms", "time per output token SLO"),
	S(speed_change, "speed-change", "none, or T:SPEC: gpu_speed becomes SPEC at T seconds"),
};

static const struct field_table serve_table = {
	"serve", serve_fields, sizeof serve_fields / sizeof serve_fields[0]};

static int options(struct cli_args *a, const char *datadir, struct serve_opts *o, struct err *e)
{
	char path[4200];
	int rc;

	snprintf(path, sizeof path, "%.4096s/serve/defaults.ini", datadir);
	rc = fields_load_file(&serve_table, o, sizeof *o, path, e);
	for (size_t i = 0; i < serve_table.n && rc == 0; i++) {
		const char *v = cli_get(a, serve_fields[i].name);
		if (v != NULL && field_set(&serve_fields[i], o, v, e) != 0)
			rc = err_prefix(e, "--");
	}
	return rc;
}

/*
 * Run options serve sets itself: given, they would be ignored, so they are
 * refused.  --context stays: the memory check at the start assumes it for
 * every slot of --max-batch (the requests' own contexts decode later).
 */
static int not_for_serve(struct cli_args *a, struct err *e)
{
	static const struct {
		const char *name, *why;
	} own[] = {
		{"batch", "serve's batch is --max-batch"},
		{"iters", "serve decodes until every request is done"},
		{"active", "serve decodes the running requests"},
	};

	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (cli_get(a, own[i].name) != NULL)
			return err_set(e, "--%s: not with serve (%s)", own[i].name, own[i].why);
	return 0;
}

/* "T:SPEC" into c's change; "none" leaves it off. */
static int speed_change(const char *text, struct serve_config *c, struct err *e)
{
	char *end;

	if (strcmp(text, "none") == 0)
		return 0;
	c->change_at_s = strtod(text, &end);
	if (*end != ':' || end == text || !(c->change_at_s >= 0))
		return err_set(e, "--speed-change: expected T:SPEC (seconds, then gpu_speed), got '%s'",
			       text);
	c->change_speed = end + 1;
	return 0;
}

/* The offered rate: --rate, or for an arrivals file its requests over the
 * duration (--rate, unused then, would be misread as the file's). */
static double offered_rate(const struct serve_config *c, const struct serve_result *r)
{
	return c->arrivals != NULL ? r->nreq / c->duration_s : c->rate;
}

static void print_json(const struct sim *s, const struct serve_config *c,
		       const struct serve_result *r)
{
	struct json j;

	json_init(&j, stdout, 1);
	json_object(&j, NULL);
	json_str(&j, "model", s->model.name);
	json_str(&j, "hw", s->hw.name);
	json_str(&j, "sched", config_sched_name(s->cfg.sched));
	json_str(&j, "place", place_policies[s->cfg.place].name);
	json_num(&j, "rate", offered_rate(c, r));
	json_num(&j, "duration_s", c->duration_s);
	json_int(&j, "max_batch", c->max_batch);
	json_int(&j, "seed", (long)c->seed);
	json_int(&j, "requests", r->nreq);
	json_fixed(&j, "ttft_p50_ms", r->ttft_p50_ms, 3);
	json_fixed(&j, "ttft_p90_ms", r->ttft_p90_ms, 3);
	json_fixed(&j, "ttft_p99_ms", r->ttft_p99_ms, 3);
	json_fixed(&j, "tpot_p50_ms", r->tpot_p50_ms, 3);
	json_fixed(&j, "tpot_p90_ms", r->tpot_p90_ms, 3);
	json_fixed(&j, "e2e_p90_ms", r->e2e_p90_ms, 3);
	json_fixed(&j, "slo_attainment", r->slo_attainment, 4);
	json_fixed(&j, "throughput_tokens_per_s", r->throughput_tokens_per_s, 1);
	json_int(&j, "recalibrations", r->recalibrations);
	json_fixed(&j, "straggler_gap_us", r->straggler_gap_us, 3);
	json_fixed(&j, "prefill_straggler_us", r->prefill_straggler_us, 3);
	json_fixed(&j, "mean_in_system", r->mean_in_system, 3);
	json_int(&j, "decode_iters", r->decode_iters);
	json_int(&j, "decode_simulated", r->decode_simulated);
	json_int(&j, "prefills", r->prefills);
	json_end(&j);
	json_finish(&j);
}

static void print_csv(const struct sim *s, const struct serve_config *c,
		      const struct serve_result *r)
{
	puts("model,hw,sched,place,rate,requests,ttft_p50_ms,ttft_p90_ms,ttft_p99_ms,tpot_p50_ms,"
	     "tpot_p90_ms,e2e_p90_ms,slo_attainment,throughput_tokens_per_s,recalibrations,"
	     "straggler_gap_us");
	printf("%s,%s,%s,%s,%g,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.1f,%d,%.3f\n", s->model.name,
	       s->hw.name, config_sched_name(s->cfg.sched), place_policies[s->cfg.place].name,
	       offered_rate(c, r), r->nreq, r->ttft_p50_ms, r->ttft_p90_ms, r->ttft_p99_ms,
	       r->tpot_p50_ms, r->tpot_p90_ms,
	       r->e2e_p90_ms, r->slo_attainment, r->throughput_tokens_per_s, r->recalibrations,
	       r->straggler_gap_us);
}

static void print_text(const struct sim *s, const struct serve_config *c,
		       const struct serve_result *r)
{
	printf("sieve serve: %s on %s (%d GPUs), sched %s, place %s\n", s->model.name, s->hw.name,
	       s->hw.gpus, config_sched_name(s->cfg.sched), place_policies[s->cfg.place].name);
	if (c->arrivals != NULL)	/* the rate plays no part */
		printf("%s arrivals in the first %g s", c->arrivals, c->duration_s);
	else
		printf("Poisson arrivals at %g/s for %g s", c->rate, c->duration_s);
	printf(", max batch %d, SLO TTFT %g ms, TPOT %g ms, seed %llu\n\n", c->max_batch,
	       c->slo_ttft_ms, c->slo_tpot_ms, c->seed);
	printf("  requests        %10d\n", r->nreq);
	printf("  TTFT            %10.3f ms p50, %.3f p90, %.3f p99\n", r->ttft_p50_ms, r->ttft_p90_ms,
	       r->ttft_p99_ms);
	printf("  TPOT            %10.3f ms p50, %.3f p90\n", r->tpot_p50_ms, r->tpot_p90_ms);
	printf("  end to end      %10.3f ms p90\n", r->e2e_p90_ms);
	printf("  SLO attainment  %10.1f%%\n", 100 * r->slo_attainment);
	printf("  throughput      %10.1f tokens/s\n", r->throughput_tokens_per_s);
	printf("  straggler gap   %10.3f us decode, %.3f us prefill (per MoE layer)\n",
	       r->straggler_gap_us, r->prefill_straggler_us);
	printf("  recalibrations  %10d\n", r->recalibrations);
	printf("  decode          %10ld iterations, %ld simulated, %ld prefills\n", r->decode_iters,
	       r->decode_simulated, r->prefills);
}

int cmd_serve(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS];
	static const char *const own[] = {"rate",     "duration", "arrivals",     "lengths",
					  "max-batch", "slo-ttft", "slo-tpot", "speed-change", NULL};
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct serve_opts o;
	struct serve_config c;
	struct serve_result r;
	struct sim s;
	struct err e;
	enum format fmt;

	cli_config_options(known, CLI_MAX_OPTS, own);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_format(&a, &fmt, &e) != 0 ||
	    cli_config(&a, datadir, &cfg, &e) != 0 || options(&a, datadir, &o, &e) != 0 ||
	    not_for_serve(&a, &e) != 0 || cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	memset(&c, 0, sizeof c);
	c.rate = o.rate;
	c.duration_s = o.duration;
	c.arrivals = strcmp(o.arrivals, "poisson") == 0 ? NULL : o.arrivals;
	c.lengths = o.lengths;
	c.max_batch = o.max_batch;
	c.slo_ttft_ms = o.slo_ttft;
	c.slo_tpot_ms = o.slo_tpot;
	c.seed = (unsigned long long)cfg.seed;
	if (speed_change(o.speed_change, &c, &e) != 0)
		return cmd_fail(e.msg);
	cfg.batch = o.max_batch;
	cfg.iters = 10000000;
	cfg.active = 0;
	if (sim_init(&s, &cfg, datadir, &e) != 0)
		return cmd_fail(e.msg);
	if (serve_run(&s, &c, datadir, &r, &e) != 0) {
		sim_release(&s);
		return cmd_fail(e.msg);
	}
	if (r.beyond > 0)	/* said, so a file longer than the duration is not cut silently */
		fprintf(stderr, "sieve: serve: %s: %d request%s from %g s on not served (--duration %g)\n",
			c.arrivals, r.beyond, r.beyond == 1 ? "" : "s", c.duration_s, c.duration_s);
	if (fmt == FORMAT_JSON)
		print_json(&s, &c, &r);
	else if (fmt == FORMAT_CSV)
		print_csv(&s, &c, &r);
	else
		print_text(&s, &c, &r);
	serve_result_release(&r);
	sim_release(&s);
	return EXIT_OK;
}
