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

/* Walking the timeline event by event visits every start and end in order. */
static void events_in_time_order(void)
{
	struct engine eng;
	struct engine_task a = task(TASK_ATTN, 5, 0, -1), b = task(TASK_PIM_EXPERT, 2, 1, -1);
	double t = -1, at, want[] = {0, 2, 5}, seen[4];
	int is_end, n = 0, id;

	engine_init(&eng);
	engine_resource(&eng, "gpu");
	engine_resource(&eng, "stack");
	engine_issue(&eng, &a, NULL, 0, 0);	/* 0..5 */
	engine_issue(&eng, &b, NULL, 0, 0);	/* 0..2 */
	while ((id = engine_next_event(&eng, t, &at, &is_end)) >= 0 && n < 4) {
		seen[n++] = at;
		t = at;
		if (at == 2)
			CU_ASSERT(id == 1 && is_end);
		if (at == 5)
			CU_ASSERT(id == 0 && is_end);
	}
	/* the two starts at 0 are one instant: a step moves to the next time */
	CU_ASSERT_EQUAL(n, 3);
	for (int i = 0; i < 3 && i < n; i++)
		CU_ASSERT_DOUBLE_EQUAL(seen[i], want[i], 1e-12);
	CU_ASSERT_EQUAL(engine_next_event(&eng, -1, &at, &is_end), 0);	/* a's start first */
	CU_ASSERT_FALSE(is_end);
	engine_release(&eng);
}

void test_engine_register(void)
{
	static const struct test_case cases[] = {
		{"independent GPU and PIM work overlaps", independent_work_overlaps},
		{"dependencies are respected", dependencies_are_respected},
		{"a task on two resources waits for and blocks both", shared_resources_serialise},
		{"events in time order", events_in_time_order},
		{NULL, NULL},
	};
	tests_add_suite("engine", cases);
}
