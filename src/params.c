/* params.c - the console's parameter table (see params.h). */
#include "params.h"

#include <string.h>

#include "hbm.h"

static const struct {
	const struct field_table *t;
	enum param_scope scope;
} tables[] = {
	{&config_field_table, PARAM_RUN},
	{&model_field_table, PARAM_MODEL},
	{&hw_field_table, PARAM_HW},
	{&hbm_field_table, PARAM_HBM},
};

int param_at(size_t i, struct param *p)
{
	for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
		if (i >= tables[k].t->n) {
			i -= tables[k].t->n;
			continue;
		}
		p->f = &tables[k].t->fields[i];
		p->table = tables[k].t;
		p->scope = tables[k].scope;
		p->when = p->scope == PARAM_RUN ? config_field_when(p->f) : CONFIG_RESTART;
		p->at_iteration = p->scope == PARAM_RUN && config_field_at_iteration(p->f);
		return 1;
	}
	return 0;
}

int param_find(const char *name, struct param *p)
{
	for (size_t i = 0; param_at(i, p); i++)
		if (strcmp(p->f->name, name) == 0)
			return 1;
	return 0;
}

const char *param_suggest(const char *name)
{
	struct suggest s = SUGGEST_INIT;
	struct param p;

	for (size_t i = 0; param_at(i, &p); i++)
		suggest_try(&s, name, p.f->name);
	return s.best;
}

int param_unknown(const char *name, struct err *e)
{
	const char *s = param_suggest(name);

	if (s != NULL)
		return err_set(e, "unknown parameter '%s' (did you mean '%s'?)", name, s);
	return err_set(e, "unknown parameter '%s' (show all lists them)", name);
}

const char *param_suggest_value(const struct field *f, const char *text)
{
	struct suggest s = SUGGEST_INIT;

	for (int i = 0; f->type == FIELD_ENUM && f->choices[i] != NULL; i++)
		suggest_try(&s, text, f->choices[i]);
	return s.best;
}

void *param_obj(const struct param *p, struct sim_config *cfg, struct model *m, struct hw *hw)
{
	switch (p->scope) {
	case PARAM_RUN:
		return cfg;
	case PARAM_MODEL:
		return m;
	case PARAM_HW:
		return hw;
	case PARAM_HBM:
		return &hw->hbm;
	}
	return NULL;
}

const char *param_scope_name(enum param_scope scope)
{
	static const char *const names[] = {"run", "model", "hw", "hw"};
	return names[scope];
}

const char *param_when_name(const struct param *p)
{
	if (p->when == CONFIG_RESTART)
		return "restart";
	return p->at_iteration ? "live at an iteration start" : "live";
}

const char *param_when_help(const struct param *p)
{
	if (p->when == CONFIG_RESTART)
		return "needs a restart of the run (set! away from iteration 0)";
	if (p->at_iteration)
		return "live at an iteration start: set at layer 0 of iteration i, taken at once, "
		       "a new placement in force from iteration i (at iteration 0: from the start, "
		       "nothing moves); set at a later layer, taken after iteration i, a new "
		       "placement in force from iteration i + 1";
	return "live: takes effect at the next layer boundary";
}
