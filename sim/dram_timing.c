/* dram_timing.c - the flat HBM3-PIM timing table (see dram_timing.h). */
#include "dram_timing.h"

#include <string.h>

const char *const dram_cmd_names[DRAM_NCMD] = {
	"ACT", "PRE", "PREA", "RD", "WR", "REF", "ACTAB", "MACAB", "MACBG", "MACLG", "WRGB", "RDRES",
};

const char *const dram_level_names[DRAM_NLEVEL] = {"channel", "pseudo-channel", "rank",
						   "bankgroup", "bank"};

#define C(x) (1u << DRAM_##x)
#define ROWCMDS DRAM_ROW_CMDS
#define COLCMDS (C(RD) | C(WR) | C(MACAB) | C(MACBG) | C(MACLG) | C(WRGB) | C(RDRES))
#define DATA (C(RD) | C(WR) | C(WRGB) | C(RDRES))
#define MACS DRAM_MAC_CMDS

/* Timing values a latency is built from; _EFF are chosen by the power limit. */
enum tv {
	T_0, T_nBL, T_nCL, T_nRCD, T_nRP, T_nRAS, T_nRC, T_nCCDS, T_nCCDL, T_nRRDS, T_nRRDL,
	T_nFAW, T_nWR, T_nRTP, T_nCWL, T_nWTRS, T_nWTRL, T_nRFC, T_nCCDAB_EFF, T_nCCDBG_EFF, T_N
};

/* latency = t[0] + t[1] + t[2] - t[3] + add */
struct rule_src {
	int level;
	unsigned preceding, following;
	unsigned char t[4];
	int add;
	int window;
};

#define R(lv, p, f, ...) {DRAM_##lv, p, f, {__VA_ARGS__}, 0, 0}
#define RA(lv, p, f, add) {DRAM_##lv, p, f, {T_0}, add, 0}

static const struct rule_src table[] = {
	/* level  preceding        following        latency */
	/* channel: one row and one column command a cycle; ACT holds the row bus 2 */
	RA(CH,   ROWCMDS,          ROWCMDS,         1),
	RA(CH,   COLCMDS,          COLCMDS,         1),
	RA(CH,   C(ACT) | C(ACTAB), ROWCMDS,        2),
	/* pseudo-channel: shared data bus, all-bank precharge and refresh */
	R(PCH,   DATA,             DATA,            T_nBL),
	R(PCH,   C(RD),            C(PREA),         T_nRTP),
	R(PCH,   C(WR),            C(PREA),         T_nCWL, T_nBL, T_nWR),
	R(PCH,   C(ACT),           C(PREA),         T_nRAS),
	R(PCH,   C(PREA),          C(ACT) | C(ACTAB), T_nRP),
	R(PCH,   C(PRE),           C(ACTAB),        T_nRP),	/* any closing bank */
	R(PCH,   C(ACT) | C(ACTAB), C(REF),         T_nRC),
	R(PCH,   C(PRE) | C(PREA), C(REF),          T_nRP),
	R(PCH,   C(REF),           C(ACT) | C(ACTAB) | C(REF), T_nRFC),
	/* pseudo-channel: PIM all-bank mode (AttAcc HBM3-PIM) */
	R(PCH,   C(ACTAB),         C(ACTAB),        T_nRC),
	R(PCH,   C(ACTAB),         MACS,            T_nRCD),
	R(PCH,   C(ACTAB),         C(PREA),         T_nRAS),
	R(PCH,   MACS,             C(PREA),         T_nRTP),
	R(PCH,   C(MACAB),         C(MACAB),        T_nCCDAB_EFF),
	R(PCH,   C(MACBG),         C(MACBG),        T_nCCDBG_EFF),
	R(PCH,   C(MACLG),         C(MACLG),        T_nBL),
	R(PCH,   C(WRGB),          MACS,            T_nCWL, T_nBL),
	R(PCH,   MACS,             C(RDRES),        T_nCL),
	/* rank (stack ID): activation rate, column spacing, turnarounds */
	R(RANK,  C(ACT),           C(ACT),          T_nRRDS),
	{DRAM_RANK, C(ACT), C(ACT), {T_nFAW}, 0, 4},
	R(RANK,  DATA,             DATA,            T_nCCDS),
	{DRAM_RANK, C(RD), C(WR), {T_nCL, T_nBL, T_0, T_nCWL}, 2, 0},
	R(RANK,  C(WR),            C(RD),           T_nCWL, T_nBL, T_nWTRS),
	/* bank group */
	R(BG,    C(RD) | C(WR),    C(RD) | C(WR),   T_nCCDL),
	R(BG,    C(WR),            C(RD),           T_nCWL, T_nBL, T_nWTRL),
	R(BG,    C(ACT),           C(ACT),          T_nRRDL),
	/* bank */
	R(BANK,  C(ACT),           C(ACT),          T_nRC),
	R(BANK,  C(ACT),           C(RD) | C(WR),   T_nRCD),
	R(BANK,  C(ACT),           C(PRE),          T_nRAS),
	R(BANK,  C(PRE),           C(ACT),          T_nRP),
	R(BANK,  C(RD),            C(PRE),          T_nRTP),
	R(BANK,  C(WR),            C(PRE),          T_nCWL, T_nBL, T_nWR),
};

static void values(const struct hbm *h, int v[T_N])
{
	int pl = h->power_limit != 0;

	v[T_0] = 0;
	v[T_nBL] = h->nBL, v[T_nCL] = h->nCL, v[T_nRCD] = h->nRCD, v[T_nRP] = h->nRP;
	v[T_nRAS] = h->nRAS, v[T_nRC] = h->nRC, v[T_nCCDS] = h->nCCDS, v[T_nCCDL] = h->nCCDL;
	v[T_nRRDS] = h->nRRDS, v[T_nRRDL] = h->nRRDL, v[T_nFAW] = h->nFAW, v[T_nWR] = h->nWR;
	v[T_nRTP] = h->nRTP, v[T_nCWL] = h->nCWL, v[T_nWTRS] = h->nWTRS, v[T_nWTRL] = h->nWTRL;
	v[T_nRFC] = h->nRFC;
	v[T_nCCDAB_EFF] = pl ? h->nCCDAB_power : h->nCCDAB;
	v[T_nCCDBG_EFF] = pl ? h->nCCDBG_power : h->nCCDBG;
}

/* Add one expanded rule, merging with an equal (level, following, window). */
static int add_rule(struct dram_timing *t, int prec, const struct dram_rule *r, struct err *e)
{
	for (int i = 0; i < t->nrules[prec]; i++) {
		struct dram_rule *o = &t->rules[prec][i];
		if (o->level == r->level && o->following == r->following && o->window == r->window &&
		    o->window_slot == r->window_slot) {
			if (r->latency_cycles > o->latency_cycles)
				o->latency_cycles = r->latency_cycles;
			return 0;
		}
	}
	if (t->nrules[prec] == DRAM_MAX_RULES)
		return err_set(e, "dram timing: more than %d rules after %s", DRAM_MAX_RULES,
			       dram_cmd_names[prec]);
	t->rules[prec][t->nrules[prec]++] = *r;
	return 0;
}

int dram_timing_init(struct dram_timing *t, const struct hbm *h, struct err *e)
{
	int v[T_N];

	memset(t, 0, sizeof *t);
	values(h, v);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct rule_src *s = &table[i];
		int lat = v[s->t[0]] + v[s->t[1]] + v[s->t[2]] - v[s->t[3]] + s->add;
		struct dram_rule r = {(int8_t)s->level, 0, (int8_t)s->window, 0, lat};

		if (lat < 0)
			return err_set(e, "dram timing: rule %zu (%s level) has negative latency %d", i,
				       dram_level_names[s->level], lat);
		if (s->window > 0) {
			if (t->nwindows == DRAM_MAX_WINDOWS)
				return err_set(e, "dram timing: more than %d windowed rules",
					       DRAM_MAX_WINDOWS);
			r.window_slot = (int8_t)t->nwindows;
			t->window_len[t->nwindows] = s->window;
			t->window_level[t->nwindows++] = s->level;
		}
		for (int p = 0; p < DRAM_NCMD; p++) {
			if (!((s->preceding >> p) & 1u))
				continue;
			for (int f = 0; f < DRAM_NCMD; f++) {
				if (!((s->following >> f) & 1u))
					continue;
				r.following = (int8_t)f;
				if (add_rule(t, p, &r, e) != 0)
					return -1;
			}
		}
	}
	return 0;
}

int dram_timing_latency(const struct dram_timing *t, int preceding, int following, int level)
{
	int best = 0;

	for (int i = 0; i < t->nrules[preceding]; i++) {
		const struct dram_rule *r = &t->rules[preceding][i];
		if (r->following == following && r->level == level && r->window == 0 &&
		    r->latency_cycles > best)
			best = r->latency_cycles;
	}
	return best;
}
