/*
 * test_rewind.c - moving back and forth in a simulation (sim_rewind) and
 * live parameter changes (sim_configure), timeline.c.
 *
 * The reference is always a fresh simulation stepped forward to the same
 * position with the same changes made at the same positions: a rewound
 * simulation must hold exactly its state, byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "tests.h"
#include "testutil.h"

/* A live change: set field to value on arriving at (iter, layer). */
struct change {
	int iter, layer;
	const char *field, *value;
};

/* The script of every test below: changes at two positions, two at the second. */
static const struct change script[] = {
	{1, 10, "sched", "threshold"},
	{1, 10, "tau", "3"},
	{2, 5, "context", "8192"},
	{2, 5, "seed", "9"},
	{2, 5, "sched", "sieve"},
};
#define NSCRIPT (int)(sizeof script / sizeof script[0])

static int at(const struct sim *s, int iter, int layer)
{
	return s->iter == iter && s->layer == layer;
}

static int configure(struct sim *s, const char *field, const char *value, struct err *e)
{
	struct sim_config cfg = s->cfg;

	if (fields_set(&config_field_table, &cfg, field, value, e) != 0)
		return -1;
	return sim_configure(s, &cfg, e);
}

/* Step s forward to (iter, layer), making the script's changes where they belong. */
static void step_to(struct sim *s, int iter, int layer)
{
	struct err e;

	for (;;) {
		for (int i = 0; i < NSCRIPT; i++)
			if (at(s, script[i].iter, script[i].layer))
				CU_ASSERT_EQUAL(configure(s, script[i].field, script[i].value, &e), 0);
		if (at(s, iter, layer) || !sim_step_layer(s))
			break;
	}
	CU_ASSERT_TRUE(at(s, iter, layer));
}

/* The default scenario, 4 iterations; sharing pim's memo when pim is not NULL. */
static int start(struct sim *s, struct pimcost *pim)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0 ||
	    (cfg.iters = 4, sim_init_shared(s, &cfg, TEST_DATADIR, pim, &e)) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	return 0;
}

/* A fresh simulation stepped to (iter, layer) with the script. */
static int fresh_at(struct sim *s, struct pimcost *pim, int iter, int layer)
{
	if (start(s, pim) != 0)
		return -1;
	step_to(s, iter, layer);
	return 0;
}

#define SAME(a, b, n) CU_ASSERT_EQUAL(memcmp((a), (b), (n)), 0)

/* Two records of the same layer, byte for byte. */
static void assert_same_record(const struct layer_record *a, const struct layer_record *b)
{
	CU_ASSERT_EQUAL(a->iter, b->iter);
	CU_ASSERT_EQUAL(a->layer, b->layer);
	CU_ASSERT_EQUAL(a->sched, b->sched);
	CU_ASSERT_EQUAL(a->tau, b->tau);
	SAME(&a->start_ns, &b->start_ns, 2 * sizeof a->start_ns);
	SAME(&a->result, &b->result, sizeof a->result);
	SAME(a->counts, b->counts, (size_t)a->experts * sizeof *a->counts);
	CU_ASSERT_EQUAL_FATAL(a->ndecisions, b->ndecisions);
	SAME(a->decision, b->decision, (size_t)a->ndecisions * sizeof *a->decision);
	SAME(a->gpu, b->gpu, sizeof a->gpu);
	CU_ASSERT_EQUAL_FATAL(a->ntasks, b->ntasks);
	SAME(a->task, b->task, (size_t)a->ntasks * sizeof *a->task);
	CU_ASSERT_EQUAL_FATAL(a->ndep, b->ndep);
	if (a->ndep > 0)
		SAME(a->dep, b->dep, (size_t)a->ndep * sizeof *a->dep);
}

/*
 * The kept past of a (rewound) is consistent: the newest record is the
 * layer just simulated, and every record it holds equals b's (fresh) of
 * the same layer (a may hold fewer: older records dropped from a full ring
 * do not come back).
 */
static void assert_same_history(const struct sim *a, const struct sim *b)
{
	const struct history *ha = sim_history(a), *hb = sim_history(b);

	CU_ASSERT(history_len(ha) <= history_len(hb));
	CU_ASSERT_EQUAL(history_len(ha) > 0, b->last_layer >= 0);
	for (int i = 0; i < history_len(ha); i++) {
		const struct layer_record *ra = history_get(ha, i);
		const struct layer_record *rb = history_find(hb, ra->iter, ra->layer);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
		if (i == 0)
			CU_ASSERT_PTR_EQUAL(rb, history_get(hb, 0));
		assert_same_record(ra, rb);
	}
}

/* Everything stepping accumulates or leaves behind, byte for byte. */
static void assert_same_state(const struct sim *a, const struct sim *b)
{
	size_t E = (size_t)a->model.experts;

	CU_ASSERT_EQUAL(a->iter, b->iter);
	CU_ASSERT_EQUAL(a->layer, b->layer);
	CU_ASSERT_EQUAL(a->last_layer, b->last_layer);
	SAME(&a->now_ns, &b->now_ns, sizeof a->now_ns);
	SAME(&a->end_ns, &b->end_ns, sizeof a->end_ns);
	SAME(a->micro_ready_ns, b->micro_ready_ns, sizeof a->micro_ready_ns);
	SAME(&a->iter_ns_sum, &b->iter_ns_sum, sizeof a->iter_ns_sum);
	SAME(&a->iter_ns_cur, &b->iter_ns_cur, sizeof a->iter_ns_cur);
	SAME(&a->est_err_sum, &b->est_err_sum, sizeof a->est_err_sum);
	CU_ASSERT_EQUAL(a->est_err_n, b->est_err_n);
	CU_ASSERT_EQUAL(a->iters_done, b->iters_done);
	SAME(a->layer_sum, b->layer_sum, (size_t)a->model.layers * sizeof *a->layer_sum);
	SAME(&a->last, &b->last, sizeof a->last);
	SAME(a->counts, b->counts, E * sizeof *a->counts);
	SAME(a->assign, b->assign, (size_t)a->cfg.batch * (size_t)a->model.top_k * sizeof *a->assign);
	SAME(a->gpu, b->gpu, sizeof a->gpu);
	CU_ASSERT_EQUAL_FATAL(a->ndecisions, b->ndecisions);
	SAME(a->decision, b->decision, (size_t)a->ndecisions * sizeof *a->decision);
	CU_ASSERT_EQUAL_FATAL(a->eng.nres, b->eng.nres);
	for (int r = 0; r < a->eng.nres; r++) {
		SAME(&a->eng.res[r].free_ns, &b->eng.res[r].free_ns, sizeof(double));
		SAME(&a->eng.res[r].busy_ns, &b->eng.res[r].busy_ns, sizeof(double));
	}
	CU_ASSERT_EQUAL_FATAL(a->eng.ntasks, b->eng.ntasks);
	if (a->eng.ntasks > 0)	/* none at (0, 0), maybe not even an array */
		SAME(a->eng.task, b->eng.task, (size_t)a->eng.ntasks * sizeof *a->eng.task);
	CU_ASSERT_EQUAL(a->layer_first_task, b->layer_first_task);
	/* the parameters in force */
	CU_ASSERT_EQUAL(a->cfg.sched, b->cfg.sched);
	CU_ASSERT_EQUAL(a->cfg.tau, b->cfg.tau);
	CU_ASSERT_EQUAL(a->cfg.context, b->cfg.context);
	CU_ASSERT_EQUAL(a->cfg.seed, b->cfg.seed);
	CU_ASSERT_EQUAL(a->cfg.iters, b->cfg.iters);
	assert_same_history(a, b);
}

/* Rewind a to (iter, layer) and compare with a fresh run there. */
static void rewind_and_compare(struct sim *a, int iter, int layer)
{
	struct sim_mark m = {iter, layer};
	struct sim b;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(sim_rewind(a, &m, &e), 0);
	CU_ASSERT_EQUAL_FATAL(fresh_at(&b, a->pim, iter, layer), 0);
	assert_same_state(a, &b);
	sim_release(&b);
}

/*
 * Run to the end with the changes, then go back: between the two change
 * points, before both, onto a change point, to the start; each time the
 * state is that of a fresh run, and stepping on replays the changes.
 */
static void rewind_across_changes_equals_a_fresh_run(void)
{
	struct sim a, b;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	step_to(&a, 4, 0);
	CU_ASSERT_TRUE(sim_done(&a));

	rewind_and_compare(&a, 1, 20);	/* after the first change: in force */
	CU_ASSERT_EQUAL(a.cfg.sched, SCHED_THRESHOLD);
	CU_ASSERT_EQUAL(a.cfg.tau, 3);
	CU_ASSERT_EQUAL(a.cfg.seed, 1);
	rewind_and_compare(&a, 0, 30);	/* before both */
	CU_ASSERT_EQUAL(a.cfg.sched, SCHED_SIEVE);
	CU_ASSERT_EQUAL(a.cfg.tau, 2);
	rewind_and_compare(&a, 2, 5);	/* onto a change point: in force there */
	CU_ASSERT_EQUAL(a.cfg.context, 8192);
	rewind_and_compare(&a, 2, 4);	/* the layer before it */
	CU_ASSERT_EQUAL(a.cfg.context, 4096);
	rewind_and_compare(&a, 0, 0);

	/* stepping on from the start replays both changes where they were made */
	sim_run(&a);
	CU_ASSERT_EQUAL_FATAL(fresh_at(&b, a.pim, 4, 0), 0);
	assert_same_state(&a, &b);
	CU_ASSERT_EQUAL(a.cfg.seed, 9);
	sim_release(&b);
	sim_release(&a);
}

/*
 * Forward "rewinds": from the state at hand, and through held checkpoints,
 * replaying the changes logged ahead.
 */
static void forward_rewind_equals_stepping(void)
{
	struct sim a;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	rewind_and_compare(&a, 0, 7);	/* nothing logged ahead yet */
	step_to(&a, 4, 0);
	rewind_and_compare(&a, 0, 5);
	rewind_and_compare(&a, 1, 30);	/* across the first change */
	rewind_and_compare(&a, 3, 47);	/* across the second */
	rewind_and_compare(&a, 0, 1);
	rewind_and_compare(&a, 3, 2);	/* checkpoints of iterations 1..3 are held */
	rewind_and_compare(&a, 4, 0);	/* the end */
	rewind_and_compare(&a, 4, 0);	/* where it is: nothing to do */
	sim_release(&a);
}

/*
 * A change is an independent fact: after `seed` changes at (1, 0), the
 * routing of every later layer is that of a run started with the new seed
 * (routing is a pure function of seed, iteration and layer).
 */
static void new_seed_routes_like_a_run_started_with_it(void)
{
	struct sim a, b;
	struct sim_config cfg;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	cfg = a.cfg;
	cfg.seed = 9;
	CU_ASSERT_EQUAL_FATAL(sim_init_shared(&b, &cfg, TEST_DATADIR, a.pim, &e), 0);
	sim_step_iter(&a);
	sim_step_iter(&b);
	CU_ASSERT_EQUAL_FATAL(sim_configure(&a, &cfg, &e), 0);
	for (int l = 0; l < a.model.layers; l++) {
		sim_step_layer(&a);
		sim_step_layer(&b);
		SAME(a.counts, b.counts, (size_t)a.model.experts * sizeof *a.counts);
	}
	sim_release(&b);
	sim_release(&a);
}

/* Every refused change or position leaves s as it was, future included. */
static void errors_change_nothing(void)
{
	static const struct {
		const char *field, *value, *named;	/* named: what the message names */
	} bad[] = {
		{"model", "gpt-oss-120b", "model"},
		{"hw", "h100x8-pim", "hw"},
		{"routing", "trace:dsv2lite_law", "routing"},
		{"batch", "32", "batch"},
		{"iters", "1", "iters"},	/* the run is in iteration 1 */
	};
	static const struct sim_mark nowhere[] = {
		{0, 48}, {0, -1}, {-1, 0}, {4, 1}, {5, 0},
	};
	struct sim a, b;
	struct sim_config cfg;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(fresh_at(&b, a.pim, 1, 12), 0);
	step_to(&a, 4, 0);
	rewind_and_compare(&a, 1, 12);	/* the change at (2, 5) is ahead, logged */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(configure(&a, bad[i].field, bad[i].value, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].named));
		assert_same_state(&a, &b);
	}
	cfg = a.cfg;
	cfg.tau = 2000000;	/* beyond the table's range */
	CU_ASSERT_EQUAL(sim_configure(&a, &cfg, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "tau"));
	cfg = a.cfg;
	cfg.sched = 99;
	CU_ASSERT_EQUAL(sim_configure(&a, &cfg, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sched"));
	for (size_t i = 0; i < sizeof nowhere / sizeof nowhere[0]; i++) {
		CU_ASSERT_EQUAL(sim_rewind(&a, &nowhere[i], &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no such position"));
		assert_same_state(&a, &b);
	}
	/* the logged future survived: stepping on makes the change at (2, 5) */
	sim_run(&a);
	step_to(&b, 4, 0);
	assert_same_state(&a, &b);
	sim_release(&b);
	sim_release(&a);
}

/* A change made after a rewind rewrites the future: later changes are dropped. */
static void change_after_rewind_rewrites_the_future(void)
{
	struct sim a, b;
	struct sim_mark m = {2, 0};
	struct err e;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(start(&b, a.pim), 0);
	step_to(&a, 4, 0);
	CU_ASSERT_EQUAL_FATAL(sim_rewind(&a, &m, &e), 0);
	CU_ASSERT_EQUAL_FATAL(configure(&a, "tau", "5", &e), 0);
	sim_run(&a);
	/* b: the script up to (2, 0), then tau 5 there and nothing else */
	step_to(&b, 2, 0);
	CU_ASSERT_EQUAL_FATAL(configure(&b, "tau", "5", &e), 0);
	sim_run(&b);
	assert_same_state(&a, &b);
	CU_ASSERT_EQUAL(a.cfg.context, 4096);	/* the change at (2, 5) is gone */
	sim_release(&b);
	sim_release(&a);
}

/* Replay hits the PIM memo only: its misses do not grow going back and forth. */
static void replay_keeps_the_memo(void)
{
	struct sim a;
	struct sim_mark m = {0, 0};
	struct err e;
	long long misses;

	CU_ASSERT_EQUAL_FATAL(start(&a, NULL), 0);
	step_to(&a, 4, 0);
	misses = a.pim->pim.memo_misses;
	CU_ASSERT(misses > 0);
	CU_ASSERT_EQUAL(sim_rewind(&a, &m, &e), 0);
	m.iter = 4;
	CU_ASSERT_EQUAL(sim_rewind(&a, &m, &e), 0);
	CU_ASSERT_EQUAL(a.pim->pim.memo_misses, misses);
	sim_release(&a);
}

/*
 * Synthetic routing on a 2-layer model whose file is overwritten after
 * init (a rewind that read it again would fail); 1200 iterations, more
 * than the checkpoints held, so they thin out, and going back to an early
 * iteration still gives the state a fresh run has.
 */
static const char *small_model(const char *experts)
{
	char text[1024];

	snprintf(text, sizeof text,
		 "[model]\nlayers = 2\nhidden = 64\nexpert_inter = 32\nexperts = %s\ntop_k = 2\n"
		 "shared_experts = 0\nexpert_weight_bytes = 1\nweight_bytes = 1\nact_bytes = 1\n"
		 "[attention]\nq_heads = 1\nkv_heads = 1\nhead_dim = 8\nkv_bytes = 1\n"
		 "layout = full\n[routing]\nrouting_skew = 1\nrouting_affinity = 1\n"
		 "routing_clusters = 2\nrouting_drift = 0.5\nrouting_drift_iters = 10\n",
		 experts);
	return test_write_file("rewind-model.ini", text);
}

static void long_runs_thin_checkpoints_and_read_no_file(void)
{
	struct sim_config cfg;
	struct sim a, b;
	struct sim_mark m = {7, 1};
	struct err e;
	int n;

	CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
	snprintf(cfg.model, sizeof cfg.model, "%s", small_model("8"));
	cfg.batch = 8;
	cfg.iters = 1200;
	CU_ASSERT_EQUAL_FATAL(sim_init(&a, &cfg, TEST_DATADIR, &e), 0);
	CU_ASSERT_EQUAL_FATAL(sim_init_shared(&b, &cfg, TEST_DATADIR, a.pim, &e), 0);
	small_model("not a number");
	sim_run(&a);
	n = a.tl.nck;
	CU_ASSERT(n <= TIMELINE_CHECKPOINTS && n > TIMELINE_CHECKPOINTS / 2);
	/* the newest half: one per iteration, up to the last one reached */
	for (int i = n - TIMELINE_CHECKPOINTS / 2; i < n; i++)
		CU_ASSERT_EQUAL(a.tl.ck[i].iter, 1200 - (n - 1 - i));
	CU_ASSERT_EQUAL(a.tl.ck[0].iter, 0);
	CU_ASSERT_EQUAL_FATAL(sim_rewind(&a, &m, &e), 0);
	while (!at(&b, 7, 1))
		sim_step_layer(&b);
	assert_same_state(&a, &b);
	sim_release(&b);
	sim_release(&a);
}

/*
 * With micro-batches a layer ends while the next one's first micro-batch
 * may already have started: the checkpoints hold when each micro-batch may
 * start, and a rewind between checkpoints gives a fresh run's state.
 */
static void micro_batches_rewind_byte_for_byte(void)
{
	struct sim_config cfg;
	struct sim_mark m = {1, 11};
	struct sim a, b;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(config_defaults(&cfg, TEST_DATADIR, &e), 0);
	cfg.iters = 2;
	cfg.micro = 2;
	CU_ASSERT_EQUAL_FATAL(sim_init(&a, &cfg, TEST_DATADIR, &e), 0);
	CU_ASSERT_EQUAL_FATAL(sim_init_shared(&b, &cfg, TEST_DATADIR, a.pim, &e), 0);
	sim_run(&a);
	CU_ASSERT_EQUAL_FATAL(sim_rewind(&a, &m, &e), 0);
	while (!at(&b, m.iter, m.layer) && sim_step_layer(&b))
		;
	assert_same_state(&a, &b);
	CU_ASSERT(a.micro_ready_ns[0] != a.micro_ready_ns[1]);
	sim_release(&b);
	sim_release(&a);
}

void test_rewind_register(void)
{
	static const struct test_case cases[] = {
		{"rewind across changes equals a fresh run", rewind_across_changes_equals_a_fresh_run},
		{"forward rewind equals stepping", forward_rewind_equals_stepping},
		{"a new seed routes like a run started with it",
		 new_seed_routes_like_a_run_started_with_it},
		{"errors change nothing", errors_change_nothing},
		{"a change after a rewind rewrites the future", change_after_rewind_rewrites_the_future},
		{"replay keeps the PIM memo", replay_keeps_the_memo},
		{"long runs thin checkpoints and read no file",
		 long_runs_thin_checkpoints_and_read_no_file},
		{"micro-batches rewind byte for byte", micro_batches_rewind_byte_for_byte},
		{NULL, NULL},
	};
	tests_add_suite("rewind", cases);
}
