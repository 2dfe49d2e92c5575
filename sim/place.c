/* place.c - expert placement, load profiles and recalibration (see place.h). */
#include "place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gpu.h"
#include "rng.h"
#include "sched.h"

const struct place_policy_info place_policies[PLACE_NPOLICIES] = {
	{"linear", "expert e on GPU e mod G; never moves", 0},
	{"eplb", "DeepSeek EPLB: balance predicted tokens, replicate the hottest", 1},
	{"vibe", "ViBE: per layer the candidate placement whose slowest GPU is predicted fastest", 1},
};

const char *const place_policy_names[PLACE_NPOLICIES + 1] = {"linear", "eplb", "vibe", NULL};

static const char *const reason_text[] = {"initial", "profile drift", "GPU time drift",
					  "policy changed"};

const char *place_reason_text(int reason)
{
	return reason >= 0 && reason < 4 ? reason_text[reason] : "?";
}

static size_t cells(const struct placement *p)
{
	return (size_t)p->layers * (size_t)p->experts;
}

static int at(const struct placement *p, int layer, int e)
{
	return (layer - p->first) * p->experts + e;
}

int place_replicas(const struct placement *p, int layer, int e)
{
	return p->nrep[at(p, layer, e)];
}

int place_gpu(const struct placement *p, int layer, int e, int r)
{
	return p->gpu[at(p, layer, e) * PLACE_MAX_REPLICAS + r];
}

int place_stack(const struct placement *p, int layer, int e, int r)
{
	return p->stack[at(p, layer, e) * PLACE_MAX_REPLICAS + r];
}

int place_replica_tokens(const struct placement *p, int layer, int e, int r, int count)
{
	int n = place_replicas(p, layer, e);

	return count / n + (r < count % n);
}

void place_set_pim(struct placement *p, int on, const double *pim_ns, int sched)
{
	p->sched = sched;
	if (pim_ns != NULL && !p->pim_table) {
		memcpy(p->pim_ns, pim_ns, sizeof p->pim_ns);
		p->pim_table = 1;
	}
	if (on != p->pim_aware)
		p->rebase = 1;
	p->pim_aware = on;
}

double place_expert_ns(const struct placement *p, const struct hw *hw, const struct model *m,
		       int g, int tokens)
{
	double gpu = gpu_expert_ns(hw, p->speed[g], m->hidden, m->expert_inter,
				   m->expert_weight_bytes, tokens);

	if (!p->pim_aware || !p->pim_table || tokens > PLACE_PIM_TOKENS || tokens <= 0)
		return gpu;
	return fmin(gpu, p->pim_ns[tokens] / p->stacks);
}

double place_cost_ns(const struct placement *p, const struct hw *hw, const struct model *m, int g,
		     double tokens)
{
	double active = 1 - exp(-tokens);

	if (tokens <= 0)
		return 0;
	return active * p->corr[g] * place_expert_ns(p, hw, m, g, (int)ceil(tokens / active));
}

/* ---- one layer's placement ---- */

struct item {
	int expert, replica;
	double load;		/* expected tokens of this replica */
};

static int by_load(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->load != y->load)
		return x->load < y->load ? 1 : -1;
	if (x->expert != y->expert)
		return x->expert - y->expert;
	return x->replica - y->replica;
}

static void place_linear(struct placement *p, int l)
{
	for (int e = 0; e < p->experts; e++) {
		int c = l * p->experts + e;
		p->nrep[c] = 1;
		p->gpu[c * PLACE_MAX_REPLICAS] = (unsigned char)(e % p->gpus);
		p->stack[c * PLACE_MAX_REPLICAS] = (unsigned char)((e / p->gpus) % p->stacks);
	}
}

/* What a greedy placement balances. */
enum objective {
	OBJ_TOKENS,	/* eplb: predicted tokens */
	OBJ_TIME,	/* vibe: predicted time (place_cost_ns) */
	OBJ_PACED,	/* predicted tokens at each GPU's pace (tokens x time per tile token) */
};

/* GPU g's time per token of a full tile, measured correction included:
 * OBJ_PACED's weight, so equal GPUs balance tokens exactly as eplb does. */
static double pace(const struct placement *p, const struct hw *hw, const struct model *m, int g)
{
	return p->corr[g] * gpu_expert_ns(hw, p->speed[g], m->hidden, m->expert_inter,
					  m->expert_weight_bytes, hw->tile_m) / hw->tile_m;
}

static double objective_of(const struct placement *p, const struct hw *hw, const struct model *m,
			   int obj, int g, double load)
{
	switch (obj) {
	case OBJ_TIME:
		return place_cost_ns(p, hw, m, g, load);
	case OBJ_PACED:
		return load * pace(p, hw, m, g);
	default:
		return load;
	}
}

/*
 * A greedy placement of MoE layer l (an index from 0) from loads[experts]
 * balancing obj: replicas to the hottest experts, then each replica,
 * heaviest first, to the GPU with a free slot where the sum of obj is least
 * after adding it.  Writes nrep/gpu/stack of layer l.
 */
static void place_greedy(struct placement *p, int l, const double *loads, const struct hw *hw,
			 const struct model *m, const struct placement *old, int obj)
{
	int E = p->experts, G = p->gpus, nitems = 0, maxrep = G < PLACE_MAX_REPLICAS ? G : PLACE_MAX_REPLICAS;
	int used[HW_MAX_GPUS] = {0}, spare = G * p->slots - E;
	double sum[HW_MAX_GPUS] = {0};
	struct item *it = xcalloc((size_t)E * PLACE_MAX_REPLICAS, sizeof *it);
	unsigned char *nrep = &p->nrep[l * E];
	unsigned char *gpu = &p->gpu[(size_t)l * E * PLACE_MAX_REPLICAS];
	unsigned char *stack = &p->stack[(size_t)l * E * PLACE_MAX_REPLICAS];

	for (int e = 0; e < E; e++)
		nrep[e] = 1;
	for (; spare > 0; spare--) {	/* EPLB: the highest load per replica gets one more */
		int best = -1;
		for (int e = 0; e < E; e++)
			if (nrep[e] < maxrep &&
			    (best < 0 || loads[e] / nrep[e] > loads[best] / nrep[best]))
				best = e;
		if (best < 0 || loads[best] <= 0)
			break;
		/* vibe's GPU-only model: splitting an expert below a tile of
		 * tokens saves no compute and reads its weights twice (decode) */
		if (obj == OBJ_TIME && !p->pim_aware && loads[best] / (nrep[best] + 1) < hw->tile_m)
			break;
		nrep[best]++;
	}
	for (int e = 0; e < E; e++)
		for (int r = 0; r < nrep[e]; r++)
			it[nitems++] = (struct item){e, r, loads[e] / nrep[e]};
	qsort(it, (size_t)nitems, sizeof *it, by_load);
	for (int i = 0; i < nitems; i++) {
		int e = it[i].expert, best = -1;
		double best_v = 0;
		for (int g = 0; g < G; g++) {
			double v;
			int holds = 0;
			for (int r = 0; r < it[i].replica; r++)
				holds |= gpu[e * PLACE_MAX_REPLICAS + r] == g;
			if (used[g] >= p->slots || holds)
				continue;
			v = sum[g] + objective_of(p, hw, m, obj, g, it[i].load);
			/* ties: fewer experts, then the lower id (deterministic) */
			if (best < 0 || v < best_v || (v == best_v && used[g] < used[best]))
				best = g, best_v = v;
		}
		/* a GPU that holds the expert already, if nearly as good: fewer moves */
		for (int g = 0; old != NULL && g < G; g++) {
			int c = l * E + e, held = 0, holds = 0;
			double v;
			for (int r = 0; r < old->nrep[c]; r++)
				held |= old->gpu[c * PLACE_MAX_REPLICAS + r] == g;
			for (int r = 0; r < it[i].replica; r++)
				holds |= gpu[e * PLACE_MAX_REPLICAS + r] == g;
			if (!held || holds || used[g] >= p->slots || g == best)
				continue;
			v = sum[g] + objective_of(p, hw, m, obj, g, it[i].load);
			if (v <= best_v * (1 + PLACE_STICKY)) {
				best = g, best_v = v;
				break;
			}
		}
		gpu[e * PLACE_MAX_REPLICAS + it[i].replica] = (unsigned char)best;
		stack[e * PLACE_MAX_REPLICAS + it[i].replica] = (unsigned char)(used[best] % p->stacks);
		used[best]++;
		sum[best] = best_v;
	}
	free(it);
}

/* ---- vibe's judge: the partition's own estimate on sampled routings ---- */

/* PIM time of one expert with k tokens: the table, past it linear in k
 * (a lower bound: the partition keeps such experts on the GPU anyway). */
static double pim_time(const struct placement *p, int k)
{
	if (!p->pim_table)
		return -1;
	return k <= PLACE_PIM_TOKENS ? p->pim_ns[k] : p->pim_ns[PLACE_PIM_TOKENS] * k / PLACE_PIM_TOKENS;
}

/*
 * The routings vibe's judge costs MoE layer l on, into samples[s x experts];
 * returns how many.  Its last PLACE_SAMPLES observed token counts, as they
 * were: a batch's tokens come in topic clusters (routing.h), so one
 * iteration's counts scatter far more than draws from the average shares
 * would, and that scatter is what a placement must absorb.  Before any,
 * PLACE_SAMPLES draws of the expected token-slots (the loads, rounded) from
 * the loads' shares, keyed by (layer, sample).  Every candidate, and the
 * placement before and after, are judged on the same routings.
 */
static int judge_samples(const struct placement *p, int l, const double *loads, int *samples)
{
	int E = p->experts, n = p->nrecent[l] < PLACE_SAMPLES ? p->nrecent[l] : PLACE_SAMPLES;
	double *cum, total = 0;

	for (int s = 0; s < n; s++)
		memcpy(&samples[s * E], &p->recent[((size_t)s * p->layers + l) * E],
		       (size_t)E * sizeof *samples);
	if (n > 0)
		return n;
	cum = xcalloc((size_t)E + 1, sizeof *cum);
	for (int e = 0; e < E; e++)
		cum[e] = total += loads[e];
	memset(samples, 0, (size_t)PLACE_SAMPLES * E * sizeof *samples);
	for (int s = 0; s < PLACE_SAMPLES && total > 0; s++) {
		struct rng r;
		long slots = lround(total);
		rng_derive(&r, 0x5ce7, (uint64_t)l, (uint64_t)s, 0);
		for (long t = 0; t < slots; t++) {
			double u = rng_uniform(&r) * total;
			int lo = 0, hi = E - 1;
			while (lo < hi) {	/* the first expert whose cumulative load passes u */
				int mid = (lo + hi) / 2;
				if (cum[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			samples[s * E + lo]++;
		}
	}
	free(cum);
	return PLACE_SAMPLES;
}

/*
 * The prefill expert phase of MoE layer l's slowest GPU for a prefill of
 * p->prefill_tokens tokens: each replica's share of them (the loads'
 * shares), every expert on the GPU (serve.h), at the GPU's speed.
 */
static double prefill_judged(const struct placement *p, const struct hw *hw,
			     const struct model *m, int l, const double *loads)
{
	int E = p->experts, *counts;
	double sum = 0, worst = 0;

	if (p->prefill_per_iter <= 0)
		return 0;
	counts = xcalloc((size_t)E * PLACE_MAX_REPLICAS, sizeof *counts);
	for (int e = 0; e < E; e++)
		sum += loads[e];
	for (int g = 0; g < p->gpus && sum > 0; g++) {
		int n = 0;
		for (int e = 0; e < E; e++) {
			int c = l * E + e;
			double slots = p->prefill_tokens * m->top_k * loads[e] / sum;
			for (int r = 0; r < p->nrep[c]; r++)
				if (p->gpu[c * PLACE_MAX_REPLICAS + r] == g)
					counts[n++] = (int)ceil(slots / p->nrep[c]);
		}
		worst = fmax(worst, gpu_experts_ns(hw, p->speed[g], m->hidden, m->expert_inter,
						   m->expert_weight_bytes, counts, n));
	}
	free(counts);
	return worst;
}

/*
 * The expert phase of MoE layer l's slowest GPU as the placement in p has
 * it, averaged over the routings in samples, plus prefill_per_iter times
 * its prefill (prefill_judged): each GPU's experts split by
 * the partition policy (GPU-only when the model is not PIM-aware) and
 * costed by its estimate (sched_sieve_estimate) at the GPU's speed, times
 * the measured correction.  x: room for experts x PLACE_MAX_REPLICAS.
 */
static double layer_judged(const struct placement *p, const struct hw *hw, const struct model *m,
			   int l, const double *loads, const int *samples, int nsamples,
			   struct sched_expert *x)
{
	int E = p->experts, pim = p->pim_aware && p->pim_table;
	struct sched_params sp = {pim ? p->sched : SCHED_GPU, 0};
	double total = 0;

	for (int s = 0; s < nsamples; s++) {
		double worst = 0;
		for (int g = 0; g < p->gpus; g++) {
			struct sched_gpu sg = {hw, sched_pim_locks_stacks(hw), m, p->speed[g], p->stacks,
					       x, 0, 0, 0, NULL};
			for (int e = 0; e < E; e++) {
				int c = l * E + e, n = p->nrep[c], count = samples[s * E + e];
				for (int r = 0; r < n && count > 0; r++) {
					int k = count / n + (r < count % n);
					if (p->gpu[c * PLACE_MAX_REPLICAS + r] != g || k == 0)
						continue;
					x[sg.n++] = (struct sched_expert){
						.expert = e, .gpu = g, .tokens = k,
						.stack = p->stack[c * PLACE_MAX_REPLICAS + r],
						.gpu_ns = gpu_expert_ns(hw, p->speed[g], m->hidden,
									m->expert_inter,
									m->expert_weight_bytes, k),
						.pim_ns = pim ? pim_time(p, k) : -1};
				}
			}
			if (sg.n == 0)
				continue;
			sched_partition(&sp, &sg);
			worst = fmax(worst, p->corr[g] * sched_sieve_estimate(&sg));
		}
		total += worst;
	}
	return total / nsamples + p->prefill_per_iter * prefill_judged(p, hw, m, l, loads);
}

/* Expected tokens per expert of MoE layer l per iteration: the profile's
 * shares x the most token-slots an iteration brought, or 1 each before any. */
static void loads_of(const struct placement *p, int l, double *loads)
{
	const float *prof = &p->profile[l * p->experts];
	double sum = 0;

	for (int e = 0; e < p->experts; e++)
		sum += prof[e];
	for (int e = 0; e < p->experts; e++)
		loads[e] = p->observed && sum > 0 ? prof[e] / sum * p->slots_peak : 1.0;
}

/* eplb's objective: the most predicted tokens on one GPU, summed over layers. */
static double token_makespan(const struct placement *p)
{
	double total = 0, *loads = xcalloc((size_t)p->experts, sizeof *loads);

	for (int l = 0; l < p->layers; l++) {
		double t[HW_MAX_GPUS] = {0}, worst = 0;
		loads_of(p, l, loads);
		for (int e = 0; e < p->experts; e++) {
			int c = l * p->experts + e;
			for (int r = 0; r < p->nrep[c]; r++)
				t[p->gpu[c * PLACE_MAX_REPLICAS + r]] += loads[e] / p->nrep[c];
		}
		for (int g = 0; g < p->gpus; g++)
			worst = fmax(worst, t[g]);
		total += worst;
	}
	free(loads);
	return total;
}

/* Layer l's placement arrays: saved to or restored from one buffer. */
static void layer_copy(struct placement *p, int l, unsigned char *buf, int save)
{
	size_t E = (size_t)p->experts, R = E * PLACE_MAX_REPLICAS;
	unsigned char *nrep = &p->nrep[l * E], *gpu = &p->gpu[l * R], *stack = &p->stack[l * R];

	if (save) {
		memcpy(buf, nrep, E);
		memcpy(buf + E, gpu, R);
		memcpy(buf + E + R, stack, R);
	} else {
		memcpy(nrep, buf, E);
		memcpy(gpu, buf + E, R);
		memcpy(stack, buf + E + R, R);
	}
}

/*
 * vibe for MoE layer l: candidates judged on the same sampled routings,
 * the best kept (the first of equals): the old placement (no weights move),
 * tokens balanced at each GPU's pace, tokens balanced (eplb's), predicted
 * time balanced.  *before and *after get the old and the kept one's judged
 * expert phase (both the kept one's without an old placement).
 */
static void vibe_layer(struct placement *p, int l, const double *loads, const struct hw *hw,
		       const struct model *m, const struct placement *old, double *before,
		       double *after)
{
	static const int objs[] = {OBJ_PACED, OBJ_TOKENS, OBJ_TIME};
	size_t E = (size_t)p->experts, bytes = E * (1 + 2 * PLACE_MAX_REPLICAS);
	int *samples = xcalloc((size_t)PLACE_SAMPLES * E, sizeof *samples);
	struct sched_expert *x = xcalloc(E * PLACE_MAX_REPLICAS, sizeof *x);
	unsigned char *best = xmalloc(bytes);
	double best_v = INFINITY;

	int ns = judge_samples(p, l, loads, samples);
	if (old != NULL) {
		memcpy(best, &old->nrep[l * E], E);
		memcpy(best + E, &old->gpu[l * E * PLACE_MAX_REPLICAS], E * PLACE_MAX_REPLICAS);
		memcpy(best + E + E * PLACE_MAX_REPLICAS, &old->stack[l * E * PLACE_MAX_REPLICAS],
		       E * PLACE_MAX_REPLICAS);
		layer_copy(p, l, best, 0);
		best_v = layer_judged(p, hw, m, l, loads, samples, ns, x);
	}
	*before = best_v;
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		double v;
		place_greedy(p, l, loads, hw, m, old, objs[i]);
		v = layer_judged(p, hw, m, l, loads, samples, ns, x);
		if (v < best_v) {
			best_v = v;
			layer_copy(p, l, best, 1);
		}
	}
	layer_copy(p, l, best, 0);
	if (old == NULL)
		*before = best_v;
	*after = best_v;
	free(samples);
	free(x);
	free(best);
}

/*
 * The placement of p's policy into p (old: the one in force, or NULL);
 * returns the predicted makespan before and after by the policy's own
 * objective (vibe: the judged expert phase of the slowest GPU, summed over
 * layers; eplb: tokens).
 */
static void place_all(struct placement *p, const struct hw *hw, const struct model *m,
		      const struct placement *old, double *before, double *after)
{
	double *loads = xcalloc((size_t)p->experts, sizeof *loads);

	*before = *after = 0;
	if (p->par.policy == PLACE_EPLB && old != NULL)
		*before = token_makespan(p);
	for (int l = 0; l < p->layers; l++) {
		double b, a;
		if (p->par.policy == PLACE_LINEAR) {
			place_linear(p, l);
			continue;
		}
		loads_of(p, l, loads);
		if (p->par.policy == PLACE_EPLB) {
			place_greedy(p, l, loads, hw, m, old, OBJ_TOKENS);
			continue;
		}
		vibe_layer(p, l, loads, hw, m, old, &b, &a);
		*before += b;
		*after += a;
	}
	if (p->par.policy == PLACE_EPLB)
		*after = token_makespan(p);
	free(loads);
}

static void references_restart(struct placement *p, int iter);

/* ---- life cycle ---- */

int place_spare_slots(int policy, int spare)
{
	return policy == PLACE_LINEAR ? 0 : spare;
}

void place_init(struct placement *p, const struct model *m, const struct hw *hw,
		const struct place_params *par)
{
	size_t n;

	memset(p, 0, sizeof *p);
	p->par = *par;
	p->experts = m->experts;
	p->first = m->first_dense;
	p->layers = m->layers - m->first_dense;
	p->gpus = hw->gpus;
	p->stacks = hw->stacks;
	p->slots = (m->experts + hw->gpus - 1) / hw->gpus + par->spare;
	p->expert_bytes = 3.0 * m->hidden * m->expert_inter * m->expert_weight_bytes;
	memcpy(p->speed, hw->gpu_speed, sizeof p->speed);
	for (int g = 0; g < hw->gpus; g++)
		p->corr[g] = p->corr_ref[g] = 1;
	n = cells(p);
	p->nrep = xcalloc(n + 1, 1);
	p->gpu = xcalloc(n * PLACE_MAX_REPLICAS + 1, 1);
	p->stack = xcalloc(n * PLACE_MAX_REPLICAS + 1, 1);
	p->profile = xcalloc(n + 1, sizeof *p->profile);
	p->ref = xcalloc(n + 1, sizeof *p->ref);
	p->recent = xcalloc(n * PLACE_SAMPLES + 1, sizeof *p->recent);
	p->nrecent = xcalloc((size_t)p->layers + 1, sizeof *p->nrecent);
	p->pending = xcalloc((size_t)p->layers * (size_t)p->gpus * 2 + 1, sizeof *p->pending);
	p->pending_iter = -1;
	{
		double before, after;
		place_all(p, hw, m, NULL, &before, &after);
	}
	references_restart(p, 0);
}

void place_release(struct placement *p)
{
	free(p->nrep);
	free(p->gpu);
	free(p->stack);
	free(p->profile);
	free(p->ref);
	free(p->recent);
	free(p->nrecent);
	free(p->pending);
	free(p->recal);
	free(p->moves);
	memset(p, 0, sizeof *p);
}

static void *dup(const void *src, size_t bytes)
{
	void *d = xmalloc(bytes + 1);

	if (bytes > 0)
		memcpy(d, src, bytes);
	return d;
}

void place_copy(struct placement *dst, const struct placement *src)
{
	size_t n = cells(src);

	place_release(dst);
	*dst = *src;
	dst->nrep = dup(src->nrep, n);
	dst->gpu = dup(src->gpu, n * PLACE_MAX_REPLICAS);
	dst->stack = dup(src->stack, n * PLACE_MAX_REPLICAS);
	dst->profile = dup(src->profile, n * sizeof *src->profile);
	dst->ref = dup(src->ref, n * sizeof *src->ref);
	dst->recent = dup(src->recent, n * PLACE_SAMPLES * sizeof *src->recent);
	dst->nrecent = dup(src->nrecent, (size_t)src->layers * sizeof *src->nrecent);
	dst->pending = dup(src->pending, (size_t)src->layers * src->gpus * 2 * sizeof *src->pending);
	dst->recal = dup(src->recal, (size_t)src->nrecal * sizeof *src->recal);
	dst->recal_cap = src->nrecal;
	dst->moves = dup(src->moves, (size_t)src->nmoves * sizeof *src->moves);
	dst->moves_cap = src->nmoves;
}

int place_pristine(const struct placement *p)
{
	return p->par.policy == PLACE_LINEAR && p->observed == 0 && p->nrecal == 0;
}

/* ---- learning ---- */

void place_observe(struct placement *p, int layer, const int *counts, const double *meas_ns,
		   const double *model_ns)
{
	float *prof = &p->profile[(layer - p->first) * p->experts];

	if (!place_policies[p->par.policy].adaptive)
		return;
	double slots = 0, keep;

	for (int e = 0; e < p->experts; e++)
		slots += counts[e];
	/* decay by the tokens seen, not by iterations: a small batch moves the
	 * shares as little as its few tokens warrant */
	keep = exp(-slots / PLACE_PROFILE_SLOTS);
	for (int e = 0; e < p->experts; e++)
		prof[e] = (float)(keep * prof[e] + counts[e]);
	p->slots_peak = fmax(p->slots_peak, slots);
	{	/* the judge's routings: this layer's last PLACE_SAMPLES */
		int l = layer - p->first, k = p->nrecent[l]++ % PLACE_SAMPLES;
		memcpy(&p->recent[((size_t)k * p->layers + l) * p->experts], counts,
		       (size_t)p->experts * sizeof *counts);
	}
	for (int g = 0; g < p->gpus; g++) {
		p->meas[g] += meas_ns[g];
		p->model[g] += model_ns[g];
	}
}

/* Profile shares of MoE layer l into ref (sum 1; uniform when empty). */
static void shares(const struct placement *p, int l, float *out)
{
	const float *prof = &p->profile[l * p->experts];
	double sum = 0;

	for (int e = 0; e < p->experts; e++)
		sum += prof[e];
	for (int e = 0; e < p->experts; e++)
		out[e] = sum > 0 ? (float)(prof[e] / sum) : 1.0f / (float)p->experts;
}

static double profile_drift(const struct placement *p)
{
	float *now = xcalloc((size_t)p->experts, sizeof *now);
	double worst = 0;

	for (int l = 0; l < p->layers; l++) {
		double tv = 0;
		shares(p, l, now);
		for (int e = 0; e < p->experts; e++)
			tv += fabs(now[e] - p->ref[l * p->experts + e]);
		worst = fmax(worst, tv / 2);
	}
	free(now);
	return worst;
}

static double mean_of(const double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

/* The largest change of a GPU's correction relative to the others': a
 * shift of every GPU at once (the batch changing what PIM takes) is no
 * reason to move experts between them. */
static double time_drift(const struct placement *p)
{
	double worst = 0, now = mean_of(p->corr, p->gpus), then = mean_of(p->corr_ref, p->gpus);

	for (int g = 0; g < p->gpus; g++)
		worst = fmax(worst, fabs(p->corr[g] / now / (p->corr_ref[g] / then) - 1));
	return worst;
}

static void references_restart(struct placement *p, int iter)
{
	for (int l = 0; l < p->layers; l++)
		shares(p, l, &p->ref[l * p->experts]);
	memcpy(p->corr_ref, p->corr, sizeof p->corr_ref);
	p->last_iter = iter;
	p->over = 0;
}

static void grow(void **a, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return;
	*cap = need > 2 * *cap ? need : 2 * *cap;
	*a = xrealloc(*a, (size_t)*cap * size);
}

/*
 * Log the moves from the placement in old (same shape) to p's, and charge
 * their bytes to the links in iteration iter + 1 (added to what is pending
 * there: a live change at an iteration's start follows a recalibration at
 * the end of the one before, whose weights have not moved yet).
 */
static void log_moves(struct placement *p, const struct placement *old, struct place_recal *rc, int iter)
{
	if (p->pending_iter != iter + 1)
		memset(p->pending, 0, (size_t)p->layers * p->gpus * 2 * sizeof *p->pending);
	p->pending_iter = iter + 1;
	rc->move0 = p->nmoves;
	for (int l = 0; l < p->layers; l++)
		for (int e = 0; e < p->experts; e++) {
			int c = l * p->experts + e;
			for (int r = 0; r < p->nrep[c]; r++) {
				int to = p->gpu[c * PLACE_MAX_REPLICAS + r], held = 0;
				int from = old->gpu[c * PLACE_MAX_REPLICAS];
				for (int k = 0; k < old->nrep[c]; k++)
					held |= old->gpu[c * PLACE_MAX_REPLICAS + k] == to;
				if (held)
					continue;
				grow((void **)&p->moves, &p->moves_cap, p->nmoves + 1, sizeof *p->moves);
				p->moves[p->nmoves++] = (struct place_move){l + p->first, e, from, to};
				p->pending[(l * p->gpus + from) * 2] += p->expert_bytes;
				p->pending[(l * p->gpus + to) * 2 + 1] += p->expert_bytes;
				rc->bytes += p->expert_bytes;
			}
		}
	rc->nmoves = p->nmoves - rc->move0;
}

/* Take a new placement if it gains enough (always for a policy change). */
static int replace(struct placement *p, int iter, int reason, double drift, const struct hw *hw,
		   const struct model *m)
{
	struct placement old;
	struct place_recal rc;
	double before, after;

	memset(&old, 0, sizeof old);
	place_copy(&old, p);
	place_all(p, hw, m, &old, &before, &after);
	references_restart(p, iter);
	if (reason != PLACE_POLICY && after > before * (1 - p->par.gain)) {
		/* not worth moving: keep the old placement */
		memcpy(p->nrep, old.nrep, cells(p));
		memcpy(p->gpu, old.gpu, cells(p) * PLACE_MAX_REPLICAS);
		memcpy(p->stack, old.stack, cells(p) * PLACE_MAX_REPLICAS);
		place_release(&old);
		return 0;
	}
	memset(&rc, 0, sizeof rc);
	rc.iter = iter + 1;
	rc.reason = reason;
	rc.drift = drift;
	rc.gain = before > 0 ? 1 - after / before : 0;
	log_moves(p, &old, &rc, iter);
	p->rebase = 1;
	grow((void **)&p->recal, &p->recal_cap, p->nrecal + 1, sizeof *p->recal);
	p->recal[p->nrecal++] = rc;
	place_release(&old);
	return 1;
}

/*
 * Take new knobs after iteration iter: a new policy, or new spare slots for
 * a policy that replicates, re-places (in force from iter + 1); 1 then.
 */
static int take_params(struct placement *p, int iter, const struct place_params *par,
		       const struct hw *hw, const struct model *m)
{
	int moves = par->policy != p->par.policy ||
		    (par->spare != p->par.spare && par->policy != PLACE_LINEAR);

	p->par = *par;
	p->slots = (p->experts + p->gpus - 1) / p->gpus + par->spare;
	return moves ? replace(p, iter, PLACE_POLICY, 0, hw, m) : 0;
}

int place_configure(struct placement *p, int iter, const struct place_params *par,
		    const struct hw *hw, const struct model *m)
{
	if (memcmp(par, &p->par, sizeof *par) == 0)
		return 0;
	return take_params(p, iter - 1, par, hw, m);
}

int place_end_iter(struct placement *p, int iter, const struct place_params *par,
		   const struct hw *hw, const struct model *m)
{
	int changed = memcmp(par, &p->par, sizeof *par) != 0;
	double dp, dt;
	int wait;

	/* measured / modelled depends on the experts a GPU holds (PIM takes
	 * some of them): after a new placement its first measurement is the
	 * new baseline, as the very first one is */
	int rebase = p->observed == 0 || p->rebase;

	for (int g = 0; g < p->gpus; g++) {
		if (p->model[g] > 0) {
			double r = p->meas[g] / p->model[g];
			p->corr[g] = rebase ? r : (1 - PLACE_CORR_EMA) * p->corr[g] + PLACE_CORR_EMA * r;
		}
		p->meas[g] = p->model[g] = 0;
	}
	if (place_policies[p->par.policy].adaptive) {
		p->observed++;
		if (rebase) {
			memcpy(p->corr_ref, p->corr, sizeof p->corr_ref);
			p->rebase = 0;
		}
	}
	if (changed && take_params(p, iter, par, hw, m))
		return 1;
	if (!place_policies[p->par.policy].adaptive)
		return 0;
	dp = profile_drift(p);
	dt = time_drift(p);
	if (dp <= p->par.drift && dt <= p->par.time) {
		p->over = 0;
		return 0;
	}
	/* the placement from init knows no load yet: the first learnt one need
	 * not wait the whole interval */
	wait = p->nrecal == 0 && PLACE_WARMUP < p->par.interval ? PLACE_WARMUP : p->par.interval;
	if (++p->over < p->par.confirm || iter - p->last_iter < wait)
		return 0;
	return dt / p->par.time >= dp / p->par.drift ?
		       replace(p, iter, PLACE_TIME, dt, hw, m) :
		       replace(p, iter, PLACE_PROFILE, dp, hw, m);
}

double place_judged_ns(const struct placement *p, const struct hw *hw, const struct model *m,
		       int layer)
{
	size_t E = (size_t)p->experts;
	int *samples = xcalloc((size_t)PLACE_SAMPLES * E, sizeof *samples), l = layer - p->first;
	struct sched_expert *x = xcalloc(E * PLACE_MAX_REPLICAS, sizeof *x);
	double *loads = xcalloc(E, sizeof *loads), v;

	loads_of(p, l, loads);
	v = layer_judged(p, hw, m, l, loads, samples, judge_samples(p, l, loads, samples), x);
	free(samples);
	free(x);
	free(loads);
	return v;
}

void place_set_prefill(struct placement *p, double tokens, double per_iter)
{
	p->prefill_tokens = tokens;
	p->prefill_per_iter = per_iter;
}

double place_pending_bytes(const struct placement *p, int iter, int layer, int g, int dir)
{
	if (iter != p->pending_iter || layer < p->first)
		return 0;
	return p->pending[((layer - p->first) * p->gpus + g) * 2 + dir];
}
