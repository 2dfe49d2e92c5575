/* fuzz_common.c - temporary files and checks shared by the fuzz targets. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_assert(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz: broken promise: %s\n", what);
		abort();
	}
}

static char dir[256];

/* The inputs' directory goes at exit (input.ini, input.csv). */
static void cleanup(void)
{
	char path[300];

	snprintf(path, sizeof path, "%s/input.ini", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/input.csv", dir);
	unlink(path);
	rmdir(dir);
}

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[300];
	FILE *f;

	if (dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/sieve-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		fuzz_assert(mkdtemp(dir) != NULL, "cannot make a temporary directory");
		atexit(cleanup);
	}
	snprintf(path, sizeof path, "%s/input%s", dir, suffix);
	f = fopen(path, "wb");
	fuzz_assert(f != NULL, "cannot write the input file");
	fuzz_assert(fwrite(data, 1, size, f) == size && fclose(f) == 0, "short write");
	return path;
}

void fuzz_check_error(int rc, const struct err *e, const char *path, const char *what)
{
	if (rc == 0)
		return;
	fuzz_assert(rc == -1, what);
	fuzz_assert(e->msg[0] != '\0', "an error without a message");
	fuzz_assert(strchr(e->msg, '\n') == NULL, "a message of several lines");
	fuzz_assert(path == NULL || strncmp(e->msg, path, strlen(path)) == 0,
		    "a message that does not name the file");
}

int fuzz_load(fuzz_loader load, void *obj, size_t obj_size, const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".ini");
	unsigned char *before = malloc(obj_size);
	struct err e;
	int rc;

	fuzz_assert(before != NULL, "out of memory");
	memset(obj, 0x5a, obj_size);
	memcpy(before, obj, obj_size);
	memset(&e, 0, sizeof e);
	rc = load(obj, "data", path, &e);
	fuzz_check_error(rc, &e, path, "a loader");
	if (rc != 0)
		fuzz_assert(memcmp(obj, before, obj_size) == 0, "a failed load changed the object");
	free(before);
	return rc;
}
