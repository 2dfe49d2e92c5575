/*
 * bench_sim.c - wall time to simulate decode iterations of
 * qwen3.5-397b-a17b-fp8 on 8 GPUs at batch 256 with sieve (BF16 does not
 * fit in 8 x 80 GB; target: at most
 * 100 ms per iteration, so the UI can animate whole iterations).  The first
 * iteration fills the memo of PIM kernel times (one cycle-level simulation
 * per token count); later ones reuse it.  Figures, not pass/fail.
 *
 * Usage: bench_sim [ITERS]   (run from the top of the tree)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wallclock.h"

#include "sim.h"

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 60;
	struct sim_config cfg;
	struct sim s;
	struct err e;
	double t0, t1, t2;

	if (iters < 2 || config_defaults(&cfg, "data", &e) != 0) {
		fprintf(stderr, "bench_sim: %s\n", iters < 2 ? "need at least 2 iterations" : e.msg);
		return 2;
	}
	snprintf(cfg.model, sizeof cfg.model, "qwen3.5-397b-a17b-fp8");
	snprintf(cfg.hw, sizeof cfg.hw, "h100x8-pim");
	cfg.sched = SCHED_SIEVE;
	cfg.batch = 256;
	cfg.iters = iters;
	t0 = wall_seconds();
	if (sim_init(&s, &cfg, "data", &e) != 0) {
		fprintf(stderr, "bench_sim: %s\n", e.msg);
		return 2;
	}
	t1 = wall_seconds();
	if (sim_step_iter(&s) < 0 || (t2 = wall_seconds(), sim_run(&s)) != 0) {
		fprintf(stderr, "bench_sim: %s\n", sim_error(&s));
		sim_release(&s);
		return 1;
	}
	printf("sim: qwen3.5-397b-a17b-fp8, 8 GPUs, batch 256, sieve\n");
	printf("  init                 %8.1f ms\n", 1e3 * (t1 - t0));
	printf("  first iteration      %8.1f ms (fills the PIM memo)\n", 1e3 * (t2 - t1));
	printf("  later iterations     %8.1f ms each (mean of %d)\n",
	       1e3 * (wall_seconds() - t2) / (iters - 1), iters - 1);
	printf("  simulated            %8.1f tokens/s\n", sim_tokens_per_s(&s));
	sim_release(&s);
	return 0;
}
