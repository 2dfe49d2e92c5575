/* err.c - error messages and allocation wrappers (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char head[ERR_MAX], old[ERR_MAX];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	/* Truncation is acceptable for a message; copy by hand to say so. */
	size_t hl = strlen(head), ol = strlen(old);
	if (hl > ERR_MAX - 1)
		hl = ERR_MAX - 1;
	if (ol > ERR_MAX - 1 - hl)
		ol = ERR_MAX - 1 - hl;
	memcpy(e->msg, head, hl);
	memcpy(e->msg + hl, old, ol);
	e->msg[hl + ol] = '\0';
	return -1;
}

static void *check(void *p, size_t n)
{
	if (p == NULL && n != 0) {
		fprintf(stderr, "sieve: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1), n); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1), n * size); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n); }
char *xstrdup(const char *s) { return check(strdup(s), strlen(s) + 1); }
