/* engine.c - tasks on resources in issue order (see engine.h). */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char *const kind_names[TASK_KINDS] = {
	"attention", "attention-pim", "dispatch", "gpu-experts", "pim-expert", "shared", "combine",
	"router", "lm-head", "migrate",
};

void engine_init(struct engine *eng)
{
	memset(eng, 0, sizeof *eng);
}

void engine_release(struct engine *eng)
{
	free(eng->res);
	free(eng->task);
	free(eng->dep);
	memset(eng, 0, sizeof *eng);
}

int engine_resource(struct engine *eng, const char *name)
{
	struct engine_resource *r;

	eng->res = xrealloc(eng->res, (size_t)(eng->nres + 1) * sizeof *eng->res);
	r = &eng->res[eng->nres];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	return eng->nres++;
}

int engine_issue(struct engine *eng, const struct engine_task *t, const int *deps, int ndeps,
		 double not_before_ns)
{
	struct engine_task *n;
	double start = not_before_ns;

	for (int i = 0; i < t->nres; i++)
		if (eng->res[t->res[i]].free_ns > start)
			start = eng->res[t->res[i]].free_ns;
	for (int i = 0; i < ndeps; i++)
		if (deps[i] >= 0 && eng->task[deps[i]].end_ns > start)
			start = eng->task[deps[i]].end_ns;
	if (eng->ntasks == eng->cap) {
		eng->cap = eng->cap ? 2 * eng->cap : 256;
		eng->task = xrealloc(eng->task, (size_t)eng->cap * sizeof *eng->task);
	}
	n = &eng->task[eng->ntasks];
	*n = *t;
	n->dep0 = eng->ndep;
	n->ndeps = 0;
	n->crit = 0;
	for (int i = 0; i < ndeps; i++) {
		if (deps[i] < 0)
			continue;
		if (eng->ndep == eng->dep_cap) {
			eng->dep_cap = eng->dep_cap ? 2 * eng->dep_cap : 1024;
			eng->dep = xrealloc(eng->dep, (size_t)eng->dep_cap * sizeof *eng->dep);
		}
		eng->dep[eng->ndep++] = deps[i];
		n->ndeps++;
	}
	n->start_ns = start;
	n->end_ns = start + t->dur_ns;
	for (int i = 0; i < t->nres; i++) {
		eng->res[t->res[i]].free_ns = n->end_ns;
		eng->res[t->res[i]].busy_ns += t->dur_ns;
	}
	return eng->ntasks++;
}

double engine_end_ns(const struct engine *eng, int first, double not_before_ns)
{
	double end = not_before_ns;

	for (int i = first; i < eng->ntasks; i++)
		if (eng->task[i].end_ns > end)
			end = eng->task[i].end_ns;
	return end;
}

void engine_forget(struct engine *eng)
{
	eng->ntasks = 0;
	eng->ndep = 0;
}

const char *engine_kind_name(int kind)
{
	return kind >= 0 && kind < TASK_KINDS ? kind_names[kind] : "?";
}
