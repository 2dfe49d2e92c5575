/*
 * console_views.c - the commands that look at one thing closely, for
 * teaching and debugging, and what the UI-only commands do headless:
 *   probe routing   tokens per activated expert over the kept layers
 *   probe expert    one expert's GPU and PIM times by token count, and
 *                   where they cross
 *   inspect [E]     one expert's decision in the layer just simulated and
 *                   what every policy would have chosen on its counts
 *   replay [G S]    the stack replay (replay.h) of GPU G's stack S in the
 *                   layer just simulated: its kernels; `step N cycle`
 *                   steps it when no UI does
 *   compare P       headless: policy P on the same routing to the same
 *                   position, the two throughputs side by side
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "console_int.h"
#include "gpu.h"
#include "replay.h"
#include "report.h"

#define PROBE_MAX_TOKENS 512

static int probe_routing(struct console *c, struct err *e)
{
	struct routing_stats st;

	report_kept_routing(c->sim, &st);
	if (st.samples == 0)
		return err_set(e, "probe routing: no MoE layer simulated yet (step or run first)");
	console_printf(c, "routing %s of %s: batch %d, the %ld MoE layers kept (the last %d "
		       "iterations at most)", c->sim->cfg.routing, c->sim->model.name,
		       c->sim->cfg.batch, st.samples, SIM_HISTORY_ITERS);
	report_routing_lines(&st, c->sim->model.experts, console_print_line, c);
	return 0;
}

/*
 * One expert of the model alone on one GPU (the batched kernel of the
 * measured files, as `sieve probe pim` prints it), its share of a grouped
 * kernel (what it adds to one that runs anyway: the scheduler's gpu_us),
 * and its PIM kernel on one stack (the decode run's memo), by token count.
 */
static int probe_expert(struct console *c, long max, struct err *e)
{
	struct sim *s = c->sim;
	const struct model *m = &s->model;
	double bpw = m->expert_weight_bytes, alone1 = 0, pim1 = 0;
	int up_alone = 0, up_share = 0, alone_done = 0, share_done = 0;

	console_printf(c, "expert %d x %d, %g B/weight (%s) on %s: %s PIM, power limit %s",
		       m->hidden, m->expert_inter, bpw, m->name, s->hw.name,
		       pim_kind_names[s->hw.hbm.pim_kind], s->hw.hbm.power_limit ? "on" : "off");
	console_printf(c, "%6s %13s %13s %9s  %s", "tokens", "gpu_alone_us", "gpu_share_us", "pim_us",
		       "faster alone");
	for (int t = 1; t <= max; t++) {
		double alone = gpu_experts_uniform_ns(&s->hw, GPU_NOMINAL, m->hidden, m->expert_inter, bpw, 1,
						      t);
		double share = gpu_expert_ns(&s->hw, GPU_NOMINAL, m->hidden, m->expert_inter, bpw, t);
		double pim;
		if (pimcost_expert_ns(s->pim, t, &pim, e) != 0)
			return err_prefix(e, "probe expert: ");
		if (t == 1) {
			alone1 = alone;
			pim1 = pim;
		}
		/* "PIM faster up to T": the last T before the first count where it is not */
		if (!alone_done && pim < alone)
			up_alone = t;
		else
			alone_done = 1;
		if (!share_done && pim < share)
			up_share = t;
		else
			share_done = 1;
		console_printf(c, "%6d %13.3f %13.3f %9.3f  %s", t, alone / 1e3, share / 1e3, pim / 1e3,
			       pim < alone ? "pim" : "gpu");
	}
	console_printf(c, "crossover alone: pim faster up to %d tokens%s", up_alone,
		       alone_done ? "" : " (and beyond: raise MAX)");
	console_printf(c, "crossover grouped: pim faster up to %d tokens%s", up_share,
		       share_done ? "" : " (and beyond: raise MAX)");
	{
		double bytes = 3.0 * m->hidden * m->expert_inter * bpw;
		console_printf(c, "  its weights, %.1f MB, stream from HBM at %.0f GB/s in %.3f us "
			       "whatever the tokens; one token does %.2g FLOP per weight byte, the "
			       "GPU needs %.0f (peak_tflops / hbm_gbps) to be compute-bound",
			       bytes / 1e6, gpu_stream_gbps(&s->hw), bytes / gpu_stream_gbps(&s->hw) / 1e3,
			       2.0 / bpw, s->hw.peak_tflops * 1e3 / s->hw.hbm_gbps);
		console_printf(c, "  alone, launches add %.1f us; PIM streams the weights inside the "
			       "banks once per pass: %.3f us at 1 token", (alone1 - bytes /
			       gpu_stream_gbps(&s->hw)) / 1e3, pim1 / 1e3);
	}
	return 0;
}

HANDLER(con_probe)
{
	long max = 16;

	if (strcmp(a->argv[1], "routing") == 0) {
		if (a->argc > 2)
			return err_set(e, "probe routing: no argument expected");
		return probe_routing(c, e);
	}
	if (strcmp(a->argv[1], "expert") == 0) {
		if (a->argc > 2 &&
		    console_long("probe expert", a->argv[2], 1, PROBE_MAX_TOKENS, &max, e) != 0)
			return -1;
		return probe_expert(c, max, e);
	}
	return err_set(e, "probe: unknown view '%s' (routing or expert)", a->argv[1]);
}

/* --- inspect --- */

/* The GPU whose group of r's decisions holds index i (grouped by GPU). */
static int gpu_of(const struct layer_record *r, int i)
{
	for (int g = 0, end = 0; g < r->gpus; g++) {
		end += r->gpu[g].experts;
		if (i < end)
			return g;
	}
	return -1;
}

HANDLER(con_inspect)
{
	struct sim *s = c->sim;
	const struct layer_record *r = history_get(sim_history(s), 0);
	const struct sched_expert *x = NULL;
	struct sched_expert *w;
	char line[512], pim[32] = "-", margin[32] = "-";
	long want;
	int i, n, len;

	if (r == NULL || r->ndecisions == 0)
		return err_set(e, "inspect: the layer just simulated has no routed expert "
			       "(step to a MoE layer first)");
	if (a->argc > 1) {
		if (console_long("inspect", a->argv[1], 0, r->experts - 1, &want, e) != 0)
			return -1;
	} else if ((want = c->differs_expert) < 0) {
		return err_set(e, "inspect: which expert? (no break differs has named one)");
	}
	for (i = 0; i < r->ndecisions && x == NULL; i++)
		if (r->decision[i].expert == want)
			x = &r->decision[i];
	if (x == NULL)
		return err_set(e, "inspect: expert %ld got no token in iteration %d, layer %d", want,
			       r->iter, r->layer);
	i--;
	if (x->pim_ns >= 0)
		snprintf(pim, sizeof pim, "%.3f", x->pim_ns / 1e3);
	if (!isnan(x->margin_ns))
		snprintf(margin, sizeof margin, "%.3f", x->margin_ns / 1e3);
	console_printf(c, "expert %d in iteration %d, layer %d (sched %s): gpu %d, stack %d, "
		       "%d tokens", x->expert, r->iter, r->layer, sched_policy_names[r->sched],
		       gpu_of(r, i), x->stack, x->tokens);
	console_printf(c, "  gpu_us %.3f  pim_us %s  where %s  margin_us %s  (%s)", x->gpu_ns / 1e3,
		       pim, x->on_pim ? "pim" : "gpu", margin, sched_reason_text(x->reason));
	w = xcalloc((size_t)r->ndecisions, sizeof *w);
	len = snprintf(line, sizeof line, "  on these token counts:");
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		const char *where = "?";
		if (sim_what_if(s, r, p, r->tau, w, &n) != 0) {
			free(w);
			return err_set(e, "inspect: %s", sim_error(s));
		}
		for (int k = 0; k < n; k++)
			if (w[k].expert == x->expert)
				where = w[k].on_pim ? "pim" : "gpu";
		if (p == SCHED_THRESHOLD)
			len += snprintf(line + len, sizeof line - (size_t)len, " %s (tau %d) %s%s",
					sched_policy_names[p], r->tau, where,
					p + 1 < SCHED_NPOLICIES ? "," : "");
		else
			len += snprintf(line + len, sizeof line - (size_t)len, " %s %s%s",
					sched_policy_names[p], where, p + 1 < SCHED_NPOLICIES ? "," : "");
	}
	free(w);
	console_printf(c, "%s", line);
	console_printf(c, "  (gpu_us: its share of the GPU's grouped kernel; pim_us: its PIM kernel; "
		       "margin: how much longer the GPU's expert phase gets if it went the other way)");
	return 0;
}

/* --- the stack replay, headless --- */

void console_views_drop(struct console *c)
{
	if (c->replay != NULL) {
		stack_replay_release(c->replay);
		free(c->replay);
		c->replay = NULL;
	}
}

static int replay_build(struct console *c, int gpu, int stack, struct err *e)
{
	struct stack_replay *r = xcalloc(1, sizeof *r);

	if (stack_replay_init(r, c->sim, gpu, stack, e) != 0) {
		free(r);
		return err_prefix(e, "replay: ");
	}
	console_views_drop(c);
	c->replay = r;
	c->replay_gpu = gpu;
	c->replay_stack = stack;
	c->replay_pos = console_pos(c->sim);
	return 0;
}

static const char *kernel_text(const struct replay_kernel *k, char *buf, size_t len)
{
	if (k->expert < 0)
		snprintf(buf, len, "GPU reads of %d tokens' experts, %lld columns", k->tokens,
			 k->reads);
	else
		snprintf(buf, len, "expert %d, %d token%s", k->expert, k->tokens,
			 k->tokens == 1 ? "" : "s");
	return buf;
}

HANDLER(con_replay)
{
	const struct stack_replay *r;
	long gpu = c->replay_gpu, stack = c->replay_stack;
	char what[128];

	if (c->sim->last_layer < 0)
		return err_set(e, "replay: no layer simulated yet (step first)");
	if (a->argc == 2)
		return err_set(e, "replay: give GPU and STACK, or neither");
	if (a->argc > 2 &&
	    (console_long("replay", a->argv[1], 0, c->sim->hw.gpus - 1, &gpu, e) != 0 ||
	     console_long("replay", a->argv[2], 0, c->sim->hw.stacks - 1, &stack, e) != 0))
		return -1;
	if (replay_build(c, (int)gpu, (int)stack, e) != 0)
		return -1;
	r = c->replay;
	console_printf(c, "replay of GPU %d, stack %d in iteration %d, layer %d: %d kernel%s, "
		       "a cycle is %.3f ns", r->gpu, r->stack,
		       c->sim->layer == 0 ? c->sim->iter - 1 : c->sim->iter, c->sim->last_layer,
		       r->nkernels, r->nkernels == 1 ? "" : "s", stack_replay_tck_ns(r));
	for (int k = 0; k < r->nkernels; k++)
		console_printf(c, "  kernel %d: %s, planned at cycle %lld, %lld cycles in the run", k + 1,
			       kernel_text(&r->kernel[k], what, sizeof what),
			       (long long)r->kernel[k].planned_cycle,
			       (long long)r->kernel[k].memo_cycles);
	console_printf(c, "step N cycle steps it%s", c->h.step_cycle != NULL ?
		       " in the Banks panel (this list is the console's)" : "");
	return 0;
}

int console_replay_step(struct console *c, long n, struct err *e)
{
	struct stack_replay *r;
	char line[600], what[200], kt[128];
	int len;

	if (c->replay == NULL || c->replay_pos != console_pos(c->sim)) {
		if (c->sim->last_layer < 0)
			return err_set(e, "step cycle: no layer simulated yet (step first)");
		if (replay_build(c, c->replay_gpu, c->replay_stack, e) != 0)
			return -1;
	}
	r = c->replay;
	for (long i = 0; i < n && stack_replay_step_cycle(r); i++)
		;
	if (stack_replay_done(r))
		snprintf(what, sizeof what, "all %d kernels done", r->nkernels);
	else
		snprintf(what, sizeof what, "kernel %d of %d: %s", r->cur + 1, r->nkernels,
			 kernel_text(&r->kernel[r->cur], kt, sizeof kt));
	len = snprintf(line, sizeof line, "cycle %lld (%.3f us) on GPU %d, stack %d, %s; issued:",
		       (long long)stack_replay_cycle(r),
		       stack_replay_cycle(r) * stack_replay_tck_ns(r) / 1e3, r->gpu, r->stack, what);
	for (int k = 0; k < DRAM_NCMD; k++)
		if (r->cmd_count[k] > 0)
			len += snprintf(line + len, sizeof line - (size_t)len, " %s %lld",
					dram_cmd_names[k], r->cmd_count[k]);
	console_printf(c, "%s", line);
	return 0;
}

/* --- compare, headless --- */

int console_compare_once(struct console *c, int policy, struct err *e)
{
	struct sim *s = c->sim, cmp;
	struct sim_config cfg = s->cfg;
	struct sim_mark at;
	int rc = 0;

	if (policy < 0) {
		console_printf(c, "compare off");
		return 0;
	}
	if (c->nov > 0)
		return err_set(e, "compare: headless, it runs the preset files: reset the model and "
			       "machine fields first (show changed lists them)");
	if (s->tl.change_next > 1)
		console_printf(c, "compare: %s runs with the parameters in force now from the start "
			       "(the live changes of this run are not replayed)",
			       sched_policy_names[policy]);
	cfg.sched = policy;
	if (sim_init_shared(&cmp, &cfg, c->datadir, s->pim, e) != 0)
		return err_prefix(e, "compare: ");
	sim_mark(s, &at);
	while (rc == 0 && (cmp.iter < at.iter || (cmp.iter == at.iter && cmp.layer < at.layer)))
		rc = sim_step_layer(&cmp) > 0 ? 0 : -1;
	if (rc != 0)
		err_set(e, "compare: %s", sim_error(&cmp) ? sim_error(&cmp) : "the run ended early");
	else if (s->iters_done == 0)
		console_printf(c, "compare: no finished iteration yet (run first)");
	else
		console_printf(c, "compare over %d iterations: %s %.1f tokens/s, %s %.1f tokens/s "
			       "(%.3fx)", s->iters_done, sched_policy_names[s->cfg.sched],
			       sim_tokens_per_s(s), sched_policy_names[policy], sim_tokens_per_s(&cmp),
			       sim_tokens_per_s(s) / sim_tokens_per_s(&cmp));
	sim_release(&cmp);
	return rc;
}
