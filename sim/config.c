/* config.c - run parameter table (see config.h). */
#include "config.h"
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
	I(micro, 1, 16, "micro-batches per layer; >1 overlaps one's all-to-all with another's compute"),
};

const struct field_table config_field_table = {
	"run", config_fields, sizeof config_fields / sizeof config_fields[0]};

int config_defaults(struct sim_config *cfg, const char *datadir, struct err *e)
{
	char path[4096];
	struct ini ini;
	int rc;

	snprintf(path, sizeof path, "%s/defaults.ini", datadir);
	memset(cfg, 0, sizeof *cfg);
	if (ini_load(&ini, path, e) != 0)
		return -1;
	rc = fields_load(&config_field_table, cfg, sizeof *cfg, &ini, e);
	ini_free(&ini);
	return rc;
}

const char *config_sched_name(int sched)
{
	return sched_policy_names[sched];
}
