/*
 * replay.h - a stack replay: the work one HBM-PIM stack of one GPU did in
 * the layer just simulated, re-run through the cycle-level memory model
 * (memctrl.h) so it can be stepped cycle by cycle or event by event and
 * looked at bank by bank (the Banks panel of the terminal UI).
 *
 * What is replayed, in the engine's issue order (sim.h step 4):
 * - the stack's PIM expert kernels (the decisions of that GPU with on_pim
 *   and that stack), each the command streams of pim_streams_build on the
 *   whole stack (every channel simulated, no one-channel shortcut);
 * - with bank or bank-group PIM (sched_pim_locks_stacks: all-bank mode
 *   locks the stack), the GPU grouped kernel's weight reads from this
 *   stack: the weights of that GPU's GPU experts whose stack is this one,
 *   read once as host reads of column_bytes, each pseudo-channel reading
 *   its share in address order (dram_map_pch_seq), offered evenly over the
 *   engine's duration of the GPU kernel.  With Logic-PIM the GPU kernel
 *   overlaps the PIM work on other bank bundles (sched.h) and is not
 *   replayed.
 *
 * Timing assumptions, chosen so that the replay shows what the decode run
 * assumed rather than something else:
 * - Cycle 0 is the engine's start of the stack's first replayed kernel
 *   (t0_ns).  Each kernel starts at the engine's start for it (rounded to
 *   a cycle), or when the previous one has ended if that is later; between
 *   kernels the stack idles.  The engine holds the stack exclusively for
 *   every one of these tasks (the GPU kernel holds all of its GPU's stacks
 *   with bank kinds), so the GPU reads never overlap a PIM kernel here:
 *   they contend with PIM work exactly where the engine says they overlap,
 *   which is nowhere.
 * - Each kernel runs on a memory system of its own that starts idle at the
 *   kernel's start, refresh phase 0 (the first refresh nREFI later), as
 *   the memoised kernel times are measured (pim.h).  So a replayed PIM
 *   kernel takes exactly its memoised latency (tests/test_replay.c); the
 *   refreshes a long-running stack would do in idle gaps, and a refresh
 *   phase carried from one kernel to the next, are not modelled.  A PIM
 *   kernel ends with every bank precharged, so a fresh memory system
 *   loses no bank state.
 * - A PIM kernel stops being stepped when its last command has issued
 *   (as pim.h's measurement stops); it ends when its last result has
 *   arrived and its banks are precharged.  The GPU reads end at the last
 *   read's last data beat; their rows stay open (open-page policy).
 *
 * Occupancy: each bank is, at every cycle, in one of enum replay_occ, from
 * its state (dram.h) and who opened it: activating (ACT or ACTAB, nRCD),
 * open for the host (the GPU's reads), open for PIM (an ACTAB row: MACs),
 * refreshing, precharging, idle.  Every change is kept in a ring of
 * REPLAY_OCC_MARKS per bank, so a window query walks only the changes in
 * the window (the UI asks for every bank every frame); a bank changes
 * state at most 4 times per nRC, so the ring covers at least
 * REPLAY_OCC_MARKS / 4 x nRC cycles (~4000 at AttAcc's timing), in
 * practice whole kernels.
 *
 * Time is in memory-clock cycles (stack_replay_tck_ns() ns each); the state
 * shown at a cycle is the state after that cycle's commands (init already
 * issues cycle 0's).  State is plain data; nothing on the stepping path
 * allocates except at kernel boundaries (a fresh memory system).
 */
#ifndef SIEVE_REPLAY_H
#define SIEVE_REPLAY_H

#include <stdint.h>

#include "err.h"
#include "hbm.h"
#include "history.h"
#include "memctrl.h"
#include "pim.h"

struct sim;

enum replay_occ { OCC_IDLE, OCC_ACT, OCC_HOST, OCC_PIM, OCC_REF, OCC_PRE, OCC_N };
extern const char *const replay_occ_names[OCC_N];	/* "idle", "activate", ... */

#define REPLAY_OCC_MARKS 256	/* state changes kept per bank */

/* One kernel of the replay, in issue order. */
struct replay_kernel {
	int expert;		/* expert id; -1: the GPU kernel's reads */
	int tokens;		/* its tokens (GPU reads: those of the experts read) */
	int64_t planned_cycle;	/* the engine's start, from cycle 0 */
	int64_t start_cycle;	/* as replayed; -1 until it starts */
	int64_t end_cycle;	/* as replayed; -1 until known (its last command issued) */
	int64_t memo_cycles;	/* PIM: the memoised latency the decode run used;
				   GPU reads: the engine's duration of the GPU kernel */
	long long reads;	/* GPU reads: columns read from this stack (0 for PIM) */
};

struct replay_source;

struct stack_replay {
	struct hbm h;
	int hidden, inter;	/* the model's expert shape */
	double bytes_per_weight;
	int gpu, stack;
	double t0_ns;		/* engine time of cycle 0 */
	struct replay_kernel *kernel;
	int nkernels;
	int cur;		/* the kernel running or next to start; nkernels: done */
	int64_t cycle;		/* now: every event at or before it is processed */
	/* the memory system of kernel cur (or of the last one run) */
	struct memsys m;
	int has_m;		/* m is initialised */
	int stepping;		/* m still has work of kernel cur to issue */
	int64_t base;		/* replay cycle of m's cycle 0 */
	struct pim_streams streams;
	struct replay_source *src;
	long long cmd_count[DRAM_NCMD];	/* issued so far, whole stack */
	/* geometry (whole stack) */
	int channels, pchs, banks;
	int banks_per_pch, banks_per_channel;
	/* last command: per bank (its own) and per pseudo-channel (all-bank) */
	int8_t *bank_cmd, *pch_cmd;
	int64_t *bank_cmd_cycle, *pch_cmd_cycle;
	/* occupancy marks: per bank a ring of (cycle << 3 | occ), oldest first */
	uint64_t *marks;	/* [banks * REPLAY_OCC_MARKS] */
	int *mark_first, *mark_len;
};

/*
 * The replay of stack `stack` of GPU `gpu` in the layer s just simulated
 * (s->last_layer; -1 with e when none, or gpu/stack out of range).  An
 * empty replay (the stack had no work) is done at cycle 0.  s is only
 * read; the replay owns what it allocates and does not refer to s later.
 */
int stack_replay_init(struct stack_replay *r, const struct sim *s, int gpu, int stack,
		      struct err *e);

/*
 * The same for a layer record of s (history.h: a kept layer of s's run);
 * rec's tasks, decisions and per-GPU work are read, s gives the machine,
 * the model and the [hbm]/[pim] of its PIM cost model (a layer simulated
 * before a change of those replays with the current ones).
 */
int stack_replay_init_layer(struct stack_replay *r, const struct sim *s,
			    const struct layer_record *rec, int gpu, int stack, struct err *e);
void stack_replay_release(struct stack_replay *r);

/* Advance one memory-clock cycle, processing the events at the new cycle;
 * 0 (nothing done) when the replay is finished. */
int stack_replay_step_cycle(struct stack_replay *r);

/* Advance to the next cycle at which a command issues (processing every
 * event at that cycle), or to the end of the replay when none is left;
 * 0 (nothing done) when the replay is finished. */
int stack_replay_step_event(struct stack_replay *r);

/* Advance to `cycle` (or the end, if earlier). */
void stack_replay_run_until(struct stack_replay *r, int64_t cycle);

int stack_replay_done(const struct stack_replay *r);
int64_t stack_replay_cycle(const struct stack_replay *r);
double stack_replay_tck_ns(const struct stack_replay *r);

/*
 * Geometry: r->channels channels of r->banks_per_channel banks (all
 * pseudo-channels and ranks); bank id = channel x banks_per_channel +
 * pseudo-channel x banks_per_pch + (rank x bank groups + group) x banks per
 * group + bank, as dram_bank_id.
 */

/* A bank's state now (enum dram_bank_state). */
int stack_replay_bank_state(const struct stack_replay *r, int bank);

/* The last command that touched a bank (its own or an all-bank one; enum
 * dram_cmd, names in dram_cmd_names) and its cycle; -1 when none yet. */
int stack_replay_bank_last_cmd(const struct stack_replay *r, int bank, int64_t *cycle);

/* Requests queued in a pseudo-channel's controller now (flat id). */
int stack_replay_queue_depth(const struct stack_replay *r, int pch);

/*
 * Cycles a bank spent in each of enum replay_occ over the last `window`
 * cycles [cycle - window, cycle), into out[OCC_N].  Returns the cycles the
 * window covers (their sum): window, less what lies before cycle 0 or
 * before the oldest state change the bank's ring still holds.
 */
int64_t stack_replay_occupancy(const struct stack_replay *r, int bank, int64_t window,
			       int64_t out[OCC_N]);

#endif
