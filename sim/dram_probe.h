/*
 * dram_probe.h - measure one HBM3 stack under a synthetic host read stream:
 * the backend of `sieve probe dram`.
 *
 * The whole stack (all [hbm] channels) is simulated cycle by cycle
 * (memctrl.h).  Each pseudo-channel has its own requester holding an even
 * share of the `requests` reads:
 * - seq: the pseudo-channel's share of one sequential stream, in address
 *   order under the hw file's mapping (dram_map_pch_seq), so the mapping
 *   decides the bank groups, banks and rows a stream walks;
 * - random: uniform random columns of the pseudo-channel (splitmix64 seeded
 *   from seed and the pseudo-channel; the union is a uniform stream over the
 *   stack).
 * load is the offered rate as a fraction of the data-bus peak (one column
 * per nBL per pseudo-channel): requests are offered at fixed intervals of
 * nBL / load cycles; load >= 1 means saturating: a request is always
 * waiting, and each enters the queue as soon as a slot frees.  Loads below
 * DRAM_PROBE_MIN_LOAD are refused: the stack would only refresh between
 * reads (at 1e-8 for minutes, and below ~1e-290 the offered cycles no
 * longer fit in 64 bits).
 */
#ifndef SIEVE_DRAM_PROBE_H
#define SIEVE_DRAM_PROBE_H

#include <stdint.h>

#include "dram_timing.h"
#include "err.h"
#include "hbm.h"

#define DRAM_PROBE_MIN_LOAD 1e-4

enum dram_probe_pattern { DRAM_PROBE_SEQ, DRAM_PROBE_RANDOM, DRAM_PROBE_NPATTERN };
extern const char *const dram_probe_pattern_names[DRAM_PROBE_NPATTERN];	/* "seq", "random" */

struct dram_probe_result {
	long requests;		/* reads served */
	int64_t cycles;		/* cycle of the last data beat (run starts at 0) */
	double time_ns;		/* cycles * tCK */
	double bw_gbps;		/* requests * column_bytes / time_ns */
	double peak_gbps;	/* hbm_peak_gbps: data-bus peak of the stack */
	double avg_latency_ns;	/* queue entry to last data beat, mean */
	double avg_offered_latency_ns;	/* offered cycle to last data beat (grows without
					   bound when load exceeds what the stack sustains) */
	double row_hit_rate;	/* reads served without an ACT of their own */
	double row_conflict_rate;	/* reads that needed a PRE first */
	long long commands[DRAM_NCMD];	/* issued, by enum dram_cmd (names: dram_cmd_names) */
	double refresh_fraction;	/* bank-cycles in refresh / (banks * cycles) */
	int threads;		/* parts the channels were split into, a thread each
				   (one that cannot be started runs on the caller's) */
};

/*
 * Run `requests` reads of pattern on a stack of h (queue_depth and mapping
 * from h), its channels split over up to `threads` threads (>= 1; a
 * power of two of them is used).  Deterministic: the same arguments give
 * the same result, whatever the number of threads.  -1 with e on a bad
 * argument or hw description.
 */
int dram_probe_run(const struct hbm *h, int pattern, double load, long requests, uint64_t seed,
		   int threads, struct dram_probe_result *out, struct err *e);

#endif
