/* test_engine.c - the task timeline: overlap, dependencies, resources. */
#include "engine.h"
#include "tests.h"

static struct engine_task task(int kind, double dur, int r0, int r1)
{
	struct engine_task t = {0};

	t.kind = kind;
	t.dur_ns = dur;
	t.res[t.nres++] = r0;
	if (r1 >= 0)
		t.res[t.nres++] = r1;
	t.expert = -1;
	return t;
}

static void independent_work_overlaps(void)
{
	struct engine eng;
	struct engine_task gpu = task(TASK_GPU_EXPERTS, 10, 0, -1), pim = task(TASK_PIM_EXPERT, 7, 1, -1);

	engine_init(&eng);
	engine_resource(&eng, "gpu0");
	engine_resource(&eng, "gpu0.stack0");
	engine_issue(&eng, &gpu, NULL, 0, 0);
	engine_issue(&eng, &pim, NULL, 0, 0);
	/* below the sum of the parts (17), at least their maximum (10) */
	CU_ASSERT_DOUBLE_EQUAL(engine_end_ns(&eng, 0, 0), 10, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(eng.task[1].start_ns, 0, 1e-12);
	engine_release(&eng);
}

static void dependencies_are_respected(void)
{
	struct engine eng;
	struct engine_task a = task(TASK_DISPATCH, 4, 0, -1), b = task(TASK_PIM_EXPERT, 7, 1, -1);
	struct engine_task c = task(TASK_COMBINE, 2, 0, -1);
	int ia, ib, deps[2];

	engine_init(&eng);
	engine_resource(&eng, "link");
	engine_resource(&eng, "stack");
	ia = engine_issue(&eng, &a, NULL, 0, 100);	/* not before 100 */
	ib = engine_issue(&eng, &b, &ia, 1, 100);
	deps[0] = ia;
	deps[1] = ib;
	engine_issue(&eng, &c, deps, 2, 100);
	CU_ASSERT_DOUBLE_EQUAL(eng.task[ia].start_ns, 100, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(eng.task[ib].start_ns, 104, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(eng.task[2].start_ns, 111, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(engine_end_ns(&eng, 0, 0), 113, 1e-12);
	engine_release(&eng);
}

/* A task holding two resources waits for both and blocks both. */
static void shared_resources_serialise(void)
{
	struct engine eng;
	struct engine_task pim = task(TASK_PIM_EXPERT, 5, 1, -1);
	struct engine_task kernel = task(TASK_GPU_EXPERTS, 10, 0, 1);
	struct engine_task other = task(TASK_ATTN, 3, 0, -1);

	engine_init(&eng);
	engine_resource(&eng, "gpu");
	engine_resource(&eng, "stack");
	engine_issue(&eng, &pim, NULL, 0, 0);
	engine_issue(&eng, &kernel, NULL, 0, 0);
	engine_issue(&eng, &other, NULL, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(eng.task[1].start_ns, 5, 1e-12);	/* waits for the stack */
	CU_ASSERT_DOUBLE_EQUAL(eng.task[2].start_ns, 15, 1e-12);	/* issue order on the GPU */
	CU_ASSERT_DOUBLE_EQUAL(eng.res[0].busy_ns, 13, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(eng.res[1].busy_ns, 15, 1e-12);
	engine_forget(&eng);
	CU_ASSERT_EQUAL(eng.ntasks, 0);
	CU_ASSERT_DOUBLE_EQUAL(eng.res[0].free_ns, 18, 1e-12);	/* clocks survive */
	engine_release(&eng);
}

/* Each task keeps its real dependencies (ids < 0 dropped); forget drops them all. */
static void dependencies_are_kept_until_forget(void)
{
	struct engine eng;
	struct engine_task a = task(TASK_ATTN, 5, 0, -1), b = task(TASK_PIM_EXPERT, 2, 1, -1);
	int deps[] = {-1, 0, 1};

	engine_init(&eng);
	engine_resource(&eng, "gpu");
	engine_resource(&eng, "stack");
	engine_issue(&eng, &a, NULL, 0, 0);
	engine_issue(&eng, &b, deps, 2, 0);	/* -1 and 0 */
	engine_issue(&eng, &a, deps, 3, 0);	/* -1, 0 and 1 */
	CU_ASSERT_EQUAL(eng.task[0].ndeps, 0);
	CU_ASSERT_EQUAL(eng.task[1].ndeps, 1);
	CU_ASSERT_EQUAL(eng.dep[eng.task[1].dep0], 0);
	CU_ASSERT_EQUAL(eng.task[2].ndeps, 2);
	CU_ASSERT_EQUAL(eng.dep[eng.task[2].dep0], 0);
	CU_ASSERT_EQUAL(eng.dep[eng.task[2].dep0 + 1], 1);
	CU_ASSERT_EQUAL(eng.ndep, 3);
	engine_forget(&eng);
	CU_ASSERT_EQUAL(eng.ndep, 0);
	engine_release(&eng);
}

void test_engine_register(void)
{
	static const struct test_case cases[] = {
		{"independent GPU and PIM work overlaps", independent_work_overlaps},
		{"dependencies are respected", dependencies_are_respected},
		{"a task on two resources waits for and blocks both", shared_resources_serialise},
		{"dependencies are kept until forget", dependencies_are_kept_until_forget},
		{NULL, NULL},
	};
	tests_add_suite("engine", cases);
}
