/*
 * lessons.h - the classroom lessons: console scripts in DATADIR/lessons,
 * one a file, named N-WORDS.sieve (N the lesson's number), the first line
 * "# Lesson N: TITLE".  `sieve run --lesson N` (headless) and the console
 * command `lesson N` run one; `--lesson list` and `lesson list` list them.
 */
#ifndef SIEVE_LESSONS_H
#define SIEVE_LESSONS_H

#include <stddef.h>

#include "err.h"

#define LESSONS_MAX 64

struct lesson {
	int number;
	char path[4096];
	char title[256];	/* the first line after "# Lesson N: " (cut at 255 bytes) */
};

/* Every lesson under datadir, by number, into out[max]; their count, or -1 with e. */
int lessons_find(const char *datadir, struct lesson *out, int max, struct err *e);

/* The lesson called text (its number) into *l; -1 with e naming the choices. */
int lesson_get(const char *datadir, const char *text, struct lesson *l, struct err *e);

/* Each lesson as one line "  N  TITLE" passed to line(ctx, text). */
int lessons_list(const char *datadir, void (*line)(void *ctx, const char *text), void *ctx,
		 struct err *e);

/*
 * Take "--lesson N" out of argv: replaced by "-x PATH" (path stored in
 * path[len]), so the script runners see the lesson as a script file.
 * Returns 0 (none or replaced), 1 when it was "--lesson list" (the list is
 * printed on stdout), -1 with e on a bad or missing number.
 */
int lessons_take_arg(int argc, char **argv, const char *datadir, char *path, size_t len,
		     struct err *e);

#endif
