/* config.c - run parameter table (see config.h). */
#include "config.h"
#include "place.h"
#include "sched.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>


#define S(name, help) \
	{"run", #name, FIELD_STR, offsetof(struct sim_config, name), \
	 sizeof(((struct sim_config *)0)->name), 0, 0, NULL, 0, "", help}
#define I(name, lo, hi, help) \
	{"run", #name, FIELD_INT, offsetof(struct sim_config, name), 0, lo, hi, NULL, 0, "", help}

static const struct field config_fields[] = {
	S(model, "model preset (data/models) or .ini path"),
	S(hw, "hardware preset (data/hw) or .ini path"),
	S(routing, "synthetic, or trace:NAME|PATH to replay recorded routing"),
	{"run", "sched", FIELD_ENUM, offsetof(struct sim_config, sched), 0, 0, 0, sched_policy_names, 0, "",
	 "partition policy: where experts run"},
	I(tau, 0, 1000000, "threshold policy: experts with at most tau tokens go to PIM"),
	I(batch, 1, 65536, "decode batch (sequences per iteration)"),
	I(iters, 1, 10000000, "decode iterations to simulate"),
	I(context, 1, 16777216, "KV-cache length of every sequence"),
	I(seed, 0, 2147483647, "random seed: same seed, same output"),
	I(micro, 1, CONFIG_MAX_MICRO, "micro-batches per layer; >1 overlaps one's all-to-all with another's compute"),
	I(active, 0, 65536, "sequences decoding, at most batch (0 = batch); serve sets it"),
	{"run", "place", FIELD_ENUM, offsetof(struct sim_config, place), 0, 0, 0, place_policy_names,
	 0, "", "expert placement: linear, eplb or vibe"},
	I(spare_slots, 0, 64, "spare expert slots per GPU, for replicas (eplb, vibe)"),
	I(recal_interval, 1, 1000000, "iterations at least between re-placements"),
	I(recal_confirm, 1, 1000, "consecutive checks over a threshold before re-placing"),
	I(recal_drift, 1, 100, "re-place when the load profile drifts this % (total variation)"),
	I(recal_time, 1, 1000, "re-place when a GPU's measured time drifts this %"),
	I(recal_gain, 0, 100, "move only if the predicted makespan drops this %"),
	{"run", "gpu_speed", FIELD_STR, offsetof(struct sim_config, gpu_speed),
	 sizeof(((struct sim_config *)0)->gpu_speed), 0, 0, NULL, 0, "",
	 "per-GPU speed factors F or C/M, one or one per GPU; hw: the hw file's"},
};

const struct field_table config_field_table = {
	"run", config_fields, sizeof config_fields / sizeof config_fields[0]};

int config_defaults(struct sim_config *cfg, const char *datadir, struct err *e)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/defaults.ini", datadir);
	return fields_load_file(&config_field_table, cfg, sizeof *cfg, path, e);
}

/* The fields that need a new simulation (config.h says why). */
static const size_t restart_fields[] = {
	offsetof(struct sim_config, model), offsetof(struct sim_config, hw),
	offsetof(struct sim_config, routing), offsetof(struct sim_config, batch),
	offsetof(struct sim_config, micro),
};

/* The fields the placement takes at an iteration's start (config.h). */
static const size_t iteration_fields[] = {
	offsetof(struct sim_config, place), offsetof(struct sim_config, spare_slots),
	offsetof(struct sim_config, recal_interval), offsetof(struct sim_config, recal_confirm),
	offsetof(struct sim_config, recal_drift), offsetof(struct sim_config, recal_time),
	offsetof(struct sim_config, recal_gain),
};

/* 1 when f is one of the n fields at offsets offs. */
static int listed(const size_t *offs, size_t n, const struct field *f)
{
	for (size_t i = 0; i < n; i++)
		if (f->offset == offs[i])
			return 1;
	return 0;
}

int config_field_at_iteration(const struct field *f)
{
	return listed(iteration_fields, sizeof iteration_fields / sizeof iteration_fields[0], f);
}

enum config_when config_field_when(const struct field *f)
{
	return listed(restart_fields, sizeof restart_fields / sizeof restart_fields[0], f) ?
		       CONFIG_RESTART : CONFIG_LIVE;
}

int config_check(const struct sim_config *cfg, struct err *e)
{
	for (size_t i = 0; i < config_field_table.n; i++) {
		const struct field *f = &config_field_table.fields[i];
		const char *p = (const char *)cfg + f->offset;
		int v = 0, n = 0;

		if (f->type == FIELD_STR) {
			if (memchr(p, '\0', f->size) == NULL)
				return err_set(e, "%s: not a terminated string", f->name);
			continue;
		}
		v = *(const int *)p;	/* FIELD_ENUM or FIELD_INT: all ints here */
		switch (f->type) {
		case FIELD_ENUM:
			while (f->choices[n] != NULL)
				n++;
			if (v < 0 || v >= n)
				return err_set(e, "%s: %d is not one of its %d values", f->name, v, n);
			break;
		default:
			if (v < f->min || v > f->max)
				return err_set(e, "%s: %d is out of range [%g, %g]", f->name, v,
					       f->min, f->max);
		}
	}
	return 0;
}

int config_field_equal(const struct field *f, const struct sim_config *a,
		       const struct sim_config *b)
{
	const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;

	if (f->type == FIELD_STR)
		return strcmp(pa, pb) == 0;
	return *(const int *)pa == *(const int *)pb;
}

const char *config_sched_name(int sched)
{
	return sched_policy_names[sched];
}
