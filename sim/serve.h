/*
 * serve.h - serving requests with SLOs on top of the decode simulation.
 *
 * Requests arrive (Poisson at a rate, lengths drawn from a file's rows, or
 * the arrival times and lengths of a CSV file), wait in FIFO order, and are
 * admitted into continuous batching up to max_batch running requests.  One
 * scheduler step (vLLM-like, prefill first):
 *   1. admit waiting requests while the batch has room and prefill them
 *      together: their first token exists when the prefill ends (TTFT);
 *   2. one decode iteration of every running request (the layer
 *      simulation of sim.h with `active` = running requests and `context`
 *      = their mean context rounded up to CONTEXT_STEP), one token each;
 *      a request is done after its output tokens.
 * Decode iterations are memoised by (running requests, context step): the
 * first iteration of a composition is simulated, later ones reuse its
 * time; a recalibration (place.h) or a GPU speed change starts the memo
 * afresh, and an iteration that carries weight moves is used once and not
 * kept.  So minutes of simulated serving cost a few hundred simulated
 * iterations.
 *
 * Prefill model (per layer, every GPU; gpu.h at each GPU's current speeds,
 * comm.h for the all-to-all):
 *   tokens split evenly over the GPUs (T/G each, sum of squared prompt
 *   lengths / G for causal attention: 2 x q_heads x head_dim x P^2 flops
 *   for QK^T and PV, halved by the causal mask, at the GPU's tensor rate);
 *   projections and router as dense GEMMs of T/G tokens; a dispatch and a
 *   combine of T/G x top_k x (G-1)/G token activations per GPU; experts on
 *   the GPU (prefill is compute-bound: PIM takes no prefill work), each
 *   expert's tokens T x top_k x its share of the layer's routing (the
 *   routing model's distribution, measured once on PREFILL_SAMPLE tokens),
 *   split over its replicas as the placement has it; the layer waits for
 *   the slowest GPU in each phase.  Sliding and linear attention layers are
 *   charged as full attention (an upper bound).  The LM head runs for the
 *   last token of each prompt.
 *
 * Metrics: TTFT = first token - arrival; TPOT = (done - first token) /
 * (output - 1) for outputs above one token; e2e = done - arrival; a
 * request meets its SLO when ttft <= slo_ttft and tpot <= slo_tpot.
 * Percentiles: nearest rank over the requests that arrived in
 * [0, duration) and completed.  Requests arriving in [0, duration) are
 * all served to completion (the run drains); throughput counts their
 * output tokens over the time from 0 to the last completion.
 * Deterministic: the same inputs and seed give the same result.
 */
#ifndef SIEVE_SERVE_H
#define SIEVE_SERVE_H

#include "sim.h"

#define SERVE_CONTEXT_STEP 256	/* decode memo: context rounded up to this */
#define SERVE_MAX_CONTEXT 65536	/* longer contexts decode as this long (memo size) */
#define SERVE_PREFILL_SAMPLE 4096	/* tokens drawn to measure each layer's routing */

struct serve_config {
	double rate;		/* requests per second (Poisson), when arrivals is NULL */
	double duration_s;	/* arrivals in [0, duration) */
	const char *arrivals;	/* CSV of arrival_s, prompt, output; NULL: Poisson */
	const char *lengths;	/* CSV whose rows give Poisson requests their lengths */
	int max_batch;		/* running requests at most (<= the sim's batch) */
	double slo_ttft_ms, slo_tpot_ms;
	unsigned long long seed;
	/* an optional GPU speed change (gpu_speed text) at change_at_s; NULL: none */
	const char *change_speed;
	double change_at_s;
};

struct serve_request {
	double arrival_ns, first_ns, done_ns;
	int prompt, output, generated;
};

struct serve_result {
	struct serve_request *req;
	int nreq;		/* arrived in [0, duration) */
	int beyond;		/* rows of the arrivals file at or after the duration: not served */
	int completed;
	double ttft_p50_ms, ttft_p90_ms, ttft_p99_ms;
	double tpot_p50_ms, tpot_p90_ms, e2e_p90_ms;
	double ttft_mean_ms, e2e_mean_ms;
	double slo_attainment;
	double throughput_tokens_per_s;
	double end_ns;		/* last completion */
	double mean_in_system;	/* time average of requests arrived and not done, over [0, end] */
	int recalibrations;	/* during the run */
	double straggler_gap_us;	/* decode: slowest minus mean GPU expert phase, mean per MoE layer */
	double prefill_straggler_us;	/* the same in prefill */
	long decode_iters, decode_simulated, prefills;
	/* per decode iteration: when it ended and its straggler gap (us) */
	double *iter_end_ns, *iter_straggler_us;
	long niters, cap_iters;
};

/*
 * Serve on s (initialised with batch >= max_batch and enough iters); s is
 * stepped and reconfigured (active, context, gpu_speed).  0, or -1 with e
 * filled (bad file or value, a simulation failure): then r holds nothing.
 */
int serve_run(struct sim *s, const struct serve_config *c, const char *datadir,
	      struct serve_result *r, struct err *e);
void serve_result_release(struct serve_result *r);

/* Prefill time of n prompts together on s's machine and placement, ns;
 * *straggler_ns: the expert phase's slowest minus mean GPU, summed over layers. */
double serve_prefill_ns(const struct sim *s, const double *shares, const int *prompts, int n,
			double *straggler_ns);

/* Nearest-rank percentile q (0..100) of n values (sorted in place). */
double serve_percentile(double *v, int n, double q);

#endif
