/*
 * fuzz.h - fuzz targets for sieve's parsers, and what they share.
 *
 * Each target takes one input (bytes) and feeds it to a parser the way a
 * user's file reaches it, then checks what a bad input must never do:
 * crash, hang, leak (ASan/UBSan and libFuzzer see those), fail without a
 * message, print a message of several lines, or change the object it was
 * loading into.  A broken promise aborts, which libFuzzer reports as a
 * crash and the replay driver (replay.c) as a failure.
 *
 * Built twice: with -DLIBFUZZER by `make fuzz` (clang -fsanitize=fuzzer,
 * each target its own program), and without it into the replay driver
 * that `make check` runs over tests/fuzz/corpus/TARGET/ (no clang needed).
 * A new parser adds a fuzz_NAME.c, a line in fuzz_targets[] (replay.c)
 * and NAME in FUZZ_TARGETS (Makefile).
 */
#ifndef SIEVE_FUZZ_H
#define SIEVE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

int fuzz_ini(const uint8_t *data, size_t size);
int fuzz_model(const uint8_t *data, size_t size);
int fuzz_hw(const uint8_t *data, size_t size);
int fuzz_trace(const uint8_t *data, size_t size);
int fuzz_console(const uint8_t *data, size_t size);	/* command lines */

/* The input written to a private temporary file (same path every call). */
const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);

/* Abort with what unless rc is 0, or -1 with a one-line message that
 * begins with path (when path is not NULL). */
void fuzz_check_error(int rc, const struct err *e, const char *path, const char *what);

/*
 * Load the input as a preset loader does (model_load, hw_load: obj, datadir,
 * path, e), into obj filled with a pattern first; a failure must leave obj
 * as it was, with a one-line message naming the file.  Returns the
 * loader's result.
 */
typedef int (*fuzz_loader)(void *obj, const char *datadir, const char *path, struct err *e);
int fuzz_load(fuzz_loader load, void *obj, size_t obj_size, const uint8_t *data, size_t size);

/* Abort with what when cond is false. */
void fuzz_assert(int cond, const char *what);

#define FUZZ_ENTRY(fn)                                                   \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);    \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)     \
	{                                                                \
		return fn(data, size);                                   \
	}

#endif
