/*
 * panel_stats.c - the Stats panel: where the run is (iteration, layer,
 * simulated time in ns and in memory cycles with their clock, the cursor),
 * the event it is on, the policy, and the figures over finished iterations
 * (tokens/s, TPOT, utilisations) and of the shown layer (straggler gap,
 * estimate error, phases), the placement with its recalibrations and every
 * GPU's compute/memory speed (wrapped over up to three lines).
 */
#include <math.h>
#include <stdio.h>

#include "view.h"

struct stats {
	struct view_in in;
};

static void update(struct view *v, const struct view_in *in)
{
	struct stats *st = v->state;

	st->in = *in;
}

/* GPU g's speed as "F" when compute and memory agree, else "C/M". */
static int speed_text(char *buf, size_t size, struct gpu_speed sp)
{
	if (sp.compute == sp.memory)
		return snprintf(buf, size, "%.2f", sp.compute);
	return snprintf(buf, size, "%.2f/%.2f", sp.compute, sp.memory);
}

/*
 * Every GPU's speed factors from line y, wrapped to the panel's width over
 * at most SPEED_LINES lines, each after the first labelled with its first
 * GPU; the last says how many GPUs it leaves out.  The line after them.
 */
#define SPEED_LINES 3
static int draw_speeds(const struct look *lk, const struct ui_snap *a, struct rect r, int y)
{
	int g = 0;

	for (int line = 0; line < SPEED_LINES && g < a->gpus && y < r.y + r.h; line++) {
		char buf[512], one[32];
		int n, last = line == SPEED_LINES - 1 || y + 1 == r.y + r.h;
		if (line == 0) {
			n = snprintf(buf, sizeof buf, "speed c/m");
		} else {	/* "   gpu 4:": the line's first GPU */
			snprintf(one, sizeof one, "gpu %d:", g);
			n = snprintf(buf, sizeof buf, "%9s", one);
		}
		for (; g < a->gpus; g++) {
			int k = speed_text(one, sizeof one, a->speed[g]);
			/* room for this entry, and on the last line for " +NN more" after it */
			int more = last && g + 1 < a->gpus ? 9 : 0;
			if (n + 1 + k + more > r.w && n > 10)
				break;
			n += snprintf(buf + n, sizeof buf - (size_t)n, " %s", one);
		}
		if (last && g < a->gpus) {
			snprintf(buf + n, sizeof buf - (size_t)n, " +%d more", a->gpus - g);
			g = a->gpus;
		}
		draw_text(lk, y++, r.x, r.w, R_NORMAL, "%s", buf);
	}
	return y;
}

/*
 * Lines in order of importance (a short panel shows the first): where the
 * run is, the simulated time, the cursor, the policy, the figures the issue
 * of a decode step is judged by, then the detail.  Each fits 36 columns.
 */
static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct stats *st = v->state;
	const struct ui_snap *a = st->in.a, *b = st->in.b;
	char buf[32], cur[32];
	int y = r.y, w = r.w;
	double est_err, worst = 0;

	if (a == NULL)
		return;
#define LINE(role, ...) do { if (y < r.y + r.h) draw_text(lk, y++, r.x, w, role, __VA_ARGS__); } while (0)
	if (a->has_layer)
		LINE(R_NORMAL, "iteration %d of %d, layer %d of %d%s", a->iter, a->iters, a->layer,
		     a->layers, a->done ? "  [done]" : "");
	else
		LINE(R_NORMAL, "iteration 0 of %d, no layer yet", a->iters);
	fmt_ns(buf, sizeof buf, a->end_ns);
	LINE(R_NORMAL, "simulated %s", buf);
	LINE(R_NORMAL, "          %.0f cycles @ %.0f MHz", a->end_ns / a->tck_ns, 1e3 / a->tck_ns);
	fmt_ns(cur, sizeof cur, st->in.cursor_ns);
	LINE(R_NORMAL, "now       %s, event %d/%d", cur,
	     snap_event_index(a, st->in.cursor_ns, st->in.ev), 2 * a->ntasks);
	if (a->sched == SCHED_THRESHOLD)
		LINE(R_NORMAL, "policy    threshold, tau %d", a->tau);
	else
		LINE(R_NORMAL, "policy    %s", config_sched_name(a->sched));
	LINE(st->in.playing ? R_WARN : R_NORMAL, "play      %s, %s, by %s",
	     st->in.playing ? "running" : "paused", st->in.speed, st->in.grain);
	if (a->iters_done > 0) {
		LINE(R_NORMAL, "tokens/s  %.1f  TPOT %.4f ms", a->tokens_per_s, a->iter_ns / 1e6);
		LINE(R_NORMAL, "util      GPU %.0f%% PIM %.0f%% link %.0f%%", 100 * a->tot.gpu_util,
		     100 * a->tot.pim_util, 100 * a->tot.link_util);
	} else {
		LINE(R_DIM, "tokens/s  - (after iteration 0)");
	}
	if (a->has_layer) {
		fmt_ns(buf, sizeof buf, a->last.straggler_ns);
		/* as the run reports it: against the slowest GPU's expert phase */
		for (int g = 0; g < a->gpus; g++)
			worst = fmax(worst, a->gpu[g].expert_ns);
		est_err = worst > 0 ? fabs(a->last.est_ns - worst) / worst : 0;
		LINE(R_NORMAL, "straggler %s  est. error %.1f%%", buf, 100 * est_err);
	}
	if (b != NULL && b->has_layer && a->has_layer) {
		double d = (b->end_ns - b->start_ns) - a->last.total_ns;
		LINE(R_HEADER, "%s: layer %+.3f us (%+.1f%%)", config_sched_name(b->sched), d / 1e3,
		     100 * d / fmax(1, a->last.total_ns));
		if (b->iters_done > 0)
			LINE(R_NORMAL, "%s: %.1f tokens/s", config_sched_name(b->sched), b->tokens_per_s);
	}
	if (a->iters_done > 0)
		LINE(R_NORMAL, "in PIM    %.0f%% of experts, %.0f%% slots", 100 * a->tot.pim_expert_share,
		     100 * a->tot.pim_slot_share);
	LINE(R_NORMAL, "placement %s, %d recalibration%s", place_policies[a->place].name,
	     a->recalibrations, a->recalibrations == 1 ? "" : "s");
	y = draw_speeds(lk, a, r, y);
	if (!a->has_layer)
		return;
	fmt_ns(buf, sizeof buf, a->last.total_ns);
	LINE(R_NORMAL, "layer     %s: attn %.2f us", buf, a->last.attn_ns / 1e3);
	LINE(R_NORMAL, "          disp %.2f exp %.2f comb %.2f", a->last.dispatch_ns / 1e3,
	     a->last.expert_ns / 1e3, a->last.combine_ns / 1e3);
#undef LINE
}

const struct view_ops stats_view = {
	.title = "Stats",
	.update = update,
	.draw = draw,
	.state_size = sizeof(struct stats),
};
