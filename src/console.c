/* console.c - the console engine: sessions, lines, scripts (see console.h). */
#include "console.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "console_int.h"
#include "ini.h"

void console_printf(struct console *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (c->h.print != NULL)
		c->h.print(c->h.ctx, buf);
	else
		printf("%s\n", buf);
}

void console_print_line(void *ctx, const char *text)
{
	console_printf(ctx, "%s", text);
}

long console_pos(const struct sim *s)
{
	return (long)s->iter * s->model.layers + s->layer;
}

int console_long(const char *name, const char *text, long lo, long hi, long *out,
		 struct err *e)
{
	return cli_long(name, text, lo, hi, out, e);
}

/* The overrides of one ini's scopes as "[section]\nkey = value\n" lines. */
static int overrides_ini(struct ini *ini, const struct console_override *ov, int nov,
			 int model, struct err *e)
{
	size_t cap = 64, len = 0;
	char *text = xmalloc(cap);
	int rc;

	text[0] = '\0';
	for (int i = 0; i < nov; i++) {
		const struct field *f = ov[i].p.f;
		size_t need;
		if ((ov[i].p.scope == PARAM_MODEL) != model)
			continue;
		need = strlen(f->section) + strlen(f->name) + strlen(ov[i].value) + 16;
		if (len + need >= cap) {
			cap = 2 * (len + need);
			text = xrealloc(text, cap);
		}
		len += (size_t)sprintf(text + len, "[%s]\n%s = %s\n", f->section, f->name,
				       ov[i].value);
	}
	rc = ini_parse(ini, "set", text, e);
	free(text);
	return rc;
}

int console_restart(struct console *c, const struct sim_config *cfg,
		    const struct console_override *ov, int nov, struct err *e)
{
	struct ini mi, hi;
	struct sim_overrides o = {&mi, &hi};
	struct sim *s = xcalloc(1, sizeof *s), *old;
	int rc = -1;

	if (overrides_ini(&mi, ov, nov, 1, e) != 0) {
		free(s);
		return -1;
	}
	if (overrides_ini(&hi, ov, nov, 0, e) == 0) {
		rc = sim_init_with(s, cfg, c->datadir, &o, e);
		ini_free(&hi);
	}
	ini_free(&mi);
	if (rc != 0) {
		free(s);
		return -1;
	}
	old = c->sim;
	c->sim = s;
	c->ev_valid = 0;
	c->differs_expert = -1;
	console_views_drop(c);
	if (ov != c->ov && nov > 0)
		memmove(c->ov, ov, (size_t)nov * sizeof *ov);
	c->nov = nov;
	/* before the old run goes: a front end may hold runs that borrow from it */
	if (c->h.restarted != NULL)
		c->h.restarted(c->h.ctx, s);
	if (old != NULL) {
		sim_release(old);
		free(old);
	}
	return 0;
}

int console_init(struct console *c, const struct sim_config *cfg, const char *datadir,
		 const struct console_hooks *hooks, struct err *e)
{
	memset(c, 0, sizeof *c);
	snprintf(c->datadir, sizeof c->datadir, "%s", datadir);
	if (hooks != NULL)
		c->h = *hooks;
	c->next_brk = 1;
	c->differs_expert = -1;
	if (config_defaults(&c->defaults, datadir, e) != 0 ||
	    console_restart(c, cfg, NULL, 0, e) != 0)
		return -1;
	return 0;
}

void console_release(struct console *c)
{
	if (c->sim != NULL) {
		sim_release(c->sim);
		free(c->sim);
	}
	console_views_drop(c);
	for (int i = 0; i < c->nnotes; i++)
		free(c->note[i].text);
	free(c->note);
	memset(c, 0, sizeof *c);
}

/* Split line into words ("..." and '...' quote); the rest after the first word. */
static int tokenize(char *buf, const char *line, struct console_args *a, struct err *e)
{
	const char *p = line;
	char *out = buf;

	memset(a, 0, sizeof *a);
	while (*p != '\0') {
		char quote = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (a->argc == 1)
			a->rest = p;
		if (a->argc == CONSOLE_MAX_ARGS)
			return err_set(e, "too many arguments (at most %d)", CONSOLE_MAX_ARGS - 1);
		a->argv[a->argc++] = out;
		while (*p != '\0' && (quote || !isspace((unsigned char)*p))) {
			if (quote == 0 && (*p == '"' || *p == '\''))
				quote = *p;
			else if (*p == quote)
				quote = 0;
			else
				*out++ = *p;
			p++;
		}
		if (quote)
			return err_set(e, "unterminated %c quote", quote);
		*out++ = '\0';
	}
	return 0;
}

int console_exec(struct console *c, const char *line, struct err *e)
{
	char *buf, *restbuf = NULL;
	const struct console_cmd *cmd;
	struct console_args a;
	size_t len;
	int rc = -1;

	c->interrupted = 0;
	while (isspace((unsigned char)*line))
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	buf = xmalloc(strlen(line) + 1);
	if (tokenize(buf, line, &a, e) != 0)
		goto out;
	len = strlen(a.argv[0]);
	if (len > 1 && a.argv[0][len - 1] == '!') {
		a.argv[0][len - 1] = '\0';
		a.force = 1;
	}
	cmd = console_cmd_find(a.argv[0]);
	if (cmd == NULL) {
		struct suggest s = SUGGEST_INIT;
		for (size_t i = 0; i < console_ncmds; i++)
			suggest_try(&s, a.argv[0], console_cmds[i].name);
		if (s.best != NULL)
			err_set(e, "unknown command '%s' (did you mean '%s'?)", a.argv[0], s.best);
		else
			err_set(e, "unknown command '%s' (help lists them)", a.argv[0]);
		goto out;
	}
	if (a.argc - 1 < cmd->min_args || (cmd->max_args >= 0 && a.argc - 1 > cmd->max_args)) {
		err_set(e, "%s: %s arguments (usage: %s %s)", cmd->name,
			a.argc - 1 < cmd->min_args ? "missing" : "too many", cmd->name, cmd->usage);
		goto out;
	}
	if (a.rest != NULL) {	/* the rest, trimmed, one pair of quotes dropped */
		size_t n;
		restbuf = xstrdup(a.rest);
		n = strlen(restbuf);
		while (n > 0 && isspace((unsigned char)restbuf[n - 1]))
			restbuf[--n] = '\0';
		if (n >= 2 && (restbuf[0] == '"' || restbuf[0] == '\'') && restbuf[n - 1] == restbuf[0]) {
			restbuf[n - 1] = '\0';
			memmove(restbuf, restbuf + 1, n - 1);
		}
		a.rest = restbuf;
	}
	rc = cmd->exec(c, &a, e);
out:
	free(buf);
	free(restbuf);
	return rc;
}

int console_exec_list(struct console *c, const char *text, struct err *e)
{
	char *buf = xstrdup(text), *start = buf;
	char quote = 0;
	int rc = 0;

	for (char *p = buf;; p++) {
		if (*p == '"' || *p == '\'')
			quote = quote == 0 ? *p : quote == *p ? 0 : quote;
		if (*p != '\0' && (*p != ';' || quote))
			continue;
		{
			int end = *p == '\0';
			*p = '\0';
			rc = console_exec(c, start, e);
			if (rc != 0 || end || c->quit || c->interrupted)
				break;
			start = p + 1;
		}
	}
	free(buf);
	return rc;
}

int console_source(struct console *c, const char *path, struct err *e)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (c->depth >= CONSOLE_MAX_DEPTH)
		return err_set(e, "%s: scripts nested more than %d deep", path, CONSOLE_MAX_DEPTH);
	f = fopen(path, "r");
	if (f == NULL)
		return err_set(e, "%s: cannot open: %s", path, strerror(errno));
	c->depth++;
	while (rc == 0 && !c->quit && !c->interrupted && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (console_exec(c, line, e) != 0) {
			/* a nested script's message keeps its own FILE:LINE after ours */
			err_prefix(e, "%s:%d: ", path, lineno);
			rc = -1;
		}
	}
	c->depth--;
	free(line);
	fclose(f);
	return rc;
}
