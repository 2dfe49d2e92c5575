/*
 * bench_serve.c - wall time of a serving run (sim/serve.h): 60 s of
 * simulated Poisson arrivals near saturation (28 requests/s, lengths of
 * the shipped Azure conversation rows) on qwen3-30b-a3b, h100x8-pim-var,
 * sched sieve, for each placement.  Target: under 10 s wall each on the
 * project's 2-core machine.  Figures, not pass/fail.
 *
 * Usage: bench_serve   (run from the top of the tree)
 */
#include <stdio.h>
#include <string.h>

#include "wallclock.h"

#include "serve.h"

int main(void)
{
	for (int p = 0; p < PLACE_NPOLICIES; p++) {
		struct sim_config cfg;
		struct serve_config c;
		struct serve_result r;
		struct sim s;
		struct err e;
		double t0, t;

		if (config_defaults(&cfg, "data", &e) != 0) {
			fprintf(stderr, "bench_serve: %s\n", e.msg);
			return 1;
		}
		snprintf(cfg.hw, sizeof cfg.hw, "h100x8-pim-var");
		cfg.place = p;
		cfg.batch = 64;
		cfg.iters = 10000000;
		memset(&c, 0, sizeof c);
		c.rate = 28;
		c.duration_s = 60;
		c.lengths = "azure_conv_2023";
		c.max_batch = 64;
		c.slo_ttft_ms = 1000;
		c.slo_tpot_ms = 50;
		c.seed = 1;
		t0 = wall_seconds();
		if (sim_init(&s, &cfg, "data", &e) != 0 || serve_run(&s, &c, "data", &r, &e) != 0) {
			fprintf(stderr, "bench_serve: %s\n", e.msg);
			return 1;
		}
		t = wall_seconds() - t0;
		printf("  serve 60 s, %-6s %5d requests, %6ld decode iterations (%4ld simulated): "
		       "%6.2f s wall (target < 10 s: %s)\n", place_policies[p].name, r.nreq,
		       r.decode_iters, r.decode_simulated, t, t < 10 ? "met" : "MISSED");
		serve_result_release(&r);
		sim_release(&s);
	}
	return 0;
}
