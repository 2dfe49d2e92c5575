/*
 * cli.h - command-line plumbing shared by the subcommands: "--name value"
 * pairs, output formats, where the data files are, and how errors end.
 */
#ifndef SIEVE_CLI_H
#define SIEVE_CLI_H

#include <stddef.h>

#include "err.h"
#include "fields.h"

#define CLI_MAX_OPTS 64

/* Exit statuses: 2 = bad input (usage, data files), as in the issue. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV };

struct cli_opt {
	const char *name;	/* without the leading "--" */
	const char *value;	/* NULL for a flag */
	int used;
};

struct cli_args {
	struct cli_opt opt[CLI_MAX_OPTS];
	int n;
};

/*
 * Parse "--name value" and "--name=value" pairs.  Names listed in flags
 * (NULL-terminated, may be NULL) take no value.  Positional words are errors,
 * and so is an option given twice unless it is named in repeatable.
 */
int cli_parse_ex(struct cli_args *a, int argc, char **argv, const char *const *flags,
		 const char *const *repeatable, struct err *e);
int cli_parse(struct cli_args *a, int argc, char **argv, const char *const *flags,
	      struct err *e);

/* The i-th value of a repeatable option (marking it used), or NULL. */
const char *cli_get_nth(struct cli_args *a, const char *name, int i);

/* Value of --name (marking it used), or NULL when absent. */
const char *cli_get(struct cli_args *a, const char *name);

/* Error for the first option nobody used, suggesting one of known[]. */
int cli_check_unused(struct cli_args *a, const char *const *known, struct err *e);

/* --format text|json|csv (default text). */
int cli_format(struct cli_args *a, enum format *f, struct err *e);

/* Whole number in [lo, hi] from option text, with the option named in errors. */
int cli_int(const char *opt, const char *text, long lo, long hi, long *out, struct err *e);

/* The same with what named as given ("step: ..."), for the console. */
int cli_long(const char *what, const char *text, long lo, long hi, long *out, struct err *e);

/*
 * The data directory: $SIEVE_DATA, else the first of DIR/data,
 * DIR/../share/sieve (an install: `make install` puts the data there) and
 * DIR/../data (build/sieve in a source tree) that holds a defaults.ini,
 * where DIR is the executable's directory (so a relocated or DESTDIR install
 * works); else "data" in the current directory.
 */
const char *cli_datadir(char *buf, size_t len);

/*
 * "sieve: msg" on stderr.  Messages quote what the user gave: control
 * bytes (an escape sequence, a CR from a file) are shown as '?', never
 * sent to the terminal raw.
 */
void cli_print_error(const char *msg);

/* Names of the fields of a table, for cli_check_unused's suggestions. */
void cli_field_names(const struct field_table *t, const char **names, size_t max, size_t *n);

/* -x FILE and -c 'CMD; CMD', in the order given. */
#define CLI_MAX_SCRIPTS 16
struct cli_scripts {
	const char *text[CLI_MAX_SCRIPTS];
	int is_file[CLI_MAX_SCRIPTS];
	int n;
};

/* Take every -x FILE and -c TEXT out of argv (*argc shrinks). */
int cli_take_scripts(int *argc, char **argv, struct cli_scripts *sc, struct err *e);

/*
 * Run them on console session c in order; the first error stops them
 * ("FILE:LINE: ..." for a file, "-c: ..." for a list), as do quit and a
 * motion the progress hook stopped (console.h).
 */
struct console;
int cli_run_scripts(const struct cli_scripts *sc, struct console *c, struct err *e);

/*
 * The run configuration: data/defaults.ini with every --PARAM of the run
 * parameter table applied; everything is validated before it is used.
 */
struct sim_config;
int cli_config(struct cli_args *a, const char *datadir, struct sim_config *cfg, struct err *e);

/*
 * The option names cli_config reads, plus "format" and the command's own
 * extra names (NULL-terminated, may be NULL); names ends with NULL.
 */
void cli_config_options(const char **names, size_t max, const char *const *extra);

#endif
