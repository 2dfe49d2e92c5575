/* worker.c - the simulation thread (worker.h). */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A field of w that the other thread writes under mu. */
static int read_locked(struct worker *w, const int *field)
{
	int v;

	pthread_mutex_lock(&w->mu);
	v = *field;
	pthread_mutex_unlock(&w->mu);
	return v;
}

static int quitting(struct worker *w)
{
	return read_locked(w, &w->quit);
}

static int cancelled(struct worker *w)
{
	return read_locked(w, &w->cancel);
}

/* The layer s simulates next, for the progress line. */
static void progress(struct worker *w, const struct sim *s)
{
	struct sim_mark m;

	sim_mark(s, &m);
	pthread_mutex_lock(&w->mu);
	w->at_iter = m.iter;
	w->at_layer = m.layer;
	pthread_mutex_unlock(&w->mu);
}

/*
 * The compare run to the shown run's position: a layer when it steps in
 * lockstep, many when it catches up (catch_up: with progress, and a cancel
 * drops it).
 */
static int compare_follow(struct worker *w, int catch_up, struct err *e)
{
	struct sim_mark a, b;

	sim_mark(w->s, &a);
	while (w->cmp_on && (sim_mark(&w->cmp, &b), b.iter < a.iter ||
			     (b.iter == a.iter && b.layer < a.layer))) {
		if (catch_up && cancelled(w)) {
			sim_release(&w->cmp);
			w->cmp_on = 0;
			return err_set(e, "compare off: stopped catching up at iteration %d, layer %d",
				       b.iter, b.layer);
		}
		if (catch_up)
			progress(w, &w->cmp);
		if (quitting(w) || sim_step_layer(&w->cmp) < 0)
			return sim_error(&w->cmp) ? err_set(e, "%s", sim_error(&w->cmp)) : -1;
	}
	return 0;
}

/* One layer of every run, the progress published first: 1, 0 done, -1 error. */
static int step_layer(struct worker *w, struct err *e)
{
	int rc;

	progress(w, w->s);
	if ((rc = sim_step_layer(w->s)) < 0)
		err_set(e, "%s", sim_error(w->s));
	if (rc > 0 && compare_follow(w, 0, e) != 0)
		return -1;
	if (rc > 0 && w->stop != NULL && w->stop(w->stop_ctx, e->msg, sizeof e->msg)) {
		pthread_mutex_lock(&w->mu);
		w->stopped = 1;
		pthread_mutex_unlock(&w->mu);
	}
	return rc;
}

/*
 * JOB_EVENT: the event right after j->from in history.h's order,
 * simulating layers until there is one (as sim_step_event does, but from
 * any event the UI names, so that every event at one instant is visited in
 * turn, also after a step back, and a layer's first events at the instant
 * the one before ended are not skipped).
 */
static void step_event(struct worker *w, const struct job_args *j, struct err *e)
{
	struct history_event ev;
	int rc = 1;

	while (rc > 0 && !history_event_next(sim_history(w->s), &j->from, &ev))
		rc = step_layer(w, e);
	if (rc <= 0)
		return;
	w->ev = ev;
	w->ev.task = NULL;	/* it points into the history, which moves on */
}

/* JOB_WHATIF: what every policy would have chosen for the newest layer. */
static void what_if(struct worker *w, struct err *e)
{
	const struct layer_record *r = history_get(sim_history(w->s), 0);
	struct sched_expert *out;
	int n;

	if (r == NULL)
		return;
	w->whatif = xrealloc(w->whatif, (size_t)SCHED_NPOLICIES * r->experts);
	memset(w->whatif, WHERE_NONE, (size_t)SCHED_NPOLICIES * r->experts);
	out = xcalloc((size_t)r->ndecisions + 1, sizeof *out);
	for (int p = 0; p < SCHED_NPOLICIES; p++) {
		if (sim_what_if(w->s, r, p, r->tau, out, &n) != 0) {
			err_set(e, "%s", sim_error(w->s));
			break;
		}
		for (int i = 0; i < n; i++)
			w->whatif[p * r->experts + out[i].expert] = out[i].on_pim ? WHERE_PIM
										  : WHERE_GPU;
	}
	free(out);
	w->whatif_ok = e->msg[0] == 0;
}

/* The compare run (sched, or none for -1) on s's PIM memo, at s's position. */
static int compare_build(struct worker *w, int sched, struct err *e)
{
	if (w->cmp_on)
		sim_release(&w->cmp);
	w->cmp_on = 0;
	if (sched < 0)
		return 0;
	if (snap_compare_init(&w->cmp, w->s, sched, w->datadir, e) != 0)
		return -1;
	w->cmp_on = 1;
	return compare_follow(w, 1, e);
}

/* JOB_SYNC: the compare run under sched (-1: none) at the shown run's position. */
static int compare_sync(struct worker *w, int sched, struct err *e)
{
	struct sim_mark a, b;

	if (!w->cmp_on || sched < 0 || w->cmp.cfg.sched != sched)
		return compare_build(w, sched, e);
	sim_mark(w->s, &a);
	sim_mark(&w->cmp, &b);
	if ((b.iter > a.iter || (b.iter == a.iter && b.layer > a.layer)) &&
	    sim_rewind(&w->cmp, &a, e) != 0)
		return -1;
	return compare_follow(w, 1, e);
}

static void replay_drop(struct worker *w)
{
	if (w->rp_on)
		stack_replay_release(&w->rp);
	w->rp_on = 0;
}

/* The replay of (gpu, stack) in the shown layer, at cycle 0. */
static int replay_build(struct worker *w, int gpu, int stack, struct err *e)
{
	replay_drop(w);
	if (stack_replay_init(&w->rp, w->s, gpu, stack, e) != 0)
		return -1;
	w->rp_on = 1;
	sim_mark(w->s, &w->rp_at);
	return 0;
}

/* JOB_REPLAY: one cycle on, or to a cycle (rebuilt when it lies behind). */
/* No replay of (gpu, stack) in the shown layer? */
static int replay_stale(const struct worker *w, int gpu, int stack)
{
	struct sim_mark now;

	sim_mark(w->s, &now);
	return !w->rp_on || w->rp.gpu != gpu || w->rp.stack != stack ||
	       now.iter != w->rp_at.iter || now.layer != w->rp_at.layer;
}

static void replay_job(struct worker *w, const struct job_args *j, struct err *e)
{
	if (replay_stale(w, j->gpu, j->stack) ||
	    (j->cycle >= 0 && j->cycle < stack_replay_cycle(&w->rp))) {
		if (replay_build(w, j->gpu, j->stack, e) != 0)
			return;
		if (j->cycle < 0)
			return;	/* a fresh replay shows cycle 0 first */
	}
	if (j->cycle < 0)
		stack_replay_step_cycle(&w->rp);
	else
		stack_replay_run_until(&w->rp, j->cycle);
}

/* After the simulation moved: the replay follows to the new layer. */
static void replay_follow(struct worker *w, struct err *e)
{
	struct sim_mark now;

	sim_mark(w->s, &now);
	if (!w->rp_on || (now.iter == w->rp_at.iter && now.layer == w->rp_at.layer))
		return;
	if (history_get(sim_history(w->s), 0) != NULL)
		replay_build(w, w->rp.gpu, w->rp.stack, e);
	else
		replay_drop(w);
}

static void run_job(struct worker *w, const struct job_args *j, struct err *e)
{
	struct sim_mark m;
	int rc;

	e->msg[0] = 0;
	if (j->job != JOB_REPLAY && j->job != JOB_COMPARE && j->job != JOB_WHATIF)
		w->whatif_ok = 0;	/* the newest layer may change */
	switch (j->job) {
	case JOB_LAYER:
		step_layer(w, e);
		replay_follow(w, e);
		break;
	case JOB_ITER:
		do
			rc = step_layer(w, e);
		while (rc > 0 && (sim_mark(w->s, &m), m.layer != 0) && !quitting(w) &&
		       !w->stopped);
		replay_follow(w, e);
		break;
	case JOB_EVENT:
		step_event(w, j, e);
		replay_follow(w, e);
		break;
	case JOB_WHATIF:
		what_if(w, e);
		break;
	case JOB_REWIND:	/* the PIM memo is kept: the compare run's borrow stays valid */
		if (sim_rewind(w->s, &j->target, e) == 0 && w->cmp_on)
			sim_rewind(&w->cmp, &j->target, e);
		replay_follow(w, e);
		break;
	case JOB_COMPARE:
		compare_build(w, j->cmp_sched, e);
		break;
	case JOB_REPLAY:
		replay_job(w, j, e);
		break;
	case JOB_SYNC:
		if (compare_sync(w, j->cmp_sched, e) == 0)
			replay_follow(w, e);
		if (j->cycles > 0 && e->msg[0] == 0 &&
		    (!replay_stale(w, j->gpu, j->stack) || replay_build(w, j->gpu, j->stack, e) == 0))
			stack_replay_run_until(&w->rp, stack_replay_cycle(&w->rp) + j->cycles);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct err e;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->job.job == JOB_NONE && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		struct job_args job = w->job;
		w->busy = 1;
		w->stopped = 0;
		w->cancel = 0;
		w->started_s = now_s();
		pthread_mutex_unlock(&w->mu);
		run_job(w, &job, &e);
		pthread_mutex_lock(&w->mu);
		snprintf(w->err, sizeof w->err, "%s", e.msg);
		w->job.job = JOB_NONE;
		w->busy = 0;
		w->gen++;
		/* a full pipe already says "look"; nothing is lost */
		if (write(w->notify_fd, "j", 1) < 0 && errno != EAGAIN)
			w->quit = 1;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int worker_start(struct worker *w, struct sim *s, const char *datadir, int notify_fd)
{
	memset(w, 0, sizeof *w);
	w->s = s;
	w->datadir = datadir;
	w->notify_fd = notify_fd;
	w->gen = 1;		/* the first take snapshots the initial state */
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		return -1;
	}
	return 0;
}

int worker_stop(struct worker *w, int wait_ms)
{
	int busy;
	double until = now_s() + wait_ms * 1e-3;

	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		busy = w->busy;
		pthread_mutex_unlock(&w->mu);
		if (!busy || now_s() >= until)
			break;
		usleep(2000);
	}
	if (busy) {
		pthread_detach(w->thread);
		return 1;
	}
	pthread_join(w->thread, NULL);
	if (w->cmp_on)
		sim_release(&w->cmp);
	replay_drop(w);
	free(w->whatif);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	return 0;
}

void worker_set_sim(struct worker *w, struct sim *s)
{
	pthread_mutex_lock(&w->mu);
	if (w->cmp_on)
		sim_release(&w->cmp);
	w->cmp_on = 0;
	replay_drop(w);
	w->whatif_ok = 0;	/* the event cursor is reset by the JOB_SYNC that follows */
	w->s = s;
	w->gen++;
	pthread_mutex_unlock(&w->mu);
}

void worker_cancel(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->cancel = w->busy;
	pthread_mutex_unlock(&w->mu);
}

int worker_stopped(struct worker *w)
{
	int stopped;

	pthread_mutex_lock(&w->mu);
	stopped = w->stopped;
	w->stopped = 0;
	pthread_mutex_unlock(&w->mu);
	return stopped;
}

int worker_submit(struct worker *w, const struct job_args *job)
{
	int rc = -1;

	pthread_mutex_lock(&w->mu);
	if (!w->busy && w->job.job == JOB_NONE) {
		w->job = *job;
		pthread_cond_signal(&w->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int worker_take(struct worker *w, unsigned *gen, struct ui_snap *a, struct ui_snap *b,
		int *cmp_on, struct ui_banks *banks, char *err, size_t errlen)
{
	int took = 0;

	pthread_mutex_lock(&w->mu);
	if (!w->busy && w->job.job == JOB_NONE && w->gen != *gen) {
		snap_take(a, w->s);
		snap_whatif(a, w->whatif_ok ? w->whatif : NULL);
		a->ev = w->ev;
		*cmp_on = w->cmp_on;
		if (w->cmp_on)
			snap_take(b, &w->cmp);
		banks->on = 0;
		if (w->rp_on)
			snap_banks(banks, &w->rp, REPLAY_WINDOW);
		snprintf(err, errlen, "%s", w->err);
		*gen = w->gen;
		took = 1;
	}
	pthread_mutex_unlock(&w->mu);
	return took;
}

int worker_progress(struct worker *w, int *iter, int *layer, double *secs)
{
	int busy;

	pthread_mutex_lock(&w->mu);
	busy = w->busy || w->job.job != JOB_NONE;
	*iter = w->at_iter;
	*layer = w->at_layer;
	*secs = w->busy ? now_s() - w->started_s : 0;
	pthread_mutex_unlock(&w->mu);
	return busy;
}
