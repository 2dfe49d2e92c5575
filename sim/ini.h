/*
 * ini.h - the one reader of sieve's data files.
 *
 * Format: "[section]" lines, "key = value" lines, blank lines, and comments
 * starting with '#' or ';' (whole line, or after whitespace at the end of a
 * value).  Keys are letters, digits, "_", "." and "-"; values are kept as text, converted by the
 * field table that owns them (fields.h).  Every entry remembers its line so
 * errors can say "path:line: message".
 */
#ifndef SIEVE_INI_H
#define SIEVE_INI_H

#include <stdio.h>

#include "err.h"

struct ini_entry {
	char *section;	/* "" before the first [section] */
	char *key;
	char *value;
	int line;
};

struct ini {
	char *path;	/* as given to ini_load, for messages */
	struct ini_entry *entries;
	int n;
};

/*
 * Open a data file for reading.  Anything but a regular file (a directory,
 * a fifo, a device such as /dev/zero) is refused without blocking: the file
 * is opened non-blocking and checked before anything is read.  NULL with e
 * ("path: ...") on failure; errno is ENOENT when the file does not exist.
 */
FILE *data_open(const char *path, struct err *e);

/* Data files larger than this are refused (a data file is a few KB). */
#define INI_MAX_BYTES (16L << 20)

/* Parse path into ini. On error fills e ("path:line: ...") and returns -1. */
int ini_load(struct ini *ini, const char *path, struct err *e);

/* Parse an in-memory text; name is used in messages in place of a path. */
int ini_parse(struct ini *ini, const char *name, const char *text, struct err *e);

/* First entry with this section and key, or NULL. */
const struct ini_entry *ini_get(const struct ini *ini, const char *section,
				const char *key);

void ini_free(struct ini *ini);

/*
 * Append copies of src's entries to dst (keeping their sections, keys,
 * values and lines), so a loader applies them after dst's own: the
 * console's overrides of a preset's fields (set hidden 4096).
 */
void ini_extend(struct ini *dst, const struct ini *src);



/*
 * Load a named data file: name_or_path is a path when it contains '/' or
 * ends in ".ini", else datadir/kind/NAME.ini.  An unknown name lists the
 * close names found in datadir/kind.  Fills name_out (the file's base name
 * without ".ini") when not NULL.
 */
int ini_load_named(struct ini *ini, const char *datadir, const char *kind,
		   const char *name_or_path, char *name_out, size_t name_len,
		   struct err *e);
#endif
