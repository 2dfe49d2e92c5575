/* screen.c - terminal setup and teardown, signals (screen.h). */
#include "screen.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Signal handlers can reach nothing else: this is the UI's one global state. */
static SCREEN *screen;
static volatile sig_atomic_t caught;
static int signal_fd = -1;

static const int quitting[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
#define NQUIT ((int)(sizeof quitting / sizeof quitting[0]))
#define NFATAL ((int)(sizeof fatal / sizeof fatal[0]))
static struct sigaction saved[NQUIT + NFATAL];

static void on_quit(int sig)
{
	caught = sig;
	if (signal_fd >= 0 && write(signal_fd, "s", 1) < 0) {
		/* the pipe is full: the loop is already awake */
	}
}

/* Not async-signal-safe, as htop's and tmux's are not: the process is dying anyway. */
static void on_fatal(int sig)
{
	if (screen != NULL)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_at_exit(void)
{
	if (screen != NULL && !isendwin())
		endwin();
}

int screen_open(struct look *lk, const struct ui_opts *o, struct err *e)
{
	static int registered;
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");
	int unicode;

	setlocale(LC_ALL, "");
	unicode = !o->ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL)
		return err_set(e, "cannot drive terminal type '%s' (TERM); try TERM=xterm-256color, "
			       "or 'sieve run' for a report", term ? term : "");
	if (!registered) {
		atexit(restore_at_exit);
		registered = 1;
	}
	set_term(screen);
	/* a terminal that cannot move the cursor (dumb) would get a blank screen */
	char *cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		screen_close();
		return err_set(e, "terminal type '%s' (TERM) cannot address the cursor; try "
			       "TERM=xterm-256color, or 'sieve run' for a report", term ? term : "");
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	look_init(lk, theme_find(o->theme), unicode, o->no_color || (nc != NULL && nc[0] != 0));
	bkgdset(lk->attr[R_NORMAL] | ' ');
	if (!o->no_mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(0);
	}
	return 0;
}

void screen_close(void)
{
	if (screen == NULL)
		return;
	if (!isendwin())
		endwin();
	delscreen(screen);
	screen = NULL;
}

void screen_signals(int fd)
{
	struct sigaction sa;

	signal_fd = fd;
	caught = 0;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	for (int i = 0; i < NQUIT; i++)
		sigaction(quitting[i], &sa, &saved[i]);
	sa.sa_handler = on_fatal;
	for (int i = 0; i < NFATAL; i++)
		sigaction(fatal[i], &sa, &saved[NQUIT + i]);
}

void screen_signals_restore(void)
{
	for (int i = 0; i < NQUIT; i++)
		sigaction(quitting[i], &saved[i], NULL);
	for (int i = 0; i < NFATAL; i++)
		sigaction(fatal[i], &saved[NQUIT + i], NULL);
	signal_fd = -1;
}

int screen_signal(void)
{
	return caught;
}

void screen_signal_forget(void)
{
	caught = 0;
}
