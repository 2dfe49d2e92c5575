/* serve.c - requests, continuous batching, prefill and memoised decode (see serve.h). */
#include "serve.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "gpu.h"
#include "rng.h"

/* ---- arrivals ---- */

struct reqs {
	struct serve_request *v;
	int n, cap;
};

static void reqs_add(struct reqs *q, double arrival_ns, int prompt, int output)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->v = xrealloc(q->v, (size_t)q->cap * sizeof *q->v);
	}
	memset(&q->v[q->n], 0, sizeof q->v[q->n]);
	q->v[q->n].arrival_ns = arrival_ns;
	q->v[q->n].prompt = prompt;
	q->v[q->n++].output = output;
}

/* The longest arrivals row read; a longer one is an error, not two rows. */
#define CSV_LINE_MAX 512
#define CSV_TOKENS_MAX 1000000	/* prompt and output tokens at most */

/* A number after blanks, then blanks: the end, or NULL when there is none. */
static const char *csv_number(const char *p, double *v)
{
	char *end;

	*v = strtod(p, &end);
	if (end == p)
		return NULL;
	return end + strspn(end, " \t");
}

/* One row "arrival_s,prompt,output" into *t, *p, *o; 0, or -1 with e filled (no position). */
static int csv_row(const char *line, double last, double *t, int *p, int *o, struct err *e)
{
	static const char *const names[] = {"arrival_s", "prompt_tokens", "output_tokens"};
	double v[3];
	const char *at = line;

	for (int i = 0; i < 3; i++) {
		at = csv_number(at, &v[i]);
		if (at == NULL || *at != (i < 2 ? ',' : '\0'))
			return err_set(e, "'%s' is not arrival_s,prompt_tokens,output_tokens "
				       "(three numbers)", line);
		at++;
	}
	if (!isfinite(v[0]) || v[0] < 0)
		return err_set(e, "arrival_s '%g' is not a time >= 0 s", v[0]);
	if (v[0] < last)
		return err_set(e, "arrival_s %g is before the previous row's %g (rows go in time order)",
			       v[0], last);
	for (int i = 1; i < 3; i++)
		if (!(v[i] >= 1 && v[i] <= CSV_TOKENS_MAX && v[i] == floor(v[i])))
			return err_set(e, "%s '%g' is not a whole number in [1, %d]", names[i], v[i],
				       CSV_TOKENS_MAX);
	*t = v[0];
	*p = (int)v[1];
	*o = (int)v[2];
	return 0;
}

/*
 * A CSV of arrival_s,prompt,output into q: '#' comments and blank lines
 * skipped, a first line that does not start with a number taken as the
 * header, blanks around fields allowed.
 */
static int read_csv(const char *path, struct reqs *q, struct err *e)
{
	FILE *f = fopen(path, "r");
	char line[CSV_LINE_MAX];
	int lineno = 0, rows = 0, rc = 0;
	double last = 0;

	if (f == NULL)
		return err_set(e, "%s: cannot read: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		double t = 0, v;
		int p = 0, o = 0;
		size_t len = strcspn(line, "\r\n");
		lineno++;
		if (line[len] == '\0' && !feof(f)) {
			rc = err_set(e, "%s:%d: line longer than %d characters", path, lineno,
				     CSV_LINE_MAX - 2);
			break;
		}
		line[len] = '\0';
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (rows++ == 0 && csv_number(line, &v) == NULL)
			continue;	/* the header */
		if (csv_row(line, last, &t, &p, &o, e) != 0)
			rc = err_prefix(e, "%s:%d: ", path, lineno);
		else
			reqs_add(q, t * 1e9, p, o), last = t;
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, "%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	if (rc == 0 && q->n == 0)
		rc = err_set(e, "%s: no requests (expected rows of arrival_s,prompt_tokens,"
			     "output_tokens)", path);
	return rc;
}

/* Poisson arrivals at rate in [0, duration), lengths from the rows of lengths. */
static void poisson(const struct serve_config *c, const struct reqs *lengths, struct reqs *q)
{
	struct rng r;
	double t = 0;

	rng_derive(&r, c->seed, 0x5e7e, 1, 2);
	for (;;) {
		const struct serve_request *len;
		t += -log(1 - rng_uniform(&r)) / c->rate;
		if (t >= c->duration_s)
			break;
		len = &lengths->v[rng_below(&r, (uint64_t)lengths->n)];
		reqs_add(q, t * 1e9, len->prompt, len->output);
	}
}

/* ---- prefill ---- */

/* Each MoE layer's share of token-slots per expert, into shares[moe layers x experts]. */
static double *routing_shares(struct sim *s)
{
	const struct model *m = &s->model;
	int L = m->layers - m->first_dense, k = m->top_k;
	int *assign = xcalloc((size_t)SERVE_PREFILL_SAMPLE * (size_t)k, sizeof *assign);
	int *counts = xcalloc((size_t)m->experts, sizeof *counts);
	double *shares = xcalloc((size_t)L * (size_t)m->experts + 1, sizeof *shares);

	for (int l = 0; l < L; l++) {
		routing_batch(&s->routing, 0, l, SERVE_PREFILL_SAMPLE, assign);
		routing_count(m, assign, SERVE_PREFILL_SAMPLE, counts);
		for (int e = 0; e < m->experts; e++)
			shares[l * m->experts + e] = (double)counts[e] / (SERVE_PREFILL_SAMPLE * k);
	}
	free(assign);
	free(counts);
	return shares;
}

/* Prefill expert phase of GPU g in layer l for T tokens. */
static double prefill_experts_ns(const struct sim *s, const double *shares, int l, int g,
				 double T, int *counts)
{
	const struct model *m = &s->model;
	int n = 0, layer = l + m->first_dense;

	for (int e = 0; e < m->experts; e++) {
		double slots = T * m->top_k * shares[l * m->experts + e];
		int reps = place_replicas(&s->place, layer, e);
		for (int r = 0; r < reps; r++)
			if (place_gpu(&s->place, layer, e, r) == g)
				counts[n++] = (int)ceil(slots / reps);
	}
	return gpu_experts_ns(&s->gpu_view, s->hw.gpu_speed[g], m->hidden, m->expert_inter,
			      m->expert_weight_bytes, counts, n);
}

double serve_prefill_ns(const struct sim *s, const double *shares, const int *prompts, int n,
			double *straggler_ns)
{
	const struct model *m = &s->model;
	const struct hw *hw = &s->gpu_view;	/* speeds: s->hw (live) */
	int G = hw->gpus, *counts = xcalloc((size_t)m->experts * PLACE_MAX_REPLICAS + 1, sizeof *counts);
	double T = 0, sq = 0, total = 0;
	double token_bytes = (double)m->hidden * m->act_bytes;

	for (int i = 0; i < n; i++) {
		T += prompts[i];
		sq += (double)prompts[i] * prompts[i];
	}
	*straggler_ns = 0;
	for (int layer = 0; layer < m->layers; layer++) {
		double attn = 0, ffn = 0, sum = 0;
		int tg = (int)ceil(T / G);
		for (int g = 0; g < G; g++) {
			struct gpu_speed sp = s->hw.gpu_speed[g];
			/* QK^T and PV: 2 x 2 x q_heads x head_dim per token pair, half of them masked */
			double flops = 2.0 * m->q_heads * m->head_dim * sq / G;
			double a = gpu_attn_proj_ns(hw, sp, m, tg) +
				   flops / (hw->eff_tflops * 1e3 * sp.compute);
			double f;
			if (model_is_moe(m, layer)) {
				a += gpu_router_ns(hw, sp, m, tg);
				f = prefill_experts_ns(s, shares, layer - m->first_dense, g, T, counts) +
				    gpu_dense_ffn_ns(hw, sp, m, m->shared_experts * m->shared_inter, tg);
			} else {
				f = gpu_dense_ffn_ns(hw, sp, m, m->dense_inter, tg);
			}
			attn = fmax(attn, a);
			ffn = fmax(ffn, f);
			sum += f;
		}
		total += attn + ffn;
		if (model_is_moe(m, layer)) {
			double bytes = T / G * m->top_k * (G - 1) / G * token_bytes;
			total += 2 * comm_all_to_all_ns(hw, bytes);
			*straggler_ns += ffn - sum / G;
		}
	}
	if (m->vocab > 0) {
		double head = 0;
		for (int g = 0; g < G; g++)
			head = fmax(head, gpu_lm_head_ns(hw, s->hw.gpu_speed[g], m, (n + G - 1) / G));
		total += head;
	}
	free(counts);
	return total;
}

/* ---- decode, memoised ---- */

struct memo {
	double *ns, *straggler_ns;	/* [max_batch + 1][steps], ns < 0: not known */
	int steps;
	long epoch;		/* recalibrations + speed changes when filled */
};

static int moe_layers(const struct sim *s)
{
	return s->model.layers - s->model.first_dense;
}

/* One decode iteration of n requests at context ctx: simulated, or the memo's. */
static int decode_ns(struct sim *s, struct memo *mm, long epoch, int n, int ctx, double *ns,
		     double *straggler_ns, long *simulated, struct err *e)
{
	int step = (ctx + SERVE_CONTEXT_STEP - 1) / SERVE_CONTEXT_STEP;
	size_t at;
	struct sim_config cfg = s->cfg;
	double before = s->iter_ns_sum, strag = 0;
	int carries;

	if (step >= mm->steps)
		step = mm->steps - 1;
	at = (size_t)n * (size_t)mm->steps + (size_t)step;
	if (mm->epoch != epoch) {
		for (size_t i = 0; i < (size_t)(s->cfg.batch + 1) * (size_t)mm->steps; i++)
			mm->ns[i] = -1;
		mm->epoch = epoch;
	}
	if (mm->ns[at] >= 0) {
		*ns = mm->ns[at];
		*straggler_ns = mm->straggler_ns[at];
		return 0;
	}
	cfg.active = n;
	cfg.context = (step + 1) * SERVE_CONTEXT_STEP;
	if (sim_configure(s, &cfg, e) != 0)
		return -1;
	carries = s->place.pending_iter == s->iter;
	for (int l = 0; l < s->model.layers; l++)
		strag -= s->layer_sum[l].straggler_ns;
	if (sim_step_iter(s) <= 0)
		return err_set(e, "%s", sim_error(s) ? sim_error(s) : "decode: the simulation ended");
	for (int l = 0; l < s->model.layers; l++)
		strag += s->layer_sum[l].straggler_ns;
	(*simulated)++;
	*ns = s->iter_ns_sum - before;
	*straggler_ns = strag / moe_layers(s);
	if (!carries) {	/* weight moves are paid once, not kept */
		mm->ns[at] = *ns;
		mm->straggler_ns[at] = *straggler_ns;
	}
	return 0;
}

/* ---- the loop ---- */

static void iter_record(struct serve_result *r, double t_ns, double straggler_ns)
{
	if (r->niters == r->cap_iters) {
		r->cap_iters = r->cap_iters ? 2 * r->cap_iters : 1024;
		r->iter_end_ns = xrealloc(r->iter_end_ns, (size_t)r->cap_iters * sizeof(double));
		r->iter_straggler_us = xrealloc(r->iter_straggler_us, (size_t)r->cap_iters * sizeof(double));
	}
	r->iter_end_ns[r->niters] = t_ns;
	r->iter_straggler_us[r->niters++] = straggler_ns / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double serve_percentile(double *v, int n, double q)
{
	int rank;

	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof *v, by_value);
	rank = (int)ceil(q / 100 * n);
	return v[rank < 1 ? 0 : rank - 1];
}

/* Time average of requests in the system over [0, end]: arrivals +1, completions -1. */
static double in_system(const struct serve_request *q, int n, double end)
{
	double *ev = xcalloc(2 * (size_t)n + 1, sizeof *ev), area = 0;
	int m = 0, i = 0, j = 0, inside = 0;
	double *done = ev + n, t = 0;

	for (int k = 0; k < n; k++) {
		ev[k] = q[k].arrival_ns;
		done[m++] = q[k].done_ns;
	}
	qsort(done, (size_t)m, sizeof *done, by_value);	/* arrivals are sorted already */
	while (i < n || j < m) {
		double next = j >= m || (i < n && ev[i] <= done[j]) ? ev[i] : done[j];
		area += inside * (next - t);
		t = next;
		if (j >= m || (i < n && ev[i] <= done[j]))
			inside++, i++;
		else
			inside--, j++;
	}
	free(ev);
	return end > 0 ? area / end : 0;
}

enum metric { METRIC_TTFT, METRIC_TPOT, METRIC_E2E };

/* Percentile q of a metric over the requests (TPOT: those with more than one token). */
static double percentile_of(const struct serve_result *r, double *v, enum metric m, double q)
{
	int n = 0;

	for (int i = 0; i < r->nreq; i++) {
		const struct serve_request *x = &r->req[i];
		if (m == METRIC_TPOT && x->output > 1)
			v[n++] = (x->done_ns - x->first_ns) / 1e6 / (x->output - 1);
		else if (m == METRIC_TTFT)
			v[n++] = (x->first_ns - x->arrival_ns) / 1e6;
		else if (m == METRIC_E2E)
			v[n++] = (x->done_ns - x->arrival_ns) / 1e6;
	}
	return serve_percentile(v, n, q);
}

static void summarise(struct serve_result *r, const struct serve_config *c)
{
	double *v = xcalloc((size_t)r->nreq + 1, sizeof *v);
	int met = 0, tokens = 0;
	double sum = 0, sum_e2e = 0;

	for (int i = 0; i < r->nreq; i++) {
		const struct serve_request *q = &r->req[i];
		double ttft = (q->first_ns - q->arrival_ns) / 1e6;
		double tpot = q->output > 1 ? (q->done_ns - q->first_ns) / 1e6 / (q->output - 1) : 0;
		met += ttft <= c->slo_ttft_ms && tpot <= c->slo_tpot_ms;
		tokens += q->output;
		sum += ttft;
		sum_e2e += (q->done_ns - q->arrival_ns) / 1e6;
		r->end_ns = fmax(r->end_ns, q->done_ns);
	}
	r->completed = r->nreq;
	r->slo_attainment = r->nreq ? (double)met / r->nreq : 0;
	r->ttft_mean_ms = r->nreq ? sum / r->nreq : 0;
	r->e2e_mean_ms = r->nreq ? sum_e2e / r->nreq : 0;
	r->throughput_tokens_per_s = r->end_ns > 0 ? tokens / (r->end_ns * 1e-9) : 0;
	r->ttft_p50_ms = percentile_of(r, v, METRIC_TTFT, 50);
	r->ttft_p90_ms = percentile_of(r, v, METRIC_TTFT, 90);
	r->ttft_p99_ms = percentile_of(r, v, METRIC_TTFT, 99);
	r->tpot_p50_ms = percentile_of(r, v, METRIC_TPOT, 50);
	r->tpot_p90_ms = percentile_of(r, v, METRIC_TPOT, 90);
	r->e2e_p90_ms = percentile_of(r, v, METRIC_E2E, 90);
	r->mean_in_system = in_system(r->req, r->nreq, r->end_ns);
	free(v);
}

static int load_requests(const struct serve_config *c, const char *datadir, struct reqs *q,
			 struct err *e)
{
	struct reqs lengths = {0};
	char path[4096];
	int rc;

	if (c->arrivals != NULL)
		return read_csv(c->arrivals, q, e);
	snprintf(path, sizeof path, "%s", c->lengths);
	if (strchr(c->lengths, '/') == NULL)
		snprintf(path, sizeof path, "%s/serve/%s.csv", datadir, c->lengths);
	rc = read_csv(path, &lengths, e);
	if (rc == 0)
		poisson(c, &lengths, q);
	free(lengths.v);
	return rc;
}

int serve_run(struct sim *s, const struct serve_config *c, const char *datadir,
	      struct serve_result *r, struct err *e)
{
	struct reqs q = {0};
	struct memo mm = {0};
	int *running, nrun = 0, next = 0, *prompts, changed = c->change_speed == NULL;
	int recal0 = s->place.nrecal;
	long speed_epoch = 0;
	double t = 0, *shares, prefill_strag = 0, prefill_tokens = 0;

	memset(r, 0, sizeof *r);
	if (c->max_batch < 1 || c->max_batch > s->cfg.batch)
		return err_set(e, "max-batch: %d is not in [1, %d] (the simulation's batch)",
			       c->max_batch, s->cfg.batch);
	if (c->change_speed != NULL) {	/* checked now, not first when it applies */
		struct gpu_speed sp[HW_MAX_GPUS];
		if (hw_speed_override(&s->hw, c->change_speed, sp, e) != 0)
			return err_prefix(e, "speed-change: ");
	}
	if (load_requests(c, datadir, &q, e) != 0) {
		free(q.v);
		return -1;
	}
	if (c->arrivals != NULL)	/* a file's requests past the duration are not served */
		while (q.n > 0 && q.v[q.n - 1].arrival_ns >= c->duration_s * 1e9) {
			q.n--;
			r->beyond++;
		}
	if (q.n == 0) {
		free(q.v);
		if (c->arrivals != NULL)
			return err_set(e, "%s: no request arrives in the first %g s (the duration)",
				       c->arrivals, c->duration_s);
		return err_set(e, "no request arrives in %g s at %g/s (raise the rate or the duration)",
			       c->duration_s, c->rate);
	}
	shares = routing_shares(s);
	mm.steps = SERVE_MAX_CONTEXT / SERVE_CONTEXT_STEP;
	mm.ns = xcalloc((size_t)(s->cfg.batch + 1) * (size_t)mm.steps, sizeof *mm.ns);
	mm.straggler_ns = xcalloc((size_t)(s->cfg.batch + 1) * (size_t)mm.steps, sizeof *mm.straggler_ns);
	mm.epoch = -1;
	running = xcalloc((size_t)c->max_batch, sizeof *running);
	prompts = xcalloc((size_t)c->max_batch, sizeof *prompts);
	while (next < q.n || nrun > 0) {
		int nadm = 0;
		double strag;
		if (!changed && t >= c->change_at_s * 1e9) {
			struct sim_config cfg = s->cfg;
			snprintf(cfg.gpu_speed, sizeof cfg.gpu_speed, "%s", c->change_speed);
			if (sim_configure(s, &cfg, e) != 0)
				goto fail;
			changed = 1;
			speed_epoch++;
		}
		if (nrun == 0 && q.v[next].arrival_ns > t)
			t = q.v[next].arrival_ns;	/* idle until the next arrival */
		/* 1. admit and prefill */
		while (next < q.n && q.v[next].arrival_ns <= t && nrun < c->max_batch) {
			prompts[nadm++] = q.v[next].prompt;
			running[nrun++] = next++;
		}
		if (nadm > 0) {
			for (int i = 0; i < nadm; i++)
				prefill_tokens += prompts[i];
			t += serve_prefill_ns(s, shares, prompts, nadm, &strag);
			prefill_strag += strag / moe_layers(s);
			r->prefills++;
			for (int i = nrun - nadm; i < nrun; i++) {
				struct serve_request *x = &q.v[running[i]];
				x->first_ns = t;
				x->generated = 1;
			}
		}
		/* 2. one decode iteration of every running request not done */
		{
			int n = 0, w = 0;
			double ctx = 0, ns = 0;
			for (int i = 0; i < nrun; i++) {
				struct serve_request *x = &q.v[running[i]];
				if (x->generated < x->output) {
					n++;
					ctx += x->prompt + x->generated;
				}
			}
			if (n > 0) {
				/* what vibe's judge weighs besides decode (place.h) */
				if (r->prefills > 0)
					place_set_prefill(&s->place, prefill_tokens / r->prefills,
							  (double)r->prefills / (r->decode_iters + 1));
				if (decode_ns(s, &mm, s->place.nrecal + speed_epoch, n, (int)ceil(ctx / n),
					      &ns, &strag, &r->decode_simulated, e) != 0) {
					err_prefix(e, "serve: decoding %d request%s of mean context %.0f "
						   "at %.3f s: ", n, n == 1 ? "" : "s", ceil(ctx / n), t / 1e9);
					goto fail;
				}
				t += ns;
				r->decode_iters++;
				iter_record(r, t, strag);
			}
			for (int i = 0; i < nrun; i++) {
				struct serve_request *x = &q.v[running[i]];
				if (x->generated < x->output && ++x->generated == x->output)
					x->done_ns = t;
				if (x->generated < x->output)
					running[w++] = running[i];
				else if (x->done_ns == 0)	/* one token: done at its prefill */
					x->done_ns = x->first_ns;
			}
			nrun = w;
		}
	}
	r->req = q.v;
	r->nreq = q.n;
	r->recalibrations = s->place.nrecal - recal0;
	for (long i = 0; i < r->niters; i++)
		r->straggler_gap_us += r->iter_straggler_us[i] / r->niters;
	r->prefill_straggler_us = r->prefills ? prefill_strag / r->prefills / 1e3 : 0;
	summarise(r, c);
	free(shares);
	free(mm.ns);
	free(mm.straggler_ns);
	free(running);
	free(prompts);
	return 0;
fail:
	free(q.v);
	free(shares);
	free(mm.ns);
	free(mm.straggler_ns);
	free(running);
	free(prompts);
	serve_result_release(r);
	return -1;
}

void serve_result_release(struct serve_result *r)
{
	free(r->req);
	free(r->iter_end_ns);
	free(r->iter_straggler_us);
	memset(r, 0, sizeof *r);
}
