/* timeline.c - checkpoints, the change log, rewind and live changes (see timeline.h). */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "sim.h"

/* Layers from (0, 0) to (iter, layer): positions as one number. */
static long pos_of(const struct sim *s, int iter, int layer)
{
	return (long)iter * s->model.layers + layer;
}

static long here(const struct sim *s)
{
	return pos_of(s, s->iter, s->layer);
}

/* ---- checkpoints ---- */

static size_t clock_doubles(const struct sim *s)
{
	return 2 * (size_t)s->eng.nres;
}

static void checkpoint_take(struct sim *s, struct sim_checkpoint *c)
{
	size_t nclock = clock_doubles(s), nsum = (size_t)s->model.layers;

	c->iter = s->iter;
	c->layer = s->layer;
	c->now_ns = s->now_ns;
	c->end_ns = s->end_ns;
	memcpy(c->micro_ready_ns, s->micro_ready_ns, sizeof c->micro_ready_ns);
	c->loads = s->loads;
	c->iter_ns_sum = s->iter_ns_sum;
	c->iter_ns_cur = s->iter_ns_cur;
	c->est_err_sum = s->est_err_sum;
	c->est_err_n = s->est_err_n;
	c->iters_done = s->iters_done;
	/* one block: the clocks, then layer_sum (doubles first keep it aligned) */
	c->clock = xmalloc(nclock * sizeof *c->clock + nsum * sizeof *c->layer_sum);
	c->layer_sum = (struct layer_result *)(c->clock + nclock);
	for (int r = 0; r < s->eng.nres; r++) {
		c->clock[2 * r] = s->eng.res[r].free_ns;
		c->clock[2 * r + 1] = s->eng.res[r].busy_ns;
	}
	memcpy(c->layer_sum, s->layer_sum, nsum * sizeof *c->layer_sum);
	c->place = NULL;
	if (!place_pristine(&s->place)) {
		c->place = xcalloc(1, sizeof *c->place);
		place_copy(c->place, &s->place);
	}
}

static void checkpoint_free(struct sim_checkpoint *c)
{
	free(c->clock);
	if (c->place != NULL)
		place_release(c->place);
	free(c->place);
}

/* Checkpoints are taken at the frontier every TIMELINE_EVERY layers, at
 * iteration starts only once the placement holds state. */
static int checkpoint_due(const struct sim *s)
{
	return s->layer % TIMELINE_EVERY == 0 && (s->layer == 0 || place_pristine(&s->place));
}

/*
 * Back to c's state.  What the next step overwrites (the layer just
 * simulated) is reset as sim_init leaves it: replay fills it again, and
 * at (0, 0) the state equals a fresh one.
 */
static void checkpoint_restore(struct sim *s, const struct sim_checkpoint *c)
{
	s->iter = c->iter;
	s->layer = c->layer;
	s->now_ns = c->now_ns;
	s->end_ns = c->end_ns;
	memcpy(s->micro_ready_ns, c->micro_ready_ns, sizeof s->micro_ready_ns);
	s->loads = c->loads;
	s->iter_ns_sum = c->iter_ns_sum;
	s->iter_ns_cur = c->iter_ns_cur;
	s->est_err_sum = c->est_err_sum;
	s->est_err_n = c->est_err_n;
	s->iters_done = c->iters_done;
	for (int r = 0; r < s->eng.nres; r++) {
		s->eng.res[r].free_ns = c->clock[2 * r];
		s->eng.res[r].busy_ns = c->clock[2 * r + 1];
	}
	engine_forget(&s->eng);
	/* the kept past ends where the replay starts; a failure was ahead */
	history_truncate(&s->hist, c->iter, c->layer);
	memset(&s->event, 0, sizeof s->event);
	memset(&s->err, 0, sizeof s->err);
	s->failed = 0;
	memcpy(s->layer_sum, c->layer_sum, (size_t)s->model.layers * sizeof *s->layer_sum);
	if (c->place != NULL) {
		place_copy(&s->place, c->place);
	} else {
		struct placement fresh;
		struct place_params par = s->place.par;
		par.policy = PLACE_LINEAR;
		place_init(&fresh, &s->model, &s->hw, &par);
		memcpy(fresh.speed, s->place.speed, sizeof fresh.speed);	/* the model's, from init */
		place_release(&s->place);
		s->place = fresh;
	}
	s->last_layer = -1;
	s->layer_first_task = 0;
	s->ndecisions = 0;
	memset(&s->last, 0, sizeof s->last);
	memset(s->gpu, 0, sizeof s->gpu);
	memset(s->assign, 0, (size_t)s->cfg.batch * (size_t)s->model.top_k * sizeof *s->assign);
	memset(s->counts, 0, (size_t)s->model.experts * sizeof *s->counts);
	memset(s->decision, 0, (size_t)s->model.experts * (size_t)s->cfg.micro * sizeof *s->decision);
}

/* Keep the newest half; of the older half, every other one (the first stays). */
static void checkpoints_thin(struct timeline *t)
{
	int n = 1, half = t->nck / 2;

	for (int i = 1; i < t->nck; i++) {
		if (i < half && i % 2 == 1) {
			checkpoint_free(&t->ck[i]);
			continue;
		}
		t->ck[n++] = t->ck[i];
	}
	t->nck = n;
}

/* Drop the checkpoints after position p. */
static void checkpoints_drop_after(struct sim *s, long p)
{
	struct timeline *t = &s->tl;

	while (t->nck > 1 && pos_of(s, t->ck[t->nck - 1].iter, t->ck[t->nck - 1].layer) > p)
		checkpoint_free(&t->ck[--t->nck]);
}

/* The last checkpoint strictly before p (p > 0), or ck[0]. */
static const struct sim_checkpoint *checkpoint_before(const struct sim *s, long p)
{
	const struct timeline *t = &s->tl;
	int lo = 0, hi = t->nck;	/* ck[lo] < p <= ck[hi] */

	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (pos_of(s, t->ck[mid].iter, t->ck[mid].layer) < p)
			lo = mid;
		else
			hi = mid;
	}
	return &t->ck[lo];
}

/* ---- the change log ---- */

/* Index of the first change after position p. */
static int change_after(const struct sim *s, long p)
{
	const struct timeline *t = &s->tl;
	int i = 0;

	while (i < t->nchanges && pos_of(s, t->change[i].iter, t->change[i].layer) <= p)
		i++;
	return i;
}

/* The parameters in force at position p. */
static const struct sim_config *config_at(const struct sim *s, long p)
{
	return &s->tl.change[change_after(s, p) - 1].cfg;
}

static void config_apply(struct sim *s, const struct sim_config *cfg)
{
	struct err e;

	if (cfg->seed != s->cfg.seed)
		routing_reseed(&s->routing, (uint64_t)cfg->seed);
	/* checked by sim_configure or sim_init: cannot fail here; "" is the file's */
	if (strcmp(cfg->gpu_speed, s->cfg.gpu_speed) != 0 &&
	    hw_speed_override(&s->hw, cfg->gpu_speed, s->hw.gpu_speed, &e) != 0)
		abort();
	s->cfg = *cfg;
	sim_place_configure(s);	/* at an iteration's start: the placement's knobs now */
}

/* ---- hooks ---- */

void timeline_init(struct sim *s)
{
	struct timeline *t = &s->tl;

	memset(t, 0, sizeof *t);
	t->ck = xcalloc(TIMELINE_CHECKPOINTS, sizeof *t->ck);
	checkpoint_take(s, &t->ck[t->nck++]);
	t->change_cap = 4;
	t->change = xcalloc((size_t)t->change_cap, sizeof *t->change);
	t->change[0].cfg = s->cfg;
	t->nchanges = t->change_next = 1;
}

void timeline_release(struct timeline *t)
{
	for (int i = 0; i < t->nck; i++)
		checkpoint_free(&t->ck[i]);
	free(t->ck);
	free(t->change);
	memset(t, 0, sizeof *t);
}

void timeline_arrive(struct sim *s)
{
	struct timeline *t = &s->tl;
	const struct sim_checkpoint *last = &t->ck[t->nck - 1];

	if (t->change_next < t->nchanges &&
	    pos_of(s, t->change[t->change_next].iter, t->change[t->change_next].layer) == here(s))
		config_apply(s, &t->change[t->change_next++].cfg);
	/* checkpoints are taken at the frontier only: behind it they are held */
	if (checkpoint_due(s) && here(s) > pos_of(s, last->iter, last->layer)) {
		if (t->nck == TIMELINE_CHECKPOINTS)
			checkpoints_thin(t);
		checkpoint_take(s, &t->ck[t->nck++]);
	}
}

/* ---- the API (sim.h) ---- */

void sim_mark(const struct sim *s, struct sim_mark *m)
{
	m->iter = s->iter;
	m->layer = s->layer;
}

/*
 * Can stepping reach (iter, layer)?  The run goes on while the iteration
 * of the layer before it is below the iters in force there.
 */
static int reachable(const struct sim *s, int iter, int layer)
{
	long p = pos_of(s, iter, layer) - 1;

	if (iter < 0 || layer < 0 || layer >= s->model.layers)
		return 0;
	return p < 0 || p / s->model.layers < config_at(s, p)->iters;
}

int sim_rewind(struct sim *s, const struct sim_mark *m, struct err *e)
{
	long to, from = here(s);
	const struct sim_checkpoint *c;

	if (!reachable(s, m->iter, m->layer))
		return err_set(e, "no such position: iteration %d, layer %d", m->iter, m->layer);
	to = pos_of(s, m->iter, m->layer);
	if (s->failed && to > from)
		return err_set(e, "no way past iteration %d, layer %d: %s", s->iter, s->layer,
			       s->err.msg);
	c = checkpoint_before(s, to);
	/* forward from here unless a checkpoint is closer */
	if (to < from || pos_of(s, c->iter, c->layer) > from) {
		checkpoint_restore(s, c);
		s->tl.change_next = change_after(s, from = here(s));
		config_apply(s, config_at(s, from));
	}
	while (here(s) < to)
		if (sim_step_layer(s) < 0)
			return err_set(e, "%s", s->err.msg);
	return 0;
}

int sim_configure(struct sim *s, const struct sim_config *cfg, struct err *e)
{
	struct timeline *t = &s->tl;
	struct sim_config next = s->cfg;
	int changed = 0;

	struct gpu_speed speed[HW_MAX_GPUS];

	if (config_check(cfg, e) != 0)
		return -1;
	if (hw_speed_override(&s->hw, cfg->gpu_speed, speed, e) != 0)
		return -1;
	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *f = &config_field_table.fields[i];
		if (config_field_equal(f, cfg, &s->cfg))
			continue;
		if (config_field_when(f) == CONFIG_RESTART) {
			char was[512], want[512];
			field_format(f, &s->cfg, was, sizeof was);
			field_format(f, cfg, want, sizeof want);
			return err_set(e, "%s: cannot change from '%s' to '%s' in a running "
				       "simulation (it needs a restart)", f->name, was, want);
		}
		memcpy((char *)&next + f->offset, (const char *)cfg + f->offset,
		       f->type == FIELD_STR ? f->size : sizeof(int));
		changed = 1;
	}
	if (cfg->iters < s->iter + (s->layer > 0))
		return err_set(e, "iters: %d ends before the current iteration %d", cfg->iters,
			       s->iter);
	/* a longer context, or a placement with more slots, must still fit */
	if (capacity_check(&s->model, &s->hw, next.batch, next.context,
			   place_spare_slots(next.place, next.spare_slots), e) != 0)
		return -1;
	if (!changed)
		return 0;
	/* the future the log and the checkpoints held is rewritten from here */
	t->nchanges = t->change_next;
	checkpoints_drop_after(s, here(s));
	if (pos_of(s, t->change[t->nchanges - 1].iter, t->change[t->nchanges - 1].layer) != here(s)) {
		if (t->nchanges == t->change_cap) {
			t->change_cap *= 2;
			t->change = xrealloc(t->change, (size_t)t->change_cap * sizeof *t->change);
		}
		t->change[t->nchanges].iter = s->iter;
		t->change[t->nchanges++].layer = s->layer;
	}
	t->change[t->nchanges - 1].cfg = next;
	t->change_next = t->nchanges;
	config_apply(s, &next);
	return 0;
}
