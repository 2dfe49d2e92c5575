/* json.c - streaming JSON writer (see json.h). */
#include "json.h"

#include <math.h>

void json_init(struct json *j, FILE *out, int pretty)
{
	j->out = out;
	j->depth = 0;
	j->count[0] = 0;
	j->pretty = pretty;
}

static void write_string(FILE *out, const char *v)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void item(struct json *j, const char *key)
{
	if (j->count[j->depth]++ > 0)
		fputc(',', j->out);
	if (j->pretty && j->depth > 0)
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	else if (j->depth > 0 && j->count[j->depth] > 1)
		fputc(' ', j->out);
	if (key != NULL) {
		write_string(j->out, key);
		fputs(": ", j->out);
	}
}

static void open_level(struct json *j, const char *key, char c)
{
	item(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void json_object(struct json *j, const char *key) { open_level(j, key, '{'); }
void json_array(struct json *j, const char *key) { open_level(j, key, '['); }

void json_end(struct json *j)
{
	if (j->depth == 0)
		return;
	if (j->pretty && j->count[j->depth] > 0)
		fprintf(j->out, "\n%*s", 2 * (j->depth - 1), "");
	fputc(j->close[j->depth], j->out);
	j->depth--;
}

void json_str(struct json *j, const char *key, const char *v)
{
	item(j, key);
	write_string(j->out, v);
}

void json_int(struct json *j, const char *key, long v)
{
	item(j, key);
	fprintf(j->out, "%ld", v);
}

void json_num(struct json *j, const char *key, double v)
{
	item(j, key);
	if (isfinite(v))
		fprintf(j->out, "%.6g", v);
	else
		fputs("null", j->out);
}

void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	item(j, key);
	if (isfinite(v))
		fprintf(j->out, "%.*f", decimals, v);
	else
		fputs("null", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
}
