/*
 * trace_out.h - the engine's timeline as Chrome trace-event JSON (opens in
 * Perfetto and chrome://tracing): one track per resource (a GPU's compute,
 * its link, each of its stacks), one complete ("X") event per task and
 * resource it held, times in microseconds.
 *
 * Written as the simulation goes, one layer at a time from the history
 * (history.h), so a run of any length needs no more than one layer of
 * tasks in memory.
 */
#ifndef SIEVE_TRACE_OUT_H
#define SIEVE_TRACE_OUT_H

#include "err.h"
#include "json.h"
#include "sim.h"

#include <stdio.h>

struct trace_out {
	FILE *out;
	const char *path;	/* for messages */
	struct json j;
};

/* Start the document on out (opened by the caller before the simulation,
 * so a bad path fails early): the tracks of every resource of s. */
void trace_begin(struct trace_out *t, FILE *out, const char *path, const struct sim *s);

/* The tasks of one layer record of s. */
void trace_layer(struct trace_out *t, const struct sim *s, const struct layer_record *r);

/* End the document and close the file. */
int trace_end(struct trace_out *t, struct err *e);

#endif
