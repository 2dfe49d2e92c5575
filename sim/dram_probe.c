/* dram_probe.c - synthetic read streams over one stack (see dram_probe.h). */
#include "dram_probe.h"

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

int dram_probe_run(const struct hbm *h, int pattern, double load, long requests, uint64_t seed,
		   struct dram_probe_result *out, struct err *e)
{
	struct memsys m;
	struct probe p;
	struct mem_source src = {&p, next_arrival, take, NULL};
	struct mem_event ev;
	double tck = hbm_tck_ns(h);
	int64_t bank_refresh = 0;

	memset(out, 0, sizeof *out);
	if (pattern < 0 || pattern >= DRAM_PROBE_NPATTERN)
		return err_set(e, "probe dram: unknown pattern %d", pattern);
	if (!(load > 0))
		return err_set(e, "probe dram: load %g is not positive", load);
	if (requests < 1)
		return err_set(e, "probe dram: %ld requests", requests);
	if (memsys_init(&m, h, h->channels, e) != 0)
		return -1;
	p.map = &m.map;
	p.d = &m.d;
	p.pattern = pattern;
	p.interval_cycles = load >= 1 ? 0 : h->nBL / load;
	p.rq = xcalloc((size_t)m.d.npch, sizeof *p.rq);
	for (int i = 0; i < m.d.npch; i++) {
		rng_derive(&p.rq[i].rng, seed, (uint64_t)i, 0x9e37, 0);
		p.rq[i].quota = requests / m.d.npch + (i < requests % m.d.npch);
	}
	memsys_set_source(&m, &src);
	while (m.st.reads < requests && memsys_step(&m, &ev))
		;
	out->requests = m.st.reads;
	out->cycles = m.st.last_data_cycle;
	out->time_ns = (double)out->cycles * tck;
	out->bw_gbps = out->time_ns > 0 ? (double)out->requests * h->column_bytes / out->time_ns : 0;
	out->peak_gbps = hbm_peak_gbps(h);
	out->avg_latency_ns = (double)m.st.latency_cycles_sum / (double)requests * tck;
	out->avg_offered_latency_ns = (double)m.st.offered_latency_cycles_sum / (double)requests * tck;
	out->row_hit_rate = (double)m.st.hits / (double)requests;
	out->row_conflict_rate = (double)m.st.conflicts / (double)requests;
	memcpy(out->commands, m.d.cmd_count, sizeof out->commands);
	for (int b = 0; b < m.d.nbank; b++)
		bank_refresh += dram_bank_busy(&m.d, b, DRAM_BUSY_REFRESH, out->cycles);
	if (out->cycles > 0)
		out->refresh_fraction = (double)bank_refresh / ((double)m.d.nbank * out->cycles);
	free(p.rq);
	memsys_release(&m);
	return 0;
}
