/*
 * params.h - every parameter the console can set, as one table: the run
 * parameters (config.h), then the model's fields (model.h), then the
 * machine's (hw.h, hbm.h), in their tables' order.  From it come `set`,
 * `show`, `reset`, completion of names and enum values, validation with
 * "did you mean", `help set` and the man page's parameter list.
 *
 * When a change takes effect (enum config_when, config.h): run parameters
 * as config_field_when says (live at the next layer boundary, or restart;
 * the placement's live ones at an iteration's start,
 * config_field_at_iteration);
 * every model and machine field needs a restart, because a loaded model
 * or machine sizes what the simulation allocated and memoised (the PIM
 * kernel memo, the engine's resources).  Names are unique across the
 * tables (a test checks it).
 */
#ifndef SIEVE_PARAMS_H
#define SIEVE_PARAMS_H

#include <stddef.h>

#include "config.h"
#include "hw.h"
#include "model.h"

enum param_scope { PARAM_RUN, PARAM_MODEL, PARAM_HW, PARAM_HBM };

struct param {
	const struct field *f;
	const struct field_table *table;
	enum param_scope scope;
	enum config_when when;
	int at_iteration;	/* live at an iteration's start (config_field_at_iteration) */
};

/* The i-th parameter into *p: 1, or 0 past the last. */
int param_at(size_t i, struct param *p);

/* By name: 1 and *p, or 0. */
int param_find(const char *name, struct param *p);

/* The closest parameter name within a small edit distance, or NULL. */
const char *param_suggest(const char *name);

/* "unknown parameter 'x' (did you mean 'y'?)" into e; returns -1. */
int param_unknown(const char *name, struct err *e);

/* The closest choice of an enum field within a small edit distance, or NULL. */
const char *param_suggest_value(const struct field *f, const char *text);

/* The struct that holds p's value: cfg, model, hw or hw->hbm. */
void *param_obj(const struct param *p, struct sim_config *cfg, struct model *m, struct hw *hw);

/* "run", "model" or "hw". */
const char *param_scope_name(enum param_scope scope);

/* "live", "live at an iteration start" or "restart". */
const char *param_when_name(const struct param *p);

/* When a change of p takes effect, one line for `help PARAM`. */
const char *param_when_help(const struct param *p);

#endif
