/* hbm.c - HBM3 stack parameters (see hbm.h). */
#include "hbm.h"

#include <math.h>
#include <stddef.h>

static const char *const pim_kinds[] = {"bank", "bankgroup", "logic", NULL};
const char *const pim_attach_names[] = {"shared", "reserved", "logic", NULL};
static const char *const on_off[] = {"off", "on", NULL};
static const char *const mappings[] = {"bg_interleaved", "row_interleaved", NULL};

#define I(sec, name, lo, hi, unit, help) \
	{sec, #name, FIELD_INT, offsetof(struct hbm, name), 0, lo, hi, NULL, 0, unit, help}
#define D(sec, name, lo, hi, unit, help) \
	{sec, #name, FIELD_DOUBLE, offsetof(struct hbm, name), 0, lo, hi, NULL, 0, unit, help}

static const struct field hbm_fields[] = {
	I("hbm", channels, 1, 64, "", "channels per stack"),
	I("hbm", pseudo_channels, 1, 4, "", "pseudo-channels per channel"),
	I("hbm", bank_groups, 1, 16, "", "bank groups per pseudo-channel"),
	I("hbm", banks_per_group, 1, 16, "", "banks per bank group"),
	I("hbm", ranks, 1, 8, "", "stack IDs (ranks) per pseudo-channel"),
	I("hbm", rows, 1, 1 << 20, "", "rows per bank"),
	I("hbm", row_bytes, 32, 8192, "B", "row (page) size"),
	I("hbm", column_bytes, 8, 256, "B", "bytes moved by one column burst"),
	D("hbm", data_rate_gbps, 0.5, 20, "Gb/s", "data rate per pin"),
	I("hbm", pch_bits, 8, 256, "bit", "data bus width of a pseudo-channel"),
	D("hbm", clock_mhz, 100, 10000, "MHz", "command clock"),
	{"hbm", "mapping", FIELD_ENUM, offsetof(struct hbm, mapping), 0, 0, 0, mappings, 0, "",
	 "address mapping: bg_interleaved or row_interleaved"},
	I("hbm", queue_depth, 1, 4096, "", "controller queue entries per pseudo-channel"),
	I("hbm", nBL, 1, 64, "cyc", "burst length on the bus"),
	I("hbm", nCL, 1, 200, "cyc", "read latency"),
	I("hbm", nRCD, 1, 200, "cyc", "activate to read/write"),
	I("hbm", nRP, 1, 200, "cyc", "precharge to activate"),
	I("hbm", nRAS, 1, 400, "cyc", "activate to precharge"),
	I("hbm", nRC, 1, 600, "cyc", "activate to activate, same bank"),
	I("hbm", nCCDS, 1, 64, "cyc", "column to column, different bank group"),
	I("hbm", nCCDL, 1, 64, "cyc", "column to column, same bank group"),
	I("hbm", nRRDS, 1, 64, "cyc", "activate to activate, different bank group"),
	I("hbm", nRRDL, 1, 64, "cyc", "activate to activate, same bank group"),
	I("hbm", nFAW, 1, 400, "cyc", "four-activate window"),
	I("hbm", nWR, 1, 200, "cyc", "write recovery"),
	I("hbm", nRTP, 1, 200, "cyc", "read to precharge"),
	I("hbm", nCWL, 1, 200, "cyc", "write latency"),
	I("hbm", nWTRS, 1, 200, "cyc", "write to read, different bank group"),
	I("hbm", nWTRL, 1, 200, "cyc", "write to read, same bank group"),
	I("hbm", nRTW, 1, 200, "cyc", "read to write turnaround"),
	I("hbm", nREFI, 100, 1000000, "cyc", "refresh interval"),
	I("hbm", nRFC, 1, 100000, "cyc", "all-bank refresh time"),
	{"pim", "pim_kind", FIELD_ENUM, offsetof(struct hbm, pim_kind), 0, 0, 0, pim_kinds, 0, "",
	 "where PIM compute sits: bank, bankgroup or logic"},
	I("pim", nCCDAB, 1, 64, "cyc", "all-bank MAC spacing"),
	I("pim", nCCDAB_power, 1, 64, "cyc", "all-bank MAC spacing under the power limit"),
	{"pim", "power_limit", FIELD_ENUM, offsetof(struct hbm, power_limit), 0, 0, 0, on_off, 0, "",
	 "apply the power-limited MAC spacing"},
	D("pim", logic_tflops, 0.1, 1000, "TFLOPS", "Logic-PIM compute per stack"),
	I("pim", nCCDBG, 1, 64, "cyc", "bank-group MAC spacing"),
	I("pim", nCCDBG_power, 1, 64, "cyc", "bank-group MAC spacing under the power limit"),
	I("pim", logic_bw_ratio, 1, 64, "x", "Logic-PIM internal bandwidth over external"),
	I("pim", pim_io_bytes, 1, 8, "B", "bytes per PIM input element and per result"),
	I("pim", unit_lanes, 1, 1024, "", "multiply-adds of a bank or bank-group unit per MAC command"),
	{"pim", "attach", FIELD_ENUM, offsetof(struct hbm, attach), 0, 0, 0, pim_attach_names, 1, "",
	 "how PIM shares the stacks with the GPU: shared, reserved or logic"},
	{"pim", "reserved_channels", FIELD_DOUBLE, offsetof(struct hbm, reserved_channels), 0, 0, 1,
	 NULL, 1, "", "attach reserved: the fraction of each stack's channels PIM owns"},
};

const struct field_table hbm_field_table = {
	"hw", hbm_fields, sizeof hbm_fields / sizeof hbm_fields[0]};

double hbm_peak_gbps(const struct hbm *h)
{
	return h->data_rate_gbps * h->pch_bits / 8.0 * h->pseudo_channels * h->channels;
}

double hbm_tck_ns(const struct hbm *h)
{
	return 1000.0 / h->clock_mhz;
}

int hbm_pim_channels(const struct hbm *h)
{
	if (h->attach != ATTACH_RESERVED)
		return h->channels;
	return (int)lround(h->reserved_channels * h->channels);
}

double hbm_gpu_bw_share(const struct hbm *h)
{
	if (h->attach != ATTACH_RESERVED)
		return 1;
	return 1 - (double)hbm_pim_channels(h) / h->channels;
}

int hbm_check_attach(const struct hbm *h, const char *where, struct err *e)
{
	int pim = hbm_pim_channels(h);

	if ((h->attach == ATTACH_LOGIC) != (h->pim_kind == PIM_LOGIC))
		return err_set(e, "%s: attach '%s' does not go with pim_kind '%s' (Logic-PIM is "
			       "attach logic, and only it)", where, pim_attach_names[h->attach],
			       pim_kinds[h->pim_kind]);
	if (h->attach == ATTACH_RESERVED && (pim < 1 || pim >= h->channels))
		return err_set(e, "%s: reserved_channels %g leaves PIM %d of %d channels (need at "
			       "least 1 for PIM and 1 for the GPU)", where, h->reserved_channels, pim,
			       h->channels);
	if (h->attach == ATTACH_RESERVED && (pim & (pim - 1)) != 0)
		return err_set(e, "%s: reserved_channels %g gives PIM %d channels; the memory model "
			       "needs a power of two", where, h->reserved_channels, pim);
	return 0;
}

static int pow2(long v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

int hbm_check(const struct hbm *h, const char **field, struct err *e)
{
	const struct {
		const char *name;
		long v;
	} counts[] = {
		{"channels", h->channels}, {"pseudo_channels", h->pseudo_channels},
		{"ranks", h->ranks > 0 ? h->ranks : 1}, {"bank_groups", h->bank_groups},
		{"banks_per_group", h->banks_per_group}, {"rows", h->rows},
		{"column_bytes", h->column_bytes},
	};
	int ranks = h->ranks > 0 ? h->ranks : 1, banks;

	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		if (!pow2(counts[i].v)) {
			*field = counts[i].name;
			return err_set(e, "%s %ld is not a power of two (the address mapping "
				       "cuts addresses into bit fields)", counts[i].name, counts[i].v);
		}
	}
	*field = "row_bytes";
	if (h->row_bytes % h->column_bytes != 0 || !pow2(h->row_bytes / h->column_bytes))
		return err_set(e, "row_bytes %d is not a power-of-two multiple of column_bytes %d",
			       h->row_bytes, h->column_bytes);
	banks = ranks * h->bank_groups * h->banks_per_group;
	*field = "banks_per_group";
	if (banks > HBM_MAX_BANKS_PER_PCH)
		return err_set(e, "%d ranks x %d bank groups x %d banks is %d banks per "
			       "pseudo-channel (at most %d)", ranks, h->bank_groups,
			       h->banks_per_group, banks, HBM_MAX_BANKS_PER_PCH);
	*field = "logic_bw_ratio";
	if (h->pim_kind == PIM_LOGIC && (h->logic_bw_ratio < 1 || banks % h->logic_bw_ratio != 0))
		return err_set(e, "logic_bw_ratio %d does not divide the %d banks of a "
			       "pseudo-channel", h->logic_bw_ratio, banks);
	*field = NULL;
	return 0;
}
