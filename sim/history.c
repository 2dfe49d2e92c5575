/* history.c - the kept past: a ring of layer records and queries over it (see history.h). */
#include "history.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void history_init(struct history *h, int cap)
{
	memset(h, 0, sizeof *h);
	h->cap = cap < 1 ? 1 : cap;
	h->rec = xcalloc((size_t)h->cap, sizeof *h->rec);
}

void history_release(struct history *h)
{
	for (int i = 0; i < h->cap; i++) {
		free(h->rec[i].counts);
		free(h->rec[i].decision);
		free(h->rec[i].task);
		free(h->rec[i].dep);
	}
	free(h->rec);
	memset(h, 0, sizeof *h);
}

int history_len(const struct history *h)
{
	return h->len;
}

/* The i-th kept record, oldest first. */
static struct layer_record *nth(const struct history *h, int i)
{
	return &h->rec[(h->head + i) % h->cap];
}

/* *dst = a copy of n items of src, in dst's own (resized) buffer. */
static void *copy_into(void *dst, const void *src, int n, size_t size)
{
	dst = xrealloc(dst, (size_t)(n > 0 ? n : 1) * size);
	if (n > 0)
		memcpy(dst, src, (size_t)n * size);
	return dst;
}

/* Does task j hold a resource that task i holds? */
static int share_resource(const struct engine_task *i, const struct engine_task *j)
{
	for (int a = 0; a < i->nres; a++)
		for (int b = 0; b < j->nres; b++)
			if (i->res[a] == j->res[b])
				return 1;
	return 0;
}

/* The task whose end set task i's start, or -1 (see history.h). */
static int predecessor(const struct layer_record *r, int i)
{
	const struct engine_task *t = &r->task[i];
	int best = -1;

	for (int k = 0; k < t->ndeps; k++) {
		int d = r->dep[t->dep0 + k];
		if (r->task[d].end_ns == t->start_ns && d > best)
			best = d;
	}
	for (int j = i - 1; best < 0 && j >= 0; j--)
		if (share_resource(t, &r->task[j]) && r->task[j].end_ns == t->start_ns)
			best = j;
	return best;
}

static void mark_critical_path(struct layer_record *r)
{
	int cur = -1;

	for (int i = 0; i < r->ntasks; i++) {
		r->task[i].crit = 0;
		if (cur < 0 || r->task[i].end_ns >= r->task[cur].end_ns)
			cur = i;
	}
	while (cur >= 0) {
		r->task[cur].crit = 1;
		if (r->task[cur].start_ns <= r->start_ns)
			break;
		cur = predecessor(r, cur);
	}
}

void history_append(struct history *h, const struct layer_record *r)
{
	struct layer_record *slot, own;

	if (h->len == h->cap) {
		slot = nth(h, 0);
		h->head = (h->head + 1) % h->cap;
	} else {
		slot = nth(h, h->len++);
	}
	own = *slot;		/* keep the slot's buffers, take r's values */
	*slot = *r;
	slot->counts = copy_into(own.counts, r->counts, r->experts, sizeof *r->counts);
	slot->decision = copy_into(own.decision, r->decision, r->ndecisions, sizeof *r->decision);
	slot->task = copy_into(own.task, r->task, r->ntasks, sizeof *r->task);
	slot->dep = copy_into(own.dep, r->dep, r->ndep, sizeof *r->dep);
	mark_critical_path(slot);
}

/* (iter, layer) order of records and positions. */
static int before(int iter_a, int layer_a, int iter_b, int layer_b)
{
	return iter_a < iter_b || (iter_a == iter_b && layer_a < layer_b);
}

void history_truncate(struct history *h, int iter, int layer)
{
	while (h->len > 0) {
		const struct layer_record *r = nth(h, h->len - 1);
		if (before(r->iter, r->layer, iter, layer))
			break;
		h->len--;	/* its buffers stay for the next append into that slot */
	}
	if (h->len == 0)
		h->head = 0;
}

const struct layer_record *history_get(const struct history *h, int back)
{
	if (back < 0 || back >= h->len)
		return NULL;
	return nth(h, h->len - 1 - back);
}

const struct layer_record *history_find(const struct history *h, int iter, int layer)
{
	int lo = 0, hi = h->len;	/* records are in (iter, layer) order */

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		const struct layer_record *r = nth(h, mid);
		if (before(r->iter, r->layer, iter, layer))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->len && nth(h, lo)->iter == iter && nth(h, lo)->layer == layer)
		return nth(h, lo);
	return NULL;
}

static int holds(const struct engine_task *t, int res)
{
	for (int k = 0; k < t->nres; k++)
		if (t->res[k] == res)
			return 1;
	return 0;
}

static int overlaps(double start, double end, double t0, double t1)
{
	return start < t1 && (end > t0 || (end == start && start >= t0));
}

int history_tasks(const struct history *h, int res, double t0_ns, double t1_ns,
		  const struct engine_task **out, int max)
{
	int n = 0;

	for (int i = 0; i < h->len; i++) {
		const struct layer_record *r = nth(h, i);
		/* every task of a record lies within [start_ns, end_ns] */
		if (r->end_ns < t0_ns || r->start_ns >= t1_ns)
			continue;
		for (int k = 0; k < r->ntasks; k++) {
			const struct engine_task *t = &r->task[k];
			if ((res >= 0 && !holds(t, res)) || !overlaps(t->start_ns, t->end_ns, t0_ns, t1_ns))
				continue;
			if (n < max)
				out[n] = t;
			n++;
		}
	}
	return n;
}

/* The total order of history.h: <0, 0, >0. */
static int event_cmp(const struct history_event *a, const struct history_event *b)
{
	if (a->t_ns != b->t_ns)
		return a->t_ns < b->t_ns ? -1 : 1;
	if (a->iter != b->iter)
		return a->iter < b->iter ? -1 : 1;
	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return a->is_end - b->is_end;
}

/* Of a record's events beyond *from in direction dir (+1 after, -1 before),
 * the nearest one, if nearer than *best (found says whether *best is set). */
static void nearest_in(const struct layer_record *r, const struct history_event *from, int dir,
		       struct history_event *best, int *found)
{
	for (int k = 0; k < r->ntasks; k++) {
		for (int is_end = 0; is_end < 2; is_end++) {
			const struct engine_task *t = &r->task[k];
			struct history_event e = {is_end ? t->end_ns : t->start_ns, r->iter, r->layer, k,
						  is_end, t};
			if (dir * event_cmp(&e, from) <= 0)
				continue;
			if (!*found || dir * event_cmp(&e, best) < 0) {
				*best = e;
				*found = 1;
			}
		}
	}
}

int history_event_next(const struct history *h, const struct history_event *from,
		       struct history_event *ev)
{
	int found = 0;

	for (int i = 0; i < h->len; i++) {
		const struct layer_record *r = nth(h, i);
		if (r->end_ns < from->t_ns)
			continue;
		/* later records start no earlier, and order after at equal times */
		if (found && r->start_ns >= ev->t_ns)
			break;
		nearest_in(r, from, 1, ev, &found);
	}
	return found;
}

int history_event_prev(const struct history *h, const struct history_event *from,
		       struct history_event *ev)
{
	int found = 0;

	for (int i = h->len - 1; i >= 0; i--) {
		const struct layer_record *r = nth(h, i);
		if (r->start_ns > from->t_ns)
			continue;
		if (found && r->end_ns <= ev->t_ns)
			break;
		nearest_in(r, from, -1, ev, &found);
	}
	return found;
}

/* Step from every event at t_ns (dir > 0: past the last of them; < 0: before the first). */
static int step_time(const struct history *h, double t_ns, int dir, double *at_ns, int *is_end,
		     const struct engine_task **task)
{
	int edge = dir > 0 ? INT_MAX : INT_MIN;
	struct history_event from = {t_ns, edge, edge, edge, dir > 0, NULL}, ev;

	if (!(dir > 0 ? history_event_next(h, &from, &ev) : history_event_prev(h, &from, &ev)))
		return 0;
	*at_ns = ev.t_ns;
	*is_end = ev.is_end;
	*task = ev.task;
	return 1;
}

int history_next_event(const struct history *h, double t_ns, double *at_ns, int *is_end,
		       const struct engine_task **task)
{
	return step_time(h, t_ns, 1, at_ns, is_end, task);
}

int history_prev_event(const struct history *h, double t_ns, double *at_ns, int *is_end,
		       const struct engine_task **task)
{
	return step_time(h, t_ns, -1, at_ns, is_end, task);
}
