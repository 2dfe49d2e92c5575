/*
 * tests.h - one CUnit suite per module, registered from runner.c.
 *
 * Each tests/test_X.c defines void test_X_register(void), which adds its
 * suite with CU_add_suite and its tests with CU_add_test.  Tests run from
 * the top of the tree, so data files are found under "data".
 */
#ifndef SIEVE_TESTS_H
#define SIEVE_TESTS_H

#include <CUnit/CUnit.h>

#define TEST_DATADIR "data"

/* Add a suite with tests {name, fn}..., ending with {NULL, NULL}. */
struct test_case {
	const char *name;
	CU_TestFunc fn;
};
void tests_add_suite(const char *name, const struct test_case *cases);

void test_ini_register(void);
void test_model_register(void);
void test_gpu_register(void);
void test_routing_register(void);
void test_sim_register(void);
void test_rewind_register(void);
void test_history_register(void);
void test_engine_register(void);
void test_comm_register(void);
void test_place_register(void);
void test_serve_register(void);
void test_sched_register(void);
void test_dram_register(void);
void test_pim_register(void);
void test_capacity_register(void);
void test_replay_register(void);
void test_console_register(void);

#endif
