/*
 * trace_out.h - the engine's timeline as Chrome trace-event JSON (opens in
 * Perfetto and chrome://tracing): one track per resource (a GPU's compute,
 * its link, each of its stacks), one complete ("X") event per task and
 * resource it held, times in microseconds.
 */
#ifndef SIEVE_TRACE_OUT_H
#define SIEVE_TRACE_OUT_H

#include "err.h"
#include "sim.h"

#include <stdio.h>

/* Write every task the engine kept (s->eng.keep must have been set) to
 * out, opened by the caller before the simulation so a bad path fails
 * early; closes out.  path is for messages. */
int trace_write(FILE *out, const char *path, const struct sim *s, struct err *e);

#endif
