/* testutil.c - temporary files and accuracy checks for tests (see testutil.h). */
#include "testutil.h"
#include "tests.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	static char dir[256];	/* tests are single-threaded; created once */

	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "/tmp/sieve-test-XXXXXX");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return dir;
}

const char *test_write_file(const char *name, const char *text)
{
	static char paths[8][512];	/* a few stay valid at once: f(a(), b()) */
	static int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, sizeof paths[0], "%s/%s", tmpdir(), name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

int test_key_line(const char *path, const char *key)
{
	char line[1024];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int n = 0, found = 0;

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		n++;
		found = strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '=');
	}
	if (f != NULL)
		fclose(f);
	return found ? n : 0;
}

const char *test_edit_file(const char *path, const char *name, const char *key,
			   const char *replacement)
{
	char line[1024], *text = calloc(1, 1);
	size_t len = 0, klen = strlen(key);
	FILE *f = fopen(path, "r");
	const char *out;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		const char *use = line;
		char rep[1024];
		if (strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '=')) {
			if (replacement == NULL)
				continue;
			snprintf(rep, sizeof rep, "%s\n", replacement);
			use = rep;
		}
		text = realloc(text, len + strlen(use) + 1);
		strcpy(text + len, use);
		len += strlen(use);
	}
	fclose(f);
	out = test_write_file(name, text);
	free(text);
	return out;
}

/* A shipped preset must load; if not, say why and fail the test. */
static void must_load(int rc, const struct err *e)
{
	if (rc != 0)
		fprintf(stderr, "\n%s\n", e->msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

struct hw test_hw(const char *name)
{
	struct hw hw;
	struct err e;

	memset(&hw, 0, sizeof hw);
	must_load(hw_load(&hw, TEST_DATADIR, name, &e), &e);
	return hw;
}

struct model test_model(const char *name)
{
	struct model m;
	struct err e;

	memset(&m, 0, sizeof m);
	must_load(model_load(&m, TEST_DATADIR, name, &e), &e);
	return m;
}

static int figure(int held, const char *what, double got, const char *limit)
{
	if (!held || getenv("SIEVE_FIGURES") != NULL)
		printf("\n    %s %s: %.6g, %s ", held ? "figure" : "FAILED", what, got, limit);
	return held;
}

int test_within(const char *what, double got, double want, double tol)
{
	char limit[128];
	double off = fabs(got - want);

	snprintf(limit, sizeof limit, "want %.6g +- %.3g (%.0f%% of it used)", want, tol,
		 tol > 0 ? 100 * off / tol : 100.0 * (off > 0));
	return figure(off <= tol, what, got, limit);
}

int test_at_most(const char *what, double got, double max)
{
	char limit[64];

	snprintf(limit, sizeof limit, "at most %.6g", max);
	return figure(got <= max, what, got, limit);
}

int test_at_least(const char *what, double got, double min)
{
	char limit[64];

	snprintf(limit, sizeof limit, "at least %.6g", min);
	return figure(got >= min, what, got, limit);
}
