/*
 * ui.c - the terminal UI (placeholder until the UI issue lands): shows the
 * scenario, steps the simulation by layer or iteration and draws the
 * token count of every expert of the last layer.  The only curses user.
 *
 * Keys: n = next layer, i = next iteration, r = run to the end, q = quit.
 */
#include <curses.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sim.h"

#define MIN_COLS 60
#define MIN_LINES 16

/* printf at (y, x), cut at the right edge instead of wrapping onto the next line. */
static void put(int y, int x, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (x < COLS)
		mvaddnstr(y, x, buf, COLS - x);
}

static void draw_counts(const struct sim *s, int top, int rows)
{
	int cols = COLS - 2, max = 1, n = s->model.experts;

	for (int e = 0; e < n; e++)
		if (s->counts[e] > max)
			max = s->counts[e];
	put(top, 1, "tokens per expert, layer %d (busiest %d):", s->last_layer, max);
	/* one column per expert while they fit; else experts share a column */
	for (int c = 0; c < cols && c < n; c++) {
		int lo = (int)((long)c * n / (cols < n ? cols : n));
		int hi = (int)((long)(c + 1) * n / (cols < n ? cols : n));
		int v = 0, h;
		for (int e = lo; e < hi; e++)
			if (s->counts[e] > v)
				v = s->counts[e];
		h = (v * rows + max - 1) / max;
		for (int y = 0; y < h; y++)
			mvaddch(top + rows - y, 1 + c, '#');
	}
}

static void draw(const struct sim *s)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		put(0, 0, "terminal too small");
		put(1, 0, "need %dx%d", MIN_COLS, MIN_LINES);
		put(2, 0, "have %dx%d", COLS, LINES);
		put(3, 0, "q quits");
		refresh();
		return;
	}
	attron(A_BOLD);
	put(0, 1, "sieve - %s on %s (%d GPUs), sched %s", s->model.name, s->hw.name,
		 s->hw.gpus, config_sched_name(s->cfg.sched));
	attroff(A_BOLD);
	put(1, 1, "batch %d  context %d  seed %d  routing %s", s->cfg.batch, s->cfg.context,
		 s->cfg.seed, s->cfg.routing);
	put(3, 1, "iteration %d/%d  next layer %d/%d  simulated %.3f us", s->iter,
		 s->cfg.iters, s->layer, s->model.layers, s->now_ns / 1e3);
	if (s->last_layer >= 0)
		put(4, 1, "last layer: attn %.2f us  dispatch %.2f  experts %.2f  combine %.2f  "
			 "activated %d", s->last.attn_ns / 1e3, s->last.dispatch_ns / 1e3,
			 s->last.expert_ns / 1e3, s->last.combine_ns / 1e3, s->last.activated);
	if (s->iters_done > 0)
		put(5, 1, "mean iteration %.3f us   %.1f tokens/s", sim_iter_ns(s) / 1e3,
			 sim_tokens_per_s(s));
	if (s->last_layer >= 0)
		draw_counts(s, 7, LINES - 10);
	if (sim_error(s) != NULL)
		put(LINES - 2, 1, "error: %s", sim_error(s));
	put(LINES - 1, 1, "n next layer  i next iteration  r run to end  q quit%s",
		 sim_done(s) ? "   [done]" : "");
	refresh();
}

int cmd_ui(int argc, char **argv)
{
	const char *known[CLI_MAX_OPTS];
	char datadir[4096];
	struct cli_args a;
	struct sim_config cfg;
	struct sim s;
	struct err e;
	int ch;

	cli_config_options(known, CLI_MAX_OPTS, NULL);
	cli_datadir(datadir, sizeof datadir);
	if (cli_parse(&a, argc, argv, NULL, &e) != 0 || cli_config(&a, datadir, &cfg, &e) != 0)
		return cmd_fail(e.msg);
	if (cli_get(&a, "format") != NULL)
		return cmd_fail("--format: the UI draws a screen; for a report use 'sieve run --format ...'");
	if (cli_check_unused(&a, known, &e) != 0)
		return cmd_fail(e.msg);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cmd_fail("the UI needs a terminal; for a report without one use 'sieve run'");
	if (sim_init(&s, &cfg, datadir, &e) != 0)
		return cmd_fail(e.msg);
	setlocale(LC_ALL, "");
	if (initscr() == NULL) {
		sim_release(&s);
		return cmd_fail("cannot initialise the terminal");
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	draw(&s);
	while ((ch = getch()) != 'q' && ch != 'Q') {
		if (ch == 'n')
			sim_step_layer(&s);
		else if (ch == 'i')
			sim_step_iter(&s);
		else if (ch == 'r')
			sim_run(&s);
		/* anything else, KEY_RESIZE included, just redraws from LINES and COLS */
		draw(&s);
	}
	endwin();
	sim_release(&s);
	return EXIT_OK;
}
