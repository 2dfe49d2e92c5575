/* report.c - run reports (see report.h). */
#include "report.h"

#include "json.h"

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

static void run_json(FILE *out, const struct sim *s)
{
	struct json j;
	double iter_ns = sim_iter_ns(s);

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "model", s->model.name);
	json_str(&j, "hw", s->hw.name);
	json_str(&j, "sched", config_sched_name(s->cfg.sched));
	json_str(&j, "routing", s->cfg.routing);
	json_int(&j, "gpus", s->hw.gpus);
	json_int(&j, "batch", s->cfg.batch);
	json_int(&j, "iters", s->iters_done);
	json_int(&j, "context", s->cfg.context);
	json_int(&j, "seed", s->cfg.seed);
	json_fixed(&j, "tokens_per_s", sim_tokens_per_s(s), 1);
	json_fixed(&j, "iter_us", iter_ns / 1e3, 3);
	json_fixed(&j, "tpot_ms", iter_ns / 1e6, 4);
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
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_finish(&j);
}

static void run_csv(FILE *out, const struct sim *s)
{
	double iter_ns = sim_iter_ns(s);

	fputs("layer,kind,attn_us,dispatch_us,expert_us,combine_us,total_us,straggler_us,"
	      "activated,max_load,link_mb,tokens_per_s,tpot_ms\n", out);
	for (int l = 0; l < s->model.layers; l++) {
		struct layer_result r = layer_mean(s, l);
		fprintf(out, "%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%.2f,%.4f,,\n", l,
			model_is_moe(&s->model, l) ? "moe" : "dense", r.attn_ns / 1e3,
			r.dispatch_ns / 1e3, r.expert_ns / 1e3, r.combine_ns / 1e3, r.total_ns / 1e3,
			r.straggler_ns / 1e3, mean_count(s, s->layer_sum[l].activated),
			mean_count(s, s->layer_sum[l].max_load), r.link_bytes / 1e6);
	}
	fprintf(out, "all,,,,,,%.3f,,,,,%.1f,%.4f\n", iter_ns / 1e3, sim_tokens_per_s(s),
		iter_ns / 1e6);
}

static void run_text(FILE *out, const struct sim *s)
{
	double iter_ns = sim_iter_ns(s), attn = 0, disp = 0, exp = 0, comb = 0;

	fprintf(out, "sieve run: %s on %s (%d GPUs), sched %s, routing %s\n", s->model.name,
		s->hw.name, s->hw.gpus, config_sched_name(s->cfg.sched), s->cfg.routing);
	fprintf(out, "batch %d, context %d, %d iterations, seed %d\n\n", s->cfg.batch,
		s->cfg.context, s->iters_done, s->cfg.seed);
	fprintf(out, "  tokens/s     %12.1f\n", sim_tokens_per_s(s));
	fprintf(out, "  iteration    %12.3f us\n", iter_ns / 1e3);
	fprintf(out, "  TPOT         %12.4f ms\n\n", iter_ns / 1e6);
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

void report_run(FILE *out, const struct sim *s, enum format f)
{
	switch (f) {
	case FORMAT_JSON:
		run_json(out, s);
		break;
	case FORMAT_CSV:
		run_csv(out, s);
		break;
	case FORMAT_TEXT:
		run_text(out, s);
		break;
	}
}
