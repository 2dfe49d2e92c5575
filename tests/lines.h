/* lines.h - console output kept as one text, for the CUnit console tests
 * and the console fuzz target (two programs, one print hook). */
#ifndef SIEVE_LINES_H
#define SIEVE_LINES_H

#include <stddef.h>

struct lines {
	char *text;		/* every line so far, each ended by '\n'; NULL before any */
	size_t len;
};

/* A console print hook (console.h): appends line and a newline to ctx, a
 * struct lines. */
void lines_keep(void *ctx, const char *line);

#endif
