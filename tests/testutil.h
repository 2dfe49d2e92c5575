/* testutil.h - small helpers shared by the test files. */
#ifndef SIEVE_TESTUTIL_H
#define SIEVE_TESTUTIL_H

/*
 * Write text to a fresh file in a per-process temporary directory and
 * return its path (valid for the next 7 calls).
 */
const char *test_write_file(const char *name, const char *text);

/* A copy of file path with the line starting with `key` replaced by
 * `replacement` (or deleted when replacement is NULL), written as name. */
const char *test_edit_file(const char *path, const char *name, const char *key,
			   const char *replacement);

/* Line (from 1) of the first "key =" line of the file at path, or 0. */
int test_key_line(const char *path, const char *key);

/* A shipped hw preset; a load failure prints why and fails the test. */
#include "hw.h"
struct hw test_hw(const char *name);

/* A shipped model preset, the same way. */
#include "model.h"
struct model test_model(const char *name);

/*
 * Accuracy checks that show their margin: |got - want| <= tol, got <= max,
 * got >= min.  Each prints the figure, the limit and how much of the margin
 * used when it fails, and always when SIEVE_FIGURES is set in the
 * environment (SIEVE_FIGURES=1 build/tests/runner routing), so a tolerance
 * can be kept just above what the model achieves.  Returns whether it held;
 * the CHECK_ macros assert it, so a failure names the test's line.
 */
int test_within(const char *what, double got, double want, double tol);
int test_at_most(const char *what, double got, double max);
int test_at_least(const char *what, double got, double min);
#define CHECK_WITHIN(what, got, want, tol) CU_ASSERT(test_within(what, got, want, tol))
#define CHECK_AT_MOST(what, got, max) CU_ASSERT(test_at_most(what, got, max))
#define CHECK_AT_LEAST(what, got, min) CU_ASSERT(test_at_least(what, got, min))

#endif
