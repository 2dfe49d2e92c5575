/* replay.c - one stack's layer re-run through the memory model (see replay.h). */
#include "replay.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

const char *const replay_occ_names[OCC_N] = {"idle", "activate", "host", "pim", "refresh",
					      "precharge"};

/* The GPU kernel's reads of this stack, offered evenly over its duration. */
struct replay_source {
	struct dram_map map;
	int npch, pch_per_ch;
	long long n;		/* reads in all */
	int64_t dur;		/* cycles they are spread over */
	long long *sent, *quota;	/* [npch] */
};

static int64_t src_next_arrival(void *ctx, int pch)
{
	const struct replay_source *s = ctx;
	long long i = s->sent[pch] * s->npch + pch;	/* its index in the whole stream */

	if (s->sent[pch] == s->quota[pch])
		return DRAM_NEVER;
	return (int64_t)i * s->dur / s->n;
}

static void src_take(void *ctx, int pch, struct mem_req *out)
{
	struct replay_source *s = ctx;

	memset(out, 0, sizeof *out);
	dram_map_pch_seq(&s->map, pch / s->pch_per_ch, pch % s->pch_per_ch,
			 (uint64_t)s->sent[pch], &out->a);
	out->offered = src_next_arrival(ctx, pch);
	out->tag = (uint64_t)(s->sent[pch] * s->npch + pch);
	s->sent[pch]++;
}

static void src_free(struct replay_source *s)
{
	if (s == NULL)
		return;
	free(s->sent);
	free(s->quota);
	free(s);
}

/* --- occupancy marks --- */

static int64_t mark_cycle(uint64_t m)
{
	return (int64_t)(m >> 3);
}

static int mark_occ(uint64_t m)
{
	return (int)(m & 7);
}

/* From `cycle` on, bank b is in occ.  A change predicted earlier for a
 * later cycle (ACTIVATING -> OPEN, PRECHARGING -> IDLE) is superseded. */
static void mark_push(struct stack_replay *r, int b, int64_t cycle, int occ)
{
	uint64_t *ring = r->marks + (size_t)b * REPLAY_OCC_MARKS;
	int *first = &r->mark_first[b], *len = &r->mark_len[b];

	while (*len > 0 && mark_cycle(ring[(*first + *len - 1) % REPLAY_OCC_MARKS]) > cycle)
		--*len;
	if (*len > 0 && mark_occ(ring[(*first + *len - 1) % REPLAY_OCC_MARKS]) == occ)
		return;
	if (*len == REPLAY_OCC_MARKS) {
		*first = (*first + 1) % REPLAY_OCC_MARKS;
		--*len;
	}
	ring[(*first + *len) % REPLAY_OCC_MARKS] = (uint64_t)cycle << 3 | (uint64_t)occ;
	++*len;
}

/* Occupancy by bank state (enum dram_bank_state): now, and once the state
 * ends at state_until (-1: it does not end by itself).  OPENED stands for
 * OCC_PIM or OCC_HOST, by who opened the bank. */
#define OPENED OCC_N
static const int8_t occ_now[DRAM_NSTATE] = {OCC_IDLE, OCC_ACT, OPENED, OCC_PRE, OCC_REF};
static const int8_t occ_after[DRAM_NSTATE] = {-1, OPENED, -1, OCC_IDLE, OCC_IDLE};

/* Bank b (of r->m) after a command at local cycle t: its occupancy now and
 * the change its state already implies. */
static void note_bank(struct stack_replay *r, int b, int64_t t)
{
	const struct dram_bank *bk = &r->m.d.banks[b];
	int st = dram_bank_state(&r->m.d, b, t), now = occ_now[st], after = occ_after[st];
	int open = bk->busy_kind == DRAM_BUSY_PIM ? OCC_PIM : OCC_HOST;

	mark_push(r, b, r->base + t, now == OPENED ? open : now);
	if (after >= 0)
		mark_push(r, b, r->base + bk->state_until, after == OPENED ? open : after);
}

static int changes_state(int cmd)
{
	return cmd == DRAM_ACT || cmd == DRAM_PRE || cmd == DRAM_PREA || cmd == DRAM_REF ||
	       cmd == DRAM_ACTAB;
}

/* Take note of what one memory event issued. */
static void record(struct stack_replay *r, const struct mem_event *ev)
{
	for (int i = 0; i < ev->n; i++) {
		const struct mem_issued *c = &ev->cmd[i];
		int path[DRAM_NLEVEL], b = -1, nb = 0;

		r->cmd_count[c->cmd]++;
		dram_path(&r->m.d, c->cmd, &c->a, path);
		if (path[DRAM_BANK] >= 0) {
			b = path[DRAM_BANK], nb = 1;
			r->bank_cmd[b] = (int8_t)c->cmd;
			r->bank_cmd_cycle[b] = r->base + ev->cycle;
		} else {
			b = c->pch * r->banks_per_pch, nb = r->banks_per_pch;
			r->pch_cmd[c->pch] = (int8_t)c->cmd;
			r->pch_cmd_cycle[c->pch] = r->base + ev->cycle;
		}
		if (changes_state(c->cmd))
			for (int k = b; k < b + nb; k++)
				note_bank(r, k, ev->cycle);
	}
}

/* --- the kernels --- */

/* GPU g's GPU experts whose weights sit in stack k: how many, and their tokens. */
static int gpu_experts_in_stack(const struct layer_record *rec, int g, int k, int *tokens)
{
	int first = 0, n = 0;

	*tokens = 0;
	for (int i = 0; i < g; i++)
		first += rec->gpu[i].experts;
	for (int i = first; i < first + rec->gpu[g].experts && i < rec->ndecisions; i++) {
		const struct sched_expert *x = &rec->decision[i];
		if (!x->on_pim && x->stack == k) {
			n++;
			*tokens += x->tokens;
		}
	}
	return n;
}

static void add_kernel(struct stack_replay *r, const struct engine_task *t, int expert,
		       int tokens, long long reads)
{
	struct replay_kernel *k = &r->kernel[r->nkernels++];
	double tck = hbm_tck_ns(&r->h);

	if (r->nkernels == 1)
		r->t0_ns = t->start_ns;
	k->expert = expert;
	k->tokens = tokens;
	k->planned_cycle = llround((t->start_ns - r->t0_ns) / tck);
	k->start_cycle = k->end_cycle = -1;
	k->memo_cycles = llround(t->dur_ns / tck);
	k->reads = reads;
}

/* The stack's kernels in layer rec, from its engine tasks. */
static void plan(struct stack_replay *r, const struct sim *s, const struct layer_record *rec)
{
	int g = r->gpu, res = s->res_stack0[g] + r->stack, tokens;
	int ngpu = gpu_experts_in_stack(rec, g, r->stack, &tokens);
	double bytes = ngpu * model_expert_bytes(&s->model);

	r->kernel = xcalloc((size_t)rec->ntasks + 1, sizeof *r->kernel);
	for (int i = 0; i < rec->ntasks; i++) {
		const struct engine_task *t = &rec->task[i];
		if (t->gpu != g)
			continue;
		if (t->kind == TASK_PIM_EXPERT && t->res[0] == res)
			add_kernel(r, t, t->expert, t->tokens, 0);
		else if (t->kind == TASK_GPU_EXPERTS && sched_pim_locks_stacks(&s->hw) && ngpu > 0)
			add_kernel(r, t, -1, tokens, (long long)ceil(bytes / r->h.column_bytes));
	}
}

/* Cycle at which kernel cur starts. */
static int64_t start_of(const struct stack_replay *r)
{
	int64_t t = r->kernel[r->cur].planned_cycle;

	if (r->cur > 0 && r->kernel[r->cur - 1].end_cycle > t)
		t = r->kernel[r->cur - 1].end_cycle;
	return t;
}

static void drop_memsys(struct stack_replay *r)
{
	if (r->has_m)
		memsys_release(&r->m);
	pim_streams_free(&r->streams);
	src_free(r->src);
	r->src = NULL;
	r->has_m = 0;
}

static struct replay_source *source_new(const struct memsys *m, const struct replay_kernel *k)
{
	struct replay_source *s = xcalloc(1, sizeof *s);

	s->map = m->map;
	s->npch = m->d.npch;
	s->pch_per_ch = m->d.pch_per_ch;
	s->n = k->reads;
	s->dur = k->memo_cycles;
	s->sent = xcalloc((size_t)s->npch, sizeof *s->sent);
	s->quota = xcalloc((size_t)s->npch, sizeof *s->quota);
	for (int p = 0; p < s->npch; p++)
		s->quota[p] = s->n / s->npch + (p < s->n % s->npch);
	return s;
}

/* Start kernel cur at cycle t on a fresh memory system (its inputs were
 * checked by stack_replay_init, so nothing here can fail). */
static void kernel_start(struct stack_replay *r, int64_t t)
{
	struct replay_kernel *k = &r->kernel[r->cur];
	struct err e;
	int rc;

	drop_memsys(r);
	rc = memsys_init(&r->m, &r->h, r->h.channels, &e);
	assert(rc == 0);
	r->has_m = 1;
	r->base = t;
	k->start_cycle = t;
	r->stepping = 1;
	if (k->expert >= 0) {
		rc = pim_streams_build(&r->h, 0, r->hidden, r->inter, r->bytes_per_weight, k->tokens,
				       1, &r->streams, &e);
		assert(rc == 0);
		rc = memsys_pim_submit(&r->m, r->streams.progs, r->streams.npch, &e);
		assert(rc == 0);
	} else {
		struct mem_source src = {NULL, src_next_arrival, src_take, NULL};
		r->src = source_new(&r->m, k);
		src.ctx = r->src;
		memsys_set_source(&r->m, &src);
	}
	(void)rc;
}

/* Has kernel cur issued all of its work?  Then its end is known. */
static int kernel_issued(struct stack_replay *r)
{
	struct replay_kernel *k = &r->kernel[r->cur];

	if (k->expert >= 0) {
		if (memsys_pim_active(&r->m))
			return 0;
		k->end_cycle = r->base + r->m.pim_end;
	} else {
		if (r->m.st.reads < k->reads)
			return 0;
		k->end_cycle = r->base + r->m.st.last_data_cycle;
	}
	return 1;
}

/* The next cycle at which something happens: kernel cur starts, its memory
 * system has an event, or it ends; DRAM_NEVER when the replay is done. */
static int64_t next_moment(const struct stack_replay *r)
{
	const struct replay_kernel *k;

	if (r->cur == r->nkernels)
		return DRAM_NEVER;
	k = &r->kernel[r->cur];
	if (k->start_cycle < 0)
		return start_of(r);
	if (r->stepping)
		return r->base + memsys_next_event(&r->m);
	return k->end_cycle;
}

/* Do the next thing that happens, at t = next_moment(r); returns 1 when
 * a command issued. */
static int step_once(struct stack_replay *r, int64_t t)
{
	struct mem_event ev;

	if (r->kernel[r->cur].start_cycle < 0) {
		kernel_start(r, t);
		return 0;
	}
	if (!r->stepping) {
		r->cur++;	/* kernel cur has ended */
		return 0;
	}
	memsys_step(&r->m, &ev);
	record(r, &ev);
	if (kernel_issued(r))
		r->stepping = 0;
	return ev.n > 0;
}

int stack_replay_done(const struct stack_replay *r)
{
	return r->cur == r->nkernels;
}

void stack_replay_run_until(struct stack_replay *r, int64_t cycle)
{
	int64_t t;

	while (!stack_replay_done(r) && (t = next_moment(r)) <= cycle)
		step_once(r, t);
	if (stack_replay_done(r))
		cycle = r->nkernels > 0 ? r->kernel[r->nkernels - 1].end_cycle : 0;
	if (cycle > r->cycle)
		r->cycle = cycle;
}

int stack_replay_step_cycle(struct stack_replay *r)
{
	if (stack_replay_done(r))
		return 0;
	stack_replay_run_until(r, r->cycle + 1);
	return 1;
}

int stack_replay_step_event(struct stack_replay *r)
{
	if (stack_replay_done(r))
		return 0;
	while (!stack_replay_done(r)) {
		int64_t t = next_moment(r);
		if (step_once(r, t)) {
			stack_replay_run_until(r, t);	/* the rest of that cycle */
			return 1;
		}
	}
	stack_replay_run_until(r, r->cycle);
	return 1;
}

/* --- setup and queries --- */

int stack_replay_init(struct stack_replay *r, const struct sim *s, int gpu, int stack,
		      struct err *e)
{
	struct layer_record rec;

	memset(&rec, 0, sizeof rec);
	if (s->last_layer < 0) {
		memset(r, 0, sizeof *r);
		return err_set(e, "replay: no layer has been simulated yet");
	}
	/* the layer just simulated, still in s's arrays and the engine */
	rec.decision = s->decision;
	rec.ndecisions = s->ndecisions;
	rec.gpus = s->hw.gpus;
	memcpy(rec.gpu, s->gpu, sizeof rec.gpu);
	rec.task = s->eng.task + s->layer_first_task;
	rec.ntasks = s->eng.ntasks - s->layer_first_task;
	return stack_replay_init_layer(r, s, &rec, gpu, stack, e);
}

int stack_replay_init_layer(struct stack_replay *r, const struct sim *s,
			    const struct layer_record *rec, int gpu, int stack, struct err *e)
{
	struct memsys probe;

	memset(r, 0, sizeof *r);
	if (gpu < 0 || gpu >= s->hw.gpus)
		return err_set(e, "replay: no gpu %d (the machine has %d)", gpu, s->hw.gpus);
	if (stack < 0 || stack >= s->hw.stacks)
		return err_set(e, "replay: no stack %d (a gpu has %d)", stack, s->hw.stacks);
	r->h = s->pim->pim.h;	/* the [hbm]/[pim] the kernel times were measured with */
	if (memsys_init(&probe, &r->h, r->h.channels, e) != 0)
		return -1;
	r->hidden = s->pim->hidden;
	r->inter = s->pim->inter;
	r->bytes_per_weight = s->pim->bytes_per_weight;
	r->gpu = gpu;
	r->stack = stack;
	r->channels = probe.d.nch;
	r->pchs = probe.d.npch;
	r->banks = probe.d.nbank;
	r->banks_per_pch = probe.d.bank_per_pch;
	r->banks_per_channel = r->banks_per_pch * probe.d.pch_per_ch;
	memsys_release(&probe);
	plan(r, s, rec);
	for (int i = 0; i < r->nkernels; i++) {
		struct pim_streams st;
		if (r->kernel[i].expert < 0)
			continue;
		if (pim_streams_build(&r->h, 0, r->hidden, r->inter, r->bytes_per_weight,
				      r->kernel[i].tokens, 1, &st, e) != 0) {
			free(r->kernel);
			memset(r, 0, sizeof *r);
			return -1;
		}
		pim_streams_free(&st);
	}
	r->bank_cmd = xmalloc((size_t)r->banks);
	r->pch_cmd = xmalloc((size_t)r->pchs);
	memset(r->bank_cmd, -1, (size_t)r->banks);
	memset(r->pch_cmd, -1, (size_t)r->pchs);
	r->bank_cmd_cycle = xcalloc((size_t)r->banks, sizeof *r->bank_cmd_cycle);
	r->pch_cmd_cycle = xcalloc((size_t)r->pchs, sizeof *r->pch_cmd_cycle);
	r->marks = xcalloc((size_t)r->banks * REPLAY_OCC_MARKS, sizeof *r->marks);
	r->mark_first = xcalloc((size_t)r->banks, sizeof *r->mark_first);
	r->mark_len = xcalloc((size_t)r->banks, sizeof *r->mark_len);
	for (int b = 0; b < r->banks; b++)
		mark_push(r, b, 0, OCC_IDLE);
	stack_replay_run_until(r, 0);	/* the state at a cycle is the state after its events */
	return 0;
}

void stack_replay_release(struct stack_replay *r)
{
	drop_memsys(r);
	free(r->kernel);
	free(r->bank_cmd);
	free(r->pch_cmd);
	free(r->bank_cmd_cycle);
	free(r->pch_cmd_cycle);
	free(r->marks);
	free(r->mark_first);
	free(r->mark_len);
	memset(r, 0, sizeof *r);
}

int64_t stack_replay_cycle(const struct stack_replay *r)
{
	return r->cycle;
}

double stack_replay_tck_ns(const struct stack_replay *r)
{
	return hbm_tck_ns(&r->h);
}

int stack_replay_bank_state(const struct stack_replay *r, int bank)
{
	return r->has_m ? dram_bank_state(&r->m.d, bank, r->cycle - r->base) : DRAM_IDLE;
}

int stack_replay_bank_last_cmd(const struct stack_replay *r, int bank, int64_t *cycle)
{
	int p = bank / r->banks_per_pch;

	if (r->pch_cmd[p] >= 0 && (r->bank_cmd[bank] < 0 ||
				   r->pch_cmd_cycle[p] > r->bank_cmd_cycle[bank])) {
		*cycle = r->pch_cmd_cycle[p];
		return r->pch_cmd[p];
	}
	*cycle = r->bank_cmd[bank] >= 0 ? r->bank_cmd_cycle[bank] : -1;
	return r->bank_cmd[bank];
}

int stack_replay_queue_depth(const struct stack_replay *r, int pch)
{
	return r->has_m ? memsys_queue(&r->m, pch, NULL, 0) : 0;
}

int64_t stack_replay_occupancy(const struct stack_replay *r, int bank, int64_t window,
			       int64_t out[OCC_N])
{
	const uint64_t *ring = r->marks + (size_t)bank * REPLAY_OCC_MARKS;
	int64_t from = r->cycle - window, end = r->cycle, covered = 0;

	memset(out, 0, OCC_N * sizeof *out);
	/* newest first; changes predicted beyond now have not happened yet */
	for (int i = r->mark_len[bank] - 1; i >= 0 && end > from; i--) {
		uint64_t m = ring[(r->mark_first[bank] + i) % REPLAY_OCC_MARKS];
		int64_t c = mark_cycle(m), a = c > from ? c : from;
		if (c >= end)
			continue;
		out[mark_occ(m)] += end - a;
		covered += end - a;
		end = c;
	}
	return covered;
}
