/* dram_probe.c - synthetic read streams over one stack (see dram_probe.h). */
#include "dram_probe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memctrl.h"
#include "rng.h"

const char *const dram_probe_pattern_names[DRAM_PROBE_NPATTERN] = {"seq", "random"};

struct requester {
	struct rng rng;
	long sent, quota;
};

struct probe {
	const struct dram_map *map;
	const struct dram *d;
	struct requester *rq;	/* [npch] */
	int pattern;
	double interval_cycles;	/* 0: saturating */
};

static int64_t next_arrival(void *ctx, int pch)
{
	struct probe *p = ctx;
	struct requester *r = &p->rq[pch];

	if (r->sent == r->quota)
		return DRAM_NEVER;
	return (int64_t)((double)r->sent * p->interval_cycles);
}

static void take(void *ctx, int pch, struct mem_req *out)
{
	struct probe *p = ctx;
	struct requester *r = &p->rq[pch];
	int ch = pch / p->d->pch_per_ch, pc = pch % p->d->pch_per_ch;
	uint64_t k = (uint64_t)r->sent;

	if (p->pattern == DRAM_PROBE_RANDOM)
		k = rng_below(&r->rng, dram_map_pch_columns(p->map));
	memset(out, 0, sizeof *out);
	dram_map_pch_seq(p->map, ch, pc, k, &out->a);
	out->offered = next_arrival(ctx, pch);
	out->tag = (uint64_t)r->sent;
	r->sent++;
}

/* One thread's share of the stack: channels [ch0, ch0 + nch), simulated
 * as a memsys of their own (channels only meet at PIM barriers). */
struct part {
	struct memsys m;
	struct probe p;
	int ch0;
	long quota;		/* reads its pseudo-channels hold */
	int64_t last_cycle;	/* its final step: cycle and (stack) channel */
	int last_ch;
	pthread_t thread;
	int threaded;		/* its thread was started */
};

static void *run_part(void *arg)
{
	struct part *pt = arg;
	struct mem_event ev;

	while (pt->m.st.reads < pt->quota && memsys_step(&pt->m, &ev)) {
		pt->last_cycle = ev.cycle;
		pt->last_ch = pt->ch0 + ev.ch;
	}
	return NULL;
}

static int part_init(struct part *pt, const struct hbm *h, int ch0, int nch, int pattern,
		     double load, long requests, uint64_t seed, struct err *e)
{
	int npch = h->channels * h->pseudo_channels;
	struct mem_source src = {&pt->p, next_arrival, take, NULL};

	memset(pt, 0, sizeof *pt);
	if (memsys_init(&pt->m, h, nch, e) != 0)
		return -1;
	pt->ch0 = ch0;
	pt->last_cycle = -1;
	pt->p.map = &pt->m.map;
	pt->p.d = &pt->m.d;
	pt->p.pattern = pattern;
	pt->p.interval_cycles = load >= 1 ? 0 : h->nBL / load;
	pt->p.rq = xcalloc((size_t)pt->m.d.npch, sizeof *pt->p.rq);
	for (int i = 0; i < pt->m.d.npch; i++) {
		int g = ch0 * h->pseudo_channels + i;	/* the stack's pseudo-channel */
		rng_derive(&pt->p.rq[i].rng, seed, (uint64_t)g, 0x9e37, 0);
		pt->p.rq[i].quota = requests / npch + (g < requests % npch);
		pt->quota += pt->p.rq[i].quota;
	}
	memsys_set_source(&pt->m, &src);
	return 0;
}

static void part_release(struct part *pt)
{
	free(pt->p.rq);
	memsys_release(&pt->m);
}

/* Merge the parts' counts into out (cycles already set). */
static void gather(const struct part *parts, int n, const struct hbm *h,
		   struct dram_probe_result *out)
{
	int64_t lat = 0, offered = 0, bank_refresh = 0, banks = 0;
	long long hits = 0, conflicts = 0;

	for (int i = 0; i < n; i++) {
		const struct memsys *m = &parts[i].m;
		out->requests += m->st.reads;
		lat += m->st.latency_cycles_sum;
		offered += m->st.offered_latency_cycles_sum;
		hits += m->st.hits;
		conflicts += m->st.conflicts;
		for (int c = 0; c < DRAM_NCMD; c++)
			out->commands[c] += m->d.cmd_count[c];
		for (int b = 0; b < m->d.nbank; b++)
			bank_refresh += dram_bank_busy(&m->d, b, DRAM_BUSY_REFRESH, out->cycles);
		banks += m->d.nbank;
	}
	out->time_ns = (double)out->cycles * hbm_tck_ns(h);
	out->bw_gbps = out->time_ns > 0 ? (double)out->requests * h->column_bytes / out->time_ns : 0;
	out->peak_gbps = hbm_peak_gbps(h);
	out->avg_latency_ns = (double)lat / (double)out->requests * hbm_tck_ns(h);
	out->avg_offered_latency_ns = (double)offered / (double)out->requests * hbm_tck_ns(h);
	out->row_hit_rate = (double)hits / (double)out->requests;
	out->row_conflict_rate = (double)conflicts / (double)out->requests;
	if (out->cycles > 0)
		out->refresh_fraction = (double)bank_refresh / ((double)banks * out->cycles);
}

/*
 * Split the stack's channels into parts run side by side (part i on its own
 * thread), then replay the whole stack's stopping point: a single memsys
 * stops right after the step that serves the last read, at (cycle, channel)
 * = the latest of the parts' final steps; every part then processes the
 * events it would have had before that step (refreshes, in practice).  Each
 * part's events and their order are those of the whole stack's run, so the
 * result is the same for any number of threads (tests/test_dram.c).
 */
int dram_probe_run(const struct hbm *h, int pattern, double load, long requests, uint64_t seed,
		   int threads, struct dram_probe_result *out, struct err *e)
{
	struct part *parts;
	int n = 1, per;
	int64_t stop_cycle = -1;
	int stop_ch = 0;

	memset(out, 0, sizeof *out);
	if (pattern < 0 || pattern >= DRAM_PROBE_NPATTERN)
		return err_set(e, "probe dram: unknown pattern %d", pattern);
	if (!(load >= DRAM_PROBE_MIN_LOAD))
		return err_set(e, "probe dram: load %g is below %g (an idle stack only refreshes)",
			       load, DRAM_PROBE_MIN_LOAD);
	if (requests < 1)
		return err_set(e, "probe dram: %ld requests", requests);
	if (threads < 1)
		return err_set(e, "probe dram: %d threads", threads);
	/* parts of equal power-of-two channel counts (dram_map needs them) */
	while (n * 2 <= threads && n * 2 <= h->channels && h->channels % (n * 2) == 0)
		n *= 2;
	per = h->channels / n;
	parts = xcalloc((size_t)n, sizeof *parts);
	for (int i = 0; i < n; i++) {
		if (part_init(&parts[i], h, i * per, per, pattern, load, requests, seed, e) != 0) {
			while (i-- > 0)
				part_release(&parts[i]);
			free(parts);
			return -1;
		}
	}
	for (int i = 1; i < n; i++)	/* part 0 runs on the calling thread */
		parts[i].threaded = pthread_create(&parts[i].thread, NULL, run_part, &parts[i]) == 0;
	run_part(&parts[0]);
	for (int i = 1; i < n; i++) {
		if (parts[i].threaded)
			pthread_join(parts[i].thread, NULL);
		else
			run_part(&parts[i]);	/* no thread: here, with the same result */
	}
	/* Parts can end on the same cycle (reads finish on many channels at
	 * once); then the higher channel's step came last, and the other part's
	 * events on that cycle (a refresh falling due then) came before it. */
	for (int i = 0; i < n; i++) {
		const struct part *pt = &parts[i];
		if (pt->last_cycle > stop_cycle ||
		    (pt->last_cycle == stop_cycle && pt->last_ch > stop_ch)) {
			stop_cycle = pt->last_cycle;
			stop_ch = pt->last_ch;
		}
	}
	for (int i = 0; i < n; i++) {
		memsys_run_before(&parts[i].m, stop_cycle, stop_ch - parts[i].ch0);
		if (parts[i].m.st.last_data_cycle > out->cycles)
			out->cycles = parts[i].m.st.last_data_cycle;
	}
	gather(parts, n, h, out);
	out->threads = n;
	for (int i = 0; i < n; i++)
		part_release(&parts[i]);
	free(parts);
	return 0;
}
