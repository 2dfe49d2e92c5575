/*
 * replay.c - run the fuzz targets over saved inputs, without libFuzzer:
 * `make check` replays tests/fuzz/corpus/TARGET/ (seeds and every input
 * that ever crashed, hung or misbehaved), so CI needs no clang.
 *
 *   fuzz_replay DIR...   each DIR named after its target (ini, model, ...)
 *
 * Each input gets REPLAY_SECONDS before it counts as a hang.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_SECONDS 20

static const struct {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
} fuzz_targets[] = {
	{"ini", fuzz_ini},
	{"model", fuzz_model},
	{"hw", fuzz_hw},
	{"trace", fuzz_trace},
	{"console", fuzz_console},
};

static char current[4096];	/* the input running, for the hang message */

static void on_alarm(int sig)
{
	(void)sig;
	/* write(2) is async-signal-safe; stdio is not */
	static const char head[] = "fuzz replay: hang (over 20 s) on ";
	ssize_t w = write(STDERR_FILENO, head, sizeof head - 1);
	w += write(STDERR_FILENO, current, strlen(current));
	w += write(STDERR_FILENO, "\n", 1);
	(void)w;
	_exit(1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap)
			buf = xrealloc(buf, cap = cap ? 2 * cap : 4096);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*size = n;
	return buf;
}

/* Every regular file of dir, in name order, through fn; -1 if dir is unreadable. */
static int replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t), int *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	for (int i = 0; i < n; i++) {
		size_t size;
		uint8_t *data;
		snprintf(current, sizeof current, "%s/%s", dir, names[i]);
		if ((data = read_all(current, &size)) != NULL) {
			alarm(REPLAY_SECONDS);
			fn(data, size);
			alarm(0);
			free(data);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0;

	signal(SIGALRM, on_alarm);
	for (int i = 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		size_t t = 0, nt = sizeof fuzz_targets / sizeof fuzz_targets[0];

		base = base ? base + 1 : argv[i];
		while (t < nt && strcmp(fuzz_targets[t].name, base) != 0)
			t++;
		if (t == nt) {
			fprintf(stderr, "fuzz replay: no target named '%s' (a directory per target)\n",
				base);
			return 2;
		}
		if (replay_dir(argv[i], fuzz_targets[t].fn, &count) != 0) {
			fprintf(stderr, "fuzz replay: cannot read %s\n", argv[i]);
			return 2;
		}
	}
	printf("fuzz replay: %d inputs, no crash, hang or broken promise\n", count);
	return 0;
}
