/*
 * err.h - error reporting for the simulator library.
 *
 * Library code never prints or exits: a function that can fail takes a
 * struct err, fills its message and returns -1 (SQLite result codes, Redis
 * AE_ERR).  Only src/ and ui/ decide what to do with the message.
 * Messages follow git: lowercase, no trailing full stop, offending value
 * quoted, prefixed with "path:line: " when they come from a file.
 */
#ifndef SIEVE_ERR_H
#define SIEVE_ERR_H

#include <stddef.h>

#define ERR_MAX 512

struct err {
	char msg[ERR_MAX];
};

/* Format a message into e (if e is not NULL) and return -1. */
int err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix an existing message, e.g. with "while loading x: ". Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocation that never returns NULL: failure aborts (tmux xmalloc). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
