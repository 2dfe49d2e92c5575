/*
 * memctrl.h - the memory system of one HBM3(-PIM) stack: an FR-FCFS
 * controller per pseudo-channel for host reads and writes, all-bank
 * refresh, and PIM command streams, driven event by event over dram.h.
 *
 * Controller (per pseudo-channel), assumptions and sources:
 * - A queue of `[hbm] queue_depth` requests (Ramulator 2's generic
 *   controller keeps 32).  FR-FCFS (Rixner et al., ISCA'00; Ramulator 2
 *   FRFCFS): among the commands that can issue this cycle, column commands
 *   to an open row (hits) first, then the oldest request.  Reads and writes
 *   are scheduled together (no write-drain mode); the timing table charges
 *   the turnarounds.
 * - Open-page policy: a row stays open until a request to another row of the
 *   bank needs it closed (and no pending request still hits it) or refresh.
 * - One row and one column command per channel per cycle (dram_timing.h);
 *   when both pseudo-channels can issue, refresh beats PIM beats host hits
 *   beats other host commands, then the oldest request, then pseudo-channel 0.
 * - All-bank refresh (REF) per pseudo-channel every nREFI, at the same phase
 *   on every pseudo-channel (k * nREFI, k >= 1): when due, the controller
 *   stops host commands, closes the banks (PREA) and refreshes, blocking the
 *   banks for nRFC.  The next one is due nREFI after the previous due time,
 *   so refresh takes nRFC / nREFI of the time plus the precharges.
 * - PIM: a stream of commands (struct mem_pim_op) is run in order on a
 *   pseudo-channel, each command at the first cycle the timing table
 *   allows.  While a stream is active the pseudo-channel is in all-bank
 *   mode: host requests to it wait in the queue (the GPU and PIM contend for
 *   banks).  A due refresh waits for the stream to close its row (PREA) and
 *   then goes before its next ACTAB.  MEM_PIM_BARRIER waits until every
 *   pseudo-channel of the same submission has reached it and its results
 *   have arrived (a reduction between GEMVs).
 *
 * Time: cycles of the memory clock, int64.  Nothing happens between
 * events: memsys_step jumps to the next cycle at which any command can
 * issue, a request arrives, a refresh falls due or a barrier opens, and
 * issues what is ready in one channel there.  The whole state (dram.h banks, queues,
 * counters) can be read between steps.  Nothing on this path allocates.
 */
#ifndef SIEVE_MEMCTRL_H
#define SIEVE_MEMCTRL_H

#include <stdint.h>

#include "dram.h"
#include "dram_map.h"
#include "err.h"
#include "hbm.h"

/* A host request (one column: column_bytes). */
struct mem_req {
	struct dram_addr a;
	int64_t offered;	/* cycle the requester wanted it sent */
	int64_t arrival;	/* cycle it entered the controller queue */
	uint64_t tag;		/* the requester's */
	uint64_t seq;		/* age: admission order */
	int8_t is_write;
	int8_t flags;		/* internal: row miss / conflict seen */
	int16_t next;		/* internal: per-bank list */
	int16_t prev;
};

/*
 * Where requests come from, pulled lazily per pseudo-channel (pch = flat
 * pseudo-channel id): next_arrival says when the next request of pch can
 * be offered (DRAM_NEVER: none), take hands it over.  done (may be NULL)
 * hears each request's last data beat.
 */
struct mem_source {
	void *ctx;
	int64_t (*next_arrival)(void *ctx, int pch);
	void (*take)(void *ctx, int pch, struct mem_req *out);
	void (*done)(void *ctx, const struct mem_req *r, int64_t data_end);
};

/* One PIM command, repeated count times (row: the row ACTAB opens). */
#define MEM_PIM_BARRIER DRAM_NCMD
struct mem_pim_op {
	int8_t cmd;		/* enum dram_cmd or MEM_PIM_BARRIER */
	int32_t count;
	int32_t row;
};

/* A pseudo-channel's stream: ops run `repeat` times. */
struct mem_pim_prog {
	const struct mem_pim_op *ops;
	int nops;
	int repeat;
};

/* One command issued. */
struct mem_issued {
	int cmd;		/* enum dram_cmd */
	int pch;		/* flat pseudo-channel id */
	struct dram_addr a;
	int source;		/* 0 host, 1 PIM, 2 refresh */
};

/* What one step did: up to one command per command bus of one channel. */
struct mem_event {
	int64_t cycle;
	int ch;			/* the channel stepped */
	int n;			/* commands issued: 0 when only time moved */
	struct mem_issued cmd[2];
};

struct mem_stats {
	long long reads, writes;
	long long hits, misses, conflicts;	/* by the command that served each request */
	int64_t latency_cycles_sum;	/* arrival (queue entry) to last data beat */
	int64_t offered_latency_cycles_sum;	/* offered cycle to last data beat */
	int64_t last_data_cycle;
};

struct mc_pch;

struct memsys {
	struct dram d;
	struct dram_map map;
	int queue_depth;
	struct mc_pch *pch;	/* [d.npch] */
	int64_t *ch_next;	/* [d.nch] next event per channel */
	int64_t now;
	uint64_t seq;
	struct mem_source src;
	struct mem_stats st;
	int pim_active;		/* pseudo-channels with a stream still running */
	int64_t pim_end;	/* last completion of any stream of the current submission */
	int barrier_members, barrier_arrived;
	int64_t barrier_time;
	int bg_shift, rank_shift;	/* internal: local bank -> bank group, rank */
	uint64_t bg_banks;	/* internal: mask of the banks of local bank group 0 */
};

/* A memory system of `channels` channels of stack h (queue_depth needed). */
int memsys_init(struct memsys *m, const struct hbm *h, int channels, struct err *e);
void memsys_release(struct memsys *m);

/* Pull requests from src (replaces any previous source). */
void memsys_set_source(struct memsys *m, const struct mem_source *src);

/* Put a request in its pseudo-channel's queue now (r->a decoded, offered
 * and tag set); -1 when that queue is full. */
int memsys_enqueue(struct memsys *m, const struct mem_req *r);

/*
 * Start PIM streams now: progs[i] on every flat pseudo-channel i < npch
 * (NULL or nops == 0: none).  -1 (with e), starting nothing, if a stream is
 * already running or a program is malformed: not PIM commands, a count
 * below 1, a MAC outside an ACTAB..PREA row, a second ACTAB on an open row,
 * a stream that ends with its row open, or pseudo-channels that would reach
 * different numbers of barriers.  memsys_pim_active() says when they are done,
 * m->pim_end when the last result arrived and the banks were precharged.
 */
int memsys_pim_submit(struct memsys *m, const struct mem_pim_prog *progs, int npch,
		      struct err *e);
int memsys_pim_active(const struct memsys *m);

/* Advance to the next event (the earliest channel) and issue what is ready
 * there: at most one row and one column command; returns 0 when there is no
 * next event ever (never, with refresh running). */
int memsys_step(struct memsys *m, struct mem_event *ev);

/* Process every event up to and including `cycle`; now becomes cycle. */
void memsys_run_until(struct memsys *m, int64_t cycle);

/*
 * Process the events memsys_step would take before a step of channel ch at
 * `cycle`: those at earlier cycles, and those at `cycle` of channels below
 * ch (memsys_step takes the earliest next event, the lowest channel on a
 * tie; ch may lie outside [0, channels)).  Under host traffic channels do
 * not interact (the admission counter only orders requests within a
 * channel), so a stack's channels can be split over several memsys and
 * rejoined at one step of the whole: see dram_probe.c.
 */
void memsys_run_before(struct memsys *m, int64_t cycle, int ch);

/* Cycle of the next event (DRAM_NEVER when none). */
int64_t memsys_next_event(const struct memsys *m);

/* Inspection of a pseudo-channel's queue: up to max requests, oldest first
 * per bank; returns how many are queued. */
int memsys_queue(const struct memsys *m, int pch, struct mem_req *out, int max);

/* Requests queued over all pseudo-channels. */
int memsys_queued(const struct memsys *m);

#endif
