/*
 * test_console.c - the command language (src/console.h) against the
 * simulator it drives: parameters round-trip through set and show, bad
 * input changes nothing (a full snapshot compared), save then source
 * reproduces a run byte for byte, a live change survives a rewind and
 * replay, and each breakpoint kind stops where a plain stepping loop over
 * the same run says it should.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "console_int.h"
#include "lines.h"
#include "pim.h"
#include "replay.h"
#include "report.h"
#include "tests.h"
#include "testutil.h"

/* --- a session whose output is kept --- */

static struct lines out;

/* A session of iters iterations printing to out, with progress hook progress (may be NULL). */
static int open_session_with(struct console *c, int iters,
			     int (*progress)(void *, const struct console_progress *))
{
	struct console_hooks h = {.ctx = &out, .print = lines_keep, .progress = progress};
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0 ||
	    (cfg.iters = iters, console_init(c, &cfg, TEST_DATADIR, &h, &e)) != 0) {
		fprintf(stderr, "console_init: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int open_session(struct console *c, int iters)
{
	return open_session_with(c, iters, NULL);
}

static void clear_out(void)
{
	free(out.text);
	out.text = NULL;
	out.len = 0;
}

/* Run a line that must work. */
static void ok(struct console *c, const char *line)
{
	struct err e;

	if (console_exec(c, line, &e) != 0) {
		fprintf(stderr, "'%s': %s\n", line, e.msg);
		CU_FAIL("a command that should work failed");
	}
}

/* Everything a command may change, as text: parameters, breakpoints, notes, position, sums. */
static char *snapshot(struct console *c)
{
	struct sim *s = c->sim;
	char *snap;
	size_t n;

	clear_out();
	ok(c, "show all");
	ok(c, "info break");
	ok(c, "info notes");
	{
		char pos[256];
		snprintf(pos, sizeof pos, "%d %d %d %.17g %.17g %d %d", s->iter, s->layer, s->last_layer,
			 s->now_ns, s->iter_ns_sum, s->iters_done, s->tl.nchanges);
		lines_keep(&out, pos);
	}
	for (int l = 0; l < s->model.layers; l++) {
		char row[128];
		snprintf(row, sizeof row, "%.17g", s->layer_sum[l].total_ns);
		lines_keep(&out, row);
	}
	n = out.len;
	snap = xmalloc(n + 1);
	memcpy(snap, out.text, n + 1);
	clear_out();
	return snap;
}

/* The JSON report of c's simulation. */
static char *report_json(struct console *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_run(f, c->sim, FORMAT_JSON, NULL);
	fclose(f);
	return buf;
}

/* The two sessions have the same snapshot and the same JSON report. */
static void assert_same(struct console *a, struct console *b)
{
	char *sa = snapshot(a), *sb = snapshot(b), *ra = report_json(a), *rb = report_json(b);

	CU_ASSERT_STRING_EQUAL(sa, sb);
	CU_ASSERT_STRING_EQUAL(ra, rb);
	free(sa);
	free(sb);
	free(ra);
	free(rb);
}

/* Run the same lines on a and b. */
static void ok_both(struct console *a, struct console *b, const char *const *lines)
{
	for (; *lines != NULL; lines++) {
		ok(a, *lines);
		ok(b, *lines);
	}
}

/* --- tests --- */

static void test_param_names_unique(void)
{
	struct param p, q;
	size_t n = 0;

	for (size_t i = 0; param_at(i, &p); i++, n++)
		for (size_t j = i + 1; param_at(j, &q); j++)
			CU_ASSERT_STRING_NOT_EQUAL(p.f->name, q.f->name);
	CU_ASSERT(n == config_field_table.n + model_field_table.n + hw_field_table.n +
		  hbm_field_table.n);
	/* the minimum list */
	CU_ASSERT(param_find("sched", &p) && p.when == CONFIG_LIVE);
	CU_ASSERT(param_find("batch", &p) && p.when == CONFIG_RESTART);
	CU_ASSERT(param_find("pim_kind", &p) && param_find("power_limit", &p));
	CU_ASSERT(param_find("link_gbps", &p) && param_find("a2a_fixed_ns", &p));
	CU_ASSERT(param_find("stacks", &p) && p.scope == PARAM_HW);
}

/* The value `show NAME` prints: the word(s) after the name, before "  (". */
static int shown_value(struct console *c, const char *name, char *buf, size_t len)
{
	char line[300];
	const char *v, *end;

	clear_out();
	snprintf(line, sizeof line, "show %s", name);
	ok(c, line);
	if (out.text == NULL || strncmp(out.text, name, strlen(name)) != 0)
		return -1;
	for (v = out.text + strlen(name); *v == ' '; v++)
		;
	end = strstr(v, "  (");
	if (end == NULL)
		return -1;
	snprintf(buf, len, "%.*s", (int)(end - v), v);
	return 0;
}

/* Candidate new values of p: another choice, preset, or number in range. */
static int candidates(const struct param *p, const char *cur, char cand[][64])
{
	const struct field *f = p->f;
	double v = atof(cur), c[4];
	int n = 0;

	if (f->type == FIELD_ENUM) {
		for (int i = 0; f->choices[i] != NULL && n < 4; i++)
			if (strcmp(f->choices[i], cur) != 0)
				snprintf(cand[n++], 64, "%s", f->choices[i]);
		return n;
	}
	if (f->type == FIELD_STR) {
		static const struct {
			const char *name, *value;
		} strs[] = {{"model", "olmoe-1b-7b"}, {"hw", "h100x8-pim"},
			    {"routing", "trace:dsv2lite_law"}, {"speed", "0.9"}, {"layout", "full"},
			    {"gpu_speed", "0.9/0.95"}};
		for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
			if (strcmp(strs[i].name, f->name) == 0)
				snprintf(cand[n++], 64, "%s", strs[i].value);
		return n;
	}
	c[0] = v * 2;
	c[1] = v / 2;
	c[2] = v + 1;
	c[3] = v - 1;
	for (int i = 0; i < 4; i++) {
		double x = f->type == FIELD_INT ? floor(c[i]) : c[i];
		if (x >= f->min && x <= f->max && x != v)
			snprintf(cand[n++], 64, "%.10g", x);
	}
	return n;
}

static void test_set_show_roundtrip(void)
{
	struct console c;
	struct param p;
	int tried = 0, passed = 0;

	if (open_session(&c, 1) != 0) {
		CU_FAIL("session");
		return;
	}
	for (size_t i = 0; param_at(i, &p); i++) {
		static const struct {
			const char *name, *first, *undo;
		} needs[] = {	/* fields another field must allow */
			{"routing", "set model deepseek-v2-lite", "reset model"},
			{"first_dense", "set dense_inter 4096", "reset dense_inter"},
			{"shared_experts", "set shared_inter 768", "reset shared_inter"},
		};
		char cur[300], got[300], want[400], line[400], cand[4][64];
		const char *undo = NULL;
		int n, done = 0;
		struct err e;

		CU_ASSERT_FATAL(shown_value(&c, p.f->name, cur, sizeof cur) == 0);
		n = candidates(&p, cur, cand);
		tried++;
		for (size_t k = 0; k < sizeof needs / sizeof needs[0]; k++)
			if (strcmp(needs[k].name, p.f->name) == 0) {
				ok(&c, needs[k].first);
				undo = needs[k].undo;
			}
		for (int k = 0; k < n && !done; k++) {
			snprintf(line, sizeof line, "set %s %s", p.f->name, cand[k]);
			if (console_exec(&c, line, &e) != 0)
				continue;	/* a value the model's own checks refuse: try another */
			CU_ASSERT(shown_value(&c, p.f->name, got, sizeof got) == 0);
			snprintf(want, sizeof want, "%s%s%s", cand[k], p.f->unit[0] ? " " : "", p.f->unit);
			if (strcmp(got, want) != 0)
				fprintf(stderr, "%s: set %s, show says %s\n", p.f->name, cand[k], got);
			CU_ASSERT_STRING_EQUAL(got, want);
			/* and back: reset drops a model or hw override (the preset's value
			 * again); a run parameter is set back (its default is defaults.ini's) */
			if (p.scope == PARAM_RUN)
				snprintf(line, sizeof line, "set %s %s", p.f->name, cur);
			else
				snprintf(line, sizeof line, "reset %s", p.f->name);
			ok(&c, line);
			CU_ASSERT(shown_value(&c, p.f->name, got, sizeof got) == 0);
			CU_ASSERT_STRING_EQUAL(got, cur);
			done = 1;
		}
		if (undo != NULL)
			ok(&c, undo);
		if (!done)
			fprintf(stderr, "%s: no candidate value accepted (current %s)\n", p.f->name, cur);
		passed += done;
	}
	CU_ASSERT_EQUAL(passed, tried);
	console_release(&c);
	clear_out();
}

static void test_bad_input_changes_nothing(void)
{
	static const char *const bad[] = {
		"set batch -5", "set batch 1.5", "set batch many", "set sched fast",
		"set nosuch 1", "set tau", "set top_k 1000", "set! experts 2",
		"set! model nosuch", "set! hw /nonexistent/x.ini", "load model /nonexistent",
		"load weights x", "set! speed 1 2 3", "set batch 128", "set hidden 4096",
		"break layer 999", "break gap -1", "break differs nope", "break pim 1.5",
		"delete 7", "frobnicate", "step 0", "step 2 furlongs", "back x", "goto 9999",
		"show nosuch", "info nothing", "source /nonexistent", "export report /nonexistent/r.json",
		"set iters 0", "pause", "speed 2", "compare nope", "step 0 cycle", "set sched 'dup",
		"help nosuch", "probe nothing", "probe expert 0", "probe routing x", "inspect",
		"inspect 99999", "replay 99 0", "replay 0", "replay 0 99", "lesson 99", "lesson x",
		NULL};
	struct console c;
	char *before, *after;
	struct err e;

	if (open_session(&c, 2) != 0) {
		CU_FAIL("session");
		return;
	}
	ok(&c, "step 5");
	ok(&c, "set sched duplex");
	ok(&c, "break layer 7");
	ok(&c, "note here");
	ok(&c, "step 3");
	before = snapshot(&c);
	for (int i = 0; bad[i] != NULL; i++) {
		e.msg[0] = '\0';
		CU_ASSERT(console_exec(&c, bad[i], &e) != 0);
		CU_ASSERT(e.msg[0] != '\0');
		after = snapshot(&c);
		if (strcmp(before, after) != 0)
			fprintf(stderr, "'%s' changed the state\n", bad[i]);
		CU_ASSERT_STRING_EQUAL(before, after);
		free(after);
	}
	/* did-you-mean on names and enum values */
	CU_ASSERT(console_exec(&c, "set sced pim", &e) != 0 && strstr(e.msg, "'sched'") != NULL);
	CU_ASSERT(console_exec(&c, "set sched dupelx", &e) != 0 &&
		  strstr(e.msg, "'duplex'") != NULL);
	CU_ASSERT(console_exec(&c, "stpe", &e) != 0 && strstr(e.msg, "'step'") != NULL);
	free(before);
	console_release(&c);
	clear_out();
}

static void test_save_source_reproduces(void)
{
	const char *path = test_write_file("saved.sieve", "");
	static const char *const to_end[] = {"delete 1", "run", NULL};
	struct console a, b;
	struct err e;
	char line[600];

	if (open_session(&a, 3) != 0 || open_session(&b, 20) != 0) {
		CU_FAIL("session");
		return;
	}
	/* overrides, a restart, live changes, a rewind leaving a logged future */
	ok(&a, "set hidden 1024");
	ok(&a, "set! a2a_bw_gbps 200");
	ok(&a, "step 5");
	ok(&a, "set sched duplex");
	ok(&a, "run 1");
	ok(&a, "set tau 4");
	ok(&a, "set context 8192");
	ok(&a, "step 7");
	ok(&a, "break gap 50");
	ok(&a, "note look at the gap");
	ok(&a, "back 1 iter");
	snprintf(line, sizeof line, "save %s", path);
	ok(&a, line);
	if (console_source(&b, path, &e) != 0)
		fprintf(stderr, "source: %s\n", e.msg);
	assert_same(&a, &b);
	/* and forward through the logged future, to the end */
	ok_both(&a, &b, to_end);
	CU_ASSERT(a.sim->iters_done == 3 && sim_done(a.sim));
	assert_same(&a, &b);
	console_release(&a);
	console_release(&b);
	clear_out();
}

static void test_live_change_rewind_replay(void)
{
	static const char *const change[] = {"step 20", "set context 16384",
					     "set sched threshold", "step 30", NULL};
	static const char *const to_end[] = {"run", NULL};
	struct console a, b;

	if (open_session(&a, 2) != 0 || open_session(&b, 2) != 0) {
		CU_FAIL("session");
		return;
	}
	/* both: the change, then on; a: back before it and forward again */
	ok_both(&a, &b, change);
	ok(&a, "goto 0 3");
	CU_ASSERT(a.sim->iter == 0 && a.sim->layer == 3 && a.sim->cfg.sched == SCHED_SIEVE);
	ok(&a, "step 47");
	CU_ASSERT(a.sim->cfg.context == 16384 && a.sim->cfg.sched == SCHED_THRESHOLD);
	CU_ASSERT(memcmp(a.sim->counts, b.sim->counts, (size_t)a.sim->model.experts * sizeof(int)) == 0);
	assert_same(&a, &b);
	ok_both(&a, &b, to_end);
	assert_same(&a, &b);
	console_release(&a);
	console_release(&b);
	clear_out();
}

/* --- breakpoints against a plain stepping loop --- */

struct layer_seen {
	int iter, layer;
	int max_pim_tokens;	/* most tokens of an expert sent to PIM, 0 none */
	double straggler_ns;
	int pim_experts;
};

/* Step a plain sim (no console) over 2 iterations, recording each layer. */
static int plain_run(struct layer_seen *seen, int max)
{
	struct sim_config cfg;
	struct sim s;
	struct err e;
	int n = 0;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0)
		return -1;
	cfg.iters = 2;
	if (sim_init(&s, &cfg, TEST_DATADIR, &e) != 0)
		return -1;
	while (n < max && sim_step_layer(&s) > 0) {
		struct layer_seen *l = &seen[n++];
		l->iter = s.layer == 0 ? s.iter - 1 : s.iter;
		l->layer = s.last_layer;
		l->max_pim_tokens = 0;
		for (int i = 0; i < s.ndecisions; i++)
			if (s.decision[i].on_pim && s.decision[i].tokens > l->max_pim_tokens)
				l->max_pim_tokens = s.decision[i].tokens;
		l->straggler_ns = s.last.straggler_ns;
		l->pim_experts = s.last.pim_experts;
	}
	sim_release(&s);
	return n;
}

/* Set one breakpoint, run; 1 when it stopped after layer k of the plain run. */
static void expect_stop(const char *brk, const struct layer_seen *seen, int n, int k)
{
	struct console c;
	char line[128];

	if (open_session(&c, 2) != 0) {
		CU_FAIL("session");
		return;
	}
	snprintf(line, sizeof line, "break %s", brk);
	ok(&c, line);
	ok(&c, "run");
	if (k < 0) {
		CU_ASSERT(sim_done(c.sim) && c.stopped_by == 0);
	} else {
		int it = seen[k].iter, ly = seen[k].layer;
		if (c.sim->last_layer != ly || console_pos(c.sim) != k + 1)
			fprintf(stderr, "break %s: stopped after %d, expected layer %d of iteration %d\n",
				brk, c.sim->last_layer, ly, it);
		CU_ASSERT(c.stopped_by == 1);
		CU_ASSERT_EQUAL(c.sim->last_layer, ly);
		CU_ASSERT_EQUAL(console_pos(c.sim), k + 1);
		CU_ASSERT_EQUAL(c.brk[0].hits, 1);
	}
	(void)n;
	console_release(&c);
	clear_out();
}

static void test_breakpoints_fire_where_expected(void)
{
	struct layer_seen seen[256] = {{0}};
	int n = plain_run(seen, 256), k;
	char arg[64];
	double gap_us;

	CU_ASSERT_FATAL(n > 48);
	/* layer L: the first time layer 7 is simulated, index 7 */
	expect_stop("layer 7", seen, n, 7);
	/* iter 1: the start of iteration 1, after the last layer of iteration 0 */
	expect_stop("iter 1", seen, n, 47);
	/* pim N with N the first layer's largest PIM expert: the first layer to exceed it */
	for (k = 1; k < n && seen[k].max_pim_tokens <= seen[0].max_pim_tokens; k++)
		;
	snprintf(arg, sizeof arg, "pim %d", seen[0].max_pim_tokens);
	expect_stop(arg, seen, n, k < n ? k : -1);
	CU_ASSERT(k < n && k > 0);
	/* gap X: the first layer whose straggler gap exceeds layer 0's (in us, exactly) */
	gap_us = seen[0].straggler_ns / 1e3;
	for (k = 1; k < n && !(seen[k].straggler_ns > gap_us * 1e3); k++)
		;
	snprintf(arg, sizeof arg, "gap %.17g", gap_us);
	expect_stop(arg, seen, n, k < n ? k : -1);
	/* differs gpu: gpu sends nothing to PIM, so the first layer where sieve did */
	for (k = 0; k < n && seen[k].pim_experts == 0; k++)
		;
	expect_stop("differs gpu", seen, n, k < n ? k : -1);
	/* differs sieve under sieve itself: never */
	expect_stop("differs sieve", seen, n, -1);
}

static void test_scripts_name_file_and_line(void)
{
	const char *path = test_write_file("bad.sieve", "# a comment\nset sched duplex\n\nset batch -5\nstep 1\n");
	struct console c;
	struct err e;

	if (open_session(&c, 1) != 0) {
		CU_FAIL("session");
		return;
	}
	CU_ASSERT(console_source(&c, path, &e) != 0);
	CU_ASSERT(strstr(e.msg, ":4: batch: -5 is out of range") != NULL);
	CU_ASSERT(c.sim->cfg.sched == SCHED_DUPLEX && console_pos(c.sim) == 0);	/* stopped there */
	CU_ASSERT(console_exec_list(&c, "step 2; set tau 3 ; step 'x;y'", &e) != 0);
	CU_ASSERT(console_pos(c.sim) == 2 && c.sim->cfg.tau == 3);
	console_release(&c);
	clear_out();
}

static void complete_add(void *ctx, const char *word)
{
	struct lines *o = ctx;
	lines_keep(o, word);
}

static void test_completion_from_tables(void)
{
	struct lines o = {0};

	console_complete("se", complete_add, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "set\n");
	free(o.text);
	o = (struct lines){0};
	console_complete("set sch", complete_add, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "sched\n");
	free(o.text);
	o = (struct lines){0};
	console_complete("set sched d", complete_add, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "duplex\n");
	free(o.text);
	o = (struct lines){0};
	console_complete("step 3 l", complete_add, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "layer\n");
	free(o.text);
	o = (struct lines){0};
	CU_ASSERT(console_complete("source da", complete_add, &o) == 1);
	CU_ASSERT(o.text == NULL);
}

/* The man page holds exactly what console_man generates from the tables. */
static void test_man_page_in_sync(void)
{
	static const char begin[] = ".\\\" console: generated by make man, begin\n";
	static const char end[] = ".\\\" console: generated by make man, end\n";
	FILE *f = fopen("man/sieve.1", "r");
	char *man = NULL, *gen = NULL, *b, *en;
	size_t len = 0, glen = 0;
	FILE *g = open_memstream(&gen, &glen);

	CU_ASSERT_FATAL(f != NULL);
	man = xcalloc(1, 1 << 20);
	len = fread(man, 1, (1 << 20) - 1, f);
	fclose(f);
	console_man(g);
	fclose(g);
	b = strstr(man, begin);
	en = strstr(man, end);
	CU_ASSERT_FATAL(b != NULL && en != NULL && en > b);
	b += strlen(begin);
	CU_ASSERT(len > 0 && (size_t)(en - b) == glen && memcmp(b, gen, glen) == 0);
	free(man);
	free(gen);
}

/* The state is still the snapshot before (freed); the session is closed. */
static void unchanged_then_close(struct console *c, char *before)
{
	char *after = snapshot(c);

	CU_ASSERT_STRING_EQUAL(before, after);
	free(before);
	free(after);
	console_release(c);
	clear_out();
}

/*
 * Headless views look and change nothing: the stack replay stepped to its
 * end has issued, command by command, what pim.h's kernels of its experts
 * issue on their own (an independent run of each kernel, not the replay).
 */
static void test_headless_replay_counts(void)
{
	struct console c;
	struct pim p;
	struct err e;
	long long want[DRAM_NCMD] = {0};
	char *before;
	const struct stack_replay *r;

	if (open_session(&c, 1) != 0) {
		CU_FAIL("session");
		return;
	}
	ok(&c, "set sched pim");
	ok(&c, "step");
	before = snapshot(&c);
	ok(&c, "replay 0 1");
	ok(&c, "step 100000000 cycle");
	r = c.replay;
	CU_ASSERT_FATAL(r != NULL && stack_replay_done(r) && r->nkernels > 0);
	CU_ASSERT_FATAL(pim_init(&p, &c.sim->hw.hbm, &e) == 0);
	for (int k = 0; k < r->nkernels; k++) {
		struct pim_result res;
		CU_ASSERT_FATAL(r->kernel[k].expert >= 0);	/* sched pim: no GPU reads */
		CU_ASSERT_FATAL(pim_expert_run(&p, c.sim->model.hidden, c.sim->model.expert_inter,
					       c.sim->model.expert_weight_bytes, r->kernel[k].tokens, 1,
					       &res, &e) == 0);
		for (int i = 0; i < DRAM_NCMD; i++)
			want[i] += res.commands[i];
	}
	pim_release(&p);
	for (int i = 0; i < DRAM_NCMD; i++)
		CU_ASSERT_EQUAL(r->cmd_count[i], want[i]);
	CU_ASSERT(want[DRAM_ACTAB] > 0 && want[DRAM_MACAB] > 0);
	ok(&c, "probe routing");
	ok(&c, "probe expert 4");
	unchanged_then_close(&c, before);
}

/*
 * break differs names an expert; inspect shows it with the run's choice and
 * threshold's rule (tokens <= tau), which differ; compare prints the
 * policy's throughput as a plain run of it gives it.
 */
static void test_inspect_and_compare_headless(void)
{
	struct console c;
	struct sim s;
	struct sim_config cfg;
	struct err e;
	const struct layer_record *r;
	const struct sched_expert *x = NULL;
	char want[256], *before;

	if (open_session(&c, 2) != 0) {
		CU_FAIL("session");
		return;
	}
	ok(&c, "break differs threshold");
	ok(&c, "run");
	CU_ASSERT_FATAL(c.differs_expert >= 0);
	r = history_get(sim_history(c.sim), 0);
	for (int i = 0; i < r->ndecisions; i++)
		if (r->decision[i].expert == c.differs_expert)
			x = &r->decision[i];
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT(x->on_pim != (x->tokens <= c.sim->cfg.tau));
	clear_out();
	ok(&c, "inspect");
	snprintf(want, sizeof want, "expert %d in iteration", x->expert);
	CU_ASSERT(strstr(out.text, want) != NULL);
	snprintf(want, sizeof want, "where %s", x->on_pim ? "pim" : "gpu");
	CU_ASSERT(strstr(out.text, want) != NULL);
	snprintf(want, sizeof want, "threshold (tau %d) %s,", c.sim->cfg.tau,
		 x->tokens <= c.sim->cfg.tau ? "pim" : "gpu");
	CU_ASSERT(strstr(out.text, want) != NULL);
	ok(&c, "delete 1");
	ok(&c, "run");
	before = snapshot(&c);
	clear_out();
	ok(&c, "compare duplex");
	cfg = c.sim->cfg;
	cfg.sched = SCHED_DUPLEX;
	CU_ASSERT_FATAL(sim_init(&s, &cfg, TEST_DATADIR, &e) == 0);
	CU_ASSERT_FATAL(sim_run(&s) == 0);
	snprintf(want, sizeof want, "duplex %.1f tokens/s", sim_tokens_per_s(&s));
	CU_ASSERT(strstr(out.text, want) != NULL);
	sim_release(&s);
	unchanged_then_close(&c, before);
}

/* --- the progress hook: stop a motion at its stop_at-th call --- */

static struct {
	long calls, stop_at;	/* stop_at < 0: never */
	struct console_progress last;
} hook;

static int stop_at_call(void *ctx, const struct console_progress *p)
{
	(void)ctx;
	hook.last = *p;
	return ++hook.calls == hook.stop_at;
}

static int open_hooked(struct console *c, int iters)
{
	hook.calls = 0;
	hook.stop_at = -1;
	return open_session_with(c, iters, stop_at_call);
}

/*
 * The hook is called after every layer, so stopping at its k-th call
 * leaves the run k layers on, where it says; a ';' list stops there too;
 * stepping on to the end then gives what a run never stopped gives (the
 * snapshot and the JSON report), and so does going back.  goto ahead
 * stops between iterations; one that cannot arrive changes nothing.
 */
static void test_progress_hook_stops_motion(void)
{
	static const char *const on[] = {"run", "back 1 iter", "step 3", NULL};
	struct console a, b;
	struct err e;
	char *before;
	int layers;

	if (open_hooked(&a, 3) != 0 || open_session(&b, 3) != 0) {
		CU_FAIL("session");
		return;
	}
	layers = a.sim->model.layers;
	/* goto ahead where nothing was simulated: an iteration at a time, stopped after one */
	hook.stop_at = 1;
	ok(&a, "goto 2 5");
	CU_ASSERT(console_pos(a.sim) == layers && a.interrupted);
	CU_ASSERT_STRING_EQUAL(hook.last.what, "goto");
	CU_ASSERT(hook.last.to_iter == 2 && hook.last.to_layer == 5);
	hook.stop_at = -1;
	ok_both(&a, &b, (const char *const[]){"goto 2 5", NULL});
	assert_same(&a, &b);
	ok_both(&a, &b, (const char *const[]){"goto 0", NULL});
	hook.calls = 0;
	hook.stop_at = 30;
	clear_out();
	ok(&a, "run");
	CU_ASSERT(console_pos(a.sim) == 30 && a.interrupted && hook.calls == 30);
	CU_ASSERT(hook.last.done == 30 && hook.last.total == 3L * layers);
	CU_ASSERT(hook.last.to_iter == 3 && hook.last.to_layer == 0);
	CU_ASSERT_STRING_EQUAL(hook.last.what, "run");
	CU_ASSERT(out.text != NULL && strstr(out.text, "stopped after iteration 0, layer 29; now at "
						       "iteration 0, layer 30\n") != NULL);
	/* a list: run stops after 5 more layers, the step after it does not run */
	hook.calls = 0;
	hook.stop_at = 5;
	CU_ASSERT(console_exec_list(&a, "run; step 7", &e) == 0);
	CU_ASSERT(console_pos(a.sim) == 35 && a.interrupted);
	/* step N counts to N: told so, and it ends after N layers when not stopped */
	hook.stop_at = -1;
	ok(&a, "step 10");
	CU_ASSERT(console_pos(a.sim) == 45 && !a.interrupted);
	CU_ASSERT(hook.last.done == 10 && hook.last.total == 10);
	CU_ASSERT(hook.last.to_iter == 0 && hook.last.to_layer == 45);
	ok(&b, "step 45");
	assert_same(&a, &b);
	ok_both(&a, &b, on);
	assert_same(&a, &b);
	/* past the end: refused, from where it was */
	before = snapshot(&a);
	CU_ASSERT(console_exec(&a, "goto 3 5", &e) != 0);
	CU_ASSERT(strstr(e.msg, "no such position") != NULL);
	console_release(&b);
	unchanged_then_close(&a, before);
}

void test_console_register(void)
{
	static const struct test_case cases[] = {
		{"parameter names are unique across tables", test_param_names_unique},
		{"every parameter round-trips through set and show", test_set_show_roundtrip},
		{"bad input changes nothing (full snapshot)", test_bad_input_changes_nothing},
		{"save then source reproduces the JSON report", test_save_source_reproduces},
		{"live change, rewind before it, replay: identical", test_live_change_rewind_replay},
		{"breakpoints fire where a plain run says", test_breakpoints_fire_where_expected},
		{"scripts: FILE:LINE errors, ';' lists", test_scripts_name_file_and_line},
		{"completion from the tables", test_completion_from_tables},
		{"man page lists the tables", test_man_page_in_sync},
		{"headless replay issues what its kernels issue alone", test_headless_replay_counts},
		{"inspect and compare headless", test_inspect_and_compare_headless},
		{"the progress hook stops a motion, state intact", test_progress_hook_stops_motion},
		{NULL, NULL},
	};
	tests_add_suite("console", cases);
}
