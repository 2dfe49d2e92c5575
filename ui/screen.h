/*
 * screen.h - the terminal: opened with newterm (so an unknown TERM is our
 * error message, not curses' exit), closed on every way out, quitting
 * signals turned into events of the loop, fatal ones restoring the
 * terminal before the default action.
 */
#ifndef SIEVE_UI_SCREEN_H
#define SIEVE_UI_SCREEN_H

#include "err.h"
#include "theme.h"
#include "ui.h"

/* Open the terminal and choose the look; -1 and e when TERM is unusable. */
int screen_open(struct look *lk, const struct ui_opts *o, struct err *e);
void screen_close(void);

/*
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT write a byte to fd and are recorded
 * (screen_signal); SIGSEGV, SIGBUS, SIGFPE and SIGABRT restore the terminal
 * and then take their default action.
 */
void screen_signals(int fd);
void screen_signals_restore(void);

/* The quitting signal received, or 0. */
int screen_signal(void);
/* Forget it: a SIGINT that stopped a console command rather than the UI. */
void screen_signal_forget(void);

#endif
