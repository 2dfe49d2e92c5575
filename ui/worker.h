/*
 * worker.h - the simulation off the draw path: a thread that runs one job
 * at a time (a layer, an iteration, a step back, a compare policy, a stack
 * replay step) on the simulations while the UI keeps drawing and taking
 * keys.
 *
 * Ownership is by the busy flag, under one mutex: while a job runs only the
 * worker touches the simulations and the replay; otherwise only the UI does
 * (to take snapshots).  A finished job writes a byte to notify_fd, which
 * the event loop polls with the keyboard.
 */
#ifndef SIEVE_UI_WORKER_H
#define SIEVE_UI_WORKER_H

#include <pthread.h>

#include "replay.h"
#include "sim.h"
#include "snap.h"

enum job { JOB_NONE, JOB_LAYER, JOB_ITER, JOB_EVENT, JOB_REWIND, JOB_COMPARE, JOB_REPLAY,
	   JOB_WHATIF, JOB_SYNC };

struct job_args {
	int job;
	struct sim_mark target;	/* JOB_REWIND */
	int cmp_sched;		/* JOB_COMPARE, JOB_SYNC: a policy, or -1 for off */
	int gpu, stack;		/* JOB_REPLAY, JOB_SYNC: the stack */
	long cycles;		/* JOB_SYNC: replay cycles to step */
	int64_t cycle;		/* JOB_REPLAY: go to this cycle; -1: one cycle on */
	struct history_event from;	/* JOB_EVENT: the next event after this one (history.h) */
};

#define REPLAY_WINDOW 256	/* cycles of the Banks heatmap */

struct worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sim *s;		/* the simulation shown */
	struct sim cmp;		/* the compare policy, on the same routing */
	int cmp_on;
	struct stack_replay rp;	/* the Banks panel's stack, in the shown layer */
	int rp_on;
	struct sim_mark rp_at;	/* the position it was built at */
	struct history_event ev;	/* the last event JOB_EVENT reached (task NULL) */
	unsigned char *whatif;	/* every policy's choices (snap.h) */
	int whatif_ok;		/* ... for the newest layer */
	const char *datadir;
	int notify_fd;		/* written once per finished job */
	/* after each layer of the shown run the worker simulates: 1 stops the job */
	int (*stop)(void *ctx, char *msg, size_t len);
	void *stop_ctx;
	/* under mu */
	struct job_args job;	/* job.job == JOB_NONE: none queued */
	int busy, quit;
	double started_s;	/* wall clock when the job began */
	int at_iter, at_layer;	/* the layer being simulated */
	unsigned gen;		/* finished jobs */
	int stopped;		/* stop said so during the last job */
	int cancel;		/* worker_cancel during this job */
	char err[ERR_MAX];	/* the last job's error, "" when none */
};

/* Start the thread; s must outlive the worker. */
int worker_start(struct worker *w, struct sim *s, const char *datadir, int notify_fd);

/*
 * Stop: ask the thread to finish; joins it and releases the compare run
 * and the replay unless a job is still running after wait_ms (then returns
 * 1: the simulations are still in use and the process should exit).
 */
int worker_stop(struct worker *w, int wait_ms);

/*
 * JOB_SYNC, for when the UI changed the shown run while the worker was
 * idle (the console stepped it, went back, or changed a live parameter):
 * the compare run is brought to the same position (rewound, stepped, or
 * built anew for another policy), the stack replay follows, then steps
 * `cycles` cycles.
 */

/* The shown run replaced (a restart) while idle: the compare run and the replay dropped. */
void worker_set_sim(struct worker *w, struct sim *s);

/*
 * Esc while busy: a compare run catching up (a policy chosen, or the shown
 * run moved far by the console) stops and is dropped: compare is off, the
 * job's error says where it stopped.  The shown run is not touched; the
 * other jobs are a layer or an iteration and finish.
 */
void worker_cancel(struct worker *w);

/* Did a stop (see struct worker) end the last job?  Cleared by asking. */
int worker_stopped(struct worker *w);

/* Queue a job; 0 when the worker was idle, -1 when busy (nothing queued). */
int worker_submit(struct worker *w, const struct job_args *job);

/*
 * When idle and the generation changed since *gen: snapshots of the
 * simulations into a and b (b only when compare is on; *cmp_on says), of
 * the last event reached into a->ev,
 * the what-if choices when computed, and of the replay into banks
 * (banks->on = 0 without one), and 1.
 */
int worker_take(struct worker *w, unsigned *gen, struct ui_snap *a, struct ui_snap *b,
		int *cmp_on, struct ui_banks *banks, char *err, size_t errlen);

/* Busy?  and for a progress line: the layer in progress and seconds spent. */
int worker_progress(struct worker *w, int *iter, int *layer, double *secs);

#endif
