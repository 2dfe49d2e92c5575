/*
 * json.h - a small streaming JSON writer for reports.
 *
 * Commas and nesting are tracked here so report code only says what to
 * write.  Numbers are printed with a fixed format, so equal inputs give
 * byte-identical output.
 */
#ifndef SIEVE_JSON_H
#define SIEVE_JSON_H

#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	int count[JSON_MAX_DEPTH];	/* items written at each level */
	char close[JSON_MAX_DEPTH];	/* bracket that closes each level */
	int pretty;			/* newline + indent per item */
};

void json_init(struct json *j, FILE *out, int pretty);
void json_object(struct json *j, const char *key);	/* key NULL inside arrays/top */
void json_array(struct json *j, const char *key);
void json_end(struct json *j);			/* closes the innermost object/array */
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, long v);
void json_num(struct json *j, const char *key, double v);	/* %.6g, finite only */
void json_fixed(struct json *j, const char *key, double v, int decimals);
void json_finish(struct json *j);		/* newline at the end of the document */

#endif
