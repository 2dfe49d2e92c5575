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

#endif
