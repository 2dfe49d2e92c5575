/*
 * bench_rewind.c - wall time of stepping back (sim_rewind) and of one
 * layer step, what a front end's step keys cost.
 *
 * Targets: one step back at iteration 20 under 50 ms, for the default
 * scenario and for qwen3.5-397b-a17b-fp8 on 8 GPUs at batch 256; one layer step
 * of the default scenario under 20 ms after the first iteration (which
 * fills the PIM memo).  A step back is measured from every layer of
 * iteration 20 to the one before it, as a user stepping back does: the
 * worst is the first layer, which re-simulates the whole iteration before.
 * Figures, not pass/fail.
 *
 * Usage: bench_rewind   (run from the top of the tree)
 */
#include <stdio.h>

#include "wallclock.h"

#include "sim.h"

struct spread {
	double sum_ms, max_ms;
	int n;
};

static void spread_add(struct spread *s, double ms)
{
	s->sum_ms += ms;
	s->max_ms = s->n++ == 0 || ms > s->max_ms ? ms : s->max_ms;
}

static void spread_print(const char *what, const struct spread *s, double target_ms)
{
	printf("  %-22s %7.3f ms mean, %7.3f ms worst of %d (target < %g ms: %s)\n", what,
	       s->sum_ms / s->n, s->max_ms, s->n, target_ms,
	       s->max_ms < target_ms ? "met" : "MISSED");
}

/* model and hw NULL: the default scenario. */
static int bench(const char *model, const char *hw, int batch)
{
	struct sim_config cfg;
	struct sim s;
	struct err e;
	struct spread step = {0}, back = {0};
	long long misses;

	if (config_defaults(&cfg, "data", &e) != 0)
		goto fail;
	if (model != NULL) {
		snprintf(cfg.model, sizeof cfg.model, "%s", model);
		snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
		cfg.batch = batch;
	}
	cfg.iters = 22;
	if (sim_init(&s, &cfg, "data", &e) != 0)
		goto fail;
	sim_step_iter(&s);
	while (s.iter < 21) {
		double t0 = wall_seconds();
		sim_step_layer(&s);
		spread_add(&step, 1e3 * (wall_seconds() - t0));
	}
	misses = s.pim->pim.memo_misses;
	while (s.iter == 21 || s.layer > 0) {
		struct sim_mark m = {s.layer ? s.iter : s.iter - 1,
				     s.layer ? s.layer - 1 : s.model.layers - 1};
		double t0 = wall_seconds();
		if (sim_rewind(&s, &m, &e) != 0) {
			sim_release(&s);
			goto fail;
		}
		spread_add(&back, 1e3 * (wall_seconds() - t0));
	}
	printf("rewind: %s, %s, batch %d, %s\n", cfg.model, cfg.hw, cfg.batch,
	       config_sched_name(cfg.sched));
	spread_print("step back, iter 20", &back, 50);
	if (model == NULL)
		spread_print("layer step, iters 1-20", &step, 20);
	printf("  PIM memo misses while stepping back: %lld\n", s.pim->pim.memo_misses - misses);
	sim_release(&s);
	return 0;
fail:
	fprintf(stderr, "bench_rewind: %s\n", e.msg);
	return 2;
}

int main(void)
{
	if (bench(NULL, NULL, 0) != 0 || bench("qwen3.5-397b-a17b-fp8", "h100x8-pim", 256) != 0)
		return 2;
	return 0;
}
