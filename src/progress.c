/* progress.c - progress line and Ctrl-C for headless runs (see progress.h). */
#include "progress.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sim.h"
#include "wallclock.h"

/* Set by the handler: the one thing a signal handler may safely do. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void progress_catch_interrupt(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, NULL);
}

int progress_interrupted(void)
{
	return interrupted != 0;
}

void progress_begin(struct progress *p, const char *what)
{
	memset(p, 0, sizeof *p);
	p->what = what;
	p->tty = isatty(STDERR_FILENO);
	p->t0 = p->last = wall_seconds();
}

void progress_update(struct progress *p, double done, double total)
{
	double now, elapsed, left;
	char line[160];
	int n;

	if (!p->tty || total <= 0)
		return;
	now = wall_seconds();
	elapsed = now - p->t0;
	/* the first line after the delay, then five a second */
	if (elapsed < PROGRESS_DELAY_S || (p->width > 0 && now - p->last < 0.2))
		return;
	left = done > 0 ? elapsed * (total - done) / done : 0;
	n = snprintf(line, sizeof line, "sieve %s: %.0f%%, %.0f s so far, about %.0f s left",
		     p->what, 100 * done / total, elapsed, left);
	fprintf(stderr, "\r%-*s", p->width > n ? p->width : n, line);
	fflush(stderr);
	p->width = n;
	p->last = now;
}

void progress_end(struct progress *p)
{
	if (p->width > 0) {
		fprintf(stderr, "\r%*s\r", p->width, "");
		fflush(stderr);
	}
	p->width = 0;
}

int progress_run(struct sim *s, const char *what, void (*on_layer)(struct sim *, void *),
		 void *ctx, struct err *e)
{
	double total = (double)s->cfg.iters * s->model.layers;
	struct progress p;
	int rc = 0, step;

	progress_begin(&p, what);
	for (;;) {
		if (progress_interrupted()) {
			rc = err_set(e, "interrupted in iteration %d of %d, before layer %d: no report",
				     s->iter + 1, s->cfg.iters, s->layer);
			break;
		}
		if ((step = sim_step_layer(s)) < 0)	/* the models cannot run the inputs */
			rc = err_set(e, "%s", sim_error(s));
		if (step <= 0)
			break;
		if (on_layer != NULL)
			on_layer(s, ctx);
		progress_update(&p, (double)s->iter * s->model.layers + s->layer, total);
	}
	progress_end(&p);
	return rc;
}

int progress_fail(const char *msg)
{
	cli_print_error(msg);
	return progress_interrupted() ? EXIT_INTERRUPTED : EXIT_USAGE;
}
