/*
 * console_cmds.c - the one command table (tmux cmd_entry) and the
 * parameter commands: set, show, reset, load; note, quit and the commands
 * only the UI can carry out.
 */
#include <stdlib.h>
#include <string.h>

#include "console_int.h"

const struct console_cmd console_cmds[] = {
	{.name = "set", .alias = "se", .usage = "PARAM VALUE...", .min_args = 2, .max_args = -1,
	 .help = "change a parameter (set! confirms a restart)",
	 .long_help = "A live parameter takes effect at the next layer boundary and is recorded\n"
		      "there: stepping back before it and forward again replays it.  One that\n"
		      "needs a restart starts the run again at iteration 0 with every parameter\n"
		      "as now plus the change; away from iteration 0, layer 0 type set! to confirm.\n"
		      "'show all' lists the parameters and when each takes effect.",
	 .exec = con_set},
	{.name = "show", .alias = NULL, .usage = "[PARAM|all|changed]", .min_args = 0, .max_args = 1,
	 .help = "the run parameters, one parameter, all of them, or those changed",
	 .long_help = "show lists the run parameters and the position; show changed lists every\n"
		      "parameter that differs from data/defaults.ini or its preset file, with\n"
		      "where a live change was made.",
	 .exec = con_show},
	{.name = "reset", .alias = NULL, .usage = "[PARAM]", .min_args = 0, .max_args = 1,
	 .help = "a parameter (or all) back to its default (reset! confirms a restart)",
	 .long_help = NULL, .exec = con_reset},
	{.name = "step", .alias = "s", .usage = "[N] [cycle|event|layer|iter]", .min_args = 0,
	 .max_args = 2, .help = "simulate N layers (iterations, events, cycles); default 1 layer",
	 .long_help = "Stops early at a breakpoint (in the UI also at Esc or Ctrl-C).  Events\n"
		      "are task starts and ends in time order; cycles step the stack replay\n"
		      "(the UI's Banks panel, else the console's own: see replay).",
	 .exec = con_step},
	{.name = "back", .alias = "b", .usage = "[N] [layer|iter]", .min_args = 0, .max_args = 2,
	 .help = "go back N layers (or iterations); default 1 layer",
	 .long_help = "The state reached is identical to the one that was there; live changes\n"
		      "made after it stay logged and replay when stepping forward.",
	 .exec = con_back},
	{.name = "run", .alias = "r", .usage = "[N]", .min_args = 0, .max_args = 1,
	 .help = "simulate N iterations (default: to the end), stopping at breakpoints",
	 .long_help = "In the UI the status line shows how far it got; Esc or Ctrl-C stops it\n"
		      "at the next layer boundary (a script running it stops too).",
	 .exec = con_run},
	{.name = "goto", .alias = NULL, .usage = "ITER [LAYER]", .min_args = 1, .max_args = 2,
	 .help = "jump to a position (forward or back), ignoring breakpoints",
	 .long_help = "Position ITER LAYER is before layer LAYER of iteration ITER is simulated.\n"
		      "In the UI a jump far ahead shows its progress; Esc or Ctrl-C stops it.",
	 .exec = con_goto},
	{.name = "pause", .alias = NULL, .usage = "", .min_args = 0, .max_args = 0,
	 .help = "stop playing (only in the UI)", .long_help = NULL, .exec = con_ui_only},
	{.name = "speed", .alias = NULL, .usage = "X", .min_args = 1, .max_args = 1,
	 .help = "play speed: steps per second (only in the UI)", .long_help = NULL,
	 .exec = con_ui_only},
	{.name = "break", .alias = "br", .usage = "layer|iter|pim|gap|differs N|POLICY",
	 .min_args = 2, .max_args = 2, .help = "stop running when something happens",
	 .long_help = "break layer L     layer L has just been simulated (any iteration)\n"
		      "break iter I      the run reached the start of iteration I\n"
		      "break pim N       an expert with more than N tokens went to PIM\n"
		      "break gap X       a layer's straggler gap (slowest GPU's expert phase\n"
		      "                  minus the mean) exceeded X us\n"
		      "break differs P   the run's policy sent an expert elsewhere than\n"
		      "                  policy P would have on the same token counts\n"
		      "Breakpoints are checked after every simulated layer by step and run.",
	 .exec = con_break},
	{.name = "delete", .alias = "d", .usage = "N", .min_args = 1, .max_args = 1,
	 .help = "delete breakpoint N", .long_help = NULL, .exec = con_delete},
	{.name = "info", .alias = NULL, .usage = "break|notes", .min_args = 1, .max_args = 1,
	 .help = "list breakpoints (with hits) or notes", .long_help = NULL, .exec = con_info},
	{.name = "load", .alias = NULL, .usage = "model|hw|routing FILE", .min_args = 2,
	 .max_args = 2, .help = "a model, machine or routing trace from a file (a restart)",
	 .long_help = "load model F is set model F; load routing F is set routing trace:F.",
	 .exec = con_load},
	{.name = "save", .alias = NULL, .usage = "FILE", .min_args = 1, .max_args = 1,
	 .help = "a script that reproduces parameters, breakpoints, notes and position",
	 .long_help = "source it (or sieve run -x FILE) in a fresh session to get the same state;\n"
		      "live changes are replayed where they were made.",
	 .exec = con_save},
	{.name = "source", .alias = NULL, .usage = "FILE", .min_args = 1, .max_args = 1,
	 .help = "run the commands of a script, one a line ('#' comments)",
	 .long_help = "The first error stops the script and names FILE:LINE.", .exec = con_source},
	{.name = "export", .alias = NULL, .usage = "trace|report FILE", .min_args = 2, .max_args = 2,
	 .help = "the timeline as Chrome trace JSON, or the report (.json, .csv, else text)",
	 .long_help = "The trace holds the layers the simulation keeps: the last 4 iterations.", .exec = con_export},
	{.name = "note", .alias = NULL, .usage = "TEXT...", .min_args = 1, .max_args = -1,
	 .help = "a note at the current position (shown in the UI; saved)", .long_help = NULL,
	 .exec = con_note},
	{.name = "compare", .alias = NULL, .usage = "POLICY|off", .min_args = 1, .max_args = 1,
	 .help = "run another policy alongside on the same routing",
	 .long_help = "In the UI, the compare view.  Headless, POLICY runs once on the same\n"
		      "routing to the current position (with the parameters in force now, from\n"
		      "the start) and both throughputs are printed; sieve compare runs every policy.",
	 .exec = con_ui_only},
	{.name = "probe", .alias = NULL, .usage = "routing|expert [MAX]", .min_args = 1,
	 .max_args = 2, .help = "the routing histogram kept, or one expert's GPU and PIM times",
	 .long_help = "probe routing    tokens per activated expert over the MoE layers kept\n"
		      "                 (the last 4 iterations), as sieve probe routing\n"
		      "probe expert M   one expert of the model for 1..M tokens (default 16):\n"
		      "                 alone on the GPU (as sieve probe pim's GPU line), its\n"
		      "                 share of a grouped kernel, and its PIM kernel on one\n"
		      "                 stack (the run's memo); where PIM stops being faster",
	 .exec = con_probe},
	{.name = "inspect", .alias = NULL, .usage = "[EXPERT]", .min_args = 0, .max_args = 1,
	 .help = "one expert's decision in the layer just simulated, and every policy's",
	 .long_help = "Without EXPERT: the one the last break differs stopped at.", .exec = con_inspect},
	{.name = "replay", .alias = NULL, .usage = "[GPU STACK]", .min_args = 0, .max_args = 2,
	 .help = "the kernels of one stack in the layer just simulated, for step N cycle",
	 .long_help = "Builds the stack replay (default GPU 0, stack 0) and lists its kernels.\n"
		      "Without the UI, step N cycle steps it and prints the commands issued so far.",
	 .exec = con_replay},
	{.name = "lesson", .alias = NULL, .usage = "N|list", .min_args = 1, .max_args = 1,
	 .help = "run classroom lesson N (data/lessons), or list them",
	 .long_help = "A lesson is a script: it sets its scenario (restarting the run), steps,\n"
		      "and writes notes for the class.", .exec = con_lesson},
	{.name = "help", .alias = "h", .usage = "[CMD|PARAM]", .min_args = 0, .max_args = 1,
	 .help = "the commands, or one command or parameter", .long_help = NULL,
	 .exec = con_help},
	{.name = "quit", .alias = "q", .usage = "", .min_args = 0, .max_args = 0,
	 .help = "leave (a script stops here)", .long_help = NULL, .exec = con_quit},
};

const size_t console_ncmds = sizeof console_cmds / sizeof console_cmds[0];

const struct console_cmd *console_cmd_find(const char *name)
{
	for (size_t i = 0; i < console_ncmds; i++)
		if (strcmp(console_cmds[i].name, name) == 0 ||
		    (console_cmds[i].alias != NULL && strcmp(console_cmds[i].alias, name) == 0))
			return &console_cmds[i];
	return NULL;
}

/* --- parameters --- */

void console_param_value(const struct console *c, const struct param *p, char *buf, size_t len)
{
	struct sim *s = c->sim;

	field_format(p->f, param_obj(p, &s->cfg, &s->model, &s->hw), buf, len);
}

void console_param_default(const struct console *c, const struct param *p, char *buf,
			   size_t len)
{
	struct sim_config cfg = c->defaults;
	struct model m;
	struct hw hw;
	struct err e;

	if (p->scope == PARAM_RUN) {
		field_format(p->f, &cfg, buf, len);
		return;
	}
	/* the preset as loaded, before any override (it loaded once already) */
	if ((p->scope == PARAM_MODEL && model_load(&m, c->datadir, c->sim->cfg.model, &e) != 0) ||
	    (p->scope != PARAM_MODEL && hw_load(&hw, c->datadir, c->sim->cfg.hw, &e) != 0)) {
		snprintf(buf, len, "?");
		return;
	}
	field_format(p->f, param_obj(p, &cfg, &m, &hw), buf, len);
}

/* field_set with a did-you-mean for enum values. */
static int set_value(const struct param *p, void *obj, const char *text, struct err *e)
{
	const char *near;

	if (field_set(p->f, obj, text, e) == 0)
		return 0;
	near = param_suggest_value(p->f, text);
	if (near != NULL)
		err_set(e, "%s: unknown value '%s' (did you mean '%s'?)", p->f->name, text, near);
	return -1;
}

int console_policy(const char *text, int *policy, struct err *e)
{
	struct sim_config cfg = {0};
	struct param p;

	param_find("sched", &p);
	if (set_value(&p, &cfg, text, e) != 0)
		return -1;
	*policy = cfg.sched;
	return 0;
}

static int restart(struct console *c, const char *what, const struct sim_config *cfg,
		   const struct console_override *ov, int nov, int force, struct err *e)
{
	struct sim *s = c->sim;
	long was = console_pos(s);

	if (was != 0 && !force)
		return err_set(e, "%s needs a restart of the run (now at iteration %d, layer %d): "
			       "add '!' to the command to restart", what, s->iter, s->layer);
	if (console_restart(c, cfg, ov, nov, e) != 0)
		return -1;
	if (was != 0)
		console_printf(c, "restarted at iteration 0, layer 0");
	return 0;
}

int console_set(struct console *c, const char *name, const char *text, int force,
		struct err *e)
{
	struct sim *s = c->sim;
	struct console_override ov[CONSOLE_MAX_OVERRIDES];
	struct sim_config cfg = s->cfg;
	struct model m = s->model;
	struct hw hw = s->hw;
	struct param p;
	char shown[512];
	int nov = c->nov, k;

	if (!param_find(name, &p))
		return param_unknown(name, e);
	if (set_value(&p, param_obj(&p, &cfg, &m, &hw), text, e) != 0)
		return -1;
	field_format(p.f, param_obj(&p, &cfg, &m, &hw), shown, sizeof shown);
	if (p.scope == PARAM_RUN) {
		if (config_field_equal(p.f, &cfg, &s->cfg))
			return 0;
		if (p.when == CONFIG_LIVE) {
			if (sim_configure(s, &cfg, e) != 0)
				return -1;
			if (p.at_iteration && s->layer > 0)	/* the placement changes between iterations */
				console_printf(c, "%s = %s from iteration %d (set at iteration %d, "
					       "layer %d)", name, shown, s->iter + 1, s->iter, s->layer);
			else
				console_printf(c, "%s = %s from iteration %d, layer %d", name, shown,
					       s->iter, s->layer);
			return 0;
		}
		if (restart(c, name, &cfg, c->ov, c->nov, force, e) != 0)
			return err_prefix(e, "%s %s: ", name, shown);
		console_printf(c, "%s = %s", name, shown);
		return 0;
	}
	memcpy(ov, c->ov, (size_t)nov * sizeof *ov);
	for (k = 0; k < nov && strcmp(ov[k].p.f->name, name) != 0; k++)
		;
	if (k == CONSOLE_MAX_OVERRIDES)
		return err_set(e, "%s: more than %d fields overridden", name, CONSOLE_MAX_OVERRIDES);
	ov[k].p = p;
	if (strlen(shown) >= sizeof ov[k].value)
		return err_set(e, "%s: value too long", name);
	memcpy(ov[k].value, shown, strlen(shown) + 1);
	if (k == nov)
		nov++;
	if (restart(c, name, &s->cfg, ov, nov, force, e) != 0)
		return err_prefix(e, "%s %s: ", name, shown);
	console_printf(c, "%s = %s", name, shown);
	return 0;
}

HANDLER(con_set)
{
	const char *value = a->argv[2];
	size_t skip;

	if (a->argc > 3) {	/* a value with blanks: the rest after the name, as typed */
		skip = strlen(a->argv[1]);
		value = a->rest + skip;
		while (*value == ' ' || *value == '\t' || *value == '"' || *value == '\'')
			value++;
		if (strncmp(a->rest, a->argv[1], skip) != 0)
			return err_set(e, "set: quote a value with blanks as one argument");
	}
	return console_set(c, a->argv[1], value, a->force, e);
}

static void show_param(struct console *c, const struct param *p, const char *extra)
{
	char v[512], unit[80] = "";

	console_param_value(c, p, v, sizeof v);
	if (p->f->unit[0] != '\0')
		snprintf(unit, sizeof unit, " %s", p->f->unit);
	console_printf(c, "%-20s %s%s  (%s, %s%s)", p->f->name, v, unit,
		       param_scope_name(p->scope), param_when_name(p), extra);
}

/* Where the live change that set run parameter p last was made, or "". */
static void live_since(const struct sim *s, const struct param *p, char *buf, size_t len)
{
	const struct timeline *t = &s->tl;

	buf[0] = '\0';
	for (int k = t->change_next - 1; k >= 1; k--) {
		if (!config_field_equal(p->f, &t->change[k].cfg, &t->change[k - 1].cfg)) {
			snprintf(buf, len, "; since iteration %d, layer %d", t->change[k].iter,
				 t->change[k].layer);
			return;
		}
	}
}

HANDLER(con_show)
{
	struct sim *s = c->sim;
	const char *what = a->argc > 1 ? a->argv[1] : "";
	struct param p;

	if (strcmp(what, "all") == 0 || strcmp(what, "changed") == 0 || *what == '\0') {
		int changed = strcmp(what, "changed") == 0;
		for (size_t i = 0; param_at(i, &p); i++) {
			char v[512], d[512], extra[600] = "";
			if (*what == '\0' && p.scope != PARAM_RUN)
				break;
			if (changed) {
				console_param_value(c, &p, v, sizeof v);
				console_param_default(c, &p, d, sizeof d);
				if (strcmp(v, d) == 0)
					continue;
				snprintf(extra, sizeof extra, "; default %s", d);
				if (p.scope == PARAM_RUN)
					live_since(s, &p, extra + strlen(extra),
						   sizeof extra - strlen(extra));
			}
			show_param(c, &p, extra);
		}
		if (*what == '\0')
			console_printf(c, "at iteration %d, layer %d of %d x %d%s", s->iter, s->layer,
				       s->cfg.iters, s->model.layers, sim_done(s) ? " (done)" : "");
		return 0;
	}
	if (!param_find(what, &p))
		return param_unknown(what, e);
	show_param(c, &p, "");
	console_printf(c, "  %s", p.f->help);
	return 0;
}

HANDLER(con_reset)
{
	struct sim *s = c->sim;
	struct sim_config cfg;
	struct param p;
	char d[512];
	int restart_needed = c->nov > 0;

	if (a->argc > 1) {
		if (!param_find(a->argv[1], &p))
			return param_unknown(a->argv[1], e);
		if (p.scope == PARAM_RUN) {
			console_param_default(c, &p, d, sizeof d);
			return console_set(c, a->argv[1], d, a->force, e);
		}
		for (int k = 0; k < c->nov; k++) {
			struct console_override ov[CONSOLE_MAX_OVERRIDES];
			if (strcmp(c->ov[k].p.f->name, p.f->name) != 0)
				continue;
			memcpy(ov, c->ov, sizeof ov);
			memmove(&ov[k], &ov[k + 1], (size_t)(c->nov - k - 1) * sizeof *ov);
			return restart(c, p.f->name, &s->cfg, ov, c->nov - 1, a->force, e);
		}
		return 0;	/* not overridden: already the preset's */
	}
	cfg = c->defaults;
	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *f = &config_field_table.fields[i];
		if (config_field_when(f) == CONFIG_RESTART && !config_field_equal(f, &cfg, &s->cfg))
			restart_needed = 1;
	}
	if (restart_needed)
		return restart(c, "reset", &cfg, c->ov, 0, a->force, e);
	if (cfg.iters < s->iter + (s->layer > 0))
		cfg.iters = s->cfg.iters;	/* cannot end before here: keep it */
	return sim_configure(s, &cfg, e);
}

HANDLER(con_load)
{
	static const char *const kinds[] = {"model", "hw", "routing", NULL};
	char trace[600];
	FILE *f;

	for (int i = 0; kinds[i] != NULL; i++) {
		if (strcmp(a->argv[1], kinds[i]) != 0)
			continue;
		f = fopen(a->argv[2], "r");
		if (f == NULL)
			return err_set(e, "load %s: cannot read '%s'", kinds[i], a->argv[2]);
		fclose(f);
		if (i < 2)
			return console_set(c, kinds[i], a->argv[2], a->force, e);
		snprintf(trace, sizeof trace, "trace:%s", a->argv[2]);
		return console_set(c, "routing", trace, a->force, e);
	}
	return err_set(e, "load: unknown kind '%s' (model, hw or routing)", a->argv[1]);
}

void console_add_note(struct console *c, const char *text)
{
	struct console_note *n;

	c->note = xrealloc(c->note, (size_t)(c->nnotes + 1) * sizeof *c->note);
	n = &c->note[c->nnotes++];
	n->iter = c->sim->iter;
	n->layer = c->sim->layer;
	n->text = xstrdup(text);
	if (c->h.note != NULL)
		c->h.note(c->h.ctx, text);
}

HANDLER(con_note)
{
	(void)e;
	console_add_note(c, a->rest);
	console_printf(c, "note at iteration %d, layer %d: %s", c->sim->iter, c->sim->layer,
		       a->rest);
	return 0;
}

HANDLER(con_quit)
{
	(void)a;
	(void)e;
	c->quit = 1;
	return 0;
}

/* pause, speed, compare: the UI's hooks, or a message saying so. */
HANDLER(con_ui_only)
{
	const char *name = a->argv[0];
	struct console_hooks *h = &c->h;
	const struct console_cmd *cmd = console_cmd_find(name);

	if (strcmp(cmd->name, "pause") == 0 && h->pause != NULL)
		return h->pause(h->ctx, e);
	if (strcmp(cmd->name, "speed") == 0 && h->speed != NULL) {
		char *end;
		double x = strtod(a->argv[1], &end);
		if (*end != '\0' || !(x > 0 && x <= 1000))
			return err_set(e, "speed: '%s' is not a speed in (0, 1000] steps per second",
				       a->argv[1]);
		return h->speed(h->ctx, x, e);
	}
	if (strcmp(cmd->name, "compare") == 0) {
		int policy = -1;
		if (strcmp(a->argv[1], "off") != 0 && console_policy(a->argv[1], &policy, e) != 0)
			return -1;
		if (h->compare != NULL)
			return h->compare(h->ctx, policy, e);
		return console_compare_once(c, policy, e);
	}
	return err_set(e, "%s: only in the UI%s", cmd->name,
		       strcmp(cmd->name, "compare") == 0 ? " (headless: sieve compare)" : "");
}
