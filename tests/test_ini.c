/* test_ini.c - the data-file reader and the parameter tables. */
#include <string.h>

#include "fields.h"
#include "ini.h"
#include "tests.h"

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
		{NULL, NULL},
	};
	tests_add_suite("ini", cases);
}
