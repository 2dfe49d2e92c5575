/*
 * console_motion.c - moving in time (step, back, run, goto) and the
 * breakpoints that stop step and run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "console_int.h"

static const char *const break_kinds[] = {"layer", "iter", "pim", "gap", "differs", NULL};

void console_break_text(const struct console_break *b, char *buf, size_t len)
{
	if (b->kind == BREAK_DIFFERS)
		snprintf(buf, len, "%s %s", break_kinds[b->kind], sched_policy_names[(int)b->arg]);
	else
		snprintf(buf, len, "%s %g", break_kinds[b->kind], b->arg);
}

/*
 * 1 when policy, on the token counts of the layer just simulated, would
 * have sent an expert elsewhere than the run did (sim_what_if: same
 * order, grouped by GPU and sorted by tokens).  A what-if that fails
 * stops the simulation; forward() then reports sim_error.
 */
static int differs(struct console *c, int policy)
{
	struct sim *s = c->sim;
	const struct layer_record *r = history_get(sim_history(s), 0);
	struct sched_expert *x;
	int n = 0, diff = 0;

	if (r == NULL || r->ndecisions == 0)
		return 0;
	x = xcalloc((size_t)r->ndecisions, sizeof *x);
	if (sim_what_if(s, r, policy, s->cfg.tau, x, &n) == 0)
		for (int i = 0; i < n && i < r->ndecisions && !diff; i++)
			if ((diff = x[i].expert != r->decision[i].expert ||
				    x[i].on_pim != r->decision[i].on_pim))
				c->differs_expert = r->decision[i].expert;	/* for inspect */
	free(x);
	return diff;
}

/* Does the layer just simulated (and the position reached) meet b? */
static int break_met(struct console *c, const struct console_break *b)
{
	const struct sim *s = c->sim;

	switch (b->kind) {
	case BREAK_LAYER:
		return s->last_layer == (int)b->arg;
	case BREAK_ITER:
		return s->iter == (int)b->arg && s->layer == 0;
	case BREAK_PIM:
		for (int i = 0; i < s->ndecisions; i++)
			if (s->decision[i].on_pim && s->decision[i].tokens > b->arg)
				return 1;
		return 0;
	case BREAK_GAP:
		return s->last.straggler_ns > b->arg * 1e3;
	case BREAK_DIFFERS:
		return differs(c, (int)b->arg);
	}
	return 0;
}

/* The first breakpoint met after a layer, counted as a hit; 0 when none. */
static int break_check(struct console *c)
{
	int id = 0;

	for (int i = 0; i < c->nbrk; i++) {
		if (!break_met(c, &c->brk[i]))
			continue;
		c->brk[i].hits++;
		if (id == 0)
			id = c->brk[i].id;
	}
	return id;
}

/* "after iteration I, layer L; now at iteration I', layer L'": the layer just simulated. */
static void where_text(const struct sim *s, char *buf, size_t len)
{
	snprintf(buf, len, "after iteration %d, layer %d; now at iteration %d, layer %d",
		 s->layer == 0 ? s->iter - 1 : s->iter, s->last_layer, s->iter, s->layer);
}

/* Where breakpoint id stopped the run, as one line. */
static void stop_text(const struct console *c, int id, char *msg, size_t len)
{
	char what[80], where[128];

	msg[0] = '\0';
	where_text(c->sim, where, sizeof where);
	for (int i = 0; i < c->nbrk; i++) {
		if (c->brk[i].id != id)
			continue;
		console_break_text(&c->brk[i], what, sizeof what);
		snprintf(msg, len, "breakpoint %d (%s) %s", id, what, where);
	}
}

int console_break_hit(struct console *c, char *msg, size_t len)
{
	int id = break_check(c);

	if (id != 0)
		stop_text(c, id, msg, len);
	return id;
}

/* After a layer: 1 when a breakpoint stops the motion (and says so). */
static int stop_here(struct console *c)
{
	char msg[256];

	if ((c->stopped_by = console_break_hit(c, msg, sizeof msg)) == 0)
		return 0;
	console_printf(c, "%s", msg);
	return 1;
}

/* The position where the run ends, with the iterations in force now. */
static long end_pos(const struct sim *s)
{
	return (long)s->cfg.iters * s->model.layers;
}

/*
 * After a layer (or an event) of a motion: the front end's progress hook,
 * told done of total and the position to reach (to < 0: not known).  1
 * when it asked to stop before the end, which is said and flagged.
 */
static int interrupted(struct console *c, const char *what, long done, long total, long to)
{
	const struct sim *s = c->sim;
	int layers = s->model.layers;
	char where[128];
	struct console_progress p = {.what = what, .iter = s->iter, .layer = s->layer,
				     .to_iter = to < 0 ? -1 : (int)(to / layers),
				     .to_layer = to < 0 ? -1 : (int)(to % layers),
				     .done = done, .total = total};

	/* a stop asked for as the motion arrives changes nothing: it is not said */
	if (c->h.progress == NULL || !c->h.progress(c->h.ctx, &p) || done >= total)
		return 0;
	c->interrupted = 1;
	where_text(s, where, sizeof where);
	console_printf(c, "stopped %s", where);
	return 1;
}

/*
 * Simulate layers until layers have been simulated (layers < 0: no limit)
 * or the run reaches the start of iteration until_iter (< 0: no limit), a
 * breakpoint, the end, or the progress hook says stop.
 */
static int forward(struct console *c, const char *what, long layers, long until_iter,
		   struct err *e)
{
	struct sim *s = c->sim;
	long done = 0, from = console_pos(s), to = end_pos(s);

	c->stopped_by = 0;
	c->ev_valid = 0;
	if (sim_done(s)) {
		console_printf(c, "the run is over (%d iterations); back, goto or set iters go on",
			       s->cfg.iters);
		return 0;
	}
	if (layers >= 0 && from + layers < to)
		to = from + layers;
	if (until_iter >= 0 && until_iter * s->model.layers < to)
		to = until_iter * s->model.layers;
	while ((layers < 0 || done < layers) && (until_iter < 0 || s->iter < until_iter)) {
		int rc = sim_step_layer(s);
		if (rc < 0)
			return err_set(e, "%s", sim_error(s));
		if (rc == 0)
			break;
		done++;
		if (stop_here(c) || interrupted(c, what, done, to - from, to))
			break;
	}
	return sim_error(s) ? err_set(e, "%s", sim_error(s)) : 0;
}

/*
 * n events on (task starts and ends in time order), simulating layers as
 * needed; breakpoints are checked whenever a layer was simulated.
 */
static int events(struct console *c, long n, struct err *e)
{
	struct sim *s = c->sim;

	c->stopped_by = 0;
	if (!c->ev_valid) {	/* from the start of the layer just simulated */
		const struct layer_record *r = history_get(sim_history(s), 0);
		c->ev_t_ns = nextafter(r ? r->start_ns : s->now_ns, -INFINITY);
		c->ev_task = NULL;
		c->ev_valid = 1;
	}
	for (long i = 0; i < n; i++) {
		long before = console_pos(s);
		int rc = sim_step_event(s, &c->ev_t_ns, &c->ev_task, &c->ev_end);
		if (rc < 0)
			return err_set(e, "%s", sim_error(s));
		if (rc == 0) {
			console_printf(c, "no event left: the run is over");
			break;
		}
		console_printf(c, "%.3f us  %s %s  gpu %d  (iteration %d, layer %d)",
			       c->ev_t_ns / 1e3, c->ev_end ? "end  " : "start",
			       engine_kind_name(c->ev_task->kind), c->ev_task->gpu,
			       c->ev_task->iter, c->ev_task->layer);
		if (console_pos(s) != before && stop_here(c))
			break;
		if (interrupted(c, "step", i + 1, n, -1))
			break;
	}
	return 0;
}

static const char *const units[] = {"layer", "iter", "event", "cycle", NULL};

static int unit_of(const char *word, struct err *e)
{
	for (int i = 0; units[i] != NULL; i++)
		if (strcmp(word, units[i]) == 0)
			return i;
	return err_set(e, "unknown unit '%s' (layer, iter, event or cycle)", word);
}

/* [N] [unit] in either order, defaults 1 layer. */
static int count_and_unit(const struct console_args *a, long *n, int *unit, struct err *e)
{
	*n = 1;
	*unit = 0;
	for (int i = 1; i < a->argc; i++) {
		if (a->argv[i][0] >= '0' && a->argv[i][0] <= '9') {
			if (console_long(a->argv[0], a->argv[i], 1, 100000000, n, e) != 0)
				return -1;
		} else if ((*unit = unit_of(a->argv[i], e)) < 0) {
			return -1;
		}
	}
	return 0;
}

HANDLER(con_step)
{
	struct sim *s = c->sim;
	long n;
	int unit;

	if (count_and_unit(a, &n, &unit, e) != 0)
		return -1;
	switch (unit) {
	case 0:
		return forward(c, "step", n, -1, e);
	case 1:
		return forward(c, "step", -1, s->iter + n, e);
	case 2:
		return events(c, n, e);
	}
	if (c->h.step_cycle != NULL)
		return c->h.step_cycle(c->h.ctx, n, e);
	return console_replay_step(c, n, e);
}

HANDLER(con_run)
{
	long n = -1;

	if (a->argc > 1 && console_long("run", a->argv[1], 1, 100000000, &n, e) != 0)
		return -1;
	return forward(c, "run", -1, n < 0 ? -1 : c->sim->iter + n, e);
}

/*
 * Forward to position to with the progress hook between steps: a jump to
 * the last checkpoint first when it lies ahead (that stretch was
 * simulated before), then an iteration at a time.  A failure or a
 * position that cannot be reached leaves s where it was.
 */
static int go_ahead(struct console *c, long to, struct err *e)
{
	struct sim *s = c->sim;
	const struct sim_checkpoint *last = &s->tl.ck[s->tl.nck - 1];
	int layers = s->model.layers;
	long from = console_pos(s), known = (long)last->iter * layers + last->layer;
	struct sim_mark start, m;

	sim_mark(s, &start);
	while (console_pos(s) < to) {
		long next = console_pos(s) + layers;
		if (next < known)
			next = known;
		if (next > to)
			next = to;
		m = (struct sim_mark){(int)(next / layers), (int)(next % layers)};
		if (sim_rewind(s, &m, e) != 0) {
			struct err ignored;
			sim_rewind(s, &start, &ignored);	/* back is always possible */
			return -1;
		}
		if (interrupted(c, "goto", console_pos(s) - from, to - from, to))
			break;
	}
	return 0;
}

static int go(struct console *c, long iter, long layer, struct err *e)
{
	struct sim_mark m = {(int)iter, (int)layer};
	long to = iter * c->sim->model.layers + layer;

	c->ev_valid = 0;
	if (c->h.progress != NULL && to > console_pos(c->sim))
		return go_ahead(c, to, e);
	return sim_rewind(c->sim, &m, e);
}

HANDLER(con_back)
{
	struct sim *s = c->sim;
	long n, pos;
	int unit;

	if (count_and_unit(a, &n, &unit, e) != 0)
		return -1;
	if (unit > 1)
		return err_set(e, "back: by layer or iter");
	pos = console_pos(s) - n * (unit == 1 ? s->model.layers : 1);
	if (pos < 0)
		pos = 0;
	return go(c, pos / s->model.layers, pos % s->model.layers, e);
}

HANDLER(con_goto)
{
	struct sim *s = c->sim;
	long iter, layer = 0;

	if (console_long("goto", a->argv[1], 0, s->cfg.iters, &iter, e) != 0 ||
	    (a->argc > 2 && console_long("goto", a->argv[2], 0, s->model.layers - 1, &layer, e) != 0))
		return -1;
	return go(c, iter, layer, e);
}

HANDLER(con_break)
{
	struct console_break b = {0};
	char *end;
	int kind = -1;

	for (int i = 0; break_kinds[i] != NULL; i++)
		if (strcmp(a->argv[1], break_kinds[i]) == 0)
			kind = i;
	if (kind < 0)
		return err_set(e, "break: unknown kind '%s' (layer, iter, pim, gap or differs)",
			       a->argv[1]);
	if (c->nbrk == CONSOLE_MAX_BREAKS)
		return err_set(e, "break: at most %d breakpoints", CONSOLE_MAX_BREAKS);
	b.kind = kind;
	if (kind == BREAK_DIFFERS) {
		int policy;
		if (console_policy(a->argv[2], &policy, e) != 0)
			return -1;
		b.arg = policy;
	} else {
		b.arg = strtod(a->argv[2], &end);
		if (*end != '\0' || end == a->argv[2] || !isfinite(b.arg) || b.arg < 0 ||
		    (kind != BREAK_GAP && b.arg != floor(b.arg)))
			return err_set(e, "break %s: '%s' is not a %s", a->argv[1], a->argv[2],
				       kind == BREAK_GAP ? "time in us (>= 0)" : "whole number >= 0");
		if (kind == BREAK_LAYER && b.arg >= c->sim->model.layers)
			return err_set(e, "break layer: %s does not exist (layers 0-%d)", a->argv[2],
				       c->sim->model.layers - 1);
	}
	b.id = c->next_brk++;
	c->brk[c->nbrk++] = b;
	console_printf(c, "breakpoint %d: %s %s", b.id, a->argv[1], a->argv[2]);
	return 0;
}

HANDLER(con_delete)
{
	long id;

	if (console_long("delete", a->argv[1], 1, 1000000, &id, e) != 0)
		return -1;
	for (int i = 0; i < c->nbrk; i++) {
		if (c->brk[i].id != id)
			continue;
		memmove(&c->brk[i], &c->brk[i + 1], (size_t)(c->nbrk - i - 1) * sizeof c->brk[0]);
		c->nbrk--;
		return 0;
	}
	return err_set(e, "delete: no breakpoint %ld (info break lists them)", id);
}

HANDLER(con_info)
{
	char what[80];

	if (strcmp(a->argv[1], "break") == 0) {
		if (c->nbrk == 0)
			console_printf(c, "no breakpoints");
		for (int i = 0; i < c->nbrk; i++) {
			console_break_text(&c->brk[i], what, sizeof what);
			console_printf(c, "%-3d %-20s hits %ld", c->brk[i].id, what, c->brk[i].hits);
		}
		return 0;
	}
	if (strcmp(a->argv[1], "notes") == 0) {
		for (int i = 0; i < c->nnotes; i++)
			console_printf(c, "iteration %d, layer %d: %s", c->note[i].iter, c->note[i].layer,
				       c->note[i].text);
		return 0;
	}
	return err_set(e, "info: unknown topic '%s' (break or notes)", a->argv[1]);
}
