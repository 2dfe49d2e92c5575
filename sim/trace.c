/* trace.c - loading and sampling recorded routing (see trace.h). */
#include "trace.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define LINE_MAX_CHARS 4096
#define MAX_FIELDS (3 + 64)	/* seq, token, layer and top_k <= 64 ids */
#define TAG_SAMPLE 0x74726163ULL	/* keeps the sample stream apart from others */

/* Where the loader is: for messages and the per-token layer sequence. */
struct loader {
	const char *path;
	int line;
	const struct model *m;
	struct trace *t;
	int cap;		/* tokens the arrays hold */
	int next_layer;		/* MoE layer the current token needs next */
};

static int is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') != NULL || (n > 4 && strcmp(s + n - 4, ".csv") == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* "a, b, c": the NAME.csv files of dir, sorted, for "unknown trace" messages. */
static void list_traces(const char *dir, char *out, size_t len)
{
	char names[64][64];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 64) {
		size_t l = strlen(de->d_name);
		if (l > 4 && l - 4 < sizeof names[0] && strcmp(de->d_name + l - 4, ".csv") == 0)
			snprintf(names[n++], sizeof names[0], "%.*s", (int)(l - 4), de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	for (int i = 0; i < n; i++) {
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
	}
}

/*
 * Split s at commas into integers.  Returns the number of fields (all of
 * them, even past max), or -1 with the first non-integer copied to bad.
 */
static int parse_ints(char *s, long *v, int max, char *bad, size_t bad_len)
{
	int n = 0;

	for (;;) {
		char *end, *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		errno = 0;
		long x = strtol(s, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (end == s || *end != '\0' || errno == ERANGE) {
			snprintf(bad, bad_len, "%.*s", (int)strcspn(s, "\r\n"), s);
			return -1;
		}
		if (n < max)
			v[n] = x;
		n++;
		if (comma == NULL)
			return n;
		s = comma + 1;
	}
}

/* A `# key=value ...` comment: the figures it states must fit the model. */
static int check_comment(struct loader *ld, const char *s, struct err *e)
{
	const struct model *m = ld->m;
	const struct {
		const char *key;
		int want;
		const char *fmt;	/* how the model's figure reads */
	} keys[] = {
		{"layers=", m->layers - m->first_dense, "%d MoE layers"},
		{"experts=", m->experts, "%d experts"},
		{"top_k=", m->top_k, "top_k %d"},
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t kl = strlen(keys[i].key);
		for (const char *p = s; (p = strstr(p, keys[i].key)) != NULL; p += kl) {
			char has[32], word[32];
			size_t wl = strcspn(p + kl, " \t");
			long v;
			if (p != s && p[-1] != ' ' && p[-1] != '#')
				continue;	/* part of a longer key */
			snprintf(word, sizeof word, "%.*s", (int)(wl < sizeof word ? wl : sizeof word - 1),
				 p + kl);
			if (number_parse_whole(word, 0, 1e9, &v, e) != 0)
				return err_prefix(e, "%s:%d: %.*s", ld->path, ld->line, (int)kl, keys[i].key);
			if (v == keys[i].want)
				continue;
			snprintf(has, sizeof has, keys[i].fmt, keys[i].want);
			return err_set(e, "%s:%d: trace has %s%ld but model '%s' has %s", ld->path,
				       ld->line, keys[i].key, v, m->name, has);
		}
	}
	return 0;
}

static int check_header(struct loader *ld, const char *s, struct err *e)
{
	static const char lead[] = "seq,token,layer";
	size_t n = sizeof lead - 1;
	int cols = 0;

	if (strncmp(s, lead, n) != 0 || (s[n] != ',' && s[n] != '\0'))
		return err_set(e, "%s:%d: expected the header '%s,e0,...', got '%.40s'", ld->path,
			       ld->line, lead, s);
	for (s += n; *s; s++) {
		cols += *s == ',';
		if (*s == ',' && (s[1] == ',' || s[1] == '\0' || s[1] == ' '))
			return err_set(e, "%s:%d: header column %d is empty", ld->path, ld->line,
				       3 + cols);
	}
	if (cols != ld->m->top_k)
		return err_set(e, "%s:%d: %d expert columns but model '%s' has top_k %d", ld->path,
			       ld->line, cols, ld->m->name, ld->m->top_k);
	return 0;
}

static size_t id_offset(const struct trace *t, int row, int moe_layer)
{
	return ((size_t)row * (size_t)t->layers + (size_t)moe_layer) * (size_t)t->top_k;
}

static void grow(struct loader *ld)
{
	struct trace *t = ld->t;
	size_t per = (size_t)t->layers * (size_t)t->top_k;

	ld->cap = ld->cap ? 2 * ld->cap : 1024;
	t->seq = xrealloc(t->seq, (size_t)ld->cap * sizeof *t->seq);
	t->tok = xrealloc(t->tok, (size_t)ld->cap * sizeof *t->tok);
	t->ids = xrealloc(t->ids, (size_t)ld->cap * per * sizeof *t->ids);
}

/* A row whose (seq, token) differs from the current token's starts a new
 * token, once the current one has all its layers. */
static int start_token(struct loader *ld, const long *v, struct err *e)
{
	struct trace *t = ld->t;
	int cur = t->tokens - 1, first = ld->m->first_dense;

	if (cur >= 0 && v[0] == t->seq[cur] && v[1] == t->tok[cur])
		return 0;
	if (cur >= 0 && ld->next_layer < t->layers)
		return err_set(e, "%s:%d: expected layer %d of seq %ld token %ld, got seq %ld token %ld",
			       ld->path, ld->line, ld->next_layer + first, t->seq[cur], t->tok[cur],
			       v[0], v[1]);
	if (cur >= 0 && (v[0] < t->seq[cur] || (v[0] == t->seq[cur] && v[1] < t->tok[cur])))
		return err_set(e, "%s:%d: seq %ld token %ld after seq %ld token %ld "
			       "(rows must be sorted by seq, token, layer)",
			       ld->path, ld->line, v[0], v[1], t->seq[cur], t->tok[cur]);
	if (t->tokens == ld->cap)
		grow(ld);
	t->seq[t->tokens] = v[0];
	t->tok[t->tokens] = v[1];
	t->tokens++;
	ld->next_layer = 0;
	return 0;
}

/* One data row: seq, token, layer, then top_k distinct ids. */
static int add_row(struct loader *ld, char *s, struct err *e)
{
	const struct model *m = ld->m;
	struct trace *t = ld->t;
	long v[MAX_FIELDS], layer;
	char bad[48];
	int n = parse_ints(s, v, MAX_FIELDS, bad, sizeof bad), *ids;

	if (n < 0)
		return err_set(e, "%s:%d: '%s' is not an integer", ld->path, ld->line, bad);
	if (n != 3 + m->top_k)
		return err_set(e, "%s:%d: %d fields, expected %d (seq, token, layer and %d expert ids)",
			       ld->path, ld->line, n, 3 + m->top_k, m->top_k);
	if (v[2] < m->first_dense || v[2] >= m->layers)
		return err_set(e, "%s:%d: layer %ld out of range [%d, %d) (the MoE layers of '%s')",
			       ld->path, ld->line, v[2], m->first_dense, m->layers, m->name);
	if (start_token(ld, v, e) != 0)
		return -1;
	layer = v[2] - m->first_dense;
	if (layer < ld->next_layer)
		return err_set(e, "%s:%d: layer %ld of seq %ld token %ld repeated", ld->path,
			       ld->line, v[2], v[0], v[1]);
	if (layer > ld->next_layer)
		return err_set(e, "%s:%d: expected layer %d of seq %ld token %ld, got layer %ld",
			       ld->path, ld->line, ld->next_layer + m->first_dense, v[0], v[1], v[2]);
	ids = t->ids + id_offset(t, t->tokens - 1, ld->next_layer);
	for (int j = 0; j < m->top_k; j++) {
		long id = v[3 + j];
		if (id < 0 || id >= m->experts)
			return err_set(e, "%s:%d: expert id %ld out of range [0, %d)", ld->path,
				       ld->line, id, m->experts);
		for (int i = 0; i < j; i++)
			if (ids[i] == id)
				return err_set(e, "%s:%d: expert id %ld appears twice", ld->path,
					       ld->line, id);
		ids[j] = (int)id;
	}
	ld->next_layer++;
	return 0;
}

/*
 * One line of f into buf (newline dropped): 1, or 0 at the end of the file.
 * Over-long lines and NUL bytes are errors, so nothing is cut silently; a
 * line is read a byte at a time, so neither costs more than the buffer.
 */
static int read_line(struct loader *ld, FILE *f, char *buf, size_t cap, struct err *e)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return err_set(e, "%s:%d: not a text file (contains a NUL byte)", ld->path,
				       ld->line + 1);
		if (n == cap - 1)
			return err_set(e, "%s:%d: line longer than %zu characters", ld->path,
				       ld->line + 1, cap - 1);
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (c == EOF && n == 0)
		return 0;
	ld->line++;
	return 1;
}

static int load_file(struct loader *ld, FILE *f, struct err *e)
{
	char buf[LINE_MAX_CHARS];
	int header = 0, got;

	while ((got = read_line(ld, f, buf, sizeof buf, e)) == 1) {
		buf[strcspn(buf, "\r")] = '\0';
		if (buf[strspn(buf, " \t")] == '\0')
			continue;
		if (buf[0] == '#') {
			if (check_comment(ld, buf, e) != 0)
				return -1;
		} else if (!header) {
			if (check_header(ld, buf, e) != 0)
				return -1;
			header = 1;
		} else if (add_row(ld, buf, e) != 0) {
			return -1;
		}
	}
	if (got < 0)
		return -1;
	if (ferror(f))
		return err_set(e, "%s: read error: %s", ld->path, strerror(errno));
	if (ld->t->tokens == 0)
		return err_set(e, "%s: no token rows", ld->path);
	if (ld->next_layer < ld->t->layers) {
		int cur = ld->t->tokens - 1;
		return err_set(e, "%s:%d: expected layer %d of seq %ld token %ld, got end of file",
			       ld->path, ld->line, ld->next_layer + ld->m->first_dense,
			       ld->t->seq[cur], ld->t->tok[cur]);
	}
	return 0;
}

int trace_load(struct trace *t, const struct model *m, const char *datadir,
	       const char *file, struct err *e)
{
	char path[4096];
	struct loader ld;
	FILE *f;
	int rc;

	memset(t, 0, sizeof *t);
	if (is_path(file))
		snprintf(path, sizeof path, "%s", file);
	else
		snprintf(path, sizeof path, "%s/routing/%s.csv", datadir, file);
	f = data_open(path, e);
	if (f == NULL) {
		char dir[4096], known[1024];
		if (is_path(file) || errno != ENOENT)
			return -1;
		snprintf(dir, sizeof dir, "%s/routing", datadir);
		list_traces(dir, known, sizeof known);
		return err_set(e, "unknown trace '%s' (known: %s)", file,
			       known[0] ? known : "none");
	}
	t->layers = m->layers - m->first_dense;
	t->top_k = m->top_k;
	ld = (struct loader){.path = path, .m = m, .t = t};
	rc = load_file(&ld, f, e);
	fclose(f);
	if (rc != 0) {
		trace_release(t);
		return -1;
	}
	t->perm = xcalloc((size_t)t->tokens, sizeof *t->perm);
	t->rows_batch = -1;
	return 0;
}

void trace_release(struct trace *t)
{
	free(t->seq);
	free(t->tok);
	free(t->ids);
	free(t->perm);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

const int *trace_sample(struct trace *t, uint64_t seed, int iter, int batch)
{
	struct rng g;
	int n = t->tokens;

	if (batch == t->rows_batch && iter == t->rows_iter && seed == t->rows_seed)
		return t->rows;
	if (batch > t->rows_cap) {
		t->rows_cap = batch;
		t->rows = xrealloc(t->rows, (size_t)batch * sizeof *t->rows);
	}
	/* A partial Fisher-Yates shuffle: one stream per iteration, so the
	 * first b rows do not depend on how many more are drawn. */
	rng_derive(&g, seed, TAG_SAMPLE, (uint64_t)(int64_t)iter, 0);
	for (int i = 0; i < batch; i++) {
		int j = i % n, k, x;
		if (j == 0)
			for (int r = 0; r < n; r++)
				t->perm[r] = r;
		k = j + (int)rng_below(&g, (uint64_t)(n - j));
		x = t->perm[j];
		t->perm[j] = t->perm[k];
		t->perm[k] = x;
		t->rows[i] = t->perm[j];
	}
	t->rows_seed = seed;
	t->rows_iter = iter;
	t->rows_batch = batch;
	return t->rows;
}

const int *trace_ids(const struct trace *t, int row, int moe_layer)
{
	return t->ids + id_offset(t, row, moe_layer);
}
