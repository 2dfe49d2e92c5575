/* fields.c - table-driven parameters (see fields.h). */
#include "fields.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct field *field_find(const struct field_table *t, const char *section,
			       const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->fields[i];
		if (strcmp(f->name, name) == 0 &&
		    (section == NULL || strcmp(f->section, section) == 0))
			return f;
	}
	return NULL;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev_diag, tmp;

	if (lb >= sizeof row / sizeof row[0])
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev_diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int best = prev_diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev_diag = tmp;
		}
	}
	return row[lb];
}

void suggest_try(struct suggest *s, const char *text, const char *name)
{
	int d = edit_distance(text, name);

	if (d < s->dist) {
		s->dist = d;
		s->best = name;
	}
}

const char *field_suggest(const struct field_table *t, const char *name)
{
	struct suggest s = SUGGEST_INIT;

	for (size_t i = 0; i < t->n; i++)
		suggest_try(&s, name, t->fields[i].name);
	return s.best;
}

int number_parse(const char *text, double *out, struct err *e)
{
	const char *p = text + (*text == '-' || *text == '+');
	char *end;
	double v;

	/* strtod also reads hex, "inf" and "nan": only digits may start */
	if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
		return err_set(e, "'%s' is not a number", text);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return err_set(e, "'%s' is not a decimal number", text);
	errno = 0;
	v = strtod(text, &end);
	if (*end != '\0')
		return err_set(e, "'%s' is not a number", text);
	if (errno == ERANGE && fabs(v) > 1)
		return err_set(e, "'%s' is too large", text);
	if (errno == ERANGE || (v != 0 && !isnormal(v)))
		return err_set(e, "'%s' is too close to zero (write 0, or a value above %g)", text,
			       DBL_MIN);
	*out = v;
	return 0;
}

int number_parse_whole(const char *text, double lo, double hi, long *out, struct err *e)
{
	double v;

	if (number_parse(text, &v, e) != 0)
		return -1;
	if (v != floor(v))
		return err_set(e, "'%s' is not a whole number", text);
	if (v < lo || v > hi)
		return err_set(e, "%s is out of range [%.0f, %.0f]", text, lo, hi);
	*out = (long)v;
	return 0;
}

int list_check(const char *name, const char *text, struct err *e)
{
	int item = 0;	/* the current item has a character */

	for (const char *p = text;; p++) {
		if (*p == ',' || *p == '\0') {
			if (!item && (*p == ',' || strchr(text, ',') != NULL))
				return err_set(e, "%s: empty item in '%s'", name, text);
			if (*p == '\0')
				return 0;
			item = 0;
		} else if (*p != ' ' && *p != '\t') {
			item = 1;
		}
	}
}

int field_set(const struct field *f, void *obj, const char *text, struct err *e)
{
	char *p = (char *)obj + f->offset;
	double v;

	switch (f->type) {
	case FIELD_INT:
	case FIELD_DOUBLE:
		if (number_parse(text, &v, e) != 0)
			return err_prefix(e, "%s: ", f->name);
		if (f->type == FIELD_INT && v != floor(v))
			return err_set(e, "%s: '%s' is not a whole number", f->name, text);
		if (v < f->min || v > f->max)
			return err_set(e, "%s: %s is out of range [%g, %g]", f->name, text,
				       f->min, f->max);
		if (f->type == FIELD_INT)
			*(int *)p = (int)v;
		else
			*(double *)p = v;
		return 0;
	case FIELD_STR:
		if (strlen(text) >= f->size)
			return err_set(e, "%s: '%s' is too long (at most %zu characters)",
				       f->name, text, f->size - 1);
		strcpy(p, text);
		return 0;
	case FIELD_ENUM:
		for (int i = 0; f->choices[i] != NULL; i++) {
			if (strcmp(f->choices[i], text) == 0) {
				*(int *)p = i;
				return 0;
			}
		}
		{
			char list[256] = "";
			for (int i = 0; f->choices[i] != NULL; i++) {
				strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
				strncat(list, f->choices[i], sizeof list - strlen(list) - 1);
			}
			return err_set(e, "%s: unknown value '%s' (one of: %s)", f->name, text, list);
		}
	}
	return err_set(e, "%s: bad field type", f->name);
}

static int unknown(const struct field_table *t, const char *name, struct err *e)
{
	const char *s = field_suggest(t, name);

	if (s != NULL)
		return err_set(e, "unknown %s parameter '%s' (did you mean '%s'?)", t->what, name, s);
	return err_set(e, "unknown %s parameter '%s'", t->what, name);
}

int fields_set(const struct field_table *t, void *obj, const char *name,
	       const char *text, struct err *e)
{
	const struct field *f = field_find(t, NULL, name);

	if (f == NULL)
		return unknown(t, name, e);
	return field_set(f, obj, text, e);
}

int fields_load_file(const struct field_table *t, void *obj, size_t obj_size,
		     const char *path, struct err *e)
{
	struct ini ini;
	int rc;

	memset(obj, 0, obj_size);
	if (ini_load(&ini, path, e) != 0)
		return -1;
	rc = fields_load(t, obj, obj_size, &ini, e);
	ini_free(&ini);
	return rc;
}

int fields_load(const struct field_table *t, void *obj, size_t obj_size,
		const struct ini *ini, struct err *e)
{
	char *tmp = xmalloc(obj_size);
	char *seen = xcalloc(t->n, 1);
	int rc = -1;

	memcpy(tmp, obj, obj_size);
	for (int i = 0; i < ini->n; i++) {
		const struct ini_entry *en = &ini->entries[i];
		const struct field *f = field_find(t, en->section, en->key);

		if (f == NULL) {
			const struct field *other = field_find(t, NULL, en->key);
			if (other != NULL)
				err_set(e, "key '%s' belongs in section [%s], not [%s]", en->key,
					other->section, en->section);
			else
				unknown(t, en->key, e);
			err_prefix(e, "%s:%d: ", ini->path, en->line);
			goto out;
		}
		if (field_set(f, tmp, en->value, e) != 0) {
			err_prefix(e, "%s:%d: ", ini->path, en->line);
			goto out;
		}
		seen[f - t->fields] = 1;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (!seen[i] && !t->fields[i].optional) {
			err_set(e, "%s: missing %s parameter '%s'%s%s%s", ini->path, t->what,
				t->fields[i].name, t->fields[i].section[0] ? " in [" : "",
				t->fields[i].section, t->fields[i].section[0] ? "]" : "");
			goto out;
		}
	}
	memcpy(obj, tmp, obj_size);
	rc = 0;
out:
	free(tmp);
	free(seen);
	return rc;
}

void field_format(const struct field *f, const void *obj, char *buf, size_t len)
{
	const char *p = (const char *)obj + f->offset;

	switch (f->type) {
	case FIELD_INT:
		snprintf(buf, len, "%d", *(const int *)p);
		break;
	case FIELD_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)p);
		break;
	case FIELD_STR:
		snprintf(buf, len, "%s", p);
		break;
	case FIELD_ENUM:
		snprintf(buf, len, "%s", f->choices[*(const int *)p]);
		break;
	}
}
