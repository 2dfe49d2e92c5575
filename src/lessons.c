/* lessons.c - the classroom lessons (see lessons.h) and the console's `lesson`. */
#include "lessons.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "console_int.h"

/* N of "N-WORDS.sieve", or -1. */
static int lesson_number(const char *name)
{
	size_t len = strlen(name);
	int n = 0, digits = 0;

	if (len < 8 || strcmp(name + len - 6, ".sieve") != 0)
		return -1;
	for (; isdigit((unsigned char)*name) && digits < 4; name++, digits++)
		n = 10 * n + (*name - '0');
	return digits > 0 && *name == '-' ? n : -1;
}

/* The title from the first line, "# Lesson N: TITLE" (else the whole comment). */
static void lesson_title(struct lesson *l)
{
	FILE *f = fopen(l->path, "r");
	char line[256] = "", *t = line;

	if (f != NULL) {
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\r\n")] = '\0';
	while (*t == '#' || *t == ' ')
		t++;
	if (strncmp(t, "Lesson ", 7) == 0 && strchr(t, ':') != NULL)
		for (t = strchr(t, ':') + 1; *t == ' '; t++)
			;
	snprintf(l->title, sizeof l->title, "%s", *t ? t : "(no title line)");
}

static int by_number(const void *a, const void *b)
{
	return ((const struct lesson *)a)->number - ((const struct lesson *)b)->number;
}

int lessons_find(const char *datadir, struct lesson *out, int max, struct err *e)
{
	char dir[4096];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/lessons", datadir);
	if ((dp = opendir(dir)) == NULL)
		return err_set(e, "%s: cannot open the lessons' directory", dir);
	while ((d = readdir(dp)) != NULL && n < max) {
		int num = lesson_number(d->d_name);
		if (num < 0)
			continue;
		if (snprintf(out[n].path, sizeof out[n].path, "%s/%s", dir, d->d_name) >=
		    (int)sizeof out[n].path)
			continue;	/* a path too long to open */
		out[n].number = num;
		lesson_title(&out[n]);
		n++;
	}
	closedir(dp);
	qsort(out, (size_t)n, sizeof *out, by_number);
	return n;
}

int lesson_get(const char *datadir, const char *text, struct lesson *l, struct err *e)
{
	struct lesson all[LESSONS_MAX];
	char have[256] = "";
	int n = lessons_find(datadir, all, LESSONS_MAX, e);
	long want;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		snprintf(have + strlen(have), sizeof have - strlen(have), "%s%d", i ? ", " : "",
			 all[i].number);
	if (cli_long("lesson", text, 0, 9999, &want, e) != 0)
		return err_set(e, "lesson: '%s' is not a lesson number (%s, or list)", text, have);
	for (int i = 0; i < n; i++)
		if (all[i].number == want) {
			*l = all[i];
			return 0;
		}
	return err_set(e, "lesson: no lesson %ld (there are %s; list shows them)", want, have);
}

int lessons_list(const char *datadir, void (*line)(void *ctx, const char *text), void *ctx,
		 struct err *e)
{
	struct lesson all[LESSONS_MAX];
	char buf[256];
	int n = lessons_find(datadir, all, LESSONS_MAX, e);

	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "  %-3d %s", all[i].number, all[i].title);
		line(ctx, buf);
	}
	return n < 0 ? -1 : 0;
}

static void to_stdout(void *ctx, const char *text)
{
	(void)ctx;
	puts(text);
}

int lessons_take_arg(int argc, char **argv, const char *datadir, char *path, size_t len,
		     struct err *e)
{
	static char flag[] = "-x";
	struct lesson l;
	int at = -1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--lesson") != 0)
			continue;
		if (at >= 0)
			return err_set(e, "--lesson: one lesson at a time");
		at = i;
	}
	if (at < 0)
		return 0;
	if (at + 1 == argc)
		return err_set(e, "--lesson needs a lesson number or list");
	if (strcmp(argv[at + 1], "list") == 0) {
		if (argc != 2)
			return err_set(e, "--lesson list: no other option");
		return lessons_list(datadir, to_stdout, NULL, e) == 0 ? 1 : -1;
	}
	if (lesson_get(datadir, argv[at + 1], &l, e) != 0)
		return -1;
	snprintf(path, len, "%s", l.path);
	argv[at] = flag;
	argv[at + 1] = path;
	return 0;
}

HANDLER(con_lesson)
{
	struct lesson l;

	if (strcmp(a->argv[1], "list") == 0)
		return lessons_list(c->datadir, console_print_line, c, e);
	if (lesson_get(c->datadir, a->argv[1], &l, e) != 0)
		return -1;
	/* a fresh start: the built-in scenario, no override, breakpoint or note */
	if (console_restart(c, &c->defaults, NULL, 0, e) != 0)
		return -1;
	c->nbrk = 0;
	c->next_brk = 1;
	for (int i = 0; i < c->nnotes; i++)
		free(c->note[i].text);
	c->nnotes = 0;
	console_printf(c, "lesson %d: %s", l.number, l.title);
	return console_source(c, l.path, e);
}
