/*
 * bench_replay.c - how fast a stack replay steps, and what the Banks
 * panel's occupancy query costs per frame.  The replay is GPU 0's stack 0
 * in the first layer of qwen3-30b-a3b at batch 64 under sieve (bank PIM):
 * its PIM kernels, then the GPU kernel's reads.  Figures, not pass/fail.
 * Run: make bench (or build/bench_replay from the top of the tree).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wallclock.h"

#include "replay.h"
#include "sim.h"

enum { WINDOW = 4096, FRAMES = 200 };

/* One whole replay stepped one way; returns the steps taken. */
static long run(struct stack_replay *r, int by_cycle)
{
	long n = 0;

	if (by_cycle)
		while (stack_replay_step_cycle(r))
			n++;
	else
		while (stack_replay_step_event(r))
			n++;
	return n;
}

int main(void)
{
	struct sim_config cfg;
	struct sim s;
	struct stack_replay r;
	struct err e;
	int64_t occ[OCC_N], sink = 0;

	if (config_defaults(&cfg, "data", &e) != 0 || sim_init(&s, &cfg, "data", &e) != 0) {
		fprintf(stderr, "bench_replay: %s\n", e.msg);
		return 2;
	}
	sim_step_layer(&s);
	printf("replay: %s, batch %d, %s, gpu 0 stack 0\n", cfg.model, cfg.batch,
	       config_sched_name(cfg.sched));
	for (int by_cycle = 0; by_cycle < 2; by_cycle++) {
		double t0, dt;
		long steps;
		if (stack_replay_init(&r, &s, 0, 0, &e) != 0) {
			fprintf(stderr, "bench_replay: %s\n", e.msg);
			return 2;
		}
		t0 = wall_seconds();
		steps = run(&r, by_cycle);
		dt = wall_seconds() - t0;
		printf("  by %-5s %7ld steps, %7lld cycles (%d kernels) in %6.3f s: "
		       "%5.2f M cycles/s, %6.0f ns per step\n", by_cycle ? "cycle" : "event", steps,
		       (long long)stack_replay_cycle(&r), r.nkernels, dt,
		       stack_replay_cycle(&r) / dt * 1e-6, dt / steps * 1e9);
		if (by_cycle) {
			t0 = wall_seconds();
			for (int f = 0; f < FRAMES; f++)
				for (int b = 0; b < r.banks; b++)
					sink += stack_replay_occupancy(&r, b, WINDOW, occ);
			dt = wall_seconds() - t0;
			printf("  occupancy of all %d banks over %d cycles: %.1f us per frame%s\n",
			       r.banks, WINDOW, dt / FRAMES * 1e6, sink < 0 ? "!" : "");
		}
		stack_replay_release(&r);
	}
	sim_release(&s);
	return 0;
}
