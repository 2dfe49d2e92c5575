/*
 * test_history.c - the kept past (history.h) and the front-end API built on
 * it (sim.h: sim_history, sim_step_event, sim_what_if) and the policy
 * table (sched.h).  References are independent of the ring: a whole run
 * copied record by record into a ring large enough to keep everything,
 * brute-force filters over all its tasks, and a sorted list of all its
 * starts and ends.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sim.h"
#include "tests.h"

/* The default scenario, small: batch and iters as given; model NULL: the default. */
static int init_model_sim(struct sim *s, const char *model, int sched, int tau, int batch,
			  int iters)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0)
		goto fail;
	if (model != NULL)
		snprintf(cfg.model, sizeof cfg.model, "%s", model);
	cfg.sched = sched;
	cfg.tau = tau;
	cfg.batch = batch;
	cfg.iters = iters;
	if (sim_init(s, &cfg, TEST_DATADIR, &e) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "\n%s\n", e.msg);
	return -1;
}

static int init_sim(struct sim *s, int sched, int tau, int batch, int iters)
{
	return init_model_sim(s, NULL, sched, tau, batch, iters);
}

/* Run s to the end, copying every layer into all (a ring that never wraps). */
static int run_recording(struct sim *s, struct history *all)
{
	int rc;

	history_init(all, s->cfg.iters * s->model.layers);
	while ((rc = sim_step_layer(s)) == 1)
		history_append(all, history_get(sim_history(s), 0));
	return rc;
}

static int same_record(const struct layer_record *a, const struct layer_record *b)
{
	return a->iter == b->iter && a->layer == b->layer && a->sched == b->sched &&
	       a->tau == b->tau && a->start_ns == b->start_ns && a->end_ns == b->end_ns &&
	       memcmp(&a->result, &b->result, sizeof a->result) == 0 &&
	       a->experts == b->experts &&
	       memcmp(a->counts, b->counts, (size_t)a->experts * sizeof *a->counts) == 0 &&
	       a->ndecisions == b->ndecisions &&
	       memcmp(a->decision, b->decision, (size_t)a->ndecisions * sizeof *a->decision) == 0 &&
	       a->gpus == b->gpus && memcmp(a->gpu, b->gpu, sizeof a->gpu) == 0 &&
	       a->ntasks == b->ntasks &&
	       memcmp(a->task, b->task, (size_t)a->ntasks * sizeof *a->task) == 0 &&
	       a->ndep == b->ndep && memcmp(a->dep, b->dep, (size_t)a->ndep * sizeof *a->dep) == 0;
}

/* The record of all that is `back` before its newest. */
static const struct layer_record *from_end(const struct history *all, int back)
{
	return history_get(all, back);
}

/* The sim's ring holds the newest SIM_HISTORY_ITERS iterations, equal to a
 * full recording; small rings wrap and truncate like a list would. */
static void ring_wraps_and_truncates_like_a_list(void)
{
	struct sim s;
	struct history all, small;
	const struct history *h;
	int layers, total;

	CU_ASSERT_EQUAL_FATAL(init_sim(&s, SCHED_SIEVE, 2, 16, SIM_HISTORY_ITERS + 2), 0);
	CU_ASSERT_EQUAL_FATAL(run_recording(&s, &all), 0);
	h = sim_history(&s);
	layers = s.model.layers;
	total = history_len(&all);
	CU_ASSERT_EQUAL(total, (SIM_HISTORY_ITERS + 2) * layers);
	CU_ASSERT_EQUAL(history_len(h), SIM_HISTORY_ITERS * layers);
	for (int b = 0; b < history_len(h); b++)
		CU_ASSERT_TRUE(same_record(history_get(h, b), from_end(&all, b)));
	CU_ASSERT_PTR_NULL(history_get(h, history_len(h)));
	CU_ASSERT_PTR_NULL(history_get(h, -1));
	CU_ASSERT_PTR_NULL(history_find(h, 0, 0));	/* dropped */
	CU_ASSERT_PTR_NULL(history_find(h, 1, layers - 1));
	CU_ASSERT_PTR_EQUAL(history_find(h, 2, 0), history_get(h, history_len(h) - 1));
	CU_ASSERT_PTR_EQUAL(history_find(h, 5, 7), history_get(h, layers - 1 - 7));
	CU_ASSERT_PTR_NULL(history_find(h, 6, 0));	/* never simulated */

	/* capacities 1, 5 and 7 against the list */
	for (int cap = 1; cap <= 7; cap += cap == 1 ? 4 : 2) {
		int n = 0;
		history_init(&small, cap);
		for (int i = total - 1; i >= 0; i--, n++) {
			history_append(&small, from_end(&all, i));
			CU_ASSERT_EQUAL(history_len(&small), n + 1 < cap ? n + 1 : cap);
		}
		for (int b = 0; b < cap; b++)
			CU_ASSERT_TRUE(same_record(history_get(&small, b), from_end(&all, b)));
		if (cap == 7) {
			/* drop the 3 newest, re-append them: the same ring again */
			const struct layer_record *third = from_end(&all, 2);
			history_truncate(&small, third->iter, third->layer);
			CU_ASSERT_EQUAL(history_len(&small), 4);
			CU_ASSERT_TRUE(same_record(history_get(&small, 0), from_end(&all, 3)));
			CU_ASSERT_PTR_NULL(history_find(&small, third->iter, third->layer));
			for (int b = 2; b >= 0; b--)
				history_append(&small, from_end(&all, b));
			for (int b = 0; b < cap; b++)
				CU_ASSERT_TRUE(same_record(history_get(&small, b), from_end(&all, b)));
			history_truncate(&small, 99, 0);	/* after everything: nothing */
			CU_ASSERT_EQUAL(history_len(&small), 7);
			history_truncate(&small, 0, 0);		/* before everything: all */
			CU_ASSERT_EQUAL(history_len(&small), 0);
			CU_ASSERT_PTR_NULL(history_get(&small, 0));
			history_append(&small, from_end(&all, 0));
			CU_ASSERT_TRUE(same_record(history_get(&small, 0), from_end(&all, 0)));
		}
		history_release(&small);
	}
	history_release(&all);
	sim_release(&s);
}

static int holds_res(const struct engine_task *t, int res)
{
	for (int k = 0; k < t->nres; k++)
		if (t->res[k] == res)
			return 1;
	return 0;
}

/* history_tasks against a filter over every task of every record. */
static void task_windows_match_a_brute_force_filter(void)
{
	enum { MAX = 4096 };
	static const struct engine_task *got[MAX], *want[MAX];
	struct sim s;
	struct history all;
	double end;
	unsigned seed = 12345;

	CU_ASSERT_EQUAL_FATAL(init_sim(&s, SCHED_THRESHOLD, 2, 16, 2), 0);
	CU_ASSERT_EQUAL_FATAL(run_recording(&s, &all), 0);
	end = from_end(&all, 0)->end_ns;
	for (int trial = 0; trial < 400; trial++) {
		int res = trial % 3 == 0 ? -1 : (int)(trial % s.eng.nres), n = 0, m, max;
		double t0, t1;
		seed = seed * 1103515245u + 12345u;
		t0 = end * (seed >> 8) / (double)(1u << 24) - 1000;
		seed = seed * 1103515245u + 12345u;
		t1 = t0 + end * (seed >> 8) / (double)(1u << 24) / (trial % 5 == 0 ? 1 : 40);
		if (trial % 7 == 1) {	/* exactly on task boundaries */
			const struct layer_record *r = from_end(&all, trial % history_len(&all));
			t0 = r->task[0].end_ns;
			t1 = r->task[r->ntasks - 1].start_ns;
		}
		for (int b = history_len(&all) - 1; b >= 0; b--) {
			const struct layer_record *r = from_end(&all, b);
			for (int k = 0; k < r->ntasks; k++) {
				const struct engine_task *t = &r->task[k];
				int in = t->end_ns > t->start_ns ? t->start_ns < t1 && t->end_ns > t0
								 : t->start_ns >= t0 && t->start_ns < t1;
				if (in && (res < 0 || holds_res(t, res)) && n++ < MAX)
					want[n - 1] = t;
			}
		}
		max = trial % 4 == 0 ? n / 2 : MAX;	/* sometimes more than fit */
		m = history_tasks(&all, res, t0, t1, got, max);
		CU_ASSERT_EQUAL(m, n);
		CU_ASSERT_EQUAL(memcmp(got, want, (size_t)(m < max ? m : max) * sizeof *got), 0);
	}
	history_release(&all);
	sim_release(&s);
}

/* Every start and end of a recording, for sorting. */
struct ev {
	double t;
	int iter, layer, index, is_end;
};

static int ev_order(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->iter != y->iter)
		return x->iter - y->iter;
	if (x->layer != y->layer)
		return x->layer - y->layer;
	if (x->index != y->index)
		return x->index - y->index;
	return x->is_end - y->is_end;
}

static struct ev *all_events(const struct history *all, int *n)
{
	struct ev *v;
	int cap = 0;

	for (int b = 0; b < history_len(all); b++)
		cap += 2 * history_get(all, b)->ntasks;
	v = calloc((size_t)cap + 1, sizeof *v);
	*n = 0;
	for (int b = history_len(all) - 1; b >= 0; b--) {
		const struct layer_record *r = history_get(all, b);
		for (int k = 0; k < r->ntasks; k++) {
			v[(*n)++] = (struct ev){r->task[k].start_ns, r->iter, r->layer, k, 0};
			v[(*n)++] = (struct ev){r->task[k].end_ns, r->iter, r->layer, k, 1};
		}
	}
	qsort(v, (size_t)*n, sizeof *v, ev_order);
	return v;
}

static int same_event(const struct history_event *e, const struct ev *v)
{
	return e->t_ns == v->t && e->iter == v->iter && e->layer == v->layer &&
	       e->index == v->index && e->is_end == v->is_end && e->task != NULL &&
	       e->task->iter == v->iter && e->task->layer == v->layer &&
	       (v->is_end ? e->task->end_ns : e->task->start_ns) == v->t;
}

/* Stepping forward and back visits the sorted list of every start and end,
 * and that order is causal: a task starts after its dependencies end. */
static void event_stepping_visits_every_start_and_end_in_order(void)
{
	struct sim s;
	struct history all;
	struct history_event from = {-1, INT_MIN, INT_MIN, INT_MIN, 0, NULL}, ev;
	struct ev *v;
	int n, i, *base, *end_at, layers;
	double at, t;
	int is_end;
	const struct engine_task *task;

	CU_ASSERT_EQUAL_FATAL(init_sim(&s, SCHED_SIEVE, 2, 8, 2), 0);
	CU_ASSERT_EQUAL_FATAL(run_recording(&s, &all), 0);
	v = all_events(&all, &n);
	CU_ASSERT_FATAL(n > 1000);
	for (i = 0; i < n && history_event_next(&all, &from, &ev); i++) {
		CU_ASSERT_TRUE(same_event(&ev, &v[i]));
		from = ev;
	}
	CU_ASSERT_EQUAL(i, n);
	CU_ASSERT_FALSE(history_event_next(&all, &from, &ev));
	for (i = n - 2; i >= 0 && history_event_prev(&all, &from, &ev); i--) {
		CU_ASSERT_TRUE(same_event(&ev, &v[i]));
		from = ev;
	}
	CU_ASSERT_EQUAL(i, -1);
	CU_ASSERT_FALSE(history_event_prev(&all, &from, &ev));

	/* by time: the first event of each distinct time, forward and back */
	at = -1;
	for (i = 0; i < n;) {
		CU_ASSERT_FATAL(history_next_event(&all, at, &at, &is_end, &task) == 1);
		CU_ASSERT_EQUAL(at, v[i].t);
		CU_ASSERT_EQUAL(is_end, v[i].is_end);
		while (i < n && v[i].t == at)
			i++;
	}
	CU_ASSERT_EQUAL(history_next_event(&all, at, &at, &is_end, &task), 0);
	for (i = n - 1, t = INFINITY; i >= 0;) {
		CU_ASSERT_FATAL(history_prev_event(&all, t, &at, &is_end, &task) == 1);
		CU_ASSERT_EQUAL(at, v[i].t);
		CU_ASSERT_EQUAL(is_end, v[i].is_end);	/* the last event at that time */
		t = at;
		while (i >= 0 && v[i].t == t)
			i--;
	}
	CU_ASSERT_EQUAL(history_prev_event(&all, t, &at, &is_end, &task), 0);

	/* causal: in the list, each start comes after its dependencies' ends */
	layers = s.model.layers;
	base = calloc((size_t)history_len(&all) + 1, sizeof *base);
	end_at = calloc((size_t)n, sizeof *end_at);
	for (int k = 0; k < history_len(&all); k++)
		base[k + 1] = base[k] + history_get(&all, history_len(&all) - 1 - k)->ntasks;
	for (i = 0; i < n; i++)
		if (v[i].is_end)
			end_at[base[v[i].iter * layers + v[i].layer] + v[i].index] = i;
	for (i = 0; i < n; i++) {
		const struct layer_record *r = history_find(&all, v[i].iter, v[i].layer);
		const struct engine_task *tk = &r->task[v[i].index];
		for (int d = 0; d < tk->ndeps && !v[i].is_end; d++)
			CU_ASSERT(end_at[base[v[i].iter * layers + v[i].layer] + r->dep[tk->dep0 + d]] < i);
	}
	free(base);
	free(end_at);
	free(v);
	history_release(&all);
	sim_release(&s);
}

/* sim_step_event from the start of a fresh run simulates as it goes and
 * visits the same events as the sorted list of a recorded run. */
static void step_event_crosses_layers(void)
{
	struct sim rec, s;
	struct history all;
	struct ev *v;
	int n, i = 0, rc, layers_seen = 0, last_layer = -1;
	double t = -1;
	int is_end = 0;
	const struct engine_task *task = NULL;

	CU_ASSERT_EQUAL_FATAL(init_sim(&rec, SCHED_DUPLEX, 2, 8, 2), 0);
	CU_ASSERT_EQUAL_FATAL(run_recording(&rec, &all), 0);
	v = all_events(&all, &n);
	CU_ASSERT_EQUAL_FATAL(init_sim(&s, SCHED_DUPLEX, 2, 8, 2), 0);
	while ((rc = sim_step_event(&s, &t, &task, &is_end)) == 1 && i < n) {
		const struct layer_record *r = history_find(sim_history(&s), task->iter, task->layer);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_TRUE(t == v[i].t && is_end == v[i].is_end && task->iter == v[i].iter &&
			       task->layer == v[i].layer && task - r->task == v[i].index);
		/* the simulation runs only as far as the events need */
		CU_ASSERT_PTR_EQUAL(history_get(sim_history(&s), 0), r);
		if (task->layer != last_layer) {
			layers_seen++;
			last_layer = task->layer;
		}
		i++;
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(i, n);
	CU_ASSERT_TRUE(sim_done(&s));
	CU_ASSERT(layers_seen >= 2 * s.model.layers);	/* every layer of both iterations */
	/* a time alone: strictly after it */
	t = v[n / 2].t;
	task = NULL;
	CU_ASSERT_EQUAL(sim_step_event(&s, &t, &task, &is_end), 1);
	CU_ASSERT(t > v[n / 2].t);
	free(v);
	history_release(&all);
	sim_release(&rec);
	sim_release(&s);
}

/* What-if with the run's own policy reproduces its decisions (deepseek-v2-lite:
 * shared experts keep GPUs busy after the dispatch, a dense first layer);
 * other policies follow their rules on the same token counts. */
static void what_if_reproduces_the_run(void)
{
	static const int policies[] = {SCHED_SIEVE, SCHED_DUPLEX, SCHED_THRESHOLD, SCHED_GPU,
				       SCHED_PIM};

	for (size_t k = 0; k < sizeof policies / sizeof policies[0]; k++) {
		struct sim s;
		const struct history *h;
		struct sched_expert *out;
		int n, checked = 0;

		CU_ASSERT_EQUAL_FATAL(init_model_sim(&s, "deepseek-v2-lite", policies[k], 3, 32, 1), 0);
		CU_ASSERT_EQUAL_FATAL(sim_run(&s), 0);
		h = sim_history(&s);
		out = calloc((size_t)s.model.experts + 1, sizeof *out);
		for (int b = 0; b < history_len(h); b++) {
			const struct layer_record *r = history_get(h, b);
			CU_ASSERT_EQUAL(sim_what_if(&s, r, r->sched, r->tau, out, &n), 0);
			CU_ASSERT_EQUAL(n, r->ndecisions);
			CU_ASSERT_EQUAL(memcmp(out, r->decision, (size_t)n * sizeof *out), 0);
			checked += n > 0;
			CU_ASSERT_EQUAL(sim_what_if(&s, r, SCHED_THRESHOLD, 1, out, &n), 0);
			for (int i = 0; i < n; i++)
				CU_ASSERT_EQUAL(out[i].on_pim, out[i].tokens <= 1);
			CU_ASSERT_EQUAL(sim_what_if(&s, r, SCHED_GPU, 0, out, &n), 0);
			for (int i = 0; i < n; i++)
				CU_ASSERT_EQUAL(out[i].on_pim, 0);
		}
		CU_ASSERT(checked == s.model.layers - s.model.first_dense);
		CU_ASSERT_EQUAL(sim_what_if(&s, history_get(h, 0), SCHED_NPOLICIES, 0, out, &n), -1);
		CU_ASSERT_PTR_NOT_NULL(sim_error(&s));
		free(out);
		sim_release(&s);
	}
}

/* Each layer's critical path is one gap-free chain from its start to its end. */
static void critical_path_is_a_chain_from_start_to_end(void)
{
	struct sim s;
	const struct history *h;

	CU_ASSERT_EQUAL_FATAL(init_sim(&s, SCHED_SIEVE, 2, 64, 1), 0);
	CU_ASSERT_EQUAL_FATAL(sim_run(&s), 0);
	h = sim_history(&s);
	for (int b = 0; b < history_len(h); b++) {
		const struct layer_record *r = history_get(h, b);
		const struct engine_task *prev = NULL;
		for (int k = 0; k < r->ntasks; k++) {	/* issue order is chain order */
			const struct engine_task *t = &r->task[k];
			int linked = 0;
			if (!t->crit)
				continue;
			if (prev == NULL) {	/* the layer's start, but for rounding */
				CU_ASSERT_DOUBLE_EQUAL(t->start_ns, r->start_ns, 1e-6);
			} else {
				CU_ASSERT_EQUAL(t->start_ns, prev->end_ns);
				for (int d = 0; d < t->ndeps; d++)
					linked |= &r->task[r->dep[t->dep0 + d]] == prev;
				for (int i = 0; i < t->nres; i++)
					linked |= holds_res(prev, t->res[i]);
				CU_ASSERT_TRUE(linked);
			}
			prev = t;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(prev);
		CU_ASSERT_EQUAL(prev->end_ns, r->end_ns);
	}
	sim_release(&s);
}

/*
 * A record by hand, with zero-length tasks (an all-to-all with no bytes):
 * A [0,5] on r0; B [5,5] on r1 after A; C [5,8] on r0 after B; D [8,8] on
 * r1 after C, the layer's last task.
 */
static void zero_length_tasks_by_hand(void)
{
	static const double span[4][2] = {{0, 5}, {5, 5}, {5, 8}, {8, 8}};
	struct engine_task task[4];
	int dep[3] = {0, 1, 2};
	struct layer_record r;
	struct history h;
	const struct engine_task *out[4];
	struct history_event from = {-1, INT_MIN, INT_MIN, INT_MIN, 0, NULL}, ev;
	/* (time, task, is_end) in order: at 5, A ends, then B starts and ends, then C starts */
	static const int want[8][3] = {{0, 0, 0}, {5, 0, 1}, {5, 1, 0}, {5, 1, 1}, {5, 2, 0},
				       {8, 2, 1}, {8, 3, 0}, {8, 3, 1}};
	int n = 0;

	memset(&r, 0, sizeof r);
	memset(task, 0, sizeof task);
	for (int k = 0; k < 4; k++) {
		task[k].nres = 1;
		task[k].res[0] = k % 2;
		task[k].start_ns = span[k][0];
		task[k].end_ns = span[k][1];
		task[k].dur_ns = span[k][1] - span[k][0];
		task[k].dep0 = k - 1;
		task[k].ndeps = k > 0;
		task[k].expert = -1;
	}
	r.iter = 0;
	r.layer = 3;
	r.start_ns = 0;
	r.end_ns = 8;
	r.task = task;
	r.ntasks = 4;
	r.dep = dep;
	r.ndep = 3;
	history_init(&h, 2);
	history_append(&h, &r);
	while (history_event_next(&h, &from, &ev) && n < 8) {
		CU_ASSERT_EQUAL(ev.t_ns, want[n][0]);
		CU_ASSERT_EQUAL(ev.index, want[n][1]);
		CU_ASSERT_EQUAL(ev.is_end, want[n][2]);
		from = ev;
		n++;
	}
	CU_ASSERT_EQUAL(n, 8);
	/* windows: zero-length tasks count where they sit, [t0, t1) */
	CU_ASSERT_EQUAL(history_tasks(&h, -1, 5, 6, out, 4), 2);	/* B, C (A ends at 5) */
	CU_ASSERT_PTR_EQUAL(out[0], &history_get(&h, 0)->task[1]);
	CU_ASSERT_EQUAL(history_tasks(&h, -1, 8, 9, out, 4), 1);	/* D, at the layer's end */
	CU_ASSERT_PTR_EQUAL(out[0], &history_get(&h, 0)->task[3]);
	CU_ASSERT_EQUAL(history_tasks(&h, 1, 0, 5, out, 4), 0);	/* B sits at 5: outside */
	CU_ASSERT_EQUAL(history_tasks(&h, 0, 4.5, 5.5, out, 4), 2);	/* A, C */
	/* the critical path: all four, D ending the layer */
	for (int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(history_get(&h, 0)->task[k].crit, 1);
	history_release(&h);
}

/* The policy table names every policy once; names, config and lookup agree. */
static void policy_table_round_trips_names(void)
{
	const struct field *f = field_find(&config_field_table, NULL, "sched");
	struct sim_config cfg;
	struct err e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_EQUAL(f->choices, sched_policy_names);
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		const struct sched_policy_info *pi = &sched_policies[p];
		CU_ASSERT_STRING_EQUAL(sched_policy_names[p], pi->name);
		CU_ASSERT_EQUAL(sched_policy_find(pi->name), p);
		CU_ASSERT(pi->help != NULL && strlen(pi->help) > 10);
		CU_ASSERT_PTR_NOT_NULL(pi->partition);
		CU_ASSERT_EQUAL(sched_needs_pim_costs(p), pi->needs_pim_costs);
		memset(&cfg, 0, sizeof cfg);
		CU_ASSERT_EQUAL(field_set(f, &cfg, pi->name, &e), 0);
		CU_ASSERT_EQUAL(cfg.sched, p);
		CU_ASSERT_STRING_EQUAL(config_sched_name(p), pi->name);
	}
	CU_ASSERT_PTR_NULL(sched_policy_names[SCHED_NPOLICIES]);
	CU_ASSERT_EQUAL(sched_policy_find("fast"), -1);
	CU_ASSERT_EQUAL(sched_policy_find("sieve"), SCHED_SIEVE);
	CU_ASSERT_EQUAL(sched_policy_find("threshold"), SCHED_THRESHOLD);
}

void test_history_register(void)
{
	static const struct test_case cases[] = {
		{"ring wraps and truncates like a list", ring_wraps_and_truncates_like_a_list},
		{"task windows match a brute-force filter", task_windows_match_a_brute_force_filter},
		{"event stepping visits every start and end in order",
		 event_stepping_visits_every_start_and_end_in_order},
		{"sim_step_event crosses layers", step_event_crosses_layers},
		{"what-if with the run's policy reproduces the run", what_if_reproduces_the_run},
		{"critical path is a chain from start to end", critical_path_is_a_chain_from_start_to_end},
		{"zero-length tasks by hand", zero_length_tasks_by_hand},
		{"policy table round-trips names", policy_table_round_trips_names},
		{NULL, NULL},
	};
	tests_add_suite("history", cases);
}
