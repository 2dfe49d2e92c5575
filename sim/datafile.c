/* datafile.c - find data files by name (see ini_load_named in ini.h). */
#include "ini.h"
#include "fields.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *data_open(const char *path, struct err *e)
{
	/* O_NONBLOCK: opening a fifo with no writer would wait forever */
	int fd = open(path, O_RDONLY | O_NONBLOCK), saved;
	struct stat st;
	FILE *f;

	if (fd < 0) {
		saved = errno;
		err_set(e, "%s: cannot open: %s", path, strerror(errno));
		errno = saved;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		err_set(e, "%s: not a regular file", path);
		errno = EINVAL;
		return NULL;
	}
	/* a regular file never blocks; clear the flag so stdio reads plainly */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (f = fdopen(fd, "rb")) == NULL) {
		saved = errno;
		close(fd);
		err_set(e, "%s: cannot open: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	return f;
}

static int is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') != NULL || (n > 4 && strcmp(s + n - 4, ".ini") == 0);
}

static void base_name(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".ini") == 0)
		n -= 4;
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * "a, b, c" of the presets in dir, sorted (readdir order is the file
 * system's), and the closest to name: a small edit distance, or a preset
 * that name begins.
 */
static void list_presets(const char *dir, const char *name, char *list, size_t len,
			 char *near, size_t near_len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	int n = 0, best = 4;

	list[0] = near[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char b[256];
		size_t l = strlen(de->d_name);

		if (l <= 4 || strcmp(de->d_name + l - 4, ".ini") != 0)
			continue;
		base_name(de->d_name, b, sizeof b);
		names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
		names[n++] = xstrdup(b);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	for (int i = 0; i < n; i++) {
		int dist = strncmp(names[i], name, strlen(name)) == 0 ? 1 : edit_distance(name, names[i]);
		if (list[0])
			strncat(list, ", ", len - strlen(list) - 1);
		strncat(list, names[i], len - strlen(list) - 1);
		if (dist < best) {
			best = dist;
			snprintf(near, near_len, "%s", names[i]);
		}
		free(names[i]);
	}
	free(names);
}

int ini_load_named(struct ini *ini, const char *datadir, const char *kind,
		   const char *name_or_path, char *name_out, size_t name_len,
		   struct err *e)
{
	char path[4096], list[1024], near[256];
	struct stat st;

	if (is_path(name_or_path)) {
		if (name_out)
			base_name(name_or_path, name_out, name_len);
		return ini_load(ini, name_or_path, e);
	}
	snprintf(path, sizeof path, "%s/%s/%s.ini", datadir, kind, name_or_path);
	if (stat(path, &st) != 0) {
		char dir[4096], noun[64];
		snprintf(noun, sizeof noun, "%s", kind);
		if (strlen(noun) > 1 && noun[strlen(noun) - 1] == 's')
			noun[strlen(noun) - 1] = '\0';
		snprintf(dir, sizeof dir, "%s/%s", datadir, kind);
		list_presets(dir, name_or_path, list, sizeof list, near, sizeof near);
		memset(ini, 0, sizeof *ini);
		if (list[0] == '\0')
			return err_set(e, "unknown %s '%s' (no presets found in %s)", noun,
				       name_or_path, dir);
		if (near[0])
			return err_set(e, "unknown %s '%s' (did you mean '%s'? known: %s)", noun,
				       name_or_path, near, list);
		return err_set(e, "unknown %s '%s' (known: %s)", noun, name_or_path, list);
	}
	if (name_out)
		snprintf(name_out, name_len, "%s", name_or_path);
	return ini_load(ini, path, e);
}
