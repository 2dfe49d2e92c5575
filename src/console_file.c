/* console_file.c - save, source and export (see console.h). */
#include <errno.h>
#include <string.h>

#include "console_int.h"
#include "report.h"
#include "trace_out.h"

static FILE *open_out(const char *cmd, const char *path, struct err *e)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		err_set(e, "%s: cannot write '%s': %s", cmd, path, strerror(errno));
	return f;
}

/* "set NAME VALUE" for every run parameter of cfg of this kind. */
static void save_run(FILE *f, const struct sim_config *cfg, enum config_when when)
{
	char v[512];

	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *fl = &config_field_table.fields[i];
		if (config_field_when(fl) != when)
			continue;
		field_format(fl, cfg, v, sizeof v);
		fprintf(f, "set%s %s %s\n", when == CONFIG_RESTART ? "!" : "", fl->name, v);
	}
}

HANDLER(con_save)
{
	const struct sim *s = c->sim;
	const struct timeline *t = &s->tl;
	char v[512];
	FILE *f = open_out("save", a->argv[1], e);

	if (f == NULL)
		return -1;
	fprintf(f, "# sieve script written by save: source it, or run sieve run -x FILE\n");
	save_run(f, &t->change[0].cfg, CONFIG_RESTART);
	for (int i = 0; i < c->nov; i++)
		fprintf(f, "set! %s %s\n", c->ov[i].p.f->name, c->ov[i].value);
	save_run(f, &t->change[0].cfg, CONFIG_LIVE);
	for (int i = 0; i < c->nbrk; i++) {
		console_break_text(&c->brk[i], v, sizeof v);
		fprintf(f, "break %s\n", v);
	}
	/* the live changes where they were made, the future after a rewind too */
	for (int k = 1; k < t->nchanges; k++) {
		fprintf(f, "goto %d %d\n", t->change[k].iter, t->change[k].layer);
		for (size_t i = 0; i < config_field_table.n; i++) {
			const struct field *fl = &config_field_table.fields[i];
			if (config_field_equal(fl, &t->change[k].cfg, &t->change[k - 1].cfg))
				continue;
			field_format(fl, &t->change[k].cfg, v, sizeof v);
			fprintf(f, "set %s %s\n", fl->name, v);
		}
	}
	for (int i = 0; i < c->nnotes; i++)
		fprintf(f, "goto %d %d\nnote %s\n", c->note[i].iter, c->note[i].layer,
			c->note[i].text);
	fprintf(f, "goto %d %d\n", s->iter, s->layer);
	if (fclose(f) != 0)
		return err_set(e, "save: cannot write '%s': %s", a->argv[1], strerror(errno));
	console_printf(c, "saved to %s", a->argv[1]);
	return 0;
}

HANDLER(con_source)
{
	return console_source(c, a->argv[1], e);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

HANDLER(con_export)
{
	const char *path = a->argv[2];
	FILE *f;

	if (strcmp(a->argv[1], "report") == 0) {
		enum format fmt = ends_with(path, ".json") ? FORMAT_JSON :
				  ends_with(path, ".csv") ? FORMAT_CSV : FORMAT_TEXT;
		if ((f = open_out("export report", path, e)) == NULL)
			return -1;
		report_run(f, c->sim, fmt, NULL);
		if (fclose(f) != 0)
			return err_set(e, "export report: cannot write '%s'", path);
	} else if (strcmp(a->argv[1], "trace") == 0) {
		const struct history *h = sim_history(c->sim);
		struct trace_out t;
		if ((f = open_out("export trace", path, e)) == NULL)
			return -1;
		trace_begin(&t, f, path, c->sim);
		for (int back = history_len(h) - 1; back >= 0; back--)
			trace_layer(&t, c->sim, history_get(h, back));
		if (trace_end(&t, e) != 0)
			return -1;
	} else {
		return err_set(e, "export: unknown kind '%s' (trace or report)", a->argv[1]);
	}
	console_printf(c, "%s written to %s", a->argv[1], path);
	return 0;
}
