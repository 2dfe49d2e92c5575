# The README's ViBE table from tests/vibe_table.sh's CSV: per model, sched
# and rate, each placement's P90 TTFT and SLO attainment as means over the
# seeds, vibe against the better other mean, and the seeds' spread of eplb
# (max / min - 1), the noise a difference must clear.
BEGIN { FS = "," }
NR == 1 { next }
{
	k = $1 SUBSEP $2 SUBSEP $3
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	ttft[k, $4] += $6; slo[k, $4] += $7; runs[k, $4]++
	if ($4 == "eplb") {
		if (!((k, "lo") in spread) || $6 < spread[k, "lo"]) spread[k, "lo"] = $6
		if (!((k, "hi") in spread) || $6 > spread[k, "hi"]) spread[k, "hi"] = $6
	}
}
END {
	print "| model | sched | rate (req/s) | linear P90 TTFT / SLO | eplb | vibe | vibe vs best other | eplb's spread over seeds |"
	print "|---|---|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, f, SUBSEP)
		for (p = 1; p <= 3; p++) {
			pl = p == 1 ? "linear" : p == 2 ? "eplb" : "vibe"
			t[pl] = ttft[k, pl] / runs[k, pl]; s[pl] = slo[k, pl] / runs[k, pl]
		}
		best = t["linear"] < t["eplb"] ? t["linear"] : t["eplb"]
		printf "| %s | %s | %s | %.0f ms / %.0f%% | %.0f ms / %.0f%% | %.0f ms / %.0f%% | %+.0f%% | %.0f%% |\n",
			f[1], f[2], f[3], t["linear"], 100 * s["linear"], t["eplb"], 100 * s["eplb"],
			t["vibe"], 100 * s["vibe"], 100 * (t["vibe"] / best - 1),
			100 * (spread[k, "hi"] / spread[k, "lo"] - 1)
	}
}
