/* place.c - expert placement, load profiles and recalibration (see place.h). */
#include "place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gpu.h"

const struct place_policy_info place_policies[PLACE_NPOLICIES] = {
	{"linear", "expert e on GPU e mod G; never moves", 0},
	{"eplb", "DeepSeek EPLB: balance predicted tokens, replicate the hottest", 1},
	{"vibe", "ViBE: predicted time per GPU (speed x load), hottest to fastest", 1},
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

void place_set_pim(struct placement *p, int on, const double *pim_ns)
{
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

/*
 * eplb or vibe for MoE layer l (an index from 0) from loads[experts]:
 * replicas to the hottest experts, then each replica, heaviest first, to
 * the best GPU with a free slot.  Writes nrep/gpu/stack of layer l.
 */
static void place_greedy(struct placement *p, int l, const double *loads, const struct hw *hw,
			 const struct model *m, const struct placement *old)
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
		/* vibe's model: splitting an expert below a tile of tokens saves
		 * no compute and reads its weights twice (decode) */
		if (p->par.policy == PLACE_VIBE && !p->pim_aware &&
		    loads[best] / (nrep[best] + 1) < hw->tile_m)
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
			v = p->par.policy == PLACE_VIBE ?
				    sum[g] + place_cost_ns(p, hw, m, g, it[i].load) :
				    sum[g] + it[i].load;
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
			v = p->par.policy == PLACE_VIBE ?
				    sum[g] + place_cost_ns(p, hw, m, g, it[i].load) :
				    sum[g] + it[i].load;
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

/* Predicted expert phase of the slowest GPU, summed over layers. */
static double makespan(const struct placement *p, const struct hw *hw, const struct model *m)
{
	double total = 0, *loads = xcalloc((size_t)p->experts, sizeof *loads);

	for (int l = 0; l < p->layers; l++) {
		double t[HW_MAX_GPUS] = {0}, worst = 0;
		loads_of(p, l, loads);
		for (int e = 0; e < p->experts; e++) {
			int c = l * p->experts + e;
			for (int r = 0; r < p->nrep[c]; r++) {
				int g = p->gpu[c * PLACE_MAX_REPLICAS + r];
				double load = loads[e] / p->nrep[c];
				/* each policy judged by its own objective */
				t[g] += p->par.policy == PLACE_VIBE ? place_cost_ns(p, hw, m, g, load)
								    : load;
			}
		}
		for (int g = 0; g < p->gpus; g++)
			worst = fmax(worst, t[g]);
		total += worst;
	}
	free(loads);
	return total;
}

static void place_all(struct placement *p, const struct hw *hw, const struct model *m,
		      const struct placement *old)
{
	double *loads = xcalloc((size_t)p->experts, sizeof *loads);

	for (int l = 0; l < p->layers; l++) {
		if (p->par.policy == PLACE_LINEAR) {
			place_linear(p, l);
			continue;
		}
		loads_of(p, l, loads);
		place_greedy(p, l, loads, hw, m, old);
	}
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
	p->pending = xcalloc((size_t)p->layers * (size_t)p->gpus * 2 + 1, sizeof *p->pending);
	p->pending_iter = -1;
	place_all(p, hw, m, NULL);
	references_restart(p, 0);
}

void place_release(struct placement *p)
{
	free(p->nrep);
	free(p->gpu);
	free(p->stack);
	free(p->profile);
	free(p->ref);
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
	before = makespan(p, hw, m);
	place_all(p, hw, m, &old);
	after = makespan(p, hw, m);
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
	if (++p->over < p->par.confirm || iter - p->last_iter < p->par.interval)
		return 0;
	return dt / p->par.time >= dp / p->par.drift ?
		       replace(p, iter, PLACE_TIME, dt, hw, m) :
		       replace(p, iter, PLACE_PROFILE, dp, hw, m);
}

double place_pending_bytes(const struct placement *p, int iter, int layer, int g, int dir)
{
	if (iter != p->pending_iter || layer < p->first)
		return 0;
	return p->pending[((layer - p->first) * p->gpus + g) * 2 + dir];
}
