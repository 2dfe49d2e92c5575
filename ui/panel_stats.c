/*
 * panel_stats.c - the Stats panel: where the run is (iteration, layer,
 * simulated time in ns and in memory cycles with their clock, the cursor),
 * the policy, and the figures over finished iterations (tokens/s, TPOT,
 * utilisations) and of the shown layer (straggler gap, estimate error).
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

static void draw(struct view *v, const struct look *lk, struct rect r)
{
	struct stats *st = v->state;
	const struct ui_snap *a = st->in.a;
	char buf[32], cur[32];
	int y = r.y, w = r.w;
	double est_err, worst = 0;

	if (a == NULL)
		return;
#define LINE(role, ...) do { if (y < r.y + r.h) draw_text(lk, y++, r.x, w, role, __VA_ARGS__); } while (0)
	LINE(R_NORMAL, "iteration  %d of %d   next layer %d of %d%s", a->next_iter, a->iters,
	     a->next_layer, a->layers, a->done ? "  [done]" : "");
	fmt_ns(buf, sizeof buf, a->end_ns);
	LINE(R_NORMAL, "simulated  %s = %.0f cycles @ %.0f MHz", buf, a->end_ns / a->tck_ns,
	     1e3 / a->tck_ns);
	fmt_ns(cur, sizeof cur, st->in.cursor_ns);
	LINE(R_NORMAL, "cursor     %s (event %d of layer %d)", cur,
	     snap_event_index(a, st->in.cursor_ns), a->has_layer ? a->layer : -1);
	LINE(R_NORMAL, "policy     %s%s", config_sched_name(a->sched),
	     a->sched == SCHED_THRESHOLD ? " (tau)" : "");
	LINE(st->in.playing ? R_WARN : R_NORMAL, "play       %s, %s, step = %s",
	     st->in.playing ? "running" : "paused", st->in.speed, st->in.grain);
	if (a->iters_done > 0) {
		LINE(R_NORMAL, "tokens/s   %.1f   TPOT %.4f ms", a->tokens_per_s, a->iter_ns / 1e6);
		LINE(R_NORMAL, "util       GPU %.1f%%  PIM %.1f%%  links %.1f%%", 100 * a->tot.gpu_util,
		     100 * a->tot.pim_util, 100 * a->tot.link_util);
		LINE(R_NORMAL, "in PIM     %.1f%% of experts, %.1f%% of token-slots",
		     100 * a->tot.pim_expert_share, 100 * a->tot.pim_slot_share);
	} else {
		LINE(R_DIM, "tokens/s   - (after the first iteration)");
	}
	if (!a->has_layer)
		return;
	fmt_ns(buf, sizeof buf, a->last.total_ns);
	LINE(R_NORMAL, "layer %-4d %s  attn %.2f  disp %.2f  exp %.2f  comb %.2f us", a->layer, buf,
	     a->last.attn_ns / 1e3, a->last.dispatch_ns / 1e3, a->last.expert_ns / 1e3,
	     a->last.combine_ns / 1e3);
	fmt_ns(buf, sizeof buf, a->last.straggler_ns);
	/* as the run reports it: against the slowest GPU's expert phase */
	for (int g = 0; g < a->gpus; g++)
		worst = fmax(worst, a->gpu[g].expert_ns);
	est_err = worst > 0 ? fabs(a->last.est_ns - worst) / worst : 0;
	LINE(R_NORMAL, "straggler  %s   estimate error %.1f%%", buf, 100 * est_err);
	if (st->in.b != NULL && st->in.b->has_layer) {
		const struct ui_snap *b = st->in.b;
		double d = (b->end_ns - b->start_ns) - a->last.total_ns;
		LINE(R_HEADER, "compare    %s: layer %+.3f us (%+.1f%%)", config_sched_name(b->sched),
		     d / 1e3, 100 * d / fmax(1, a->last.total_ns));
		if (b->iters_done > 0)
			LINE(R_NORMAL, "           %.1f tokens/s against %.1f", b->tokens_per_s,
			     a->tokens_per_s);
	}
#undef LINE
}

const struct view_ops stats_view = {
	.title = "Stats",
	.update = update,
	.draw = draw,
	.state_size = sizeof(struct stats),
};
