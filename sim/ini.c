/* ini.c - data file reader (see ini.h). */
#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A comment after a value must follow whitespace, so "a#b" stays a value. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if ((*p == '#' || *p == ';') && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int valid_key(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k; k++)
		if (!(isalpha((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '_' ||
		      *k == '.' || *k == '-'))
			return 0;
	return 1;
}

/*
 * The entries seen so far, hashed by section and key, so that finding a key
 * given twice is linear in the file (a scan per line was quadratic: 22 s
 * for 40,000 keys).  Open addressing; slots hold entry index + 1.
 */
struct seen {
	int *slot;
	size_t mask;
};

static uint64_t hash_entry(const char *section, const char *key)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (const char *p = section; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '[') * 1099511628211ULL;	/* keeps "a"+"bc" apart from "ab"+"c" */
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* Room for max entries at most half full. */
static void seen_init(struct seen *s, size_t max)
{
	size_t cap = 16;

	while (cap < 2 * max)
		cap *= 2;
	s->slot = xcalloc(cap, sizeof *s->slot);
	s->mask = cap - 1;
}

/* The entry already holding (section, key), or -1 after remembering index. */
static int seen_add(struct seen *s, const struct ini *ini, const char *section,
		    const char *key, int index)
{
	size_t i = (size_t)hash_entry(section, key) & s->mask;

	for (; s->slot[i] != 0; i = (i + 1) & s->mask) {
		const struct ini_entry *en = &ini->entries[s->slot[i] - 1];
		if (strcmp(en->section, section) == 0 && strcmp(en->key, key) == 0)
			return s->slot[i] - 1;
	}
	s->slot[i] = index + 1;
	return -1;
}

/* Entries grow by doubling from 32: the capacity is the next power of two. */
static void add(struct ini *ini, const char *section, const char *key, const char *value,
		int line)
{
	struct ini_entry *en;
	int n = ini->n;

	if (n == 0 || (n >= 32 && (n & (n - 1)) == 0))
		ini->entries = xrealloc(ini->entries,
					(size_t)(n < 32 ? 32 : 2 * n) * sizeof *ini->entries);
	en = &ini->entries[ini->n++];
	en->section = xstrdup(section);
	en->key = xstrdup(key);
	en->value = xstrdup(value);
	en->line = line;
}

int ini_parse(struct ini *ini, const char *name, const char *text, struct err *e)
{
	char section[128] = "";
	char *copy = xstrdup(text), *save = NULL, *raw;
	int line = 0, dup;
	size_t lines = 1;
	struct seen seen;

	memset(ini, 0, sizeof *ini);
	ini->path = xstrdup(name);
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	seen_init(&seen, lines);
	/* strtok_r would skip empty lines and so miscount; split by hand. */
	for (raw = copy; raw != NULL; raw = save) {
		char *nl = strchr(raw, '\n'), *s, *eq, *key, *val;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line++;
		s = trim(raw);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || trim(close + 1)[0] != '\0') {
				err_set(e, "%s:%d: malformed section header '%s'", name, line, s);
				goto fail;
			}
			*close = '\0';
			s = trim(s + 1);
			if (!valid_key(s) || strlen(s) >= sizeof section) {
				err_set(e, "%s:%d: bad section name '%s'", name, line, s);
				goto fail;
			}
			strcpy(section, s);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			err_set(e, "%s:%d: expected 'key = value', got '%s'", name, line, s);
			goto fail;
		}
		*eq = '\0';
		key = trim(s);
		val = eq + 1;
		strip_comment(val);
		val = trim(val);
		if (!valid_key(key)) {
			err_set(e, "%s:%d: bad key '%s' (keys are letters, digits and '_')",
				name, line, key);
			goto fail;
		}
		if ((dup = seen_add(&seen, ini, section, key, ini->n)) >= 0) {
			err_set(e, "%s:%d: key '%s' given twice (first on line %d)", name, line, key,
				ini->entries[dup].line);
			goto fail;
		}
		add(ini, section, key, val, line);
	}
	free(copy);
	free(seen.slot);
	return 0;
fail:
	free(copy);
	free(seen.slot);
	ini_free(ini);
	return -1;
}

int ini_load(struct ini *ini, const char *path, struct err *e)
{
	FILE *f;
	char *buf;
	long len;
	int rc;

	memset(ini, 0, sizeof *ini);
	if ((f = data_open(path, e)) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return err_set(e, "%s: cannot read", path);
	}
	if (len > INI_MAX_BYTES) {
		fclose(f);
		return err_set(e, "%s: %ld bytes is too large for a data file (at most %ld)", path,
			       len, INI_MAX_BYTES);
	}
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		return err_set(e, "%s: cannot read", path);
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != (size_t)len) {
		int line = 1;
		for (const char *p = buf; *p; p++)
			line += *p == '\n';
		free(buf);
		return err_set(e, "%s:%d: not a text file (contains a NUL byte)", path, line);
	}
	rc = ini_parse(ini, path, buf, e);
	free(buf);
	return rc;
}

const struct ini_entry *ini_get(const struct ini *ini, const char *section,
				const char *key)
{
	for (int i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return &ini->entries[i];
	return NULL;
}

void ini_extend(struct ini *dst, const struct ini *src)
{
	for (int i = 0; src != NULL && i < src->n; i++)
		add(dst, src->entries[i].section, src->entries[i].key, src->entries[i].value,
		    src->entries[i].line);
}

void ini_free(struct ini *ini)
{
	for (int i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	free(ini->path);
	memset(ini, 0, sizeof *ini);
}
