/*
 * test_replay.c - the stack replay: replayed PIM kernels take exactly the
 * memoised latencies the decode run used (qwen3-30b-a3b, pim and sieve,
 * every pim_kind), the GPU kernel's reads come after them as the engine
 * ordered them, stepping by cycle and by event pass through the same
 * states, occupancy adds up, and a one-token expert on a tiny model is
 * counted command by command from the layout of pim.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "sim.h"
#include "tests.h"
#include "testutil.h"

/* The default machine with another pim_kind. */
static const char *hw_kind(const char *kind)
{
	char line[64];

	snprintf(line, sizeof line, "pim_kind = %s", kind);
	return test_edit_file(TEST_DATADIR "/hw/h100x4-pim.ini", "replay-hw.ini", "pim_kind", line);
}

/* One simulated layer of a run; -1 (and a message) when it cannot start. */
static int one_layer(struct sim *s, const char *model, const char *hw, const char *routing,
		     int sched, int tau, int batch)
{
	struct sim_config cfg;
	struct err e;

	if (config_defaults(&cfg, TEST_DATADIR, &e) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	snprintf(cfg.model, sizeof cfg.model, "%s", model);
	snprintf(cfg.hw, sizeof cfg.hw, "%s", hw);
	snprintf(cfg.routing, sizeof cfg.routing, "%s", routing);
	cfg.sched = sched;
	cfg.tau = tau;
	cfg.batch = batch;
	cfg.iters = 1;
	if (sim_init(s, &cfg, TEST_DATADIR, &e) != 0) {
		fprintf(stderr, "\n%s\n", e.msg);
		return -1;
	}
	sim_step_layer(s);
	return 0;
}

/* GPU g's decisions for stack k: PIM experts, GPU experts. */
static void count_decisions_of(const struct sim *s, int g, int k, int *pim, int *gpu)
{
	int first = 0;

	for (int i = 0; i < g; i++)
		first += s->gpu[i].experts;
	*pim = *gpu = 0;
	for (int i = first; i < first + s->gpu[g].experts; i++) {
		if (s->decision[i].stack != k)
			continue;
		if (s->decision[i].on_pim)
			++*pim;
		else
			++*gpu;
	}
}

static void count_decisions(const struct sim *s, int k, int *pim, int *gpu)
{
	count_decisions_of(s, 0, k, pim, gpu);
}

static void run_by_events(struct stack_replay *r)
{
	while (stack_replay_step_event(r))
		;
}

/*
 * Every PIM kernel of r took its memoised latency, back to back from cycle
 * 0 as the engine ran them; returns the commands the memoised runs issued,
 * summed, into cmds.
 */
static void check_pim_kernels(struct sim *s, const struct stack_replay *r, long long *cmds)
{
	int64_t end = 0;

	memset(cmds, 0, DRAM_NCMD * sizeof *cmds);
	for (int i = 0; i < r->nkernels; i++) {
		const struct replay_kernel *k = &r->kernel[i];
		struct pim_result res;
		struct err e;
		if (k->expert < 0)
			continue;
		CU_ASSERT_EQUAL_FATAL(pim_expert_run(&s->pim->pim, s->model.hidden,
						     s->model.expert_inter,
						     s->model.expert_weight_bytes, k->tokens, 1, &res,
						     &e), 0);
		CU_ASSERT_EQUAL(k->memo_cycles, res.cycles);
		CU_ASSERT_EQUAL(k->end_cycle - k->start_cycle, res.cycles);
		CU_ASSERT_EQUAL(k->start_cycle, end);
		end = k->end_cycle;
		for (int c = 0; c < DRAM_NCMD; c++)
			cmds[c] += res.commands[c];
	}
}

/*
 * Under pim and sieve, with every kind: on the first stack of GPU 0 with
 * two PIM kernels or more and no GPU reads, each replayed kernel takes its
 * memoised latency although it starts where the previous one ended (the
 * refresh phase restarts per kernel, as the memo measured it), and the
 * replay issues exactly the commands the memoised runs counted.
 */
static void memo_latencies(void)
{
	static const char *const kinds[] = {"bank", "bankgroup", "logic"};
	static const int scheds[] = {SCHED_PIM, SCHED_SIEVE};

	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 2; j++) {
			struct sim s;
			struct stack_replay r;
			struct err e;
			long long cmds[DRAM_NCMD];
			int k, npim = 0, ngpu = 0;
			CU_ASSERT_EQUAL_FATAL(one_layer(&s, "qwen3-30b-a3b", hw_kind(kinds[i]),
							"synthetic", scheds[j], 2, 16), 0);
			for (k = 0; k < s.hw.stacks; k++) {
				count_decisions(&s, k, &npim, &ngpu);
				if (npim >= 2 && (ngpu == 0 || s.hw.hbm.pim_kind == PIM_LOGIC))
					break;
			}
			CU_ASSERT_FATAL(k < s.hw.stacks);
			CU_ASSERT_EQUAL_FATAL(stack_replay_init(&r, &s, 0, k, &e), 0);
			CU_ASSERT_EQUAL(r.nkernels, npim);
			run_by_events(&r);
			check_pim_kernels(&s, &r, cmds);
			for (int c = 0; c < DRAM_NCMD; c++)
				CU_ASSERT_EQUAL(r.cmd_count[c], cmds[c]);
			CU_ASSERT(cmds[DRAM_REF] > 0);	/* the refresh phase mattered */
			stack_replay_release(&r);
			sim_release(&s);
		}
	}
}

/*
 * Sieve, bank PIM, batch 64: a stack of some GPU whose PIM kernels are
 * followed by the GPU kernel's reads of the GPU experts it holds.  The
 * reads start where the engine started the GPU kernel, after the last PIM
 * kernel (the kernel holds every stack: no overlap), read each weight
 * column once, and, offered evenly over the kernel's duration below the
 * stack's peak, end one read latency after the last offer: between
 * dur + nCL + nBL - 1 and dur + nRFC + nRP + nRCD + nCL + nBL (a refresh
 * and a row miss in the way).  With Logic-PIM the GPU kernel is not
 * replayed.
 */
static void gpu_reads(void)
{
	struct sim s;
	struct stack_replay r;
	struct err e;
	long long cmds[DRAM_NCMD];
	const struct hbm *h;
	const struct replay_kernel *g, *last_pim;
	int gpu, k, npim = 0, ngpu = 0;
	double bytes;

	CU_ASSERT_EQUAL_FATAL(one_layer(&s, "qwen3-30b-a3b", "h100x4-pim", "synthetic",
					SCHED_SIEVE, 2, 64), 0);
	h = &s.hw.hbm;
	for (gpu = 0, k = s.hw.stacks; gpu < s.hw.gpus && k == s.hw.stacks; gpu++)
		for (k = 0; k < s.hw.stacks; k++) {
			count_decisions_of(&s, gpu, k, &npim, &ngpu);
			if (npim >= 1 && ngpu >= 1)
				break;
		}
	CU_ASSERT_FATAL(k < s.hw.stacks);
	CU_ASSERT_EQUAL_FATAL(stack_replay_init(&r, &s, gpu - 1, k, &e), 0);
	CU_ASSERT_EQUAL_FATAL(r.nkernels, npim + 1);
	run_by_events(&r);
	check_pim_kernels(&s, &r, cmds);
	g = &r.kernel[npim];
	last_pim = &r.kernel[npim - 1];
	bytes = ngpu * 3.0 * s.model.hidden * s.model.expert_inter * s.model.expert_weight_bytes;
	CU_ASSERT_EQUAL(g->expert, -1);
	CU_ASSERT_EQUAL(g->reads, (long long)ceil(bytes / h->column_bytes));
	CU_ASSERT_EQUAL(r.cmd_count[DRAM_RD], g->reads);
	CU_ASSERT(g->start_cycle == g->planned_cycle && g->start_cycle >= last_pim->end_cycle);
	/* below the peak: a pseudo-channel moves a column per nBL */
	CU_ASSERT(g->reads * h->nBL / r.pchs < g->memo_cycles);
	CU_ASSERT(g->end_cycle - g->start_cycle >= g->memo_cycles + h->nCL + h->nBL - 1);
	CU_ASSERT(g->end_cycle - g->start_cycle <=
		  g->memo_cycles + h->nRFC + h->nRP + h->nRCD + h->nCL + h->nBL);
	CU_ASSERT_EQUAL(stack_replay_cycle(&r), g->end_cycle);
	stack_replay_release(&r);
	sim_release(&s);

	CU_ASSERT_EQUAL_FATAL(one_layer(&s, "qwen3-30b-a3b", hw_kind("logic"), "synthetic",
					SCHED_SIEVE, 2, 64), 0);
	for (k = 0; k < s.hw.stacks; k++) {
		count_decisions(&s, k, &npim, &ngpu);
		CU_ASSERT_EQUAL_FATAL(stack_replay_init(&r, &s, 0, k, &e), 0);
		CU_ASSERT_EQUAL(r.nkernels, npim);
		stack_replay_release(&r);
	}
	sim_release(&s);
}

/* Do a and b show the same state now? */
static int same_state(const struct stack_replay *a, const struct stack_replay *b)
{
	if (a->cycle != b->cycle || a->cur != b->cur ||
	    memcmp(a->cmd_count, b->cmd_count, sizeof a->cmd_count) != 0)
		return 0;
	for (int x = 0; x < a->banks; x++) {
		int64_t ca, cb;
		if (stack_replay_bank_state(a, x) != stack_replay_bank_state(b, x) ||
		    stack_replay_bank_last_cmd(a, x, &ca) != stack_replay_bank_last_cmd(b, x, &cb) ||
		    ca != cb)
			return 0;
	}
	for (int p = 0; p < a->pchs; p++)
		if (stack_replay_queue_depth(a, p) != stack_replay_queue_depth(b, p))
			return 0;
	return 1;
}

/* Occupancy over `window` adds up to the window (less what precedes
 * cycle 0) for every bank. */
static int occupancy_adds_up(const struct stack_replay *r, int64_t window)
{
	int64_t want = window < r->cycle ? window : r->cycle;

	for (int x = 0; x < r->banks; x++) {
		int64_t out[OCC_N], sum = 0, got = stack_replay_occupancy(r, x, window, out);
		for (int o = 0; o < OCC_N; o++)
			sum += out[o] >= 0 ? out[o] : -1000000;
		if (got != want || sum != want)
			return 0;
	}
	return 1;
}

/*
 * Stepping by cycle and by event pass through the same states: a replay
 * stepped by events, and another stepped cycle by cycle up to each of its
 * cycles, agree at every event and end identical; occupancy adds up along
 * the way.
 */
static void lockstep(struct sim *s, int stack)
{
	struct stack_replay a, b;
	struct err e;
	int events = 0, steps = 0, bad = 0, occ_bad = 0;

	CU_ASSERT_EQUAL_FATAL(stack_replay_init(&a, s, 0, stack, &e), 0);
	CU_ASSERT_EQUAL_FATAL(stack_replay_init(&b, s, 0, stack, &e), 0);
	CU_ASSERT_FATAL(a.nkernels > 0);
	while (stack_replay_step_event(&a)) {
		events++;
		while (b.cycle < a.cycle && stack_replay_step_cycle(&b))
			steps++;
		if (!same_state(&a, &b) && bad++ == 0)
			fprintf(stderr, "\nreplays differ at cycle %lld\n", (long long)a.cycle);
		if (events % 97 == 0)
			occ_bad += !occupancy_adds_up(&a, 1000) + !occupancy_adds_up(&b, 1 << 20);
	}
	CU_ASSERT(!stack_replay_step_cycle(&b));
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(occ_bad, 0);
	CU_ASSERT_EQUAL(steps, a.cycle);	/* one call per cycle, none idle */
	CU_ASSERT(stack_replay_done(&a) && stack_replay_done(&b));
	CU_ASSERT(a.cycle == a.kernel[a.nkernels - 1].end_cycle);
	CU_ASSERT(memcmp(a.marks, b.marks, (size_t)a.banks * REPLAY_OCC_MARKS * sizeof *a.marks) ==
		  0);
	CU_ASSERT(memcmp(a.m.d.banks, b.m.d.banks, (size_t)a.banks * sizeof *a.m.d.banks) == 0);
	for (int i = 0; i < a.nkernels; i++)
		CU_ASSERT(a.kernel[i].start_cycle == b.kernel[i].start_cycle &&
			  a.kernel[i].end_cycle == b.kernel[i].end_cycle);
	stack_replay_release(&a);
	stack_replay_release(&b);
}

/* A stack of qwen3-30b-a3b under pim: kernels long enough to refresh. */
static void cycle_and_event_agree(void)
{
	struct sim s;

	CU_ASSERT_EQUAL_FATAL(one_layer(&s, "qwen3-30b-a3b", "h100x4-pim", "synthetic", SCHED_PIM,
					2, 16), 0);
	lockstep(&s, 2);
	sim_release(&s);
}

/*
 * A tiny model: hidden 64, expert_inter 32, 1-byte weights, 24 experts,
 * top-2; on the default machine expert e sits on GPU e mod 4, stack
 * (e div 4) mod 5, so experts 0 and 20 share GPU 0's stack 0.  In the only
 * layer expert 0 gets 1 token and expert 20 four: threshold tau = 1 runs
 * expert 0 in PIM and expert 20 in the GPU kernel.
 */
static const char *tiny_model(void)
{
	return test_write_file("replay-model.ini",
			       "[model]\nlayers = 1\nhidden = 64\nexpert_inter = 32\nexperts = 24\n"
			       "top_k = 2\nshared_experts = 0\nexpert_weight_bytes = 1\n"
			       "weight_bytes = 1\nact_bytes = 1\n"
			       "[attention]\nq_heads = 1\nkv_heads = 1\nhead_dim = 8\nkv_bytes = 1\n"
			       "layout = full\n"
			       "[routing]\nrouting_skew = 1\nrouting_affinity = 1\n"
			       "routing_clusters = 2\nrouting_drift = 0\nrouting_drift_iters = 10\n");
}

/* The default machine with 32-lane units: one MAC command takes a whole
 * column of 32 one-byte weights, as the hand counts below assume (with the
 * preset's 16 lanes a column takes two, pim.h). */
static const char *tiny_hw(void)
{
	return test_edit_file("data/hw/h100x4-pim.ini", "replay-hw.ini", "unit_lanes",
			      "unit_lanes = 32");
}

static const char *tiny_routing(void)
{
	static char spec[600];

	snprintf(spec, sizeof spec, "trace:%s",
		 test_write_file("replay-trace.csv", "seq,token,layer,e0,e1\n0,0,0,0,20\n"
				 "1,0,0,20,1\n2,0,0,20,2\n3,0,0,20,3\n"));
	return spec;
}

/*
 * Commands of one GEMV of n neurons x k inputs, 1 token, bank PIM, by the
 * layout of pim.h, where every unit gets at most one column (cpu = 1):
 * cpn = ceil(k x bpw / 32 B) columns per neuron, C = n x cpn columns over
 * U = 32 banks x 32 pseudo-channels units, unit u = j x 32 + p; so
 * pseudo-channel p has one round if p < C, with one MACAB, ACTAB, PREA,
 * ceil(k x 2 B / 32 B) WRGB and ceil(units x 2 B / 32 B) RDRES, its units
 * being the j with j x 32 + p < C (each touches one neuron).
 */
static void gemv_commands(int n, int k, int npch, int units_per_pch, long long *cmds)
{
	long cpn = (k * 1 + 31) / 32, c = n * cpn;

	CU_ASSERT_FATAL(c <= (long)npch * units_per_pch);	/* cpu = 1 */
	for (int p = 0; p < npch && p < c; p++) {
		long units = (c - p + npch - 1) / npch;
		cmds[DRAM_ACTAB]++;
		cmds[DRAM_MACAB]++;
		cmds[DRAM_PREA]++;
		cmds[DRAM_WRGB] += (k * 2 + 31) / 32;
		cmds[DRAM_RDRES] += (units * 2 + 31) / 32;
	}
}

/*
 * The one-token expert by hand.  gate/up: 64 neurons of 2 columns (128
 * columns: 4 units per pseudo-channel), down: 64 neurons of 1 column (2
 * units each); per pseudo-channel 2 ACTAB, 2 MACAB, 2 PREA, 4 + 2 WRGB and
 * 1 + 1 RDRES, x 32.  Timing as in test_pim.c's tiny expert: every round
 * waits out nRAS after its ACTAB and the next ACTAB nRP after its PREA, and
 * the odd pseudo-channels start 2 cycles late (row bus), so the kernel
 * takes 2 + 2 (nRAS + nRP) = 130 cycles and every bank spends 2 nRCD
 * activating, 2 (nRAS - nRCD) open for PIM, 2 nRP precharging and 2 idle.
 * Then the GPU reads expert 20's 6144 bytes: 192 columns.
 */
static void one_token_by_hand(void)
{
	struct sim s;
	struct stack_replay r;
	struct err e;
	long long want[DRAM_NCMD] = {0};
	const struct hbm *h;
	int64_t out[OCC_N];
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(one_layer(&s, tiny_model(), tiny_hw(), tiny_routing(),
					SCHED_THRESHOLD, 1, 4), 0);
	h = &s.hw.hbm;
	CU_ASSERT_EQUAL_FATAL(stack_replay_init(&r, &s, 0, 0, &e), 0);
	CU_ASSERT_EQUAL_FATAL(r.nkernels, 2);
	CU_ASSERT(r.kernel[0].expert == 0 && r.kernel[0].tokens == 1);
	CU_ASSERT(r.kernel[1].expert == -1 && r.kernel[1].tokens == 4);
	CU_ASSERT_EQUAL(r.channels, 16);
	CU_ASSERT_EQUAL(r.banks_per_channel, 64);
	gemv_commands(2 * 32, 64, r.pchs, r.banks_per_pch, want);
	gemv_commands(64, 32, r.pchs, r.banks_per_pch, want);
	CU_ASSERT_EQUAL(want[DRAM_ACTAB], 64);
	/* the cycle before the end: the GPU reads may start at the end */
	stack_replay_run_until(&r, 129);
	CU_ASSERT_EQUAL(r.kernel[0].end_cycle, 2 + 2 * (h->nRAS + h->nRP));
	CU_ASSERT_EQUAL(r.kernel[0].memo_cycles, 130);
	for (int c = 0; c < DRAM_NCMD; c++)
		CU_ASSERT_EQUAL(r.cmd_count[c], want[c]);
	for (int x = 0; x < r.banks; x++)	/* the odd pseudo-channels are 2 cycles late */
		bad += stack_replay_bank_state(&r, x) !=
		       (x / r.banks_per_pch % 2 ? DRAM_PRECHARGING : DRAM_IDLE);
	stack_replay_run_until(&r, 130);
	for (int x = 0; x < r.banks; x++) {
		CU_ASSERT_EQUAL(stack_replay_occupancy(&r, x, 130, out), 130);
		bad += out[OCC_ACT] != 2 * h->nRCD || out[OCC_PIM] != 2 * (h->nRAS - h->nRCD) ||
		       out[OCC_PRE] != 2 * h->nRP || out[OCC_IDLE] != 2 ||
		       out[OCC_HOST] + out[OCC_REF] != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	run_by_events(&r);
	CU_ASSERT_EQUAL(r.kernel[1].reads, 6144 / 32);
	CU_ASSERT_EQUAL(r.cmd_count[DRAM_RD], 6144 / 32);
	CU_ASSERT(stack_replay_occupancy(&r, 0, r.cycle, out) == r.cycle && out[OCC_HOST] > 0);
	lockstep(&s, 0);
	stack_replay_release(&r);
	sim_release(&s);
}

/* Bad requests change nothing and say what was wrong. */
static void bad_requests(void)
{
	struct sim s;
	struct stack_replay r;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(one_layer(&s, tiny_model(), tiny_hw(), tiny_routing(),
					SCHED_THRESHOLD, 1, 4), 0);
	CU_ASSERT_EQUAL(stack_replay_init(&r, &s, 4, 0, &e), -1);
	CU_ASSERT(strstr(e.msg, "gpu 4") != NULL);
	CU_ASSERT_EQUAL(stack_replay_init(&r, &s, 0, 5, &e), -1);
	CU_ASSERT(strstr(e.msg, "stack 5") != NULL);
	/* a stack with no work: done at cycle 0 */
	CU_ASSERT_EQUAL_FATAL(stack_replay_init(&r, &s, 0, 4, &e), 0);
	CU_ASSERT(stack_replay_done(&r) && stack_replay_cycle(&r) == 0);
	CU_ASSERT(!stack_replay_step_event(&r) && !stack_replay_step_cycle(&r));
	stack_replay_release(&r);
	sim_release(&s);
	CU_ASSERT_EQUAL_FATAL(one_layer(&s, tiny_model(), tiny_hw(), tiny_routing(),
					SCHED_THRESHOLD, 1, 4), 0);
	s.last_layer = -1;	/* as before the first step */
	CU_ASSERT_EQUAL(stack_replay_init(&r, &s, 0, 0, &e), -1);
	CU_ASSERT(strstr(e.msg, "no layer") != NULL);
	sim_release(&s);
}

void test_replay_register(void)
{
	static const struct test_case cases[] = {
		{"replayed PIM kernels take their memoised latencies", memo_latencies},
		{"GPU reads follow the PIM kernels as the engine ran them", gpu_reads},
		{"stepping by cycle and by event agree", cycle_and_event_agree},
		{"a one-token expert, command by command", one_token_by_hand},
		{"bad requests", bad_requests},
		{NULL, NULL},
	};

	tests_add_suite("replay", cases);
}
