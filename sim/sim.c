/* sim.c - the decode loop as task graphs (see sim.h for what a layer does). */
#include "sim.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

/* First sequence of GPU g when batch sequences are split in blocks. */
static int seq_begin(int batch, int gpus, int g)
{
	return (int)((long)batch * g / gpus);
}

static int seqs_of(const struct sim *s, int g)
{
	return seq_begin(s->cfg.batch, s->hw.gpus, g + 1) - seq_begin(s->cfg.batch, s->hw.gpus, g);
}

static void add_resources(struct sim *s)
{
	char name[ENGINE_NAME_MAX];

	for (int g = 0; g < s->hw.gpus; g++) {
		snprintf(name, sizeof name, "gpu%d", g);
		s->res_gpu[g] = engine_resource(&s->eng, name);
		snprintf(name, sizeof name, "gpu%d.link", g);
		s->res_link[g] = engine_resource(&s->eng, name);
		for (int k = 0; k < s->hw.stacks; k++) {
			snprintf(name, sizeof name, "gpu%d.stack%d", g, k);
			int id = engine_resource(&s->eng, name);
			if (k == 0)
				s->res_stack0[g] = id;
		}
	}
}

int sim_init(struct sim *s, const struct sim_config *cfg, const char *datadir,
	     struct err *e)
{
	return sim_init_shared(s, cfg, datadir, NULL, e);
}

int sim_init_shared(struct sim *s, const struct sim_config *cfg, const char *datadir,
		    struct pimcost *pim, struct err *e)
{
	return sim_init_on(s, cfg, NULL, datadir, pim, e);
}

int sim_init_on(struct sim *s, const struct sim_config *cfg, const struct hw *hw,
		const char *datadir, struct pimcost *pim, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (model_load(&s->model, datadir, cfg->model, e) != 0)
		return -1;
	if (hw != NULL)
		s->hw = *hw;
	else if (hw_load(&s->hw, datadir, cfg->hw, e) != 0)
		return -1;
	hw_gpu_view(&s->hw, &s->gpu_view);
	if (routing_init(&s->routing, &s->model, datadir, cfg->routing, (uint64_t)cfg->seed, e) != 0)
		return -1;
	s->pim = pim;
	if (pim == NULL) {
		if (pimcost_init(&s->pim_own, &s->hw, &s->model, e) != 0) {
			routing_release(&s->routing);
			return -1;
		}
		s->pim = &s->pim_own;
	}
	engine_init(&s->eng);
	add_resources(s);
	history_init(&s->hist, SIM_HISTORY_ITERS * s->model.layers);
	s->assign = xcalloc((size_t)cfg->batch * (size_t)s->model.top_k, sizeof *s->assign);
	s->counts = xcalloc((size_t)s->model.experts, sizeof *s->counts);
	s->decision = xcalloc((size_t)s->model.experts, sizeof *s->decision);
	s->layer_sum = xcalloc((size_t)s->model.layers, sizeof *s->layer_sum);
	s->token_gpu = xcalloc((size_t)cfg->batch, sizeof *s->token_gpu);
	for (int g = 0; g < s->hw.gpus; g++)
		for (int t = seq_begin(cfg->batch, s->hw.gpus, g);
		     t < seq_begin(cfg->batch, s->hw.gpus, g + 1); t++)
			s->token_gpu[t] = g;
	s->last_layer = -1;
	timeline_init(s);
	return 0;
}

void sim_release(struct sim *s)
{
	timeline_release(&s->tl);
	routing_release(&s->routing);
	if (s->pim == &s->pim_own)
		pimcost_release(&s->pim_own);
	engine_release(&s->eng);
	history_release(&s->hist);
	free(s->assign);
	free(s->counts);
	free(s->decision);
	free(s->layer_sum);
	free(s->token_gpu);
	memset(s, 0, sizeof *s);
}

int sim_done(const struct sim *s)
{
	return s->iter >= s->cfg.iters;
}

static int issue(struct sim *s, int kind, int g, double dur, const int *res, int nres,
		 const int *deps, int ndeps)
{
	struct engine_task t;

	memset(&t, 0, sizeof t);
	t.kind = kind;
	t.nres = nres;
	memcpy(t.res, res, (size_t)nres * sizeof *res);
	t.dur_ns = dur;
	t.iter = s->iter;
	t.layer = s->layer;
	t.gpu = g;
	t.expert = -1;
	return engine_issue(&s->eng, &t, deps, ndeps, s->now_ns);
}

/* Resources of GPU g's stacks, into res; returns how many. */
static int stacks_of(const struct sim *s, int g, int *res)
{
	for (int k = 0; k < s->hw.stacks; k++)
		res[k] = s->res_stack0[g] + k;
	return s->hw.stacks;
}

/*
 * 1. attention of every GPU for its own sequences; task ids into ids.
 * attacc and duplex stream the KV cache in PIM; sieve picks, per GPU and
 * layer, whichever of the two its models say is faster.
 */
static void attention(struct sim *s, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		int seqs = seqs_of(s, g), res[ENGINE_MAX_TASK_RES];
		double speed = s->hw.speed_factor[g];
		double proj = gpu_attn_proj_ns(&s->gpu_view, speed, &s->model, seqs);
		double kv = gpu_attention_kv_bytes(&s->model, s->layer, seqs, s->cfg.context);
		double on_gpu = gpu_attention_ns(&s->gpu_view, speed, &s->model, s->layer, seqs, s->cfg.context);
		double in_pim = pimcost_stream_ns(s->pim, kv);
		int pim = sched_attention_in_pim(s->cfg.sched, on_gpu, in_pim);

		if (!pim) {
			ids[g] = issue(s, TASK_ATTN, g, proj + on_gpu, &s->res_gpu[g], 1, NULL, 0);
		} else {
			int p = issue(s, TASK_ATTN, g, proj, &s->res_gpu[g], 1, NULL, 0);
			ids[g] = issue(s, TASK_ATTN_PIM, g, in_pim, res, stacks_of(s, g, res), &p, 1);
		}
		s->gpu[g].attn_in_pim = pim;
		s->gpu[g].attn_ns = s->eng.task[ids[g]].end_ns - s->now_ns;
	}
}

/* Bytes each GPU sends and receives in one all-to-all direction. */
static void traffic(struct sim *s)
{
	int G = s->hw.gpus, k = s->model.top_k;
	double token_bytes = (double)s->model.hidden * s->model.act_bytes;

	s->last.link_bytes = 0;
	for (int g = 0; g < G; g++)
		s->gpu[g].send_bytes = s->gpu[g].recv_bytes = 0;
	for (int t = 0; t < s->cfg.batch; t++) {
		int src = s->token_gpu[t];
		unsigned char sent[HW_MAX_GPUS] = {0};
		for (int j = 0; j < k; j++) {
			int dst = s->assign[t * k + j] % G;
			if (dst == src || sent[dst])
				continue;
			sent[dst] = 1;
			s->gpu[src].send_bytes += token_bytes;
			s->gpu[dst].recv_bytes += token_bytes;
			s->last.link_bytes += 2 * token_bytes;
		}
	}
}

/* 2./5. one all-to-all: a task per GPU after all of deps. */
static void all_to_all(struct sim *s, int kind, const int *deps, int ndeps, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		double b = fmax(s->gpu[g].send_bytes, s->gpu[g].recv_bytes);
		double dur = b > 0 ? s->hw.link_latency_ns + b / s->hw.link_gbps : 0;
		ids[g] = issue(s, kind, g, dur, &s->res_link[g], 1, deps, ndeps);
	}
}

/* Expert x's PIM cost into x->pim_ns; -1 (s->err filled) when it fails. */
static int pim_cost(struct sim *s, int g, struct sched_expert *x)
{
	if (pimcost_expert_ns(s->pim, x->tokens, &x->pim_ns, &s->err) == 0)
		return 0;
	return err_prefix(&s->err, "gpu %d, expert %d (%d tokens): ", g, x->expert, x->tokens);
}

/*
 * Policy p's split of GPU g's experts with tokens (counts), into x (room for
 * all of them) and *sg.  ready_ns: how long after the dispatch the GPU is
 * still busy.  -1 (s->err filled) when a PIM cost fails.
 */
static int partition(struct sim *s, const struct sched_params *p, const int *counts, int g,
		     double ready_ns, struct sched_expert *x, struct sched_gpu *sg)
{
	const struct model *m = &s->model;
	int G = s->hw.gpus, needs = sched_needs_pim_costs(p->policy);
	double speed = s->hw.speed_factor[g];

	*sg = (struct sched_gpu){&s->gpu_view, sched_pim_locks_stacks(&s->hw), m, speed, s->hw.stacks,
				 x, 0, 0, ready_ns};
	for (int e = g; e < m->experts; e += G) {
		struct sched_expert *y;
		if (counts[e] == 0)
			continue;
		y = &sg->x[sg->n++];
		memset(y, 0, sizeof *y);
		y->expert = e;
		y->stack = (e / G) % s->hw.stacks;
		y->tokens = counts[e];
		y->gpu_ns = gpu_expert_ns(&s->gpu_view, speed, m->hidden, m->expert_inter,
					  m->expert_weight_bytes, y->tokens);
		/* The cycle-level PIM cost is only paid where a policy needs it:
		 * duplex and sieve weigh every expert; the rules need it only
		 * for the experts they send to PIM (filled in below). */
		y->pim_ns = -1;
		if (needs && pim_cost(s, g, y) != 0)
			return -1;
	}
	sched_partition(p, sg);
	if (!needs) {
		for (int i = 0; i < sg->n; i++)
			if (sg->x[i].on_pim && pim_cost(s, g, &sg->x[i]) != 0)
				return -1;
		sg->est_ns = sched_sieve_estimate(sg);
	}
	return 0;
}

static double phase_end(const struct sim *s, const int *ids, int n, double floor_ns)
{
	for (int i = 0; i < n; i++)
		if (ids[i] >= 0)
			floor_ns = fmax(floor_ns, s->eng.task[ids[i]].end_ns);
	return floor_ns;
}

/*
 * 4. GPU g's experts: PIM tasks on their stacks, then the grouped kernel;
 * the ids of every task issued are appended to ids[*n].
 */
static void run_experts(struct sim *s, int g, const struct sched_gpu *sg, const int *deps,
			int ndeps, int *ids, int *n)
{
	/* its phase runs from the dispatch's end to its last task, shared experts included */
	const struct model *m = &s->model;
	int *counts = xcalloc((size_t)sg->n + 1, sizeof *counts), ngpu = 0, last;
	int res[ENGINE_MAX_TASK_RES], nres;
	struct gpu_work *w = &s->gpu[g];
	double start = phase_end(s, deps, ndeps, s->now_ns), end = start + sg->ready_ns;
	double stack_bytes[HW_MAX_STACKS] = {0};

	w->experts = sg->n;
	w->tokens = w->pim_experts = 0;
	for (int i = 0; i < sg->n; i++) {
		const struct sched_expert *x = &sg->x[i];
		w->tokens += x->tokens;
		if (!x->on_pim) {
			counts[ngpu++] = x->tokens;
			stack_bytes[x->stack] += model_expert_bytes(m);
			continue;
		}
		int r = s->res_stack0[g] + x->stack;
		int id = issue(s, TASK_PIM_EXPERT, g, x->pim_ns, &r, 1, deps, ndeps);
		s->eng.task[id].expert = x->expert;
		s->eng.task[id].tokens = x->tokens;
		w->pim_experts++;
		s->last.pim_experts++;
		s->last.pim_slots += x->tokens;
		end = fmax(end, s->eng.task[id].end_ns);
		ids[(*n)++] = id;
	}
	if (ngpu > 0) {
		double dur = gpu_experts_bw_ns(&s->gpu_view, s->hw.speed_factor[g], m->hidden,
					       m->expert_inter, m->expert_weight_bytes, counts, ngpu,
					       sched_stack_bw_scale(stack_bytes, s->hw.stacks));
		res[0] = s->res_gpu[g];
		nres = 1 + (sg->locks_stacks ? stacks_of(s, g, res + 1) : 0);
		last = issue(s, TASK_GPU_EXPERTS, g, dur, res, nres, deps, ndeps);
		s->eng.task[last].tokens = w->tokens;
		end = fmax(end, s->eng.task[last].end_ns);
		ids[(*n)++] = last;
	}
	free(counts);
	w->expert_ns = end > start ? end - start : 0;
	w->est_ns = sg->est_ns;
}

static void route(struct sim *s)
{
	const struct model *m = &s->model;

	routing_batch(&s->routing, s->iter, s->layer - m->first_dense, s->cfg.batch, s->assign);
	routing_count(m, s->assign, s->cfg.batch, s->counts);
	for (int e = 0; e < m->experts; e++) {
		s->last.activated += s->counts[e] > 0;
		if (s->counts[e] > s->last.max_load)
			s->last.max_load = s->counts[e];
	}
}

/* The router of each GPU for its own tokens, after its attention; ids into ids. */
static void router(struct sim *s, const int *attn, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		double dur = gpu_router_ns(&s->gpu_view, s->hw.speed_factor[g], &s->model, seqs_of(s, g));
		ids[g] = issue(s, TASK_ROUTER, g, dur, &s->res_gpu[g], 1, &attn[g], 1);
	}
}

/*
 * The LM head after the last layer of an iteration: each GPU projects and
 * samples its own sequences once every task of the layer has ended.
 */
static void lm_head(struct sim *s)
{
	int n = s->eng.ntasks - s->layer_first_task, *deps = xcalloc((size_t)n + 1, sizeof *deps);

	for (int i = 0; i < n; i++)
		deps[i] = s->layer_first_task + i;
	for (int g = 0; g < s->hw.gpus; g++) {
		double dur = gpu_lm_head_ns(&s->gpu_view, s->hw.speed_factor[g], &s->model, seqs_of(s, g));
		issue(s, TASK_LM_HEAD, g, dur, &s->res_gpu[g], 1, deps, n);
	}
	free(deps);
}

static int moe_layer(struct sim *s, const int *attn)
{
	struct sched_params p = {s->cfg.sched, s->cfg.tau};
	int G = s->hw.gpus, rt[HW_MAX_GPUS], disp[HW_MAX_GPUS], comb[HW_MAX_GPUS], nexp = 0;
	int *exp = xcalloc((size_t)(s->model.experts + 2 * G), sizeof *exp);
	double t_attn = phase_end(s, attn, G, s->now_ns), t_disp, t_exp, sum = 0, worst = 0;
	struct layer_result *r = &s->last;

	route(s);
	traffic(s);
	router(s, attn, rt);
	t_attn = phase_end(s, rt, G, t_attn);	/* attention phase: through the router */
	all_to_all(s, TASK_DISPATCH, rt, G, disp);
	t_disp = phase_end(s, disp, G, t_attn);
	s->ndecisions = 0;
	for (int g = 0; g < G; g++) {
		/* shared experts need only this GPU's tokens: they overlap the dispatch */
		double dur = gpu_dense_ffn_ns(&s->gpu_view, s->hw.speed_factor[g], &s->model,
					      s->model.shared_experts * s->model.shared_inter,
					      seqs_of(s, g));
		double ready = 0;
		int res[ENGINE_MAX_TASK_RES], nres;
		if (dur > 0) {
			res[0] = s->res_gpu[g];
			nres = 1 + (sched_pim_locks_stacks(&s->hw) ? stacks_of(s, g, res + 1) : 0);
			exp[nexp] = issue(s, TASK_SHARED, g, dur, res, nres, &attn[g], 1);
			ready = fmax(0, s->eng.task[exp[nexp++]].end_ns - t_disp);
		}
		struct sched_gpu sg;
		if (partition(s, &p, s->counts, g, ready, s->decision + s->ndecisions, &sg) != 0) {
			free(exp);
			return -1;
		}
		s->ndecisions += sg.n;
		s->gpu[g].ready_ns = ready;
		run_experts(s, g, &sg, disp, G, exp, &nexp);
		sum += s->gpu[g].expert_ns;
		worst = fmax(worst, s->gpu[g].expert_ns);
		r->est_ns = fmax(r->est_ns, s->gpu[g].est_ns);
	}
	all_to_all(s, TASK_COMBINE, exp, nexp, comb);
	t_exp = phase_end(s, exp, nexp, t_disp);
	r->attn_ns = t_attn - s->now_ns;
	r->dispatch_ns = t_disp - t_attn;
	r->expert_ns = t_exp - t_disp;
	r->combine_ns = phase_end(s, comb, G, t_exp) - t_exp;
	r->straggler_ns = worst - sum / G;
	if (worst > 0) {
		s->est_err_sum += fabs(r->est_ns - worst) / worst;
		s->est_err_n++;
	}
	free(exp);
	return 0;
}

static void dense_layer(struct sim *s, const int *attn)
{
	int G = s->hw.gpus, ffn[HW_MAX_GPUS];
	double t_attn = phase_end(s, attn, G, s->now_ns);

	memset(s->counts, 0, (size_t)s->model.experts * sizeof *s->counts);
	s->ndecisions = 0;
	for (int g = 0; g < G; g++) {
		double dur = gpu_dense_ffn_ns(&s->gpu_view, s->hw.speed_factor[g], &s->model,
					      s->model.dense_inter, seqs_of(s, g));
		ffn[g] = issue(s, TASK_SHARED, g, dur, &s->res_gpu[g], 1, &attn[g], 1);
		memset(&s->gpu[g], 0, sizeof s->gpu[g]);
		s->gpu[g].expert_ns = dur;
	}
	s->last.attn_ns = t_attn - s->now_ns;
	s->last.expert_ns = phase_end(s, ffn, G, t_attn) - t_attn;
}

/* Busy time of the layer's tasks by resource class. */
static void busy(struct sim *s)
{
	struct layer_result *r = &s->last;

	for (int i = s->layer_first_task; i < s->eng.ntasks; i++) {
		const struct engine_task *t = &s->eng.task[i];
		switch (t->kind) {
		case TASK_DISPATCH:
		case TASK_COMBINE:
			r->link_busy_ns += t->dur_ns;
			break;
		case TASK_PIM_EXPERT:
		case TASK_ATTN_PIM:
			r->pim_busy_ns += t->dur_ns * t->nres;
			break;
		default:
			r->gpu_busy_ns += t->dur_ns;
		}
	}
}

static void add_result(struct layer_result *sum, const struct layer_result *r)
{
	sum->attn_ns += r->attn_ns;
	sum->dispatch_ns += r->dispatch_ns;
	sum->expert_ns += r->expert_ns;
	sum->combine_ns += r->combine_ns;
	sum->total_ns += r->total_ns;
	sum->straggler_ns += r->straggler_ns;
	sum->est_ns += r->est_ns;
	sum->link_bytes += r->link_bytes;
	sum->gpu_busy_ns += r->gpu_busy_ns;
	sum->pim_busy_ns += r->pim_busy_ns;
	sum->link_busy_ns += r->link_busy_ns;
	sum->activated += r->activated;
	sum->max_load += r->max_load;
	sum->pim_experts += r->pim_experts;
	sum->pim_slots += r->pim_slots;
}

/* Copy the layer just simulated, from start_ns, into the history. */
static void record_layer(struct sim *s, double start_ns)
{
	struct layer_record r;

	memset(&r, 0, sizeof r);
	r.iter = s->iter;
	r.layer = s->layer;
	r.sched = s->cfg.sched;
	r.tau = s->cfg.tau;
	r.start_ns = start_ns;
	r.end_ns = engine_end_ns(&s->eng, s->layer_first_task, start_ns);
	r.result = s->last;
	r.experts = s->model.experts;
	r.counts = s->counts;
	r.decision = s->decision;
	r.ndecisions = s->ndecisions;
	r.gpus = s->hw.gpus;
	memcpy(r.gpu, s->gpu, sizeof r.gpu);
	r.task = s->eng.task;	/* the engine holds this layer only: ids are indices */
	r.ntasks = s->eng.ntasks;
	r.dep = s->eng.dep;
	r.ndep = s->eng.ndep;
	history_append(&s->hist, &r);
}

const struct history *sim_history(const struct sim *s)
{
	return &s->hist;
}

int sim_step_layer(struct sim *s)
{
	int attn[HW_MAX_GPUS];
	struct layer_result *r = &s->last;

	if (s->failed)
		return -1;
	if (sim_done(s))
		return 0;
	memset(r, 0, sizeof *r);
	engine_forget(&s->eng);
	s->layer_first_task = s->eng.ntasks;
	attention(s, attn);
	if (!model_is_moe(&s->model, s->layer))
		dense_layer(s, attn);
	else if (moe_layer(s, attn) != 0) {
		s->failed = 1;
		return err_prefix(&s->err, "iteration %d, layer %d, ", s->iter, s->layer);
	}
	if (s->layer == s->model.layers - 1 && s->model.vocab > 0)
		lm_head(s);
	r->total_ns = engine_end_ns(&s->eng, s->layer_first_task, s->now_ns) - s->now_ns;
	busy(s);
	record_layer(s, s->now_ns);
	add_result(&s->layer_sum[s->layer], r);
	s->last_layer = s->layer;
	s->now_ns += r->total_ns;
	s->iter_ns_cur += r->total_ns;
	if (++s->layer == s->model.layers) {
		s->layer = 0;
		s->iter++;
		s->iters_done++;
		s->iter_ns_sum += s->iter_ns_cur;
		s->iter_ns_cur = 0;
	}
	timeline_arrive(s);
	return 1;
}

int sim_step_iter(struct sim *s)
{
	if (s->failed)
		return -1;
	if (sim_done(s))
		return 0;
	do
		if (sim_step_layer(s) < 0)
			return -1;
	while (s->layer != 0);
	return 1;
}

int sim_run(struct sim *s)
{
	int rc;

	while ((rc = sim_step_iter(s)) > 0)
		;
	return rc;
}

const char *sim_error(const struct sim *s)
{
	return s->err.msg[0] != '\0' ? s->err.msg : NULL;
}

int sim_step_event(struct sim *s, double *t_ns, const struct engine_task **task, int *is_end)
{
	struct history_event from = {*t_ns, INT_MAX, INT_MAX, INT_MAX, 1, NULL}, ev;
	int rc;

	if (*task != NULL && *task == s->event.task && *t_ns == s->event.t_ns &&
	    *is_end == s->event.is_end)
		from = s->event;	/* continue after the event returned last */
	while (!history_event_next(&s->hist, &from, &ev))
		if ((rc = sim_step_layer(s)) <= 0)
			return rc;
	s->event = ev;
	*t_ns = ev.t_ns;
	*task = ev.task;
	*is_end = ev.is_end;
	return 1;
}

int sim_what_if(struct sim *s, const struct layer_record *r, int policy, int tau,
		struct sched_expert *out, int *n)
{
	struct sched_params p = {policy, tau};

	*n = 0;
	if (s->failed)
		return -1;
	if (policy < 0 || policy >= SCHED_NPOLICIES)
		return err_set(&s->err, "what-if: no policy %d", policy);
	if (r->ndecisions == 0)	/* a dense layer, or no tokens */
		return 0;
	for (int g = 0; g < r->gpus; g++) {
		struct sched_gpu sg;
		if (partition(s, &p, r->counts, g, r->gpu[g].ready_ns, out + *n, &sg) != 0) {
			s->failed = 1;
			return err_prefix(&s->err, "what-if %s at iteration %d, layer %d, ",
					  sched_policies[policy].name, r->iter, r->layer);
		}
		*n += sg.n;
	}
	return 0;
}

double sim_iter_ns(const struct sim *s)
{
	return s->iters_done ? s->iter_ns_sum / s->iters_done : 0;
}

double sim_tokens_per_s(const struct sim *s)
{
	double t = sim_iter_ns(s);
	return t > 0 ? s->cfg.batch / (t * 1e-9) : 0;
}

double sim_tokens_per_s_per_user(const struct sim *s)
{
	double t = sim_iter_ns(s);
	return t > 0 ? 1e9 / t : 0;
}

void sim_totals(const struct sim *s, struct sim_totals *t)
{
	struct layer_result sum;
	double time, G = s->hw.gpus;
	long experts = 0, slots = 0;

	memset(t, 0, sizeof *t);
	memset(&sum, 0, sizeof sum);
	for (int l = 0; l < s->model.layers; l++) {
		add_result(&sum, &s->layer_sum[l]);
		if (model_is_moe(&s->model, l)) {
			slots += (long)s->cfg.batch * s->model.top_k * s->iters_done;
			t->expert_phase_ns += s->layer_sum[l].expert_ns;
		}
	}
	if (s->iters_done > 0)
		t->expert_phase_ns /= s->iters_done;
	experts = sum.activated;
	time = s->iter_ns_sum;
	t->time_ns = time;
	if (time <= 0)
		return;
	t->gpu_util = sum.gpu_busy_ns / (G * time);
	t->pim_util = sum.pim_busy_ns / (G * s->hw.stacks * time);
	t->link_util = sum.link_busy_ns / (G * time);
	t->pim_expert_share = experts ? (double)sum.pim_experts / experts : 0;
	t->pim_slot_share = slots ? (double)sum.pim_slots / slots : 0;
	t->est_error = s->est_err_n ? s->est_err_sum / s->est_err_n : 0;
}
