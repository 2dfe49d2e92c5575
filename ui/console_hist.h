/*
 * console_hist.h - the console line's history in a file (readline's
 * history library): created 0600, one line appended per command, cut to
 * its last max lines when the UI ends.  Apart from console_line.c because
 * readline's history.h and sim/history.h both declare history_get.
 */
#ifndef SIEVE_UI_CONSOLE_HIST_H
#define SIEVE_UI_CONSOLE_HIST_H

/* Keep max entries; read path (NULL: no file). */
void conhist_open(const char *path, int max);

/* A line entered (not repeated twice in a row); appended to path when set. */
void conhist_add(const char *path, const char *line);

/* Up starts again from the newest entry. */
void conhist_rewind(void);

/* The file cut to max lines; the memory freed. */
void conhist_close(const char *path, int max);

#endif
