/* cli.c - command-line plumbing (see cli.h). */
#include "cli.h"
#include "config.h"
#include "console.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_flag(const char *name, const char *const *flags)
{
	for (; flags && *flags; flags++)
		if (strcmp(*flags, name) == 0)
			return 1;
	return 0;
}

int cli_parse(struct cli_args *a, int argc, char **argv, const char *const *flags,
	      struct err *e)
{
	return cli_parse_ex(a, argc, argv, flags, NULL, e);
}

int cli_parse_ex(struct cli_args *a, int argc, char **argv, const char *const *flags,
		 const char *const *repeatable, struct err *e)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i], *eq;
		struct cli_opt *o;

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			return err_set(e, "unexpected argument '%s' (options look like --name value)", arg);
		if (a->n == CLI_MAX_OPTS)
			return err_set(e, "too many options");
		o = &a->opt[a->n++];
		o->name = arg + 2;
		eq = strchr(arg, '=');
		if (eq != NULL) {
			*eq = '\0';
			o->value = eq + 1;
		} else if (!is_flag(o->name, flags)) {
			if (i + 1 == argc)
				return err_set(e, "option --%s needs a value (or is not an option; see --help)",
					       o->name);
			o->value = argv[++i];
		}
		for (int j = 0; j < a->n - 1 && !is_flag(o->name, repeatable); j++)
			if (strcmp(a->opt[j].name, o->name) == 0)
				return err_set(e, "option --%s given twice", o->name);
	}
	return 0;
}

static struct cli_opt *find(struct cli_args *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->opt[i].name, name) == 0)
			return &a->opt[i];
	return NULL;
}

const char *cli_get(struct cli_args *a, const char *name)
{
	struct cli_opt *o = find(a, name);

	if (o == NULL)
		return NULL;
	o->used = 1;
	return o->value ? o->value : "";
}

const char *cli_get_nth(struct cli_args *a, const char *name, int i)
{
	for (int k = 0; k < a->n; k++) {
		if (strcmp(a->opt[k].name, name) != 0 || i-- > 0)
			continue;
		a->opt[k].used = 1;
		return a->opt[k].value ? a->opt[k].value : "";
	}
	return NULL;
}

int cli_check_unused(struct cli_args *a, const char *const *known, struct err *e)
{
	for (int i = 0; i < a->n; i++) {
		struct suggest s = SUGGEST_INIT;

		if (a->opt[i].used)
			continue;
		for (const char *const *k = known; k && *k; k++)
			suggest_try(&s, a->opt[i].name, *k);
		if (s.best)
			return err_set(e, "unknown option --%s (did you mean --%s?)", a->opt[i].name,
				       s.best);
		return err_set(e, "unknown option --%s", a->opt[i].name);
	}
	return 0;
}

int cli_format(struct cli_args *a, enum format *f, struct err *e)
{
	const char *v = cli_get(a, "format");

	*f = FORMAT_TEXT;
	if (v == NULL || strcmp(v, "text") == 0)
		return 0;
	if (strcmp(v, "json") == 0)
		*f = FORMAT_JSON;
	else if (strcmp(v, "csv") == 0)
		*f = FORMAT_CSV;
	else
		return err_set(e, "--format: unknown format '%s' (text, json or csv)", v);
	return 0;
}

int cli_long(const char *what, const char *text, long lo, long hi, long *out, struct err *e)
{
	if (number_parse_whole(text, (double)lo, (double)hi, out, e) != 0)
		return err_prefix(e, "%s: ", what);
	return 0;
}

int cli_int(const char *opt, const char *text, long lo, long hi, long *out, struct err *e)
{
	char what[128];

	snprintf(what, sizeof what, "--%s", opt);
	return cli_long(what, text, lo, hi, out, e);
}

/* A directory holding sieve's data (its defaults.ini), not any "data". */
static int is_datadir(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof path, "%s/defaults.ini", dir);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *cli_datadir(char *buf, size_t len)
{
	/* beside the program: a source tree (./sieve, build/sieve) or an
	 * install (PREFIX/bin/sieve with PREFIX/share/sieve), wherever moved */
	static const char *const beside[] = {"data", "../share/sieve", "../data"};
	const char *env = getenv("SIEVE_DATA");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
				snprintf(buf, len, "%s/%s", exe, beside[i]);
				if (is_datadir(buf))
					return buf;
			}
		}
	}
	snprintf(buf, len, "data");
	return buf;
}

void cli_field_names(const struct field_table *t, const char **names, size_t max, size_t *n)
{
	for (size_t i = 0; i < t->n && *n < max; i++)
		names[(*n)++] = t->fields[i].name;
}

int cli_config(struct cli_args *a, const char *datadir, struct sim_config *cfg, struct err *e)
{
	if (config_defaults(cfg, datadir, e) != 0)
		return -1;
	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *f = &config_field_table.fields[i];
		const char *v = cli_get(a, f->name);
		if (v != NULL && field_set(f, cfg, v, e) != 0)
			return err_prefix(e, "--");
	}
	return 0;
}

void cli_config_options(const char **names, size_t max, const char *const *extra)
{
	size_t n = 0;

	cli_field_names(&config_field_table, names, max - 2, &n);
	names[n++] = "format";
	for (; extra && *extra && n < max - 1; extra++)
		names[n++] = *extra;
	names[n] = NULL;
}

int cli_take_scripts(int *argc, char **argv, struct cli_scripts *sc, struct err *e)
{
	int k = 0;

	sc->n = 0;
	for (int i = 0; i < *argc; i++) {
		int x = strcmp(argv[i], "-x") == 0, c = strcmp(argv[i], "-c") == 0;
		if (!x && !c) {
			argv[k++] = argv[i];
			continue;
		}
		if (i + 1 == *argc)
			return err_set(e, "%s needs a %s", argv[i], x ? "script file" : "command list");
		if (sc->n == CLI_MAX_SCRIPTS)
			return err_set(e, "at most %d -x and -c", CLI_MAX_SCRIPTS);
		sc->is_file[sc->n] = x;
		sc->text[sc->n++] = argv[++i];
	}
	*argc = k;
	return 0;
}

int cli_run_scripts(const struct cli_scripts *sc, struct console *c, struct err *e)
{
	for (int i = 0; i < sc->n && !c->quit && !c->interrupted; i++) {
		if (sc->is_file[i] ? console_source(c, sc->text[i], e) != 0 :
		    console_exec_list(c, sc->text[i], e) != 0) {
			if (!sc->is_file[i])
				err_prefix(e, "-c: ");
			return -1;
		}
	}
	return 0;
}

void cli_print_error(const char *msg)
{
	fputs("sieve: ", stderr);
	for (const char *p = msg; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
	fputc('\n', stderr);
}
