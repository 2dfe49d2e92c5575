/*
 * replay.h - a stack replay: the work one HBM-PIM stack of one GPU did in
 * the layer just simulated, re-run through the cycle-level memory model
 * (memctrl.h) so it can be stepped cycle by cycle or event by event and
 * looked at bank by bank.  The decode loop uses memoised kernel latencies;
 * the replay runs the same kernels (the stack's PIM experts in issue order
 * and, with bank-kind PIM, the GPU kernel's weight reads of that stack,
 * which contend with them) and its kernel latencies equal the memoised ones
 * (tests/test_replay.c).
 *
 * API for the UI (being built: issue "terminal UI"):
 *
 *   struct stack_replay;                 plain data, owns its memsys
 *   int  stack_replay_init(struct stack_replay *r, const struct sim *s,
 *                          int gpu, int stack, struct err *e);
 *   void stack_replay_release(struct stack_replay *r);
 *   int  stack_replay_step_cycle(struct stack_replay *r);   0 when finished
 *   int  stack_replay_step_event(struct stack_replay *r);   0 when finished
 *   int  stack_replay_done(const struct stack_replay *r);
 *   int64_t stack_replay_cycle(const struct stack_replay *r);
 *   double  stack_replay_tck_ns(const struct stack_replay *r);
 *
 *   geometry: channels, banks per channel (all pseudo-channels and ranks),
 *   per bank: enum dram_bank_state, last command (dram_cmd_names) and its
 *   cycle; per pseudo-channel: queue depth; the kernel list with each
 *   kernel's start and end cycle and its memoised latency; and occupancy:
 *   per bank, cycles spent in each of enum replay_occ over the last
 *   `window` cycles (the heatmap of the Banks panel).
 *
 *   enum replay_occ { OCC_IDLE, OCC_ACT, OCC_HOST, OCC_PIM, OCC_REF, OCC_PRE, OCC_N };
 */
#ifndef SIEVE_REPLAY_H
#define SIEVE_REPLAY_H
#endif
