/* test_ini.c - the data-file reader and the parameter tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fields.h"
#include "ini.h"
#include "tests.h"
#include "testutil.h"

static void parses_sections_comments_and_lines(void)
{
	struct ini ini;
	struct err e;
	const char *text = "# top comment\n"
			   "[a]\n"
			   "x = 1   # trailing\n"
			   "\n"
			   "[b]\n"
			   "x = two words ; semicolon comment\n"
			   "url = a#b\n";

	CU_ASSERT_EQUAL_FATAL(ini_parse(&ini, "t.ini", text, &e), 0);
	CU_ASSERT_EQUAL(ini.n, 3);
	CU_ASSERT_STRING_EQUAL(ini_get(&ini, "a", "x")->value, "1");
	CU_ASSERT_EQUAL(ini_get(&ini, "a", "x")->line, 3);
	CU_ASSERT_STRING_EQUAL(ini_get(&ini, "b", "x")->value, "two words");
	CU_ASSERT_EQUAL(ini_get(&ini, "b", "x")->line, 6);
	CU_ASSERT_STRING_EQUAL(ini_get(&ini, "b", "url")->value, "a#b");
	CU_ASSERT_PTR_NULL(ini_get(&ini, "c", "x"));
	ini_free(&ini);
}

static void syntax_errors_name_the_line(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[a]\nx 1\n", "t.ini:2: expected 'key = value', got 'x 1'"},
		{"\n\n[a\n", "t.ini:3: malformed section header '[a'"},
		{"[a]\nx = 1\nx = 2\n", "t.ini:3: key 'x' given twice"},
		{"[a]\nbad key = 1\n", "t.ini:2: bad key 'bad key'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ini ini;
		struct err e;
		CU_ASSERT_EQUAL(ini_parse(&ini, "t.ini", cases[i].text, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[i].want));
	}
}

struct demo {
	int n;
	double x;
	char s[8];
	int kind;
};

static const char *const kinds[] = {"alpha", "beta", NULL};
static const struct field demo_fields[] = {
	{"d", "count", FIELD_INT, offsetof(struct demo, n), 0, 1, 10, NULL, 0, "", ""},
	{"d", "ratio", FIELD_DOUBLE, offsetof(struct demo, x), 0, 0, 1, NULL, 1, "", ""},
	{"d", "label", FIELD_STR, offsetof(struct demo, s), 8, 0, 0, NULL, 1, "", ""},
	{"d", "kind", FIELD_ENUM, offsetof(struct demo, kind), 0, 0, 0, kinds, 1, "", ""},
};
static const struct field_table demo_table = {"demo", demo_fields, 4};

static int load_demo(const char *text, struct demo *d, struct err *e)
{
	struct ini ini;
	int rc;

	if (ini_parse(&ini, "d.ini", text, e) != 0)
		return -1;
	rc = fields_load(&demo_table, d, sizeof *d, &ini, e);
	ini_free(&ini);
	return rc;
}

static void fields_validate_and_suggest(void)
{
	struct demo d = {0};
	struct err e;

	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 3\nratio = 0.5\nlabel = hi\nkind = beta\n", &d, &e), 0);
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_DOUBLE_EQUAL(d.x, 0.5, 1e-12);
	CU_ASSERT_STRING_EQUAL(d.s, "hi");
	CU_ASSERT_EQUAL(d.kind, 1);

	struct demo before = d;
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 4\ncuont = 3\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:3: unknown demo parameter 'cuont' (did you mean 'count'?)");
	CU_ASSERT_EQUAL(memcmp(&d, &before, sizeof d), 0);	/* nothing applied */
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 3x\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:2: count: '3x' is not a number");
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 2.5\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:2: count: '2.5' is not a whole number");
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 11\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:2: count: 11 is out of range [1, 10]");
	CU_ASSERT_EQUAL(load_demo("[d]\nratio = 0.1\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini: missing demo parameter 'count' in [d]");
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 1\nkind = gamma\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:3: kind: unknown value 'gamma' (one of: alpha, beta)");
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = 1\nlabel = toolongvalue\n", &d, &e), -1);
	CU_ASSERT_EQUAL(load_demo("[x]\ncount = 1\n", &d, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "d.ini:2: key 'count' belongs in section [d], not [x]");
	CU_ASSERT_EQUAL(load_demo("[d]\ncount = nan\n", &d, &e), -1);
	CU_ASSERT_EQUAL(before.n, d.n);
}

/* 40,000 keys and a duplicate of the first at the end: the old scan per
 * line took 22 s here; the message names both lines. */
static void duplicate_key_found_among_many(void)
{
	const int n = 40000;
	char *text = xmalloc((size_t)n * 16 + 32), *p = text;
	struct ini ini;
	struct err e;

	p += sprintf(p, "[s]\n");
	for (int i = 0; i < n; i++)
		p += sprintf(p, "k%d = %d\n", i, i);
	sprintf(p, "k0 = again\n");
	CU_ASSERT_EQUAL(ini_parse(&ini, "big.ini", text, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "big.ini:40002: key 'k0' given twice (first on line 2)");
	/* the same keys in two sections are not duplicates */
	CU_ASSERT_EQUAL_FATAL(ini_parse(&ini, "t.ini", "[a]\nk = 1\n[b]\nk = 2\n[ab]\n"
					"x = 1\n[a]\nbx = 1\n", &e), 0);
	CU_ASSERT_EQUAL(ini.n, 4);
	ini_free(&ini);
	free(text);
}

/* One reader for every number: decimal, complete, finite, representable. */
static void numbers_are_decimal_finite_and_representable(void)
{
	static const struct {
		const char *text, *want;	/* want NULL: accepted */
		double value;
	} cases[] = {
		{"12", NULL, 12}, {"-3.5", NULL, -3.5}, {"1e3", NULL, 1000}, {".5", NULL, 0.5},
		{"+2", NULL, 2}, {"0", NULL, 0}, {"1e-300", NULL, 1e-300},
		{"0x10", "'0x10' is not a decimal number", 0},
		{"inf", "'inf' is not a number", 0}, {"nan", "'nan' is not a number", 0},
		{"-infinity", "'-infinity' is not a number", 0},
		{"1e999", "'1e999' is too large", 0},
		{"1e-320", "'1e-320' is too close to zero", 0},
		{"", "'' is not a number", 0}, {"12abc", "'12abc' is not a number", 0},
		{" 1", "' 1' is not a number", 0}, {"1 ", "'1 ' is not a number", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v = -99;
		struct err e = {""};
		int rc = number_parse(cases[i].text, &v, &e);
		if (cases[i].want == NULL) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_DOUBLE_EQUAL(v, cases[i].value, 1e-12 * fabs(cases[i].value));
		} else {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_EQUAL(v, -99);
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[i].want));
		}
	}
	{
		long w = 0;
		struct err e;
		CU_ASSERT_EQUAL(number_parse_whole("99999999999999999999999", 0, 1e9, &w, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "out of range [0, 1000000000]"));
		CU_ASSERT_EQUAL(number_parse_whole("2.5", 0, 9, &w, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a whole number"));
		CU_ASSERT_EQUAL(number_parse_whole("1e3", 0, 2000, &w, &e), 0);
		CU_ASSERT_EQUAL(w, 1000);
	}
}

static void lists_refuse_empty_items(void)
{
	struct err e;

	CU_ASSERT_EQUAL(list_check("layout", "full,sliding", &e), 0);
	CU_ASSERT_EQUAL(list_check("layout", "full, sliding", &e), 0);
	CU_ASSERT_EQUAL(list_check("speed", "1.0 0.9  0.8", &e), 0);
	CU_ASSERT_EQUAL(list_check("layout", "full,,full", &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "layout: empty item in 'full,,full'");
	CU_ASSERT_EQUAL(list_check("layout", "full, ,full", &e), -1);
	CU_ASSERT_EQUAL(list_check("layout", ",full", &e), -1);
	CU_ASSERT_EQUAL(list_check("layout", "full,", &e), -1);
}

/* A directory, a fifo with no writer and a device are refused at once. */
static void only_regular_files_are_read(void)
{
	const char *fifo = test_write_file("fifo.ini", "");
	char path[512];
	struct ini ini;
	struct err e;

	snprintf(path, sizeof path, "%s.fifo", fifo);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(ini_load(&ini, path, &e), -1);	/* would block before */
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));
	unlink(path);
	CU_ASSERT_EQUAL(ini_load(&ini, "/dev/zero", &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "/dev/zero: not a regular file");
	CU_ASSERT_EQUAL(ini_load(&ini, "data", &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "data: not a regular file");
	CU_ASSERT_EQUAL(ini_load(&ini, test_write_file("nul.ini", "[a]\nx = 1\n"), &e), 0);
	ini_free(&ini);
	{
		FILE *f = fopen(path, "wb");	/* a NUL byte on line 2 */
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite("[a]\nx = 1\0\n", 1, 11, f);
		fclose(f);
		CU_ASSERT_EQUAL(ini_load(&ini, path, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ":2: not a text file (contains a NUL byte)"));
		unlink(path);
	}
}

static void edit_distance_counts_edits(void)
{
	CU_ASSERT_EQUAL(edit_distance("top_k", "topk"), 1);
	CU_ASSERT_EQUAL(edit_distance("kitten", "sitting"), 3);
	CU_ASSERT_EQUAL(edit_distance("", "abc"), 3);
	CU_ASSERT_EQUAL(edit_distance("same", "same"), 0);
}

void test_ini_register(void)
{
	static const struct test_case cases[] = {
		{"parses sections, comments and line numbers", parses_sections_comments_and_lines},
		{"syntax errors name the line", syntax_errors_name_the_line},
		{"field tables validate, suggest, apply all or nothing", fields_validate_and_suggest},
		{"edit distance", edit_distance_counts_edits},
		{"duplicate key found among 40,000 (linear check)", duplicate_key_found_among_many},
		{"numbers are decimal, finite and representable", numbers_are_decimal_finite_and_representable},
		{"lists refuse empty items", lists_refuse_empty_items},
		{"only regular files are read (fifo, device, directory refused)", only_regular_files_are_read},
		{NULL, NULL},
	};
	tests_add_suite("ini", cases);
}
