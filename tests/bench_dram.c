/*
 * bench_dram.c - throughput of the cycle-level memory model: simulated
 * requests per wall-clock second on a whole 16-channel stack, saturated
 * random and streaming reads (dram_probe_run) on one thread and with the
 * channels split over every online processor, and PIM kernels per second.
 * Figures, not pass/fail.  Run: make bench (or build/bench_dram [N]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wallclock.h"

#include "dram_probe.h"
#include "hw.h"
#include "pim.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threads[2] = {1, cpus > 1 ? (int)cpus : 1};
	struct hw hw;
	struct err e;

	if (hw_load(&hw, "data", "h100x4-pim", &e) != 0) {
		fprintf(stderr, "bench_dram: %s\n", e.msg);
		return 1;
	}
	for (int k = 0; k < 2 && (k == 0 || threads[1] > 1); k++) {
		for (int pat = 0; pat < DRAM_PROBE_NPATTERN; pat++) {
			struct dram_probe_result r;
			double t0 = wall_seconds(), dt;
			if (dram_probe_run(&hw.hbm, pat, 1.0, n, 1, threads[k], &r, &e) != 0) {
				fprintf(stderr, "bench_dram: %s\n", e.msg);
				return 1;
			}
			dt = wall_seconds() - t0;
			printf("dram %-6s saturated, 16 channels, %d thread%s: %ld requests in %.3f s "
			       "= %.2f M requests/s (%.1f GB/s of %.1f, %lld cycles)\n",
			       dram_probe_pattern_names[pat], r.threads, r.threads == 1 ? "" : "s", n,
			       dt, n / dt / 1e6, r.bw_gbps, r.peak_gbps, (long long)r.cycles);
		}
	}
	{
		struct pim p;
		struct pim_result r;
		double t0, dt;
		long long cmds = 0;
		pim_init(&p, &hw.hbm, &e);
		p.use_memo = 0;
		t0 = wall_seconds();
		pim_expert_run(&p, 2048, 768, 2, 64, 1, &r, &e);
		dt = wall_seconds() - t0;
		for (int c = 0; c < DRAM_NCMD; c++)
			cmds += r.commands[c];
		printf("pim bank Qwen3-30B expert, 64 tokens, one channel for 16: %.4f s "
		       "(%lld commands per stack, %.1f us simulated)\n", dt, cmds, r.time_ns / 1000);
		p.one_channel = 0;
		t0 = wall_seconds();
		pim_expert_run(&p, 2048, 768, 2, 64, 1, &r, &e);
		dt = wall_seconds() - t0;
		printf("pim same, all 16 channels: %.4f s = %.2f M commands/s\n", dt, cmds / dt / 1e6);
		pim_release(&p);
	}
	return 0;
}
