/*
 * loop.c - ui_run and its one event loop (Redis ae.c's shape): poll the
 * keyboard and a pipe that the worker (a step finished) and the signal
 * handlers write to, with a timeout for play mode and the progress line;
 * then take a new snapshot if there is one, handle keys, draw.  Nothing
 * here blocks on the simulation.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "screen.h"

#define BUSY_FRAME_MS 100	/* the progress line's refresh while a step runs */
#define IDLE_POLL_MS 500	/* a resize that raced the poll is seen this late at worst */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A step landed: the new snapshots, the cursor where the step wanted it. */
static void take(struct app *ap)
{
	char err[ERR_MAX];

	if (!worker_take(&ap->w, &ap->gen, &ap->a, &ap->b, &ap->cmp_on, &ap->banks, err, sizeof err))
		return;
	if (worker_stopped(&ap->w))	/* a breakpoint fired */
		ap->playing = 0;
	if (!ap->cmp_on)	/* dropped (Esc while it caught up, or it failed): no rebuild */
		ap->cmp_sched = -1;
	if (err[0])
		snprintf(ap->msg, sizeof ap->msg, "%s", err);
	switch (ap->cursor_after) {
	case CUR_EVENT:
		ap->cur.t_ns = ap->a.ev.t_ns;
		ap->cur.ev = ap->a.ev;
		ap->cur.on_ev = 1;
		break;
	case CUR_END:
		ap->cur.t_ns = ap->a.end_ns;
		ap->cur.on_ev = 0;
		break;
	case CUR_SET:
		ap->cur = ap->cursor_set;
		break;
	case CUR_REPLAY:	/* the timeline follows the replay's cycle */
		if (ap->banks.on) {
			ap->cur.t_ns = ap->banks.t0_ns + ap->banks.cycle * ap->banks.tck_ns;
			ap->cur.on_ev = 0;
		}
		break;
	}
	ap->cursor_after = CUR_KEEP;
	app_update_views(ap);
}

static void play(struct app *ap)
{
	double t = now_s();

	if (!ap->playing || t < ap->next_play_s)
		return;
	if (ap->a.done) {
		ap->playing = 0;
		return;
	}
	app_step(ap, ap->grain);
	ap->next_play_s = t + keys_speed_period_s(ap->speed);
}

static int timeout_ms(struct app *ap)
{
	double ms = IDLE_POLL_MS;

	if (ap->busy)
		ms = BUSY_FRAME_MS;
	else if (ap->playing)
		ms = fmin(ms, fmax(0, (ap->next_play_s - now_s()) * 1e3));
	return (int)ms;
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

static int loop(struct app *ap)
{
	struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				{.fd = ap->pipe[0], .events = POLLIN}};

	while (!ap->quit) {
		int ch;
		take(ap);
		ap->busy = worker_progress(&ap->w, &ap->busy_iter, &ap->busy_layer, &ap->busy_s);
		if (!ap->busy && ap->npending > 0) {	/* keys typed during the last step */
			int k = ap->pending[0];
			memmove(ap->pending, ap->pending + 1, --ap->npending * sizeof *ap->pending);
			keys_handle(ap, k);
			continue;
		}
		if (!ap->busy && con_run_pending(ap))	/* console lines, the rc file, -x */
			continue;
		app_draw(ap);
		if (poll(fds, 2, timeout_ms(ap)) < 0 && errno != EINTR)
			break;
		drain(ap->pipe[0]);
		if (screen_signal())
			return 128 + screen_signal();
		while (!ap->quit && (ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				continue;	/* the next frame lays out from LINES and COLS */
			if (conline_key(ap, ch))
				continue;
			if (ap->too_small && ch != 'q')
				continue;
			keys_handle(ap, ch);
		}
		play(ap);
	}
	return 0;
}

int ui_run(const struct ui_opts *o, struct sim *s, int *sim_busy, struct err *e)
{
	struct app *ap = xcalloc(1, sizeof *ap);
	int rc;

	*sim_busy = 0;
	ap->o = o;
	ap->cmp_sched = -1;
	ap->grain = GRAIN_LAYER;
	ap->speed = 2;
	if (pipe(ap->pipe) != 0) {
		free(ap);
		return err_set(e, "cannot create a pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++)
		fcntl(ap->pipe[i], F_SETFL, fcntl(ap->pipe[i], F_GETFL) | O_NONBLOCK);
	conline_init(ap);
	if (screen_open(&ap->lk, o, e) != 0) {
		conline_done(ap);
		close(ap->pipe[0]);
		close(ap->pipe[1]);
		free(ap);
		return -1;
	}
	screen_signals(ap->pipe[1]);
	snap_init(&ap->a);
	snap_init(&ap->b);
	app_open_views(ap);
	worker_start(&ap->w, s, o->datadir, ap->pipe[1]);
	ap->w.stop = o->con.stop;	/* before the first job */
	ap->w.stop_ctx = o->con.ctx;
	rc = loop(ap);
	*sim_busy = worker_stop(&ap->w, 30);
	conline_done(ap);
	screen_close();
	screen_signals_restore();
	if (*sim_busy)		/* the worker may still write to the pipe and read the snapshots' sim */
		return rc;
	app_close_views(ap);
	snap_release(&ap->a);
	snap_release(&ap->b);
	snap_banks_release(&ap->banks);
	close(ap->pipe[0]);
	close(ap->pipe[1]);
	free(ap);
	return rc;
}
