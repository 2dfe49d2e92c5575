/* sim.c - the decode loop as task graphs (see sim.h for what a layer does). */
#include "sim.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "comm.h"
#include "gpu.h"

/* First sequence of GPU g when batch sequences are split in blocks. */
static int seq_begin(int batch, int gpus, int g)
{
	return (int)((long)batch * g / gpus);
}

/* Sequences decoding now: active when set (serving), else the batch. */
static int live_batch(const struct sim *s)
{
	return s->cfg.active > 0 && s->cfg.active < s->cfg.batch ? s->cfg.active : s->cfg.batch;
}

static int seqs_of(const struct sim *s, int g)
{
	return seq_begin(live_batch(s), s->hw.gpus, g + 1) - seq_begin(live_batch(s), s->hw.gpus, g);
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

static int init(struct sim *s, const struct sim_config *cfg, const char *datadir,
		const struct sim_overrides *ov, const struct hw *hw, struct pimcost *pim,
		struct err *e);

int sim_init_shared(struct sim *s, const struct sim_config *cfg, const char *datadir,
		    struct pimcost *pim, struct err *e)
{
	return init(s, cfg, datadir, NULL, NULL, pim, e);
}

int sim_init_on(struct sim *s, const struct sim_config *cfg, const struct hw *hw,
		const char *datadir, struct pimcost *pim, struct err *e)
{
	return init(s, cfg, datadir, NULL, hw, pim, e);
}

int sim_init_with(struct sim *s, const struct sim_config *cfg, const char *datadir,
		  const struct sim_overrides *ov, struct err *e)
{
	return init(s, cfg, datadir, ov, NULL, NULL, e);
}

/*
 * The placement's time model weighs PIM when the partition policy does
 * (place.h); the PIM times are computed once, when vibe first needs them.  A
 * kernel that does not fit leaves the model GPU-only (the partition reports
 * the error).
 */
static void place_pim_sync(struct sim *s)
{
	int on = sched_needs_pim_costs(s->cfg.sched);

	/* only vibe's cost reads the table: eplb and linear skip its 64 kernels */
	if (on && s->place_pim_state == 0 && s->cfg.place == PLACE_VIBE) {
		struct err e;
		double *t = s->place_pim_ns;
		s->place_pim_state = 1;
		for (int k = 1; k <= PLACE_PIM_EXACT && s->place_pim_state == 1; k++)
			if (pimcost_expert_ns(s->pim, k, &t[k], &e) != 0)
				s->place_pim_state = -1;
		/* one pass per token: past PLACE_PIM_EXACT, on the line through
		 * the last two measured halves (place.h) */
		for (int k = PLACE_PIM_EXACT + 1; k <= PLACE_PIM_TOKENS; k++)
			t[k] = t[PLACE_PIM_EXACT] + (k - PLACE_PIM_EXACT) *
				(t[PLACE_PIM_EXACT] - t[PLACE_PIM_EXACT / 2]) / (PLACE_PIM_EXACT / 2);
	}
	place_set_pim(&s->place, on && s->place_pim_state >= 0,
		      s->place_pim_state == 1 ? s->place_pim_ns : NULL, s->cfg.sched);
}

/* hw, when not NULL, is the machine (copied); else cfg->hw with ov's entries. */
static int init(struct sim *s, const struct sim_config *cfg, const char *datadir,
		const struct sim_overrides *ov, const struct hw *hw, struct pimcost *pim,
		struct err *e)
{
	struct place_params par;

	memset(s, 0, sizeof *s);
	if (config_check(cfg, e) != 0)	/* a config not read through the table */
		return -1;
	s->cfg = *cfg;
	if (model_load_over(&s->model, datadir, cfg->model, ov ? ov->model : NULL, e) != 0)
		return -1;
	if (hw != NULL)
		s->hw = *hw;
	else if (hw_load_over(&s->hw, datadir, cfg->hw, ov ? ov->hw : NULL, e) != 0)
		return -1;
	if (capacity_check(&s->model, &s->hw, cfg->batch, cfg->context,
			   place_spare_slots(cfg->place, cfg->spare_slots), e) != 0)
		return -1;
	if (hw_speed_override(&s->hw, cfg->gpu_speed, s->hw.gpu_speed, e) != 0)
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
	s->decision = xcalloc((size_t)s->model.experts * PLACE_MAX_REPLICAS * (size_t)cfg->micro,
			      sizeof *s->decision);
	s->dst = xcalloc((size_t)cfg->batch * (size_t)s->model.top_k, sizeof *s->dst);
	s->expert_gpu = xcalloc((size_t)s->model.experts * (size_t)s->hw.gpus, sizeof *s->expert_gpu);
	sim_place_params(cfg, &par);
	place_init(&s->place, &s->model, &s->hw, &par);
	place_pim_sync(s);
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
	place_release(&s->place);
	free(s->dst);
	free(s->expert_gpu);
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

static int issue(struct sim *s, int kind, int g, int m, double dur, const int *res, int nres,
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
	t.micro = m;
	return engine_issue(&s->eng, &t, deps, ndeps, s->micro_ready_ns[m]);
}

/* Resources of GPU g's stacks, into res; returns how many. */
static int stacks_of(const struct sim *s, int g, int *res)
{
	for (int k = 0; k < s->hw.stacks; k++)
		res[k] = s->res_stack0[g] + k;
	return s->hw.stacks;
}

/* GPU g's sequences in micro-batch m: [micro_begin(m), micro_begin(m + 1)). */
static int micro_begin(const struct sim *s, int g, int m)
{
	int b = seq_begin(live_batch(s), s->hw.gpus, g);
	return b + (int)((long)seqs_of(s, g) * m / s->cfg.micro);
}

static int micro_seqs(const struct sim *s, int g, int m)
{
	return micro_begin(s, g, m + 1) - micro_begin(s, g, m);
}

/*
 * Whether GPU g's attention streams its KV cache in PIM (sched.h's policy
 * rule), given its time on the GPU and in PIM, projections of proj before
 * it on the GPU.  What sieve compares: with
 * one micro-batch the layer's phases run one after another, so the faster
 * side wins.  With several, one micro-batch's attention overlaps another's
 * experts and the layer takes as long as its busiest resource: both sides
 * become the GPU's or the busiest stack's load, whichever is larger, with
 * every micro-batch's attention added on its side to the last MoE layer's
 * (sim_loads).  Attention in PIM holds all of the GPU's stacks.
 */
static int attention_in_pim(const struct sim *s, int g, double proj, double on_gpu,
			    double in_pim)
{
	int M = s->cfg.micro;
	double gpu = s->loads.gpu_ns[g] + M * proj, stack = s->loads.stack_ns[g];

	if (M == 1 || !s->loads.known)
		return sched_attention_in_pim(s->cfg.sched, on_gpu, in_pim);
	return sched_attention_in_pim(s->cfg.sched, fmax(gpu + M * on_gpu, stack),
				      fmax(gpu, stack + M * in_pim));
}

/* Each GPU's load of the layer just simulated, attention left out (sim_loads). */
static void note_loads(struct sim *s)
{
	double stack[HW_MAX_GPUS * HW_MAX_STACKS] = {0};
	int S = s->hw.stacks;

	memset(&s->loads, 0, sizeof s->loads);
	for (int i = s->layer_first_task; i < s->eng.ntasks; i++) {
		const struct engine_task *t = &s->eng.task[i];
		if (t->kind == TASK_ATTN || t->kind == TASK_ATTN_PIM)
			continue;
		for (int r = 0; r < t->nres; r++) {
			if (t->res[r] == s->res_gpu[t->gpu])
				s->loads.gpu_ns[t->gpu] += t->dur_ns;
			int k = t->res[r] - s->res_stack0[t->gpu];
			if (k >= 0 && k < S)
				stack[t->gpu * S + k] += t->dur_ns;
		}
	}
	for (int g = 0; g < s->hw.gpus; g++)
		for (int k = 0; k < S; k++)
			s->loads.stack_ns[g] = fmax(s->loads.stack_ns[g], stack[g * S + k]);
	s->loads.known = 1;
}

/*
 * 1. attention of every GPU for its sequences of micro-batch m; task ids
 * into ids (-1 where a GPU has none).  attacc and duplex stream the KV cache
 * in PIM; sieve picks, per GPU and layer, whichever of the two its models
 * say is faster.
 */
static void attention(struct sim *s, int m, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		int seqs = micro_seqs(s, g, m), res[ENGINE_MAX_TASK_RES];
		struct gpu_speed speed = s->hw.gpu_speed[g];
		double proj, kv, on_gpu, in_pim;
		int pim;

		ids[g] = -1;
		if (seqs == 0)
			continue;
		proj = gpu_attn_proj_ns(&s->gpu_view, speed, &s->model, seqs);
		kv = gpu_attention_kv_bytes(&s->model, s->layer, seqs, s->cfg.context);
		on_gpu = gpu_attention_ns(&s->gpu_view, speed, &s->model, s->layer, seqs, s->cfg.context);
		in_pim = pimcost_stream_ns(s->pim, kv);
		pim = attention_in_pim(s, g, proj, on_gpu, in_pim);
		if (!pim) {
			ids[g] = issue(s, TASK_ATTN, g, m, proj + on_gpu, &s->res_gpu[g], 1, NULL, 0);
		} else {
			int p = issue(s, TASK_ATTN, g, m, proj, &s->res_gpu[g], 1, NULL, 0);
			ids[g] = issue(s, TASK_ATTN_PIM, g, m, in_pim, res, stacks_of(s, g, res), &p, 1);
		}
		s->gpu[g].attn_in_pim += pim;
		s->gpu[g].attn_ns += s->eng.task[ids[g]].end_ns - s->micro_ready_ns[m];
	}
}

/*
 * Weights a recalibration moves (place.h) for this layer: a task on each
 * GPU's link from the layer's start, so the dispatch queues behind it.
 */
static void migrate(struct sim *s)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		double b = fmax(place_pending_bytes(&s->place, s->iter, s->layer, g, 0),
				place_pending_bytes(&s->place, s->iter, s->layer, g, 1));
		if (b > 0) {
			int id = issue(s, TASK_MIGRATE, g, 0, comm_all_to_all_ns(&s->hw, b),
				       &s->res_link[g], 1, NULL, 0);
			s->eng.task[id].bytes = b;
		}
	}
}

/* 2./5. one all-to-all of micro-batch m: a task per GPU after all of deps. */
static void all_to_all(struct sim *s, int kind, int m, const double *bytes, const int *deps,
		       int ndeps, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++)
		ids[g] = issue(s, kind, g, m, comm_all_to_all_ns(&s->hw, bytes[g]), &s->res_link[g], 1,
			       deps, ndeps);
}

/* Expert x's PIM cost into x->pim_ns; -1 (s->err filled) when it fails. */
static int pim_cost(struct sim *s, int g, struct sched_expert *x)
{
	if (pimcost_expert_ns(s->pim, x->tokens, &x->pim_ns, &s->err) == 0)
		return 0;
	return err_prefix(&s->err, "gpu %d, expert %d (%d tokens): ", g, x->expert, x->tokens);
}

/*
 * Policy p's split of GPU g's experts with tokens, into x (room for all of
 * them) and *sg: eg[e * G + g] tokens of expert e run on GPU g (the
 * placement's replica there, place.h).  ready_ns: how long after the
 * dispatch the GPU is still busy; stack_ready_ns: each of its stacks
 * (NULL: sched.h).  -1 (s->err filled) when a PIM cost fails.
 */
static int partition(struct sim *s, const struct sched_params *p, int layer, const int *eg,
		     int g, double ready_ns, const double *stack_ready_ns, struct sched_expert *x,
		     struct sched_gpu *sg)
{
	const struct model *m = &s->model;
	int G = s->hw.gpus, needs = sched_needs_pim_costs(p->policy);
	struct gpu_speed speed = s->hw.gpu_speed[g];
	const struct placement *pl = &s->place;

	*sg = (struct sched_gpu){&s->gpu_view, sched_pim_locks_stacks(&s->hw), m, speed, s->hw.stacks,
				 x, 0, 0, ready_ns, stack_ready_ns};
	for (int e = 0; e < m->experts; e++) {
		struct sched_expert *y;
		int r = 0;
		if (eg[e * G + g] == 0)
			continue;
		/* (a what-if on a kept layer placed before a recalibration may
		 * find the expert gone from g: its stack is then the first) */
		while (r + 1 < place_replicas(pl, layer, e) && place_gpu(pl, layer, e, r) != g)
			r++;
		y = &sg->x[sg->n++];
		memset(y, 0, sizeof *y);
		y->expert = e;
		y->gpu = g;
		y->stack = place_stack(pl, layer, e, r);
		y->tokens = eg[e * G + g];
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

/* GPU g's experts as the placement's time model sees them (its speeds). */
static double modelled_ns(const struct sim *s, int g, const struct sched_gpu *sg)
{
	const struct model *m = &s->model;
	int *counts;
	double t;

	if (s->place.pim_aware) {
		/* the partition's own estimate of its split, for this very batch
		 * (so the ratio does not move with the batch), at the placement's
		 * speeds, the GPU free at the dispatch */
		struct sched_gpu at = *sg;
		at.speed = s->place.speed[g];
		at.ready_ns = 0;
		at.stack_ready_ns = NULL;
		return sched_sieve_estimate(&at);
	}
	counts = xcalloc((size_t)sg->n + 1, sizeof *counts);
	for (int i = 0; i < sg->n; i++)
		counts[i] = sg->x[i].tokens;
	t = gpu_experts_ns(&s->gpu_view, s->place.speed[g], m->hidden, m->expert_inter,
			   m->expert_weight_bytes, counts, sg->n);
	free(counts);
	return t;
}

static double phase_end(const struct sim *s, const int *ids, int n, double floor_ns)
{
	for (int i = 0; i < n; i++)
		if (ids[i] >= 0)
			floor_ns = fmax(floor_ns, s->eng.task[ids[i]].end_ns);
	return floor_ns;
}

/*
 * 4. GPU g's experts of micro-batch m: PIM tasks on their stacks, then the
 * grouped kernel (the weights are streamed again for every micro-batch);
 * the ids of every task issued are appended to ids[*n].  Returns the GPU's
 * expert phase: from the dispatch's end to its last task, shared experts
 * included.
 */
static double run_experts(struct sim *s, int g, int m, const struct sched_gpu *sg,
			  const int *deps, int ndeps, int *ids, int *n)
{
	const struct model *md = &s->model;
	int *counts = xcalloc((size_t)sg->n + 1, sizeof *counts), ngpu = 0, last;
	int res[ENGINE_MAX_TASK_RES], nres;
	struct gpu_work *w = &s->gpu[g];
	double start = phase_end(s, deps, ndeps, s->micro_ready_ns[m]), end = start + sg->ready_ns;
	double stack_bytes[HW_MAX_STACKS] = {0};
	int tokens = 0;

	w->experts += sg->n;
	for (int i = 0; i < sg->n; i++) {
		const struct sched_expert *x = &sg->x[i];
		tokens += x->tokens;
		if (!x->on_pim) {
			counts[ngpu++] = x->tokens;
			stack_bytes[x->stack] += model_expert_bytes(md);
			continue;
		}
		int r = s->res_stack0[g] + x->stack;
		int id = issue(s, TASK_PIM_EXPERT, g, m, x->pim_ns, &r, 1, deps, ndeps);
		s->eng.task[id].expert = x->expert;
		s->eng.task[id].tokens = x->tokens;
		w->pim_experts++;
		s->last.pim_experts++;
		s->last.pim_slots += x->tokens;
		end = fmax(end, s->eng.task[id].end_ns);
		ids[(*n)++] = id;
	}
	w->tokens += tokens;
	if (ngpu > 0) {
		double dur = gpu_experts_bw_ns(&s->gpu_view, s->hw.gpu_speed[g], md->hidden,
					       md->expert_inter, md->expert_weight_bytes, counts, ngpu,
					       sched_stack_bw_scale(stack_bytes, s->hw.stacks));
		res[0] = s->res_gpu[g];
		nres = 1 + (sg->locks_stacks ? stacks_of(s, g, res + 1) : 0);
		last = issue(s, TASK_GPU_EXPERTS, g, m, dur, res, nres, deps, ndeps);
		s->eng.task[last].tokens = tokens;
		end = fmax(end, s->eng.task[last].end_ns);
		ids[(*n)++] = last;
	}
	free(counts);
	w->est_ns += sg->est_ns;
	return end > start ? end - start : 0;
}

/*
 * Where every token's experts run: dst[t * k + j], the GPU of the replica
 * of expert e = assign[t * k + j]; the i-th token of an expert in token
 * order goes to its replica i mod replicas (place.h).
 */
static void place_route(struct sim *s)
{
	int k = s->model.top_k, *seen = xcalloc((size_t)s->model.experts, sizeof *seen);

	for (int i = 0; i < live_batch(s) * k; i++) {
		int e = s->assign[i];
		int r = seen[e]++ % place_replicas(&s->place, s->layer, e);
		s->dst[i] = place_gpu(&s->place, s->layer, e, r);
	}
	free(seen);
}

/* The layer's routing: every token's experts, and tokens per expert. */
static void route(struct sim *s)
{
	const struct model *m = &s->model;

	int n = live_batch(s);

	/* GPU g holds sequences [g n / G, (g + 1) n / G) */
	for (int g = 0; g < s->hw.gpus; g++)
		for (int t = seq_begin(n, s->hw.gpus, g); t < seq_begin(n, s->hw.gpus, g + 1); t++)
			s->token_gpu[t] = g;
	routing_batch(&s->routing, s->iter, s->layer - m->first_dense, n, s->assign);
	routing_count(m, s->assign, n, s->counts);
	for (int e = 0; e < m->experts; e++)
		if (s->counts[e] > s->last.max_load)
			s->last.max_load = s->counts[e];
	place_route(s);
}

/*
 * The router of each GPU for its tokens of micro-batch m, after its
 * attention; ids into ids (-1 where a GPU has none).
 */
static void router(struct sim *s, int m, const int *attn, int *ids)
{
	for (int g = 0; g < s->hw.gpus; g++) {
		int seqs = micro_seqs(s, g, m);
		double dur = gpu_router_ns(&s->gpu_view, s->hw.gpu_speed[g], &s->model, seqs);
		ids[g] = seqs ? issue(s, TASK_ROUTER, g, m, dur, &s->res_gpu[g], 1, &attn[g], 1) : -1;
	}
}

/*
 * The LM head after the last layer of an iteration: each GPU projects and
 * samples its sequences of micro-batch m once every task of that
 * micro-batch in the layer has ended.  Returns the latest end.
 */
static double lm_head(struct sim *s, int m)
{
	int n = 0, *deps = xcalloc((size_t)(s->eng.ntasks - s->layer_first_task) + 1, sizeof *deps);
	double end = 0;

	for (int i = s->layer_first_task; i < s->eng.ntasks; i++)
		if (s->eng.task[i].micro == m)
			deps[n++] = i;
	for (int g = 0; g < s->hw.gpus; g++) {
		int seqs = micro_seqs(s, g, m);
		double dur = gpu_lm_head_ns(&s->gpu_view, s->hw.gpu_speed[g], &s->model, seqs);
		if (seqs > 0)
			end = fmax(end, s->eng.task[issue(s, TASK_LM_HEAD, g, m, dur, &s->res_gpu[g], 1,
							  deps, n)].end_ns);
	}
	free(deps);
	return end;
}

/* Tokens of micro-batch m (every GPU's share of it), into tok; returns how many. */
static int micro_tokens(const struct sim *s, int m, int *tok)
{
	int n = 0;

	for (int g = 0; g < s->hw.gpus; g++)
		for (int t = micro_begin(s, g, m); t < micro_begin(s, g, m + 1); t++)
			tok[n++] = t;
	return n;
}

/*
 * Tokens per expert of micro-batch m's tokens, into counts, and per expert
 * and GPU running it into s->expert_gpu.
 */
static void micro_counts(struct sim *s, const int *tok, int ntok, int *counts)
{
	int k = s->model.top_k, G = s->hw.gpus;

	memset(counts, 0, (size_t)s->model.experts * sizeof *counts);
	memset(s->expert_gpu, 0, (size_t)s->model.experts * G * sizeof *s->expert_gpu);
	for (int i = 0; i < ntok; i++)
		for (int j = 0; j < k; j++) {
			int slot = tok[i] * k + j;
			counts[s->assign[slot]]++;
			s->expert_gpu[s->assign[slot] * G + s->dst[slot]]++;
		}
}

/* Phase ends of one micro-batch in one layer, for layer_result; end: of its
 * last task (the LM head's after the last layer). */
struct micro_phases {
	double attn, disp, exp, comb, end;
};

/*
 * 3./4. shared experts and routed experts of micro-batch m on every GPU,
 * after its dispatch disp; task ids appended to exp[*nexp].
 */
static int experts_of_micro(struct sim *s, int m, const int *attn, const int *disp,
			    int *exp, int *nexp, struct micro_phases *ph)
{
	struct sched_params p = {s->cfg.sched, s->cfg.tau};
	int G = s->hw.gpus;
	double sum = 0, worst = 0, est = 0;
	struct layer_result *r = &s->last;

	for (int g = 0; g < G; g++) {
		/* shared experts need only this GPU's tokens: they overlap the dispatch */
		double dur = gpu_dense_ffn_ns(&s->gpu_view, s->hw.gpu_speed[g], &s->model,
					      s->model.shared_experts * s->model.shared_inter,
					      micro_seqs(s, g, m));
		double phase;
		int res[ENGINE_MAX_TASK_RES], nres;
		if (dur > 0 && micro_seqs(s, g, m) > 0) {
			res[0] = s->res_gpu[g];
			nres = 1 + (sched_pim_locks_stacks(&s->hw) ? stacks_of(s, g, res + 1) : 0);
			exp[(*nexp)++] = issue(s, TASK_SHARED, g, m, dur, res, nres, &attn[g], 1);
		}
		/* how long after the dispatch the GPU is still busy: its shared
		 * experts, or with micro-batches another one's work */
		double ready = fmax(0, s->eng.res[s->res_gpu[g]].free_ns - ph->disp);
		double stack_ready[HW_MAX_STACKS];
		struct sched_gpu sg;
		for (int k = 0; k < s->hw.stacks; k++)
			stack_ready[k] = fmax(0, s->eng.res[s->res_stack0[g] + k].free_ns - ph->disp);
		if (partition(s, &p, s->layer, s->expert_gpu, g, ready, stack_ready,
			      s->decision + s->ndecisions,
			      &sg) != 0)
			return -1;
		s->ndecisions += sg.n;
		r->runs += sg.n;
		s->gpu[g].ready_ns += ready;
		phase = run_experts(s, g, m, &sg, disp, G, exp, nexp);
		s->gpu[g].expert_ns += phase;
		s->place_modelled[g] += modelled_ns(s, g, &sg);
		/* the shared experts (ready) are not the placement's doing, and
		 * their share of the phase moves with the batch */
		s->place_measured[g] += fmax(0, phase - ready);
		sum += phase;
		worst = fmax(worst, phase);
		est = fmax(est, sg.est_ns);
	}
	r->straggler_ns += worst - sum / G;
	r->est_ns += est;
	if (worst > 0) {
		s->est_err_sum += fabs(est - worst) / worst;
		s->est_err_n++;
	}
	return 0;
}

/*
 * A MoE layer in M micro-batches (attn[m * G + g]: attention tasks, rt: the
 * routers, each after its attention on the GPU).  Issue
 * order sets each resource's order: every micro-batch's dispatch goes on the
 * links before any combine, and on each GPU micro-batch m's experts before
 * m + 1's, so m + 1's dispatch overlaps m's experts and m's combine overlaps
 * m + 1's experts (or the next layer's attention of m).
 */
static int moe_layer(struct sim *s, const int *attn, const int *rt, struct micro_phases *ph)
{
	int G = s->hw.gpus, M = s->cfg.micro, k = s->model.top_k, rc = 0;
	int *disp = xcalloc((size_t)(M * G), sizeof *disp), comb[HW_MAX_GPUS];
	int *exp = xcalloc((size_t)(s->model.experts * PLACE_MAX_REPLICAS + 2 * G), sizeof *exp);
	int *tok = xcalloc((size_t)s->cfg.batch, sizeof *tok);
	int *counts = xcalloc((size_t)s->model.experts, sizeof *counts);
	double *send = xcalloc((size_t)(M * G), sizeof *send), recv[HW_MAX_GPUS];
	double token_bytes = (double)s->model.hidden * s->model.act_bytes;

	route(s);
	migrate(s);
	memset(s->place_modelled, 0, sizeof s->place_modelled);
	memset(s->place_measured, 0, sizeof s->place_measured);
	for (int m = 0; m < M; m++) {
		int ntok = micro_tokens(s, m, tok);
		/* dst holds GPU ids, so comm_traffic's "mod G" is the placement's answer */
		s->last.link_bytes += comm_traffic(s->dst, k, s->token_gpu, tok, ntok, G,
						   token_bytes, send + m * G, recv);
		for (int g = 0; g < G; g++) {
			/* the combine moves the same bytes the other way: keep the larger */
			s->gpu[g].send_bytes += send[m * G + g];
			s->gpu[g].recv_bytes += recv[g];
			send[m * G + g] = fmax(send[m * G + g], recv[g]);
		}
		all_to_all(s, TASK_DISPATCH, m, send + m * G, rt + m * G, G, disp + m * G);
		ph[m].disp = phase_end(s, disp + m * G, G, ph[m].attn);
	}
	s->ndecisions = 0;
	for (int m = 0; m < M && rc == 0; m++) {
		int ntok = micro_tokens(s, m, tok), nexp = 0;
		micro_counts(s, tok, ntok, counts);
		for (int e = 0; e < s->model.experts; e++)
			s->last.activated += counts[e] > 0;
		rc = experts_of_micro(s, m, attn + m * G, disp + m * G, exp, &nexp, &ph[m]);
		all_to_all(s, TASK_COMBINE, m, send + m * G, exp, nexp, comb);
		ph[m].exp = phase_end(s, exp, nexp, ph[m].disp);
		ph[m].comb = phase_end(s, comb, G, ph[m].exp);
	}
	if (rc == 0) {
		place_observe(&s->place, s->layer, s->counts, s->place_measured, s->place_modelled);
	}
	free(disp);
	free(exp);
	free(tok);
	free(counts);
	free(send);
	return rc;
}

static void dense_layer(struct sim *s, const int *attn, struct micro_phases *ph)
{
	int G = s->hw.gpus, ffn[HW_MAX_GPUS];

	memset(s->counts, 0, (size_t)s->model.experts * sizeof *s->counts);
	s->ndecisions = 0;
	for (int m = 0; m < s->cfg.micro; m++) {
		for (int g = 0; g < G; g++) {
			int seqs = micro_seqs(s, g, m);
			double dur = gpu_dense_ffn_ns(&s->gpu_view, s->hw.gpu_speed[g], &s->model,
						      s->model.dense_inter, seqs);
			ffn[g] = seqs ? issue(s, TASK_SHARED, g, m, dur, &s->res_gpu[g], 1,
					      &attn[m * G + g], 1) : -1;
			s->gpu[g].expert_ns += seqs ? dur : 0;
		}
		ph[m].disp = ph[m].attn;
		ph[m].exp = ph[m].comb = phase_end(s, ffn, G, ph[m].attn);
	}
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
		case TASK_MIGRATE:
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
	sum->runs += r->runs;
	sum->pim_slots += r->pim_slots;
}

/*
 * The layer's phases summed over micro-batches, its time on the critical
 * path, and when each micro-batch of the next layer may start.
 */
static void finish_layer(struct sim *s, const struct micro_phases *ph)
{
	struct layer_result *r = &s->last;
	int M = s->cfg.micro;
	double end = s->end_ns;

	for (int m = 0; m < M; m++) {
		r->attn_ns += ph[m].attn - s->micro_ready_ns[m];
		r->dispatch_ns += ph[m].disp - ph[m].attn;
		r->expert_ns += ph[m].exp - ph[m].disp;
		r->combine_ns += ph[m].comb - ph[m].exp;
		end = fmax(end, ph[m].end);
	}
	r->total_ns = end - s->end_ns;
	s->end_ns += r->total_ns;
	/* the last micro-batch to finish keeps the accumulated clock, so that
	 * micro = 1 advances it exactly as a layer always has */
	s->now_ns = s->end_ns;
	for (int m = 0; m < M; m++) {
		s->micro_ready_ns[m] = ph[m].end == end ? s->end_ns : ph[m].end;
		s->now_ns = fmin(s->now_ns, s->micro_ready_ns[m]);
	}
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
	int G = s->hw.gpus, M = s->cfg.micro, *attn, *rt, moe = model_is_moe(&s->model, s->layer);
	struct micro_phases ph[CONFIG_MAX_MICRO];
	struct layer_result *r = &s->last;
	double start_ns = s->now_ns;

	if (s->failed)
		return -1;
	if (sim_done(s))
		return 0;
	memset(r, 0, sizeof *r);
	memset(s->gpu, 0, sizeof s->gpu);
	engine_forget(&s->eng);
	s->layer_first_task = s->eng.ntasks;
	attn = xcalloc((size_t)(M * G), sizeof *attn);
	rt = xcalloc((size_t)(M * G), sizeof *rt);
	for (int m = 0; m < M; m++) {
		attention(s, m, attn + m * G);
		ph[m].attn = phase_end(s, attn + m * G, G, s->micro_ready_ns[m]);
		if (moe) {	/* the attention phase runs through the router */
			router(s, m, attn + m * G, rt + m * G);
			ph[m].attn = phase_end(s, rt + m * G, G, ph[m].attn);
		}
	}
	if (moe && moe_layer(s, attn, rt, ph) != 0) {
		free(attn);
		free(rt);
		s->failed = 1;
		return err_prefix(&s->err, "iteration %d, layer %d, ", s->iter, s->layer);
	}
	if (!moe)
		dense_layer(s, attn, ph);
	else
		note_loads(s);
	free(attn);
	free(rt);
	for (int m = 0; m < M; m++) {
		ph[m].end = ph[m].comb;
		if (s->layer == s->model.layers - 1 && s->model.vocab > 0)
			ph[m].end = fmax(ph[m].end, lm_head(s, m));
	}
	finish_layer(s, ph);
	busy(s);
	record_layer(s, start_ns);
	add_result(&s->layer_sum[s->layer], r);
	s->last_layer = s->layer;
	s->iter_ns_cur += r->total_ns;
	if (++s->layer == s->model.layers) {
		struct place_params par;
		sim_place_params(&s->cfg, &par);
		place_pim_sync(s);
		place_end_iter(&s->place, s->iter, &par, &s->gpu_view, &s->model);
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
	int *eg;

	*n = 0;
	if (s->failed)
		return -1;
	if (policy < 0 || policy >= SCHED_NPOLICIES)
		return err_set(&s->err, "what-if: no policy %d", policy);
	if (r->ndecisions == 0)	/* a dense layer, or no tokens */
		return 0;
	/* tokens per expert and GPU as the layer ran them (micro-batches summed) */
	eg = xcalloc((size_t)s->model.experts * (size_t)r->gpus, sizeof *eg);
	for (int i = 0; i < r->ndecisions; i++)
		eg[r->decision[i].expert * r->gpus + r->decision[i].gpu] += r->decision[i].tokens;
	for (int g = 0; g < r->gpus; g++) {
		struct sched_gpu sg;
		if (partition(s, &p, r->layer, eg, g, r->gpu[g].ready_ns, NULL, out + *n, &sg) != 0) {
			free(eg);
			s->failed = 1;
			return err_prefix(&s->err, "what-if %s at iteration %d, layer %d, ",
					  sched_policies[policy].name, r->iter, r->layer);
		}
		*n += sg.n;
	}
	free(eg);
	return 0;
}

void sim_place_params(const struct sim_config *cfg, struct place_params *par)
{
	memset(par, 0, sizeof *par);
	par->policy = cfg->place;
	par->spare = cfg->spare_slots;
	par->interval = cfg->recal_interval;
	par->confirm = cfg->recal_confirm;
	par->drift = cfg->recal_drift / 100.0;
	par->time = cfg->recal_time / 100.0;
	par->gain = cfg->recal_gain / 100.0;
}

void sim_place_configure(struct sim *s)
{
	struct place_params par;

	sim_place_params(&s->cfg, &par);
	if (s->layer != 0 || memcmp(&par, &s->place.par, sizeof par) == 0)
		return;
	if (s->iter == 0) {	/* nothing ran: the placement sim_init would make */
		place_release(&s->place);
		place_init(&s->place, &s->model, &s->hw, &par);
		place_pim_sync(s);
		return;
	}
	place_pim_sync(s);
	place_configure(&s->place, s->iter, &par, &s->gpu_view, &s->model);
}

double sim_iter_ns(const struct sim *s)
{
	return s->iters_done ? s->iter_ns_sum / s->iters_done : 0;
}

double sim_tokens_per_s(const struct sim *s)
{
	double t = sim_iter_ns(s);
	return t > 0 ? live_batch(s) / (t * 1e-9) : 0;
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
			slots += (long)live_batch(s) * s->model.top_k * s->iters_done;
			t->expert_phase_ns += s->layer_sum[l].expert_ns;
		}
	}
	if (s->iters_done > 0)
		t->expert_phase_ns /= s->iters_done;
	experts = sum.runs;
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
