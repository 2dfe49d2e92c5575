/*
 * engine.h - a discrete-event timeline of tasks on resources.
 *
 * Resources are the things that do one task at a time: a GPU's compute, one
 * HBM-PIM stack's banks, one GPU's outgoing or incoming link.  A task holds
 * one or more resources for its whole duration (a GPU kernel streaming
 * weights from a stack holds both) and may wait for other tasks.  Like CUDA
 * streams, each resource runs its tasks in the order they were issued; a
 * task starts when every resource it needs is free and every task it
 * depends on has ended:
 *
 *     start = max(max over resources of free_at, max over deps of end)
 *
 * so overlap, contention and idle gaps come out of the issue order and the
 * dependencies, not out of a formula.  Times are nanoseconds.  Every task
 * keeps its start, end, resources, dependencies and what it was until
 * engine_forget; the decode loop forgets them every layer, after copying
 * the layer into its history (history.h), which serves the timeline view,
 * the trace export, event stepping and the decision inspector.
 */
#ifndef SIEVE_ENGINE_H
#define SIEVE_ENGINE_H

#define ENGINE_MAX_TASK_RES 17	/* a GPU and up to 16 stacks (hw.h HW_MAX_STACKS) */
#define ENGINE_NAME_MAX 40

enum task_kind {
	TASK_ATTN,		/* attention on a GPU */
	TASK_ATTN_PIM,		/* attention in PIM (attacc, duplex) */
	TASK_DISPATCH,		/* all-to-all, tokens to expert owners */
	TASK_GPU_EXPERTS,	/* grouped expert kernel on a GPU */
	TASK_PIM_EXPERT,	/* one expert's GEMVs in PIM */
	TASK_SHARED,		/* shared experts / dense FFN on a GPU */
	TASK_COMBINE,		/* all-to-all, results back */
	TASK_ROUTER,		/* router GEMM and top-k on a GPU */
	TASK_LM_HEAD,		/* vocabulary projection and sampling on a GPU */
	TASK_MIGRATE,		/* expert weights moved by a recalibration (place.h) */
	TASK_KINDS
};

struct engine_task {
	int kind;		/* enum task_kind */
	int res[ENGINE_MAX_TASK_RES];
	int nres;
	double dur_ns, start_ns, end_ns;
	/* what it was, for views and traces (-1 when not applicable) */
	int iter, layer, gpu, expert, micro;
	int tokens;
	double bytes;
	/* its dependencies: ids dep[dep0 .. dep0 + ndeps) of the engine's dep
	 * array (in a history record: of the record's, ids of its tasks) */
	int dep0, ndeps;
	int crit;		/* on its layer's critical path (history.h sets it) */
};

struct engine_resource {
	char name[ENGINE_NAME_MAX];	/* "gpu0", "gpu0.stack3", "gpu0.out" */
	double free_ns;		/* when its last issued task ends */
	double busy_ns;		/* sum of the durations of its tasks */
};

struct engine {
	struct engine_resource *res;
	int nres;
	struct engine_task *task;
	int ntasks, cap;
	int *dep;		/* every task's dependencies, task ids, in issue order */
	int ndep, dep_cap;
};

void engine_init(struct engine *eng);
void engine_release(struct engine *eng);

/* Add a resource; returns its id. */
int engine_resource(struct engine *eng, const char *name);

/*
 * Issue a task: it starts at the earliest time all of res are free and all
 * of deps have ended (and not before not_before_ns).  Returns the task id.
 * *t is copied; its start/end and dependencies (deps >= 0) are filled in.
 */
int engine_issue(struct engine *eng, const struct engine_task *t, const int *deps, int ndeps,
		 double not_before_ns);

/* Latest end over tasks [first, ntasks), or not_before when none. */
double engine_end_ns(const struct engine *eng, int first, double not_before_ns);

/* Drop stored tasks and dependencies but keep resource clocks and busy time. */
void engine_forget(struct engine *eng);

const char *engine_kind_name(int kind);

#endif
