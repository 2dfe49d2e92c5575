/*
 * bench_ui.c - wall time of one UI frame (snapshot + update + draw + the
 * terminal update) at 200x60 on qwen3.5-397b-a17b-fp8 (8 GPUs), 512 experts (target:
 * under 5 ms, so play mode and resizing stay smooth).  Draws into a
 * terminal on /dev/null (newterm), so no real terminal is needed.
 * Figures, not pass/fail.
 *
 * Usage: bench_ui [FRAMES]   (run from the top of the tree)
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wallclock.h"

#include "app.h"
#include "sim.h"

/* Frames of the current snapshot; full: repaint every cell (no diffing). */
static double frames_ms(struct app *ap, const struct sim *s, int n, int full)
{
	double t0 = wall_seconds();

	for (int i = 0; i < n; i++) {
		snap_take(&ap->a, s);
		ap->cur.t_ns = ap->a.start_ns + (ap->a.end_ns - ap->a.start_ns) * (i % 50) / 50;
		app_update_views(ap);
		if (full)
			clearok(stdscr, TRUE);
		app_draw(ap);
	}
	return 1e3 * (wall_seconds() - t0) / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	struct sim_config cfg;
	struct sim s;
	struct err e;
	struct app ap;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	double layer_t0, layer_ms;

	if (n < 1 || out == NULL || in == NULL || config_defaults(&cfg, "data", &e) != 0) {
		fprintf(stderr, "bench_ui: %s\n", n < 1 ? "need at least 1 frame" : e.msg);
		return 2;
	}
	/* its BF16 experts do not fit in 4 x 80 GB (capacity.h) */
	snprintf(cfg.model, sizeof cfg.model, "qwen3.5-397b-a17b-fp8");
	snprintf(cfg.hw, sizeof cfg.hw, "h100x8-pim");
	if (sim_init(&s, &cfg, "data", &e) != 0) {
		fprintf(stderr, "bench_ui: %s\n", e.msg);
		return 2;
	}
	layer_t0 = wall_seconds();
	while (sim_step_layer(&s) && !model_is_moe(&s.model, s.last_layer))
		;
	layer_ms = 1e3 * (wall_seconds() - layer_t0);
	setlocale(LC_ALL, "C.UTF-8");
	setenv("TERM", "xterm-256color", 1);
	if ((scr = newterm(NULL, out, in)) == NULL) {
		fprintf(stderr, "bench_ui: no terminfo for xterm-256color\n");
		return 2;
	}
	resizeterm(60, 200);
	memset(&ap, 0, sizeof ap);
	look_init(&ap.lk, theme_find("dark"), 1, 0);
	snap_init(&ap.a);
	snap_init(&ap.b);
	app_open_views(&ap);
	double diffed = frames_ms(&ap, &s, n, 0), full = frames_ms(&ap, &s, n, 1);
	endwin();
	delscreen(scr);
	printf("ui: frame at 200x60, qwen3.5-397b-a17b-fp8 (%d experts, %d tasks in the layer)\n",
	       ap.a.experts, ap.a.ntasks);
	printf("  first MoE layer      %8.1f ms (fills the PIM memo; on the worker thread in the UI)\n",
	       layer_ms);
	printf("  frame                %8.3f ms (snapshot + update + draw + terminal update, mean of %d)\n",
	       diffed, n);
	printf("  frame, full repaint  %8.3f ms\n", full);
	app_close_views(&ap);
	snap_release(&ap.a);
	snap_release(&ap.b);
	sim_release(&s);
	fclose(out);
	fclose(in);
	return 0;
}
