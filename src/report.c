/* report.c - run reports (see report.h). */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "json.h"
#include "pim.h"

void explained_take(struct explained *ex, const struct sim *s)
{
	free(ex->x);
	ex->iter = s->layer == 0 ? s->iter - 1 : s->iter;
	ex->layer = s->last_layer;
	ex->n = s->ndecisions;
	ex->x = xcalloc((size_t)ex->n + 1, sizeof *ex->x);
	memcpy(ex->x, s->decision, (size_t)ex->n * sizeof *ex->x);
	memcpy(ex->gpu, s->gpu, sizeof ex->gpu);
	ex->r = s->last;
}

void explained_free(struct explained *ex)
{
	free(ex->x);
	memset(ex, 0, sizeof *ex);
}

static void explain_json(struct json *j, const struct sim *s, const struct explained *ex)
{
	json_object(j, "explain");
	json_int(j, "iter", ex->iter);
	json_int(j, "layer", ex->layer);
	json_array(j, "gpus");
	for (int g = 0; g < s->hw.gpus; g++) {
		json_object(j, NULL);
		json_int(j, "gpu", g);
		json_str(j, "attention", ex->gpu[g].attn_in_pim ? "pim" : "gpu");
		json_int(j, "experts", ex->gpu[g].experts);
		json_int(j, "pim_experts", ex->gpu[g].pim_experts);
		json_fixed(j, "estimate_us", ex->gpu[g].est_ns / 1e3, 3);
		json_fixed(j, "simulated_us", ex->gpu[g].expert_ns / 1e3, 3);
		json_end(j);
	}
	json_end(j);
	json_array(j, "experts");
	for (int i = 0; i < ex->n; i++) {
		const struct sched_expert *x = &ex->x[i];
		json_object(j, NULL);
		json_int(j, "gpu", x->gpu);
		json_int(j, "expert", x->expert);
		json_int(j, "stack", x->stack);
		json_int(j, "tokens", x->tokens);
		json_fixed(j, "gpu_us", x->gpu_ns / 1e3, 3);
		json_fixed(j, "pim_us", x->pim_ns >= 0 ? x->pim_ns / 1e3 : NAN, 3);
		json_str(j, "where", x->on_pim ? "pim" : "gpu");
		json_fixed(j, "margin_us", x->margin_ns / 1e3, 3);
		json_str(j, "reason", sched_reason_text(x->reason));
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

static void explain_csv(FILE *out, const struct explained *ex)
{
	fputs("iter,layer,gpu,expert,stack,tokens,gpu_us,pim_us,where,margin_us,reason\n", out);
	for (int i = 0; i < ex->n; i++) {
		const struct sched_expert *x = &ex->x[i];
		fprintf(out, "%d,%d,%d,%d,%d,%d,%.3f,%.3f,%s,%.3f,%s\n", ex->iter, ex->layer,
			x->gpu, x->expert, x->stack, x->tokens, x->gpu_ns / 1e3,
			x->pim_ns >= 0 ? x->pim_ns / 1e3 : NAN, x->on_pim ? "pim" : "gpu", x->margin_ns / 1e3,
			sched_reason_text(x->reason));
	}
}

static void explain_text(FILE *out, const struct sim *s, const struct explained *ex)
{
	fprintf(out, "\ndecisions of %s at layer %d, iteration %d:\n", config_sched_name(s->cfg.sched),
		ex->layer, ex->iter);
	for (int g = 0; g < s->hw.gpus; g++)
		fprintf(out, "  gpu %d: attention on %s, %d experts (%d in PIM), expert phase "
			"estimated %.3f us, simulated %.3f us\n", g, ex->gpu[g].attn_in_pim ? "PIM" : "GPU",
			ex->gpu[g].experts, ex->gpu[g].pim_experts, ex->gpu[g].est_ns / 1e3,
			ex->gpu[g].expert_ns / 1e3);
	fprintf(out, "\n%4s %6s %5s %6s %9s %9s %5s %10s  %s\n", "gpu", "expert", "stack", "tokens",
		"gpu_us", "pim_us", "where", "margin_us", "reason");
	for (int i = 0; i < ex->n; i++) {
		const struct sched_expert *x = &ex->x[i];
		char pim[32] = "-", margin[32] = "-";
		if (x->pim_ns >= 0)
			snprintf(pim, sizeof pim, "%.3f", x->pim_ns / 1e3);
		if (!isnan(x->margin_ns))
			snprintf(margin, sizeof margin, "%.3f", x->margin_ns / 1e3);
		fprintf(out, "%4d %6d %5d %6d %9.3f %9s %5s %10s  %s\n", x->gpu,
			x->expert, x->stack, x->tokens, x->gpu_ns / 1e3, pim, x->on_pim ? "pim" : "gpu",
			margin, sched_reason_text(x->reason));
	}
	fputs("\n(-: not computed, the policy did not need it)\ngpu_us: the expert's share of the GPU's grouped kernel; pim_us: its PIM kernel on\n"
	      "its stack, activations in and out included; margin: how much longer the GPU's\n"
	      "expert phase would be, by the simulation's models, if this expert went the other way\n",
	      out);
}

/* Per-layer means over finished iterations. */
static struct layer_result layer_mean(const struct sim *s, int layer)
{
	struct layer_result r = s->layer_sum[layer];
	double n = s->iters_done > 0 ? s->iters_done : 1;

	r.attn_ns /= n;
	r.dispatch_ns /= n;
	r.expert_ns /= n;
	r.combine_ns /= n;
	r.total_ns /= n;
	r.straggler_ns /= n;
	r.link_bytes /= n;
	return r;
}

/* activated and max_load are summed ints; their means keep a fraction. */
static double mean_count(const struct sim *s, int sum)
{
	return s->iters_done > 0 ? (double)sum / s->iters_done : 0;
}

/* Memory of the fullest GPU (capacity.h); the run was refused if it did not fit. */
static struct capacity memory(const struct sim *s)
{
	struct capacity c;

	capacity_of(&s->model, &s->hw, s->hw.gpus, s->cfg.batch, s->cfg.context,
		    place_spare_slots(s->cfg.place, s->cfg.spare_slots), &c);
	return c;
}

void report_memory_json(struct json *j, const struct sim *s)
{
	struct capacity c = memory(s);

	json_fixed(j, "mem_used_gib", c.used_bytes / CAPACITY_GIB, 3);
	json_fixed(j, "mem_capacity_gib", c.capacity_bytes / CAPACITY_GIB, 3);
	json_fixed(j, "mem_headroom_gib", c.headroom_bytes / CAPACITY_GIB, 3);
}

static void totals_json(struct json *j, const struct sim *s)
{
	struct sim_totals t;

	sim_totals(s, &t);
	json_fixed(j, "pim_expert_share", t.pim_expert_share, 4);
	json_fixed(j, "pim_slot_share", t.pim_slot_share, 4);
	json_fixed(j, "gpu_util", t.gpu_util, 4);
	json_fixed(j, "pim_util", t.pim_util, 4);
	json_fixed(j, "link_util", t.link_util, 4);
	json_fixed(j, "estimate_error", t.est_error, 4);
	json_fixed(j, "expert_phase_us", t.expert_phase_ns / 1e3, 3);
	report_memory_json(j, s);
}

/* Mean straggler gap of the MoE layers over finished iterations, ns. */
static double straggler_ns(const struct sim *s)
{
	double sum = 0;
	int n = 0;

	for (int l = s->model.first_dense; l < s->model.layers; l++, n++)
		sum += layer_mean(s, l).straggler_ns;
	return n ? sum / n : 0;
}

/* Placement, GPU speeds and every recalibration (place.h). */
static void place_json(struct json *j, const struct sim *s)
{
	const struct placement *p = &s->place;
	char speed[HW_MAX_GPUS * 24];

	hw_format_speed(s->hw.gpu_speed, s->hw.gpus, speed, sizeof speed);
	json_str(j, "place", place_policies[s->cfg.place].name);
	json_str(j, "gpu_speed", speed);
	json_fixed(j, "straggler_us", straggler_ns(s) / 1e3, 3);
	json_int(j, "recalibrations", p->nrecal);
	json_array(j, "recalibration_log");
	for (int i = 0; i < p->nrecal; i++) {
		const struct place_recal *r = &p->recal[i];
		json_object(j, NULL);
		json_int(j, "iter", r->iter);
		json_str(j, "why", place_reason_text(r->reason));
		json_fixed(j, "drift", r->drift, 4);
		json_fixed(j, "gain", r->gain, 4);
		json_int(j, "moved", r->nmoves);
		json_fixed(j, "moved_mb", r->bytes / 1e6, 3);
		json_end(j);
	}
	json_end(j);
}

static void place_text(FILE *out, const struct sim *s)
{
	const struct placement *p = &s->place;

	fprintf(out, "  placement    %12s %s, straggler gap %.3f us, %d recalibration%s\n", "",
		place_policies[s->cfg.place].name, straggler_ns(s) / 1e3, p->nrecal,
		p->nrecal == 1 ? "" : "s");
	for (int i = 0; i < p->nrecal; i++) {
		const struct place_recal *r = &p->recal[i];
		fprintf(out, "    from iteration %d: %s (drift %.1f%%), predicted gain %.1f%%, "
			"%d replicas moved, %.1f MB\n", r->iter, place_reason_text(r->reason),
			100 * r->drift, 100 * r->gain, r->nmoves, r->bytes / 1e6);
	}
}

static void run_json(FILE *out, const struct sim *s, const struct explained *ex)
{
	struct json j;
	double iter_ns = sim_iter_ns(s);

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "model", s->model.name);
	json_str(&j, "hw", s->hw.name);
	json_str(&j, "pim_kind", pim_kind_names[s->hw.hbm.pim_kind]);
	json_str(&j, "attach", pim_attach_names[s->hw.hbm.attach]);
	json_str(&j, "sched", config_sched_name(s->cfg.sched));
	json_str(&j, "routing", s->cfg.routing);
	json_int(&j, "gpus", s->hw.gpus);
	json_int(&j, "batch", s->cfg.batch);
	json_int(&j, "iters", s->iters_done);
	json_int(&j, "context", s->cfg.context);
	json_int(&j, "seed", s->cfg.seed);
	json_int(&j, "micro", s->cfg.micro);
	place_json(&j, s);
	json_fixed(&j, "tokens_per_s", sim_tokens_per_s(s), 1);
	json_fixed(&j, "iter_us", iter_ns / 1e3, 3);
	json_fixed(&j, "tpot_ms", iter_ns / 1e6, 4);
	json_fixed(&j, "tokens_per_s_per_user", sim_tokens_per_s_per_user(s), 3);
	totals_json(&j, s);
	{
		struct routing_stats st;
		report_kept_routing(s, &st);
		json_object(&j, "routing_kept");
		json_int(&j, "layers", st.samples);
		report_routing_json(&j, &st);
		json_end(&j);
	}
	json_array(&j, "layers");
	for (int l = 0; l < s->model.layers; l++) {
		struct layer_result r = layer_mean(s, l);
		json_object(&j, NULL);
		json_int(&j, "layer", l);
		json_str(&j, "kind", model_is_moe(&s->model, l) ? "moe" : "dense");
		json_fixed(&j, "attn_us", r.attn_ns / 1e3, 3);
		json_fixed(&j, "dispatch_us", r.dispatch_ns / 1e3, 3);
		json_fixed(&j, "expert_us", r.expert_ns / 1e3, 3);
		json_fixed(&j, "combine_us", r.combine_ns / 1e3, 3);
		json_fixed(&j, "total_us", r.total_ns / 1e3, 3);
		json_fixed(&j, "straggler_us", r.straggler_ns / 1e3, 3);
		json_fixed(&j, "activated", mean_count(s, s->layer_sum[l].activated), 2);
		json_fixed(&j, "max_load", mean_count(s, s->layer_sum[l].max_load), 2);
		json_fixed(&j, "link_mb", r.link_bytes / 1e6, 4);
		json_fixed(&j, "pim_experts", mean_count(s, s->layer_sum[l].pim_experts), 2);
		json_end(&j);
	}
	json_end(&j);
	if (ex != NULL)
		explain_json(&j, s, ex);
	json_end(&j);
	json_finish(&j);
}

static void run_csv(FILE *out, const struct sim *s)
{
	double iter_ns = sim_iter_ns(s);
	struct capacity c = memory(s);

	fputs("layer,kind,attn_us,dispatch_us,expert_us,combine_us,total_us,straggler_us,"
	      "activated,max_load,link_mb,tokens_per_s,tpot_ms,mem_used_gib,mem_capacity_gib,"
	      "mem_headroom_gib,tokens_per_s_per_user\n", out);
	for (int l = 0; l < s->model.layers; l++) {
		struct layer_result r = layer_mean(s, l);
		fprintf(out, "%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%.2f,%.4f,,,,,,\n", l,
			model_is_moe(&s->model, l) ? "moe" : "dense", r.attn_ns / 1e3,
			r.dispatch_ns / 1e3, r.expert_ns / 1e3, r.combine_ns / 1e3, r.total_ns / 1e3,
			r.straggler_ns / 1e3, mean_count(s, s->layer_sum[l].activated),
			mean_count(s, s->layer_sum[l].max_load), r.link_bytes / 1e6);
	}
	fprintf(out, "all,,,,,,%.3f,,,,,%.1f,%.4f,%.3f,%.3f,%.3f,%.3f\n", iter_ns / 1e3,
		sim_tokens_per_s(s), iter_ns / 1e6, c.used_bytes / CAPACITY_GIB,
		c.capacity_bytes / CAPACITY_GIB, c.headroom_bytes / CAPACITY_GIB,
		sim_tokens_per_s_per_user(s));
}

static void run_text(FILE *out, const struct sim *s)
{
	double iter_ns = sim_iter_ns(s), attn = 0, disp = 0, exp = 0, comb = 0;
	struct sim_totals t;
	struct capacity c = memory(s);

	fprintf(out, "sieve run: %s on %s (%d GPUs, %s PIM attached %s), sched %s, routing %s\n",
		s->model.name, s->hw.name, s->hw.gpus, pim_kind_names[s->hw.hbm.pim_kind],
		pim_attach_names[s->hw.hbm.attach], config_sched_name(s->cfg.sched), s->cfg.routing);
	fprintf(out, "batch %d, context %d, %d iterations, seed %d", s->cfg.batch, s->cfg.context,
		s->iters_done, s->cfg.seed);
	if (s->cfg.micro > 1)
		fprintf(out, ", %d micro-batches", s->cfg.micro);
	fputs("\n\n", out);
	fprintf(out, "  tokens/s     %12.1f\n", sim_tokens_per_s(s));
	fprintf(out, "  iteration    %12.3f us\n", iter_ns / 1e3);
	fprintf(out, "  TPOT         %12.4f ms\n", iter_ns / 1e6);
	fprintf(out, "  per user     %12.2f tokens/s (1 / TPOT)\n", sim_tokens_per_s_per_user(s));
	sim_totals(s, &t);
	fprintf(out, "  expert phase %12.3f us per iteration (MoE layers, dispatch end to last "
		"expert)\n", t.expert_phase_ns / 1e3);
	fprintf(out, "  in PIM       %12.1f%% of experts, %.1f%% of token-slots\n",
		100 * t.pim_expert_share, 100 * t.pim_slot_share);
	fprintf(out, "  utilisation  %12s GPU %.1f%%, PIM %.1f%%, links %.1f%%\n", "",
		100 * t.gpu_util, 100 * t.pim_util, 100 * t.link_util);
	fprintf(out, "  estimates    %12.1f%% mean error of the policy's expert-phase estimate\n",
		100 * t.est_error);
	fprintf(out, "  memory       %12.1f GiB of %.1f per GPU, headroom %.1f GiB\n%28s(experts %.1f, "
		"other weights %.1f, KV cache %.1f, activations %.1f, reserve %.1f)\n",
		c.used_bytes / CAPACITY_GIB, c.capacity_bytes / CAPACITY_GIB,
		c.headroom_bytes / CAPACITY_GIB, "", c.expert_bytes / CAPACITY_GIB,
		(c.replicated_bytes + c.embed_bytes) / CAPACITY_GIB, c.kv_bytes / CAPACITY_GIB,
		c.act_bytes / CAPACITY_GIB, c.reserve_bytes / CAPACITY_GIB);
	place_text(out, s);
	fputc('\n', out);
	fprintf(out, "%5s %5s %10s %10s %10s %10s %10s %9s %8s\n", "layer", "kind", "attn_us",
		"disp_us", "expert_us", "comb_us", "total_us", "activated", "max_load");
	for (int l = 0; l < s->model.layers; l++) {
		struct layer_result r = layer_mean(s, l);
		attn += r.attn_ns;
		disp += r.dispatch_ns;
		exp += r.expert_ns;
		comb += r.combine_ns;
		fprintf(out, "%5d %5s %10.3f %10.3f %10.3f %10.3f %10.3f %9.1f %8.1f\n", l,
			model_is_moe(&s->model, l) ? "moe" : "dense", r.attn_ns / 1e3,
			r.dispatch_ns / 1e3, r.expert_ns / 1e3, r.combine_ns / 1e3, r.total_ns / 1e3,
			mean_count(s, s->layer_sum[l].activated),
			mean_count(s, s->layer_sum[l].max_load));
	}
	fprintf(out, "%5s %5s %10.3f %10.3f %10.3f %10.3f %10.3f\n", "all", "", attn / 1e3,
		disp / 1e3, exp / 1e3, comb / 1e3, iter_ns / 1e3);
}

void report_run(FILE *out, const struct sim *s, enum format f, const struct explained *ex)
{
	switch (f) {
	case FORMAT_JSON:
		run_json(out, s, ex);
		break;
	case FORMAT_CSV:
		if (ex != NULL)
			explain_csv(out, ex);	/* one table per CSV stream */
		else
			run_csv(out, s);
		break;
	case FORMAT_TEXT:
		run_text(out, s);
		if (ex != NULL)
			explain_text(out, s, ex);
		break;
	}
}

void report_kept_routing(const struct sim *s, struct routing_stats *st)
{
	const struct history *h = sim_history(s);

	routing_stats_init(st);
	for (int back = history_len(h) - 1; back >= 0; back--) {
		const struct layer_record *r = history_get(h, back);
		if (model_is_moe(&s->model, r->layer))
			routing_stats_add(st, r->counts, r->experts, s->cfg.batch, s->model.top_k);
	}
	routing_stats_finish(st);
}

void report_routing_json(struct json *j, const struct routing_stats *st)
{
	json_fixed(j, "activated", st->activated, 3);
	json_fixed(j, "frac_single", st->frac_single, 4);
	json_fixed(j, "top10_share", st->top10_share, 4);
	json_fixed(j, "max_load", st->max_load, 3);
	json_array(j, "histogram");
	for (int b = 0; b < ROUTING_HIST_BINS; b++) {
		json_object(j, NULL);
		json_int(j, "lo", routing_hist_lo(b));
		json_int(j, "hi", routing_hist_hi(b));
		json_fixed(j, "frac", st->hist[b], 4);
		json_end(j);
	}
	json_end(j);
}

void report_routing_lines(const struct routing_stats *st, int experts,
			  void (*line)(void *ctx, const char *text), void *ctx)
{
	char buf[160];
	int n;

	snprintf(buf, sizeof buf, "  activated    %8.2f of %d experts", st->activated, experts);
	line(ctx, buf);
	snprintf(buf, sizeof buf, "  one token    %8.1f%% of activated", 100 * st->frac_single);
	line(ctx, buf);
	snprintf(buf, sizeof buf, "  top 10%%      %8.1f%% of token-slots", 100 * st->top10_share);
	line(ctx, buf);
	snprintf(buf, sizeof buf, "  busiest      %8.2f tokens", st->max_load);
	line(ctx, buf);
	line(ctx, "  tokens per activated expert:");
	for (int b = 0; b < ROUTING_HIST_BINS; b++) {
		char range[32];
		int lo = routing_hist_lo(b), hi = routing_hist_hi(b);
		if (hi < 0)
			snprintf(range, sizeof range, "%d+", lo);
		else if (hi == lo)
			snprintf(range, sizeof range, "%d", lo);
		else
			snprintf(range, sizeof range, "%d-%d", lo, hi);
		n = snprintf(buf, sizeof buf, "    %-9s %6.1f%% ", range, 100 * st->hist[b]);
		for (int k = 0; k < (int)(st->hist[b] * 50 + 0.5) && n < (int)sizeof buf - 1; k++)
			buf[n++] = '#';
		buf[n] = '\0';
		line(ctx, buf);
	}
}
