/*
 * fields.h - parameter tables.
 *
 * A struct whose members are settable from a data file, the command line
 * or (later) the console describes them once, as a table of struct field
 * (tmux options-table.c).  From that table come loading, validation with
 * "did you mean" suggestions, the listing shown by --help and `show`, and
 * formatting values back to text.  Nothing else parses parameters.
 */
#ifndef SIEVE_FIELDS_H
#define SIEVE_FIELDS_H

#include <stddef.h>

#include "err.h"
#include "ini.h"

enum field_type {
	FIELD_INT,	/* int */
	FIELD_DOUBLE,	/* double */
	FIELD_STR,	/* char[size] */
	FIELD_ENUM,	/* int index into choices */
};

struct field {
	const char *section;	/* ini section that holds it ("" = none) */
	const char *name;	/* key, also the option and console name */
	enum field_type type;
	size_t offset;		/* offsetof(struct owner, member) */
	size_t size;		/* FIELD_STR: buffer size */
	double min, max;	/* inclusive range for numbers */
	const char *const *choices;	/* FIELD_ENUM: NULL-terminated names */
	int optional;		/* 0 = a file must give it */
	const char *unit;	/* shown in listings, e.g. "ns", "GB/s" */
	const char *help;	/* one line */
};

struct field_table {
	const char *what;	/* "model", "hw", "run": used in messages */
	const struct field *fields;
	size_t n;
};

/* Field by name (section ignored when NULL), or NULL. */
const struct field *field_find(const struct field_table *t, const char *section,
			       const char *name);

/* Closest field name within a small edit distance, or NULL. */
const char *field_suggest(const struct field_table *t, const char *name);

/*
 * Parse text into obj's member. Numbers must be complete and in range;
 * enums must name a choice.  On error e says what was wrong with the value
 * (without any file prefix) and obj is unchanged.
 */
int field_set(const struct field *f, void *obj, const char *text, struct err *e);

/* Set by name: unknown names get a suggestion. */
int fields_set(const struct field_table *t, void *obj, const char *name,
	       const char *text, struct err *e);

/*
 * Apply every entry of ini to obj.  Unknown keys, bad values and missing
 * required fields are errors "path:line: ..." (missing: "path: ...").
 * obj is modified only on success.  obj_size is sizeof *obj.
 */
int fields_load(const struct field_table *t, void *obj, size_t obj_size,
		const struct ini *ini, struct err *e);

/* The same from the file at path, obj zeroed first (a table of defaults). */
int fields_load_file(const struct field_table *t, void *obj, size_t obj_size,
		     const char *path, struct err *e);

/* Value of f in obj as text, e.g. "4096" or "0.85". */
void field_format(const struct field *f, const void *obj, char *buf, size_t len);

/*
 * The one number reader for data files, options and the console: decimal
 * only ("12", "-3.5", "1e3"), the whole text, finite and representable.
 * Hex ("0x10"), "inf", "nan", overflow ("1e999") and nonzero values too
 * small for a double's normal range ("1e-320") are refused, each with its
 * own reason quoting text in e (no name prefix).
 */
int number_parse(const char *text, double *out, struct err *e);

/* number_parse, then a whole number in [lo, hi]. */
int number_parse_whole(const char *text, double lo, double hi, long *out, struct err *e);

/*
 * Lists ("full,sliding", "1.0 0.95"): items are separated by commas and/or
 * spaces.  An empty item (",,", a leading or trailing comma) is an error
 * naming the list (name) and quoting it.
 */
int list_check(const char *name, const char *text, struct err *e);

/* Edit distance (Levenshtein), for suggestions elsewhere too. */
int edit_distance(const char *a, const char *b);

/*
 * "did you mean": offer each candidate name to suggest_try, then read
 * .best: the closest to text within edit distance 2 (only close names are
 * worth suggesting), the first of equals, or NULL.
 */
struct suggest {
	const char *best;
	int dist;
};
#define SUGGEST_INIT {NULL, 3}
void suggest_try(struct suggest *s, const char *text, const char *name);

#endif
