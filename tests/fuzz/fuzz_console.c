/*
 * fuzz_console.c - the console's command language: each line of the input
 * through console_exec against one session (the defaults, 2 iterations of
 * batch 8, so a `run` stays short, and sched gpu until the input sets
 * another).
 *
 * A failed line must say why in one line and, unless it moves the
 * simulation or runs a script (step, back, run, goto, source: those act up
 * to the error by design), change nothing: the session's `show all`,
 * `info break`, `info notes` and position are compared before and after.
 *
 * Skipped lines: save and export (they write files the input names), and
 * lines naming iters or a number of 3 or more digits (a long run is not a
 * bug, and would read as a hang).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "fuzz.h"
#include "lines.h"

/* What a failed command must leave as it was. */
static char *snapshot(struct console *c, struct lines *out)
{
	const struct sim *s = c->sim;
	struct err e;
	char pos[128];
	char *snap;

	out->len = 0;
	lines_keep(out, "");
	fuzz_assert(console_exec(c, "show all", &e) == 0, "show all failed");
	fuzz_assert(console_exec(c, "info break", &e) == 0, "info break failed");
	fuzz_assert(console_exec(c, "info notes", &e) == 0, "info notes failed");
	snprintf(pos, sizeof pos, "%p %d %d %d %d", (const void *)s, s->iter, s->layer,
		 s->iters_done, c->nov);
	lines_keep(out, pos);
	snap = xstrdup(out->text);
	out->len = 0;
	return snap;
}

/* The command word of line as the console reads it (quotes and '!' dropped). */
static const struct console_cmd *command_of(const char *line)
{
	char word[64];
	size_t n = 0;

	while (isspace((unsigned char)*line))
		line++;
	for (; *line && !isspace((unsigned char)*line) && n < sizeof word - 1; line++)
		if (*line != '"' && *line != '\'')
			word[n++] = *line;
	if (n > 0 && word[n - 1] == '!')
		n--;
	word[n] = '\0';
	return console_cmd_find(word);
}

static int skipped(const char *line)
{
	const struct console_cmd *cmd = command_of(line);
	int digits = 0;

	if (cmd != NULL && (strcmp(cmd->name, "save") == 0 || strcmp(cmd->name, "export") == 0))
		return 1;
	if (strstr(line, "iters") != NULL)
		return 1;
	for (; *line; line++)
		if ((digits = isdigit((unsigned char)*line) ? digits + 1 : 0) >= 3)
			return 1;
	return 0;
}

static int acts_until_error(const char *line)
{
	static const char *const names[] = {"step", "back", "run", "goto", "source"};
	const struct console_cmd *cmd = command_of(line);

	for (size_t i = 0; cmd != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(cmd->name, names[i]) == 0)
			return 1;
	return 0;
}

static void run_line(struct console *c, struct lines *out, const char *line)
{
	char *before, *after;
	struct err e;
	int rc;

	if (skipped(line))
		return;
	before = snapshot(c, out);
	memset(&e, 0, sizeof e);
	rc = console_exec(c, line, &e);
	fuzz_check_error(rc, &e, NULL, "console_exec");
	if (rc != 0 && !acts_until_error(line)) {
		after = snapshot(c, out);
		fuzz_assert(strcmp(before, after) == 0, "a failed command changed the session");
		free(after);
	}
	free(before);
}

int fuzz_console(const uint8_t *data, size_t size)
{
	struct lines out = {NULL, 0};
	struct console_hooks hooks = {.ctx = &out, .print = lines_keep};
	struct sim_config cfg;
	struct console c;
	struct err e;
	char *text = xmalloc(size + 1), *line, *next;

	memcpy(text, data, size);
	text[size] = '\0';	/* a NUL byte ends the input, as it ends a C string */
	fuzz_assert(config_defaults(&cfg, "data", &e) == 0, e.msg);
	cfg.iters = 2;
	cfg.batch = 8;
	cfg.sched = SCHED_GPU;	/* no PIM costs until the input asks: more inputs a second */
	fuzz_assert(console_init(&c, &cfg, "data", &hooks, &e) == 0, e.msg);
	for (line = text; line != NULL && !c.quit; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		run_line(&c, &out, line);
	}
	console_release(&c);
	free(out.text);
	free(text);
	return 0;
}

#ifdef LIBFUZZER
FUZZ_ENTRY(fuzz_console)
#endif
