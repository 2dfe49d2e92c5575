/*
 * snap.c - the one adapter between struct sim and the panels (snap.h).
 * Everything the UI knows about the simulator's internals is here.
 */
#include "snap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void snap_init(struct ui_snap *p)
{
	memset(p, 0, sizeof *p);
}

void snap_release(struct ui_snap *p)
{
	free(p->counts);
	free(p->where);
	free(p->dec_of);
	free(p->nrep);
	free(p->owner);
	free(p->dec);
	free(p->task);
	free(p->whatif);
	memset(p, 0, sizeof *p);
}

static void grow(void **buf, int *cap, int n, size_t size)
{
	if (n <= *cap)
		return;
	*buf = xrealloc(*buf, (size_t)n * size);
	*cap = n;
}

/* Which GPUs own each expert of layer (none in a dense layer). */
static void take_owners(struct ui_snap *p, const struct sim *s, int layer)
{
	int moe = model_is_moe(&s->model, layer);

	for (int e = 0; e < p->experts; e++) {
		p->nrep[e] = (unsigned char)(moe ? place_replicas(&s->place, layer, e) : 0);
		for (int r = 0; r < p->nrep[e]; r++)
			p->owner[e * PLACE_MAX_REPLICAS + r] =
				(unsigned char)place_gpu(&s->place, layer, e, r);
	}
}

static void take_layer(struct ui_snap *p, const struct sim *s, const struct layer_record *r)
{
	p->iter = r->iter;
	p->layer = r->layer;
	p->moe_layer = model_is_moe(&s->model, r->layer);
	p->start_ns = r->start_ns;
	p->end_ns = r->end_ns;
	memcpy(p->counts, r->counts, (size_t)p->experts * sizeof *p->counts);
	memset(p->where, WHERE_NONE, (size_t)p->experts);
	for (int e = 0; e < p->experts; e++)
		p->dec_of[e] = -1;
	grow((void **)&p->dec, &p->cap_dec, r->ndecisions + 1, sizeof *p->dec);
	p->ndec = r->ndecisions;
	memcpy(p->dec, r->decision, (size_t)p->ndec * sizeof *p->dec);
	for (int i = 0; i < p->ndec; i++) {
		p->where[p->dec[i].expert] = p->dec[i].on_pim ? WHERE_PIM : WHERE_GPU;
		p->dec_of[p->dec[i].expert] = i;
	}
	take_owners(p, s, r->layer);
	memcpy(p->gpu, r->gpu, sizeof p->gpu);
	p->last = r->result;
	grow((void **)&p->task, &p->cap_tasks, r->ntasks + 1, sizeof *p->task);
	p->ntasks = r->ntasks;
	memcpy(p->task, r->task, (size_t)r->ntasks * sizeof *p->task);
}

void snap_take(struct ui_snap *p, const struct sim *s)
{
	const struct layer_record *rec;

	snprintf(p->model, sizeof p->model, "%s", s->model.name);
	snprintf(p->hw, sizeof p->hw, "%s", s->hw.name);
	p->sched = s->cfg.sched;
	p->tau = s->cfg.tau;
	p->gpus = s->hw.gpus;
	p->stacks = s->hw.stacks;
	p->layers = s->model.layers;
	p->iters = s->cfg.iters;
	p->batch = s->cfg.batch;
	p->top_k = s->model.top_k;
	p->context = s->cfg.context;
	p->seed = s->cfg.seed;
	p->tck_ns = hbm_tck_ns(&s->hw.hbm);
	if (s->model.experts > p->cap_experts) {
		size_t n = (size_t)s->model.experts;
		p->counts = xrealloc(p->counts, n * sizeof *p->counts);
		p->where = xrealloc(p->where, n);
		p->dec_of = xrealloc(p->dec_of, n * sizeof *p->dec_of);
		p->nrep = xrealloc(p->nrep, n);
		p->owner = xrealloc(p->owner, n * PLACE_MAX_REPLICAS);
		p->cap_experts = s->model.experts;
	}
	p->experts = s->model.experts;
	p->next_iter = s->iter;
	p->next_layer = s->layer;
	p->done = sim_done(s);
	rec = history_get(sim_history(s), 0);
	p->has_layer = rec != NULL;
	memcpy(p->res_gpu, s->res_gpu, sizeof p->res_gpu);
	memcpy(p->res_link, s->res_link, sizeof p->res_link);
	memcpy(p->res_stack0, s->res_stack0, sizeof p->res_stack0);
	p->nres = s->eng.nres;
	p->whatif_ready = 0;
	if (p->has_layer) {
		take_layer(p, s, rec);
	} else {
		p->ntasks = p->ndec = 0;
		p->start_ns = p->end_ns = 0;
		memset(p->counts, 0, (size_t)p->experts * sizeof *p->counts);
		memset(p->where, WHERE_NONE, (size_t)p->experts);
		memset(p->nrep, 0, (size_t)p->experts);
		memset(&p->last, 0, sizeof p->last);
	}
	p->iters_done = s->iters_done;
	p->iter_ns = sim_iter_ns(s);
	p->tokens_per_s = sim_tokens_per_s(s);
	sim_totals(s, &p->tot);
	memcpy(p->speed, s->hw.gpu_speed, sizeof p->speed);
	p->place = s->place.par.policy;	/* in force: a live change waits for an iteration start */
	p->recalibrations = s->place.nrecal;
}

void snap_whatif(struct ui_snap *p, const unsigned char *whatif)
{
	int n = SCHED_NPOLICIES * p->experts;

	p->whatif_ready = whatif != NULL;
	if (whatif == NULL)
		return;
	grow((void **)&p->whatif, &p->cap_whatif, n, 1);
	memcpy(p->whatif, whatif, (size_t)n);
}

int snap_compare_init(struct sim *cmp, struct sim *s, int sched, const char *datadir,
		      struct err *e)
{
	struct sim_config cfg = s->cfg;

	cfg.sched = sched;
	return sim_init_shared(cmp, &cfg, datadir, s->pim, e);
}

const struct sched_expert *snap_decision(const struct ui_snap *p, int e)
{
	if (!p->has_layer || e < 0 || e >= p->experts || p->dec_of[e] < 0)
		return NULL;
	return &p->dec[p->dec_of[e]];
}

int snap_event_index(const struct ui_snap *p, double t_ns, const struct history_event *ev)
{
	int n = 0;

	if (ev != NULL && (ev->iter != p->iter || ev->layer != p->layer))
		ev = NULL;	/* an event of another layer: count by time */
	for (int i = 0; i < p->ntasks; i++)
		for (int end = 0; end < 2; end++) {
			double t = end ? p->task[i].end_ns : p->task[i].start_ns;
			if (ev == NULL)
				n += t <= t_ns + 1e-9;
			else
				n += t < ev->t_ns || (t == ev->t_ns && (i < ev->index ||
					(i == ev->index && end <= ev->is_end)));
		}
	return n;
}

void snap_banks(struct ui_banks *b, const struct stack_replay *r, int64_t window)
{
	int banks = r->channels * r->banks_per_channel;
	const struct replay_kernel *k = r->cur < r->nkernels ? &r->kernel[r->cur] : NULL;

	if (banks > b->cap_banks) {
		b->occ = xrealloc(b->occ, (size_t)banks * OCC_N * sizeof *b->occ);
		b->cap_banks = banks;
	}
	if (r->pchs > b->cap_pchs) {
		b->queue = xrealloc(b->queue, (size_t)r->pchs * sizeof *b->queue);
		b->cap_pchs = r->pchs;
	}
	b->on = 1;
	b->gpu = r->gpu;
	b->stack = r->stack;
	b->cycle = stack_replay_cycle(r);
	b->window = window;
	b->tck_ns = stack_replay_tck_ns(r);
	b->t0_ns = r->t0_ns;
	b->done = stack_replay_done(r);
	b->kernel = r->cur;
	b->nkernels = r->nkernels;
	b->expert = k ? k->expert : -1;
	b->tokens = k ? k->tokens : 0;
	b->channels = r->channels;
	b->banks_per_channel = r->banks_per_channel;
	b->pchs = r->pchs;
	for (int i = 0; i < banks; i++) {
		int64_t occ[OCC_N];
		stack_replay_occupancy(r, i, window, occ);
		for (int o = 0; o < OCC_N; o++)
			b->occ[i * OCC_N + o] = (int)occ[o];
	}
	for (int p = 0; p < r->pchs; p++)
		b->queue[p] = stack_replay_queue_depth(r, p);
}

void snap_banks_release(struct ui_banks *b)
{
	free(b->occ);
	free(b->queue);
	memset(b, 0, sizeof *b);
}
