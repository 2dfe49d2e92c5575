/* hw.c - machine descriptions (see hw.h). */
#include "hw.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D(sec, name, lo, hi, opt, unit, help) \
	{sec, #name, FIELD_DOUBLE, offsetof(struct hw, name), 0, lo, hi, NULL, opt, unit, help}

static const struct field hw_fields[] = {
	{"system", "gpus", FIELD_INT, offsetof(struct hw, gpus), 0, 1, HW_MAX_GPUS, NULL, 0, "",
	 "GPUs in the server"},
	D("system", link_gbps, 0.1, 100000, 0, "GB/s", "datasheet link bandwidth per GPU per direction"),
	D("system", a2a_bw_gbps, 0.1, 100000, 0, "GB/s", "bandwidth an all-to-all achieves (sim/comm.h)"),
	D("system", a2a_fixed_ns, 0, 1e7, 0, "ns", "fixed cost of one all-to-all: launch and barrier"),
	D("system", a2a_peer_ns, 0, 1e6, 0, "ns", "cost of one all-to-all per peer GPU"),
	{"system", "speed", FIELD_STR, offsetof(struct hw, speed), sizeof(((struct hw *)0)->speed),
	 0, 0, NULL, 1, "", "speed factors: F or C/M (compute/memory), one for all or one per GPU"},
	D("gpu", peak_tflops, 0.1, 100000, 0, "TFLOPS", "datasheet dense BF16 peak"),
	D("gpu", hbm_gbps, 1, 1e6, 0, "GB/s", "datasheet HBM bandwidth"),
	D("gpu", mem_gb, 1, 1e5, 0, "GiB", "HBM capacity"),
	D("gpu", mem_reserve, 0, 0.9, 0, "", "share of mem_gb kept for the CUDA context and workspaces"),
	{"gpu", "stacks", FIELD_INT, offsetof(struct hw, stacks), 0, 1, HW_MAX_STACKS, NULL, 0, "",
	 "HBM stacks per GPU"},
	D("gpu", kernel_overhead_ns, 0, 1e6, 0, "ns", "fixed cost of one expert FFN kernel chain"),
	D("gpu", grouped_overhead_ns, 0, 1e6, 0, "ns", "extra fixed cost of a grouped expert FFN"),
	D("gpu", gemm_launch_ns, 0, 1e6, 0, "ns", "launch of one dense GEMM or small kernel"),
	D("gpu", stream_efficiency, 1e-6, 1, 0, "", "weight streaming over the stacks' peak"),
	D("gpu", grouped_bw_eff, 0.01, 1, 0, "", "grouped GEMM streaming over a batched one's"),
	D("gpu", eff_tflops, 0.1, 100000, 0, "TFLOPS", "tensor throughput of a full wave of tiles"),
	D("gpu", roofline_p, 1, 16, 0, "", "sharpness of the memory/compute transition"),
	{"gpu", "sms", FIELD_INT, offsetof(struct hw, sms), 0, 1, 100000, NULL, 0, "",
	 "streaming multiprocessors"},
	{"gpu", "tile_m", FIELD_INT, offsetof(struct hw, tile_m), 0, 1, 4096, NULL, 0, "",
	 "GEMM tile rows (tokens)"},
	{"gpu", "tile_n", FIELD_INT, offsetof(struct hw, tile_n), 0, 1, 4096, NULL, 0, "",
	 "GEMM tile columns"},
	D("gpu", l2_reread, 0, 1, 0, "", "share of weights re-read per extra row tile"),
	D("gpu", attn_floor_ns, 0, 1e6, 0, "ns", "launch-bound floor of decode attention"),
	D("gpu", attn_bw_gbps, 1, 1e6, 0, "GB/s", "KV-cache streaming bandwidth"),
};

const struct field_table hw_field_table = {
	"hw", hw_fields, sizeof hw_fields / sizeof hw_fields[0]};

const struct field *hw_field(const char *name, const struct field_table **table)
{
	const struct field *f = field_find(&hw_field_table, NULL, name);

	if (f != NULL) {
		*table = &hw_field_table;
		return f;
	}
	f = field_find(&hbm_field_table, NULL, name);
	*table = f ? &hbm_field_table : NULL;
	return f;
}

/* Split ini entries between the two tables, so each loader sees its own. */
static void split(const struct ini *all, struct ini *sys, struct ini *mem)
{
	memset(sys, 0, sizeof *sys);
	memset(mem, 0, sizeof *mem);
	sys->path = mem->path = all->path;
	sys->entries = xcalloc((size_t)all->n, sizeof *sys->entries);
	mem->entries = xcalloc((size_t)all->n, sizeof *mem->entries);
	for (int i = 0; i < all->n; i++) {
		const struct ini_entry *en = &all->entries[i];
		int is_mem = strcmp(en->section, "hbm") == 0 || strcmp(en->section, "pim") == 0;
		if (is_mem)
			mem->entries[mem->n++] = *en;
		else
			sys->entries[sys->n++] = *en;
	}
}

static int parse_factor(const char *w, double *v)
{
	return number_parse(w, v, NULL) == 0 && *v > 0.05 && *v <= 10 ? 0 : -1;
}

int hw_parse_speed(const char *text, int gpus, struct gpu_speed *out, struct err *e)
{
	struct gpu_speed sp[HW_MAX_GPUS];
	char buf[1024], *save = NULL, *w;
	int n = 0;

	if (strlen(text) >= sizeof buf)
		return err_set(e, "speed: longer than %zu characters", sizeof buf - 1);
	if (list_check("speed", text, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%s", text);
	for (w = strtok_r(buf, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		char *slash = strchr(w, '/');
		if (n == HW_MAX_GPUS)
			return err_set(e, "speed: more than %d values", HW_MAX_GPUS);
		if (slash != NULL)
			*slash = '\0';
		if (parse_factor(w, &sp[n].compute) != 0 ||
		    parse_factor(slash ? slash + 1 : w, &sp[n].memory) != 0) {
			if (slash != NULL)
				*slash = '/';
			return err_set(e, "speed: '%s' is not a speed factor F or C/M, each in "
				       "(0.05, 10]", w);
		}
		n++;
	}
	if (n > 1 && n != gpus)
		return err_set(e, "speed: %d values for %d GPUs (give one, or one per GPU)", n,
			       gpus);
	for (int g = 0; g < gpus; g++)
		out[g] = n == 0 ? GPU_NOMINAL : sp[n == 1 ? 0 : g];
	return 0;
}

int hw_speed_override(const struct hw *hw, const char *text, struct gpu_speed *out, struct err *e)
{
	if (text[0] == '\0' || strcmp(text, "hw") == 0)
		text = hw->speed;
	if (hw_parse_speed(text, hw->gpus, out, e) != 0)
		return err_prefix(e, "gpu_");
	return 0;
}

void hw_format_speed(const struct gpu_speed *sp, int gpus, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int g = 0; g < gpus && used < len; g++)
		used += (size_t)snprintf(buf + used, len - used, "%s%g/%g", g ? " " : "",
					 sp[g].compute, sp[g].memory);
}

/* A calibrated rate (key) may not exceed the datasheet figure it is drawn from. */
static int at_most(const struct ini *ini, const char *key, double v, const char *what,
		   double limit, struct err *e)
{
	const struct ini_entry *en = ini_get(ini, "gpu", key);

	if (v <= limit)
		return 0;
	return err_set(e, "%s:%d: %s '%g' is above %s %g", ini->path, en ? en->line : 0, key, v,
		       what, limit);
}

/* The [hbm] organisation and timing, first: the rates below derive from it. */
static int check_hbm(const struct hbm *h, const struct ini *ini, struct err *e)
{
	const struct ini_entry *en;
	const char *key;

	if (h->nRC < h->nRAS + h->nRP - 1 || h->nRAS < h->nRCD) {
		err_set(e, "inconsistent timing: need nRAS >= nRCD and nRC >= nRAS + nRP (nRCD %d, "
			"nRAS %d, nRP %d, nRC %d)", h->nRCD, h->nRAS, h->nRP, h->nRC);
		key = "nRAS";
	} else if (h->nRFC >= h->nREFI) {
		err_set(e, "inconsistent timing: nRFC %d must be below nREFI %d (refresh would never "
			"end)", h->nRFC, h->nREFI);
		key = "nRFC";
	} else if (hbm_check(h, &key, e) == 0) {
		return 0;
	}
	en = ini_get(ini, "hbm", key);
	if (en == NULL)
		en = ini_get(ini, "pim", key);
	return err_prefix(e, "%s:%d: ", ini->path, en ? en->line : 0);
}

/* [pim] attach: absent, it follows pim_kind; errors name its line (or pim_kind's). */
static int check_attach(struct hw *hw, const struct ini *ini, struct err *e)
{
	const struct ini_entry *at = ini_get(ini, "pim", "attach");
	char where[4200];

	if (at == NULL)
		hw->hbm.attach = hw->hbm.pim_kind == PIM_LOGIC ? ATTACH_LOGIC : ATTACH_SHARED;
	if (at == NULL)
		at = ini_get(ini, "pim", "pim_kind");
	snprintf(where, sizeof where, "%s:%d", ini->path, at ? at->line : 0);
	return hbm_check_attach(&hw->hbm, where, e);
}

static int check(struct hw *hw, const struct ini *ini, struct err *e)
{
	const struct ini_entry *en = ini_get(ini, "system", "speed");
	const struct hbm *h = &hw->hbm;

	if (check_hbm(h, ini, e) != 0)
		return -1;
	if (hw_parse_speed(hw->speed, hw->gpus, hw->gpu_speed, e) != 0)
		return err_prefix(e, "%s:%d: ", ini->path, en ? en->line : 0);
	if (at_most(ini, "eff_tflops", hw->eff_tflops, "peak_tflops", hw->peak_tflops, e) != 0 ||
	    at_most(ini, "attn_bw_gbps", hw->attn_bw_gbps, "hbm_gbps", hw->hbm_gbps, e) != 0 ||
	    at_most(ini, "hbm_gbps", hw->hbm_gbps, "what the stacks deliver (stacks x [hbm] rate)",
		    1.01 * hw->stacks * hbm_peak_gbps(h), e) != 0)
		return -1;
	hw->eff_bw_gbps = hw->stream_efficiency * hw->stacks * hbm_peak_gbps(h);
	if (hw->a2a_bw_gbps > hw->link_gbps) {
		const struct ini_entry *a2a = ini_get(ini, "system", "a2a_bw_gbps");
		return err_set(e, "%s:%d: a2a_bw_gbps %g exceeds the link's peak link_gbps %g",
			       ini->path, a2a ? a2a->line : 0, hw->a2a_bw_gbps, hw->link_gbps);
	}
	return check_attach(hw, ini, e);
}

int hw_load(struct hw *hw, const char *datadir, const char *name_or_path, struct err *e)
{
	return hw_load_over(hw, datadir, name_or_path, NULL, e);
}

int hw_load_over(struct hw *hw, const char *datadir, const char *name_or_path,
		 const struct ini *over, struct err *e)
{
	struct ini ini, sys, mem;
	struct hw tmp;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	if (ini_load_named(&ini, datadir, "hw", name_or_path, tmp.name, sizeof tmp.name, e) != 0)
		return -1;
	ini_extend(&ini, over);
	split(&ini, &sys, &mem);
	/* An unknown key is checked against both tables before it is called unknown. */
	rc = 0;
	for (int i = 0; i < ini.n && rc == 0; i++) {
		const struct field_table *t;
		if (hw_field(ini.entries[i].key, &t) == NULL) {
			const char *s = field_suggest(&hw_field_table, ini.entries[i].key);
			if (s == NULL)
				s = field_suggest(&hbm_field_table, ini.entries[i].key);
			rc = err_set(e, "%s:%d: unknown hw parameter '%s'%s%s%s", ini.path,
				     ini.entries[i].line, ini.entries[i].key, s ? " (did you mean '" : "",
				     s ? s : "", s ? "'?)" : "");
		}
	}
	if (rc == 0)
		rc = fields_load(&hw_field_table, &tmp, sizeof tmp, &sys, e);
	if (rc == 0)
		rc = fields_load(&hbm_field_table, &tmp.hbm, sizeof tmp.hbm, &mem, e);
	if (rc == 0)
		rc = check(&tmp, &ini, e);
	free(sys.entries);
	free(mem.entries);
	ini_free(&ini);
	if (rc == 0)
		*hw = tmp;
	return rc;
}

void hw_gpu_view(const struct hw *hw, struct hw *view)
{
	double share = hbm_gpu_bw_share(&hw->hbm);

	*view = *hw;
	view->eff_bw_gbps *= share;
	view->attn_bw_gbps *= share;
}
