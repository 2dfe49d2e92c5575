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
	{"vibe", "ViBE: per layer the candidate placement whose slowest GPU is predicted fastest, "
		 "then (sieve, duplex) swaps that part co-activated experts", 1},
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

/* Replica r's share of count tokens split evenly over n replicas. */
static int split_tokens(int count, int n, int r)
{
	return count / n + (r < count % n);
}

int place_replica_tokens(const struct placement *p, int layer, int e, int r, int count)
{
	return split_tokens(count, place_replicas(p, layer, e), r);
}

/* 1 when one of the n GPUs in gpu[] (an expert's replicas) is g. */
static int holds_among(const unsigned char *gpu, int n, int g)
{
	for (int r = 0; r < n; r++)
		if (gpu[r] == g)
			return 1;
	return 0;
}

/* 1 when GPU g holds a replica of cell c (layer x experts + expert). */
static int holds(const struct placement *p, int c, int g)
{
	return holds_among(&p->gpu[c * PLACE_MAX_REPLICAS], p->nrep[c], g);
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
			/* (of e's replicas, those placed so far) */
			if (used[g] >= p->slots || holds_among(&gpu[e * PLACE_MAX_REPLICAS], it[i].replica, g))
				continue;
			v = sum[g] + objective_of(p, hw, m, obj, g, it[i].load);
			/* ties: fewer experts, then the lower id (deterministic) */
			if (best < 0 || v < best_v || (v == best_v && used[g] < used[best]))
				best = g, best_v = v;
		}
		/* a GPU that holds the expert already, if nearly as good: fewer moves */
		for (int g = 0; old != NULL && g < G; g++) {
			double v;
			if (!holds(old, l * E + e, g) ||
			    holds_among(&gpu[e * PLACE_MAX_REPLICAS], it[i].replica, g) ||
			    used[g] >= p->slots || g == best)
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

/* What vibe's judge costs MoE layer l on, and its scratch: per routing and
 * GPU the time, so that a change touching two GPUs re-costs only those. */
struct judge {
	const struct hw *hw;
	const struct model *m;
	int l, ns;		/* ns routings in samples */
	const double *loads;	/* expected tokens per expert */
	double load_sum;
	int *samples;		/* [PLACE_SAMPLES x experts] */
	struct sched_expert *x;	/* experts x PLACE_MAX_REPLICAS */
	int *counts;		/* experts x PLACE_MAX_REPLICAS */
	double *t;		/* [PLACE_SAMPLES x gpus]: GPU g's time on routing s */
	double pre[HW_MAX_GPUS];	/* GPU g's prefill expert phase */
	/* gpu_expert_ns of k tokens on GPU g, [gpus x (kmax + 1)], -1 until
	 * first asked (the search asks the same ones thousands of times) */
	double *expert_ns;
	int kmax;		/* the most tokens of one expert in the routings */
};

static void judge_init(struct judge *j, const struct placement *p, const struct hw *hw,
		       const struct model *m, int l, const double *loads)
{
	size_t E = (size_t)p->experts;

	memset(j, 0, sizeof *j);
	j->hw = hw;
	j->m = m;
	j->l = l;
	j->loads = loads;
	for (size_t e = 0; e < E; e++)
		j->load_sum += loads[e];
	j->samples = xcalloc(PLACE_SAMPLES * E, sizeof *j->samples);
	j->x = xcalloc(E * PLACE_MAX_REPLICAS, sizeof *j->x);
	j->counts = xcalloc(E * PLACE_MAX_REPLICAS, sizeof *j->counts);
	j->t = xcalloc((size_t)PLACE_SAMPLES * p->gpus, sizeof *j->t);
	j->ns = judge_samples(p, l, loads, j->samples);
	for (size_t i = 0; i < (size_t)j->ns * E; i++)
		j->kmax = j->samples[i] > j->kmax ? j->samples[i] : j->kmax;
	j->expert_ns = xmalloc((size_t)p->gpus * (size_t)(j->kmax + 1) * sizeof *j->expert_ns);
	for (size_t i = 0; i < (size_t)p->gpus * (size_t)(j->kmax + 1); i++)
		j->expert_ns[i] = -1;
}

/* gpu_expert_ns of k tokens (k <= j->kmax) on GPU g, at its speed. */
static double expert_ns(const struct placement *p, struct judge *j, int g, int k)
{
	double *c = &j->expert_ns[(size_t)g * (size_t)(j->kmax + 1) + (size_t)k];

	if (*c < 0)
		*c = gpu_expert_ns(j->hw, p->speed[g], j->m->hidden, j->m->expert_inter,
				   j->m->expert_weight_bytes, k);
	return *c;
}

static void judge_release(struct judge *j)
{
	free(j->samples);
	free(j->x);
	free(j->counts);
	free(j->t);
	free(j->expert_ns);
}

/*
 * GPU g's expert phase at MoE layer l on routing s as the placement in p
 * has it: its replicas split by the partition policy (GPU-only when the
 * model is not PIM-aware) and costed by its estimate (sched_sieve_estimate)
 * at the GPU's speed, times the measured correction; 0 without tokens.
 */
static double gpu_judged(const struct placement *p, struct judge *j, int g, int s)
{
	const struct hw *hw = j->hw;
	const struct model *m = j->m;
	int E = p->experts, pim = p->pim_aware && p->pim_table;
	struct sched_params sp = {pim ? p->sched : SCHED_GPU, 0};
	struct sched_gpu sg = {hw, sched_pim_locks_stacks(hw), m, p->speed[g], p->stacks,
			       j->x, 0, 0, 0, NULL};

	for (int e = 0; e < E; e++) {
		int c = j->l * E + e, n = p->nrep[c], count = j->samples[s * E + e];
		for (int r = 0; r < n && count > 0; r++) {
			int k = split_tokens(count, n, r);
			if (p->gpu[c * PLACE_MAX_REPLICAS + r] != g || k == 0)
				continue;
			j->x[sg.n++] = (struct sched_expert){
				.expert = e, .gpu = g, .tokens = k,
				.stack = p->stack[c * PLACE_MAX_REPLICAS + r],
				.gpu_ns = expert_ns(p, j, g, k),
				.pim_ns = pim ? pim_time(p, k) : -1};
		}
	}
	if (sg.n == 0)
		return 0;
	sched_partition(&sp, &sg);
	return p->corr[g] * sched_sieve_estimate(&sg);
}

/*
 * GPU g's prefill expert phase at MoE layer l for a prefill of
 * p->prefill_tokens tokens: each replica's share of them (the loads'
 * shares), every expert on the GPU (serve.h), at the GPU's speed.
 */
static double gpu_prefill(const struct placement *p, struct judge *j, int g)
{
	int E = p->experts, n = 0;

	if (p->prefill_per_iter <= 0 || j->load_sum <= 0)
		return 0;
	for (int e = 0; e < E; e++) {
		int c = j->l * E + e;
		double slots = p->prefill_tokens * j->m->top_k * j->loads[e] / j->load_sum;
		for (int r = 0; r < p->nrep[c]; r++)
			if (p->gpu[c * PLACE_MAX_REPLICAS + r] == g)
				j->counts[n++] = (int)ceil(slots / p->nrep[c]);
	}
	return gpu_experts_ns(j->hw, p->speed[g], j->m->hidden, j->m->expert_inter,
			      j->m->expert_weight_bytes, j->counts, n);
}

/* GPU g's times on every routing and its prefill, into j. */
static void judge_gpu(const struct placement *p, struct judge *j, int g)
{
	for (int s = 0; s < j->ns; s++)
		j->t[s * p->gpus + g] = gpu_judged(p, j, g, s);
	j->pre[g] = gpu_prefill(p, j, g);
}

/* The layer's judged value from j's times: the slowest GPU's expert phase
 * averaged over the routings, plus prefill_per_iter times the slowest
 * GPU's prefill expert phase. */
static double judge_value(const struct placement *p, const struct judge *j)
{
	double total = 0, prefill = 0;

	for (int s = 0; s < j->ns; s++) {
		double worst = 0;
		for (int g = 0; g < p->gpus; g++)
			worst = fmax(worst, j->t[s * p->gpus + g]);
		total += worst;
	}
	for (int g = 0; g < p->gpus; g++)
		prefill = fmax(prefill, j->pre[g]);
	return total / j->ns + p->prefill_per_iter * prefill;
}

/* The judged value of MoE layer j->l as the placement in p has it. */
static double layer_judged(const struct placement *p, struct judge *j)
{
	for (int g = 0; g < p->gpus; g++)
		judge_gpu(p, j, g);
	return judge_value(p, j);
}

/* The token counts in MoE layer l's profile, summed. */
static double profile_total(const struct placement *p, int l)
{
	const float *prof = &p->profile[l * p->experts];
	double sum = 0;

	for (int e = 0; e < p->experts; e++)
		sum += prof[e];
	return sum;
}

/* Expected tokens per expert of MoE layer l per iteration: the profile's
 * shares x the most token-slots an iteration brought, or 1 each before any. */
static void loads_of(const struct placement *p, int l, double *loads)
{
	const float *prof = &p->profile[l * p->experts];
	double sum = profile_total(p, l);

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

/* Layer l's placement arrays into one buffer (experts x (1 + 2 x
 * PLACE_MAX_REPLICAS) bytes), and back. */
static void layer_save(const struct placement *p, int l, unsigned char *buf)
{
	size_t E = (size_t)p->experts, R = E * PLACE_MAX_REPLICAS;

	memcpy(buf, &p->nrep[l * E], E);
	memcpy(buf + E, &p->gpu[l * R], R);
	memcpy(buf + E + R, &p->stack[l * R], R);
}

static void layer_load(struct placement *p, int l, const unsigned char *buf)
{
	size_t E = (size_t)p->experts, R = E * PLACE_MAX_REPLICAS;

	memcpy(&p->nrep[l * E], buf, E);
	memcpy(&p->gpu[l * R], buf + E, R);
	memcpy(&p->stack[l * R], buf + E + R, R);
}

/* ---- vibe's local search: what the judge's routings co-activate, apart ---- */

/* Replicas of MoE layer l on GPU g: their indexes into p->gpu, heaviest
 * expected load first (then by expert), into idx; returns how many. */
static int replicas_on(const struct placement *p, int l, int g, const double *loads,
		       struct item *it, int *idx)
{
	int E = p->experts, n = 0;

	for (int e = 0; e < E; e++) {
		int c = l * E + e;
		for (int r = 0; r < p->nrep[c]; r++)
			if (p->gpu[c * PLACE_MAX_REPLICAS + r] == g)
				it[n++] = (struct item){e, r, loads[e] / p->nrep[c]};
	}
	qsort(it, (size_t)n, sizeof *it, by_load);
	for (int i = 0; i < n; i++)
		idx[i] = (l * E + it[i].expert) * PLACE_MAX_REPLICAS + it[i].replica;
	return n;
}

/* GPU g's replicas, heaviest first, take its stacks in turn (as
 * place_greedy gives them): each GPU's replicas stay spread over its stacks. */
static void restack(struct placement *p, int l, int g, const double *loads, struct item *it,
		    int *idx)
{
	int n = replicas_on(p, l, g, loads, it, idx);

	for (int i = 0; i < n; i++)
		p->stack[idx[i]] = (unsigned char)(i % p->stacks);
}

/* Tokens replica idx (an index into p->gpu) gets on routing s. */
static int replica_tokens(const struct placement *p, const struct judge *j, int idx, int s)
{
	int c = idx / PLACE_MAX_REPLICAS;

	return split_tokens(j->samples[s * p->experts + c % p->experts], p->nrep[c],
			    idx % PLACE_MAX_REPLICAS);
}

/* The local search's state: scratch, and which routings the straggler is
 * slowest on. */
struct search {
	struct judge *j;
	struct item *it;
	int *idx, *mine, *theirs;	/* experts x PLACE_MAX_REPLICAS each */
	double *w;			/* per replica index: tokens on slow routings */
	unsigned char *slow;		/* [ns]: the straggler is slowest here */
	unsigned char *save;		/* the layer before a trial */
	double *t_save;			/* two GPUs' times before a trial */
	/* per routing in a trial: the slowest of the untouched GPUs, and how
	 * much the slowest GPU's time can drop at most (to that) */
	double *others, *room;
	double v;			/* the judged value now */
	int budget;			/* trials left */
};

/*
 * Re-cost GPUs h and g of a trial on every routing; 0 as soon as the
 * judged value cannot drop by the search's margin any more (the routings
 * left can gain at most their room), else 1.  Routings without room first:
 * there a trial can only lose (on qwen3-30b-a3b under sieve a trial re-costs
 * 3/4 of the pairs it would without this).
 */
static int recost_pair(const struct placement *p, struct search *z, int h, int g, double dpre)
{
	struct judge *j = z->j;
	int G = p->gpus;
	double gain = 0, left = 0;

	for (int s = 0; s < j->ns; s++) {
		double old = 0;
		z->others[s] = 0;
		for (int k = 0; k < G; k++) {
			old = fmax(old, j->t[s * G + k]);
			if (k != h && k != g)
				z->others[s] = fmax(z->others[s], j->t[s * G + k]);
		}
		z->room[s] = old - z->others[s];
		left += z->room[s];
	}
	for (int pass = 0; pass < 2; pass++)
		for (int s = 0; s < j->ns; s++) {
			double old = z->others[s] + z->room[s];
			if ((z->room[s] > 0) != pass)
				continue;
			j->t[s * G + h] = gpu_judged(p, j, h, s);
			j->t[s * G + g] = gpu_judged(p, j, g, s);
			gain += old - fmax(z->others[s], fmax(j->t[s * G + h], j->t[s * G + g]));
			left -= z->room[s];
			/* half the acceptance margin: rounding never rejects a keeper */
			if ((gain + left) / j->ns + dpre <= 0.5e-9 * z->v)
				return 0;
		}
	return 1;
}

/*
 * Try moving replica a (an index into p->gpu) from GPU h to GPU g and, when
 * b >= 0, replica b from g to h; kept only when the judged value drops,
 * else undone.  Only h's and g's times are re-costed.  1: kept.
 */
static int trial(struct placement *p, struct search *z, int h, int g, int a, int b)
{
	struct judge *j = z->j;
	int G = p->gpus, l = j->l;
	double pre_h = j->pre[h], pre_g = j->pre[g], pre_old = 0, pre_new = 0;

	z->budget--;
	layer_save(p, l, z->save);
	for (int s = 0; s < j->ns; s++) {
		z->t_save[2 * s] = j->t[s * G + h];
		z->t_save[2 * s + 1] = j->t[s * G + g];
	}
	p->gpu[a] = (unsigned char)g;
	if (b >= 0)
		p->gpu[b] = (unsigned char)h;
	restack(p, l, h, j->loads, z->it, z->idx);
	restack(p, l, g, j->loads, z->it, z->idx);
	for (int k = 0; k < G; k++)
		pre_old = fmax(pre_old, j->pre[k]);
	j->pre[h] = gpu_prefill(p, j, h);
	j->pre[g] = gpu_prefill(p, j, g);
	for (int k = 0; k < G; k++)
		pre_new = fmax(pre_new, j->pre[k]);
	if (recost_pair(p, z, h, g, p->prefill_per_iter * (pre_old - pre_new))) {
		double v = judge_value(p, j);
		/* a margin over rounding: every kept change lowers the value, so
		 * the search cannot cycle */
		if (v < z->v * (1 - 1e-9)) {
			z->v = v;
			return 1;
		}
	}
	layer_load(p, l, z->save);
	for (int s = 0; s < j->ns; s++) {
		j->t[s * G + h] = z->t_save[2 * s];
		j->t[s * G + g] = z->t_save[2 * s + 1];
	}
	j->pre[h] = pre_h;
	j->pre[g] = pre_g;
	return 0;
}

/* The GPU most often slowest over the routings (ties: the lower id); marks
 * the routings where it is. */
static int straggler(const struct placement *p, struct search *z)
{
	const struct judge *j = z->j;
	int G = p->gpus, times[HW_MAX_GPUS] = {0}, h = 0;

	for (int s = 0; s < j->ns; s++) {
		int worst = 0;
		for (int g = 1; g < G; g++)
			if (j->t[s * G + g] > j->t[s * G + worst])
				worst = g;
		times[worst]++;
	}
	for (int g = 1; g < G; g++)
		if (times[g] > times[h])
			h = g;
	for (int s = 0; s < j->ns; s++) {
		z->slow[s] = 1;
		for (int g = 0; g < G; g++)
			if (j->t[s * G + g] > j->t[s * G + h])
				z->slow[s] = 0;
	}
	return h;
}

/* Replicas idx[0..n) by tokens on the slow routings, most first (stable:
 * insertion sort keeps replicas_on's order among equals). */
static void by_slow_tokens(const struct search *z, int *idx, int n, int most_first)
{
	for (int i = 1; i < n; i++) {
		int v = idx[i], k = i;
		for (; k > 0; k--) {
			double d = z->w[idx[k - 1]] - z->w[v];
			if (most_first ? d >= 0 : d <= 0)
				break;
			idx[k] = idx[k - 1];
		}
		idx[k] = v;
	}
}

/*
 * One round from the straggler h: its replicas, most tokens on the
 * routings where h is slowest first, each to the other GPUs, least busy on
 * those routings first: moved into a free slot, or swapped with that GPU's
 * replica with the fewest tokens on them.  1 when a change was kept.
 */
static int search_round(struct placement *p, struct search *z)
{
	struct judge *j = z->j;
	int E = p->experts, G = p->gpus, l = j->l, h = straggler(p, z), nh, order[HW_MAX_GPUS], ng = 0;
	double busy[HW_MAX_GPUS] = {0};

	for (int c = l * E; c < (l + 1) * E; c++)
		for (int r = 0; r < p->nrep[c]; r++) {
			int i = c * PLACE_MAX_REPLICAS + r;
			z->w[i] = 0;
			for (int s = 0; s < j->ns; s++)
				if (z->slow[s])
					z->w[i] += replica_tokens(p, j, i, s);
		}
	for (int g = 0; g < G; g++) {
		for (int s = 0; s < j->ns; s++)
			if (z->slow[s])
				busy[g] += j->t[s * G + g];
		if (g == h)
			continue;
		int k = ng++;	/* insertion by busy time; equals by id */
		for (; k > 0 && busy[order[k - 1]] > busy[g]; k--)
			order[k] = order[k - 1];
		order[k] = g;
	}
	nh = replicas_on(p, l, h, j->loads, z->it, z->mine);
	by_slow_tokens(z, z->mine, nh, 1);
	for (int i = 0; i < nh; i++) {
		int a = z->mine[i], ca = a / PLACE_MAX_REPLICAS;
		for (int k = 0; k < ng; k++) {
			int g = order[k], b = -1;
			int n = replicas_on(p, l, g, j->loads, z->it, z->theirs);
			if (holds(p, ca, g))
				continue;
			if (n < p->slots && trial(p, z, h, g, a, -1))
				return 1;
			by_slow_tokens(z, z->theirs, n, 0);
			for (int q = 0; q < n && b < 0; q++)
				if (!holds(p, z->theirs[q] / PLACE_MAX_REPLICAS, h))
					b = z->theirs[q];
			if (z->budget <= 0)
				return 0;
			if (b >= 0 && trial(p, z, h, g, a, b))
				return 1;
			if (z->budget <= 0)
				return 0;
		}
	}
	return 0;
}

/* The local search on MoE layer j->l from the placement in p; j's times
 * are p's (layer_judged); returns the judged value it ends with. */
static double local_search(struct placement *p, struct judge *j)
{
	size_t R = (size_t)p->experts * PLACE_MAX_REPLICAS;
	struct search z = {j, xcalloc(R, sizeof *z.it), xcalloc(R, sizeof *z.idx),
			   xcalloc(R, sizeof *z.mine), xcalloc(R, sizeof *z.theirs),
			   xcalloc((size_t)p->layers * R, sizeof *z.w),
			   xcalloc(PLACE_SAMPLES, 1), xmalloc((size_t)p->experts + 2 * R),
			   xcalloc(2 * PLACE_SAMPLES, sizeof *z.t_save),
			   xcalloc(PLACE_SAMPLES, sizeof *z.others), xcalloc(PLACE_SAMPLES, sizeof *z.room),
			   judge_value(p, j),
			   (int)ceil(PLACE_SEARCH_TRIALS * p->experts)};

	while (z.budget > 0 && search_round(p, &z))
		;
	free(z.it);
	free(z.idx);
	free(z.mine);
	free(z.theirs);
	free(z.w);
	free(z.slow);
	free(z.save);
	free(z.t_save);
	free(z.others);
	free(z.room);
	return z.v;
}

/*
 * vibe for MoE layer l: candidates judged on the same sampled routings,
 * the best kept (the first of equals): the old placement (no weights move),
 * tokens balanced at each GPU's pace, tokens balanced (eplb's), predicted
 * time balanced; then, once routings were observed and when the partition
 * weighs PIM, the local search from it.  *before and *after get the old and
 * the kept one's judged expert phase (both the kept one's without an old
 * placement).
 */
static void vibe_layer(struct placement *p, int l, const double *loads, const struct hw *hw,
		       const struct model *m, const struct placement *old, double *before,
		       double *after)
{
	static const int objs[] = {OBJ_PACED, OBJ_TOKENS, OBJ_TIME};
	size_t E = (size_t)p->experts, bytes = E * (1 + 2 * PLACE_MAX_REPLICAS);
	unsigned char *best = xmalloc(bytes);
	double best_v = INFINITY;
	struct judge j;

	judge_init(&j, p, hw, m, l, loads);
	if (old != NULL) {
		layer_save(old, l, best);
		layer_load(p, l, best);
		best_v = layer_judged(p, &j);
	}
	*before = best_v;
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		double v;
		place_greedy(p, l, loads, hw, m, old, objs[i]);
		v = layer_judged(p, &j);
		if (v < best_v) {
			best_v = v;
			layer_save(p, l, best);
		}
	}
	layer_load(p, l, best);
	/* only where the partition weighs PIM: see place.h for why */
	if (p->nrecent[l] > 0 && p->pim_aware && p->pim_table) {
		layer_judged(p, &j);
		best_v = local_search(p, &j);
	}
	if (old == NULL)
		*before = best_v;
	*after = best_v;
	judge_release(&j);
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
	double sum = profile_total(p, l);

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
				int to = p->gpu[c * PLACE_MAX_REPLICAS + r];
				int from = old->gpu[c * PLACE_MAX_REPLICAS];
				if (holds(old, c, to))
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
	double *loads = xcalloc((size_t)p->experts, sizeof *loads), v;
	struct judge j;

	loads_of(p, layer - p->first, loads);
	judge_init(&j, p, hw, m, layer - p->first, loads);
	v = layer_judged(p, &j);
	judge_release(&j);
	free(loads);
	return v;
}

double place_local_search(struct placement *p, const struct hw *hw, const struct model *m,
			  int layer)
{
	double *loads = xcalloc((size_t)p->experts, sizeof *loads), v;
	struct judge j;

	loads_of(p, layer - p->first, loads);
	judge_init(&j, p, hw, m, layer - p->first, loads);
	layer_judged(p, &j);
	v = local_search(p, &j);
	judge_release(&j);
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
