/*
 * console_help.c - what comes from the tables besides running commands:
 * `help`, completion and the man page's command and parameter lists.
 */
#include <ctype.h>
#include <string.h>

#include "console_int.h"

static void help_param(struct console *c, const struct param *p)
{
	char range[256] = "";
	const struct field *f = p->f;

	if (f->type == FIELD_ENUM) {
		snprintf(range, sizeof range, "one of:");
		for (int i = 0; f->choices[i] != NULL; i++)
			snprintf(range + strlen(range), sizeof range - strlen(range), " %s",
				 f->choices[i]);
	} else if (f->type != FIELD_STR) {
		snprintf(range, sizeof range, "%g to %g%s%s", f->min, f->max, f->unit[0] ? " " : "",
			 f->unit);
	}
	console_printf(c, "%s (%s parameter): %s", f->name, param_scope_name(p->scope), f->help);
	if (range[0] != '\0')
		console_printf(c, "  %s", range);
	console_printf(c, "  %s", param_when_help(p));
}

HANDLER(con_help)
{
	const struct console_cmd *cmd;
	struct param p;

	if (a->argc == 1) {
		console_printf(c, "commands (help CMD for more, show all for the parameters):");
		for (size_t i = 0; i < console_ncmds; i++) {
			char use[64];
			snprintf(use, sizeof use, "%s %s", console_cmds[i].name, console_cmds[i].usage);
			console_printf(c, "  %-38s %s", use, console_cmds[i].help);
		}
		return 0;
	}
	cmd = console_cmd_find(a->argv[1]);
	if (cmd == NULL) {
		if (param_find(a->argv[1], &p)) {
			help_param(c, &p);
			return 0;
		}
		return err_set(e, "help: no command or parameter '%s'", a->argv[1]);
	}
	console_printf(c, "usage: %s %s%s%s%s", cmd->name, cmd->usage, cmd->alias ? "  (short: " : "",
		       cmd->alias ? cmd->alias : "", cmd->alias ? ")" : "");
	console_printf(c, "%s", cmd->help);
	for (const char *l = cmd->long_help; l != NULL && *l != '\0';) {
		size_t n = strcspn(l, "\n");
		console_printf(c, "%.*s", (int)n, l);
		l += n + (l[n] == '\n');
	}
	return 0;
}

/* --- completion --- */

struct words {
	char w[CONSOLE_MAX_ARGS][128];
	int n;
	int trailing_blank;	/* the line ends in a blank: a new word starts */
};

static void split_words(const char *line, struct words *ws)
{
	const char *p = line;

	ws->n = 0;
	while (*p != '\0' && ws->n < CONSOLE_MAX_ARGS) {
		size_t len;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		snprintf(ws->w[ws->n++], sizeof ws->w[0], "%.*s", (int)len, p);
		p += len;
	}
	ws->trailing_blank = *line != '\0' && isspace((unsigned char)line[strlen(line) - 1]);
}

struct sink {
	const char *prefix;
	void (*add)(void *ctx, const char *word);
	void *ctx;
};

static void offer(const struct sink *k, const char *word)
{
	if (strncmp(word, k->prefix, strlen(k->prefix)) == 0)
		k->add(k->ctx, word);
}

/* Candidates of one usage token ("[PARAM|all|changed]"); 1 when it names FILE. */
static int offer_token(const struct sink *k, const char *token, const char *prev)
{
	char buf[128], *save = NULL;
	int file = 0;
	struct param p;

	snprintf(buf, sizeof buf, "%s", token);
	for (char *alt = strtok_r(buf, "[]|.", &save); alt; alt = strtok_r(NULL, "[]|.", &save)) {
		if (strcmp(alt, "PARAM") == 0) {
			for (size_t i = 0; param_at(i, &p); i++)
				offer(k, p.f->name);
		} else if (strcmp(alt, "VALUE") == 0) {
			if (param_find(prev, &p) && p.f->type == FIELD_ENUM)
				for (int i = 0; p.f->choices[i] != NULL; i++)
					offer(k, p.f->choices[i]);
		} else if (strcmp(alt, "POLICY") == 0) {
			for (int i = 0; sched_policy_names[i] != NULL; i++)
				offer(k, sched_policy_names[i]);
		} else if (strcmp(alt, "CMD") == 0) {
			for (size_t i = 0; i < console_ncmds; i++)
				offer(k, console_cmds[i].name);
		} else if (strcmp(alt, "FILE") == 0) {
			file = 1;
		} else if (islower((unsigned char)alt[0])) {
			offer(k, alt);
		}
	}
	return file;
}

int console_complete(const char *line, void (*add)(void *ctx, const char *word), void *ctx)
{
	struct words ws;
	struct sink k = {"", add, ctx};
	const struct console_cmd *cmd;
	char name[128], tokens[8][128];
	int ntok = 0, arg, file = 0;
	const char *u;

	split_words(line, &ws);
	arg = ws.trailing_blank || ws.n == 0 ? ws.n : ws.n - 1;	/* index of the word completed */
	k.prefix = arg < ws.n ? ws.w[arg] : "";
	if (arg == 0) {
		for (size_t i = 0; i < console_ncmds; i++)
			offer(&k, console_cmds[i].name);
		return 0;
	}
	snprintf(name, sizeof name, "%s", ws.w[0]);
	if (name[0] != '\0' && name[strlen(name) - 1] == '!')
		name[strlen(name) - 1] = '\0';
	if ((cmd = console_cmd_find(name)) == NULL)
		return 0;
	for (u = cmd->usage; *u != '\0' && ntok < 8;) {
		size_t n = strcspn(u, " ");
		snprintf(tokens[ntok++], sizeof tokens[0], "%.*s", (int)n, u);
		u += n + (u[n] == ' ');
	}
	if (ntok == 0)
		return 0;
	/* the token for this argument; one with "..." takes every later word,
	 * and an optional token may be skipped: offer the next one's words too */
	if (arg - 1 >= ntok && strstr(tokens[ntok - 1], "...") == NULL)
		return 0;
	arg = arg - 1 < ntok ? arg - 1 : ntok - 1;
	file = offer_token(&k, tokens[arg], ws.w[arg]);
	if (tokens[arg][0] == '[' && arg + 1 < ntok)
		file |= offer_token(&k, tokens[arg + 1], ws.w[arg]);
	return file;
}

/* --- the man page --- */

/* Text with roff's special characters escaped. */
static void roff(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

void console_man(FILE *out)
{
	struct param p;

	fputs(".SH CONSOLE COMMANDS\n"
	      "The UI's console line (\\fB:\\fR), scripts (\\fBsource\\fR, \\fB\\-x\\fR) and batch runs\n"
	      "(\\fB\\-c\\fR) take these commands, one a line; \\fB#\\fR starts a comment line.\n", out);
	for (size_t i = 0; i < console_ncmds; i++) {
		const struct console_cmd *c = &console_cmds[i];
		fputs(".TP\n.B ", out);
		roff(out, c->name);
		if (c->usage[0] != '\0') {
			fputs(" \\fI", out);
			roff(out, c->usage);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff(out, c->help);
		if (c->alias != NULL) {
			fputs(" (short: \\fB", out);
			roff(out, c->alias);
			fputs("\\fR)", out);
		}
		fputs(".\n", out);
	}
	fputs(".SH PARAMETERS\n"
	      "What \\fBset\\fR, \\fBshow\\fR and \\fBreset\\fR take: the run parameters, then the\n"
	      "model's and the machine's fields (overrides of the preset files).  \\fIlive\\fR ones\n"
	      "take effect at the next layer boundary; \\fIrestart\\fR ones start the run again.\n"
	      "The placement's (\\fIlive at an iteration start\\fR) apply between iterations: set\n"
	      "at layer 0 of iteration \\fIi\\fR, they are taken at once and a new placement\n"
	      "(\\fBplace\\fR, \\fBspare_slots\\fR) is in force from iteration \\fIi\\fR (at\n"
	      "iteration 0 from the start, with nothing to move); set at a later layer, they are\n"
	      "taken after iteration \\fIi\\fR, a new placement in force from iteration \\fIi\\fR + 1.\n"
	      "The weights it moves cross the links during its first iteration.\n", out);
	for (size_t i = 0; param_at(i, &p); i++) {
		fputs(".TP\n.B ", out);
		roff(out, p.f->name);
		fprintf(out, "\n(%s, %s", param_scope_name(p.scope), param_when_name(&p));
		if (p.f->unit[0] != '\0') {
			fputs(", ", out);
			roff(out, p.f->unit);
		}
		fputs(") ", out);
		roff(out, p.f->help);
		fputc('\n', out);
	}
}
