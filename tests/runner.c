/*
 * runner.c - the CUnit runner: registers every suite, runs them in basic
 * mode (keeping CUnit's standard summary) and exits non-zero when any
 * failure record exists.  CUnit 2.1-3's CU_get_number_of_failures() counts
 * only failed asserts, and CU_cleanup_registry() resets every counter, so
 * the failure records are read first.
 *
 * Usage: runner [SUITE]   run all suites, or the one named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "tests.h"

static const struct {
	const char *name;
	void (*reg)(void);
} suites[] = {
	{"ini", test_ini_register},
	{"model", test_model_register},
	{"gpu", test_gpu_register},
	{"routing", test_routing_register},
	{"engine", test_engine_register},
	{"comm", test_comm_register},
	{"sched", test_sched_register},
	{"sim", test_sim_register},
	{"rewind", test_rewind_register},
	{"history", test_history_register},
	{"dram", test_dram_register},
	{"pim", test_pim_register},
	{"capacity", test_capacity_register},
	{"replay", test_replay_register},
	{"console", test_console_register},
	{"place", test_place_register},
	{"serve", test_serve_register},
};

void tests_add_suite(const char *name, const struct test_case *cases)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);

	if (s == NULL) {
		fprintf(stderr, "runner: cannot add suite %s: %s\n", name, CU_get_error_msg());
		exit(2);
	}
	for (; cases->name != NULL; cases++) {
		if (CU_add_test(s, cases->name, cases->fn) == NULL) {
			fprintf(stderr, "runner: cannot add test %s: %s\n", cases->name,
				CU_get_error_msg());
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	unsigned records, asserts_failed, suites_failed;
	int found = 0;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "runner: %s\n", CU_get_error_msg());
		return 2;
	}
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (only == NULL || strcmp(only, suites[i].name) == 0) {
			suites[i].reg();
			found = 1;
		}
	}
	if (!found) {
		fprintf(stderr, "runner: no suite named '%s'\n", only);
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	records = CU_get_number_of_failure_records();
	asserts_failed = CU_get_number_of_failures();
	suites_failed = CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	printf("\nfailure records: %u (failed asserts %u, failed suites %u)\n", records,
	       asserts_failed, suites_failed);
	return records == 0 && suites_failed == 0 ? 0 : 1;
}
