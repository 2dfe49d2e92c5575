#!/usr/bin/env bash
# lessons.sh - every classroom lesson (data/lessons) runs headless and shows
# what it tells the class, each observation checked against a derivation
# that does not go through the lesson: the probes, --explain tables, the
# layout formula of sim/pim.h and sieve compare.  Run by `make check` with
# SIEVE set to the binary; needs python3 to read the JSON.
set -u
SIEVE=${SIEVE:-./sieve}
. "$(dirname "$0")/harness.sh"

# check NAME COMMAND...: passes when the command succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}

if ! command -v python3 >/dev/null; then
	echo "lessons.sh: python3 is needed to read the reports" >&2
	exit 1
fi

# --lesson list: one line per file, the title from its first line.
"$SIEVE" run --lesson list >"$tmp/list" 2>&1
for f in data/lessons/*.sieve; do
	n=${f##*/}
	n=${n%%-*}
	title=$(head -1 "$f" | sed 's/^# Lesson [0-9]*: //')
	check "--lesson list shows lesson $n: $title" grep -qF "$n   $title" "$tmp/list"
done
check "sieve --lesson list (the UI's form) lists the same" \
	cmp -s "$tmp/list" <("$SIEVE" --lesson list 2>&1)
"$SIEVE" run --lesson 99 >/dev/null 2>"$tmp/err"
check "--lesson 99 is refused with exit 2" test $? = 2
check "--lesson 99 names the lessons there are" grep -q "no lesson 99 (there are 1, 2, 3, 4" "$tmp/err"

# Each lesson runs; every note it writes is printed, none is lost.
for n in 1 2 3 4; do
	"$SIEVE" run --lesson "$n" --format json >"$tmp/l$n.json" 2>"$tmp/l$n.err"
	check "lesson $n runs headless (exit 0): $(tail -1 "$tmp/l$n.err")" test $? = 0
	f=$(ls data/lessons/"$n"-*.sieve)
	check "lesson $n prints each of its notes" \
		test "$(grep -c '^note at iteration' "$tmp/l$n.err")" = "$(grep -c '^note ' "$f")"
done
check "the same lesson twice gives the same report byte for byte" \
	cmp -s "$tmp/l1.json" <("$SIEVE" run --lesson 1 --format json 2>/dev/null)

# Lesson 1: the histogram is bimodal, and it is the routing's own: the
# report's kept layers (4 iterations, all kept) equal probe routing over
# the same 4 iterations.
"$SIEVE" probe routing --model qwen3-30b-a3b --batch 16 --samples 4 --seed 1 --format json \
	>"$tmp/routing.json"
python3 - "$tmp/l1.json" "$tmp/routing.json" <<'EOF' && ok || bad "lesson 1: histogram"
import json, sys
r = json.load(open(sys.argv[1]))["routing_kept"]
p = json.load(open(sys.argv[2]))
h = [b["frac"] for b in r["histogram"]]
assert r["layers"] == 4 * 48, r["layers"]
assert h[0] + h[1] > 0.5, ("most activated experts have <= 2 tokens", h[:2])
assert r["top10_share"] > 0.5, ("the busiest 10% carry more than half", r["top10_share"])
for k in ("activated", "frac_single", "top10_share", "max_load", "histogram"):
    assert r[k] == p[k], (k, r[k], p[k])
EOF

# Lesson 1: the crossover it prints is where probe pim's PIM and GPU times
# for the same expert (2048 x 768, BF16, one expert alone) cross.
for t in $(seq 1 16); do
	"$SIEVE" probe pim --hidden 2048 --inter 768 --tokens "$t" --format json
done >"$tmp/pim.jsonl"
said=$(sed -n 's/^crossover alone: pim faster up to \([0-9]*\) tokens$/\1/p' "$tmp/l1.err")
grouped=$(sed -n 's/^crossover grouped: pim faster up to \([0-9]*\) tokens$/\1/p' "$tmp/l1.err")
python3 - "$tmp/pim.jsonl" "${said:-none}" "${grouped:-none}" <<'EOF' && ok || bad "lesson 1: crossover"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
up = 0
for r in rows:
    if r["us"] >= r["gpu_us"]:
        break
    up = r["tokens"]
assert 0 < up < 16, up
assert sys.argv[2] == str(up), ("lesson says", sys.argv[2], "probes say", up)
# in a grouped kernel an expert costs less than alone: PIM's edge ends sooner
assert sys.argv[3] != "none" and 1 <= int(sys.argv[3]) <= up, sys.argv[3]
EOF

# Lesson 2: the replay of GPU 0's stack 0 under sched pim.  Its kernels are
# the PIM experts --explain places on that stack; its command counts are the
# layout formula of sim/pim.h times the tokens; refresh appears.
"$SIEVE" run --model qwen3-30b-a3b --hw h100x4-pim --batch 16 --sched pim --iters 1 \
	--explain 0 --format csv >"$tmp/explain2.csv"
python3 - "$tmp/l2.err" "$tmp/explain2.csv" data/hw/h100x4-pim.ini \
	data/models/qwen3-30b-a3b.ini <<'EOF' && ok || bad "lesson 2: replay counts"
import csv, math, re, sys
err = open(sys.argv[1]).read()
def ini(path):
    d = {}
    for line in open(path):
        line = line.split("#")[0]
        if "=" in line:
            k, v = line.split("=", 1)
            d[k.strip()] = v.strip()
    return d
hw, m = ini(sys.argv[3]), ini(sys.argv[4])
# the kernels the replay lists = the explain table's PIM experts on gpu 0, stack 0
listed = sorted((int(e), int(t)) for e, t in
                re.findall(r"^  kernel \d+: expert (\d+), (\d+) tokens?,", err, re.M))
want = sorted((int(r["expert"]), int(r["tokens"])) for r in csv.DictReader(open(sys.argv[2]))
              if r["gpu"] == "0" and r["stack"] == "0" and r["where"] == "pim")
assert listed == want and want, (listed, want)
# the layout (sim/pim.h), bank PIM, BF16, 16 lanes: one pass per token
pchs = int(hw["channels"]) * int(hw["pseudo_channels"])
units = pchs * int(hw["ranks"]) * int(hw["bank_groups"]) * int(hw["banks_per_group"])
cpr = int(hw["row_bytes"]) // int(hw["column_bytes"])
H, I, bpw = int(m["hidden"]), int(m["expert_inter"]), float(m["expert_weight_bytes"])
col = int(hw["column_bytes"])
def gemv(n_out, k):
    cpu = math.ceil(n_out * math.ceil(k * bpw / col) / units)   # columns per unit
    return math.ceil(cpu / cpr), cpu                              # rows, MAC rounds' columns
(r1, c1), (r2, c2) = gemv(2 * I, H), gemv(H, I)
act_tok, mac_tok = (r1 + r2) * pchs, (c1 + c2) * pchs
def counts(line):
    return {k: int(v) for k, v in re.findall(r" ([A-Z]+) (\d+)", line.split("issued:")[1])}
steps = re.findall(r"^cycle \d+ .*issued:.*$", err, re.M)
first = [s for s in steps if s.startswith("cycle 1885 ")][0]
t1 = [t for e, t in re.findall(r"^  kernel 1: expert (\d+), (\d+) tokens?,", err, re.M)][0]
c = counts(first)
assert c["ACTAB"] == int(t1) * act_tok and c["MACAB"] == int(t1) * mac_tok, (c, act_tok, mac_tok)
assert c.get("REF", 0) == 0, "a kernel shorter than tREFI refreshes nothing"
end = counts([s for s in steps if "kernels done" in s][0])
tokens = sum(t for e, t in want)
assert end["ACTAB"] == tokens * act_tok, (end, tokens * act_tok)
assert end["PREA"] == tokens * act_tok, (end, tokens * act_tok)
assert end["MACAB"] == tokens * mac_tok, (end, tokens * mac_tok)
assert end.get("REF", 0) > 0 and end["REF"] % pchs == 0, end
assert any(counts(s).get("REF", 0) > 0 for s in steps if "kernels done" not in s), \
    "refresh shows while a kernel runs"
EOF

# Lesson 3: the breakpoint stops at a layer where sieve and threshold
# (tau 12) split differently: the expert it names is where --explain puts it
# under sieve and elsewhere under threshold's rule (tokens <= tau).  Sieve's
# throughput is at least every static policy's on that batch (sieve
# compare), and the lesson's compare lines are those runs' figures.
stop=$(sed -n 's/^breakpoint 1 (differs threshold) after iteration \([0-9]*\), layer \([0-9]*\);.*/\1 \2/p' "$tmp/l3.err")
read -r it layer <<<"${stop:-x x}"
check "lesson 3: the breakpoint fired" test "$it" != x
"$SIEVE" run --model qwen3-30b-a3b --hw h100x4-pim --batch 64 --sched sieve --tau 12 \
	--iters $((${it:-0} + 1)) --explain "${layer:-0}" --format csv >"$tmp/explain3.csv" 2>&1
"$SIEVE" compare --model qwen3-30b-a3b --hw h100x4-pim --batch 64 --iters 3 --format csv \
	>"$tmp/compare.csv"
python3 - "$tmp/l3.err" "$tmp/explain3.csv" "$tmp/compare.csv" "$tmp/l3.json" <<'EOF' && ok || bad "lesson 3"
import csv, json, re, sys
err = open(sys.argv[1]).read()
e, it, layer, tokens = map(int, re.search(
    r"^expert (\d+) in iteration (\d+), layer (\d+) \(sched sieve\): gpu \d+, stack \d+, (\d+) tokens",
    err, re.M).groups())
where = re.search(r"^  gpu_us \S+  pim_us \S+  where (\w+)", err, re.M).group(1)
row = [r for r in csv.DictReader(open(sys.argv[2])) if int(r["expert"]) == e][0]
assert int(row["iter"]) == it and int(row["layer"]) == layer, row
assert int(row["tokens"]) == tokens and row["where"] == where, (row, tokens, where)
threshold_where = "pim" if tokens <= 12 else "gpu"
assert where != threshold_where, ("decisions do not differ", where, threshold_where)
assert re.search(r"threshold \(tau 12\) %s," % threshold_where, err), "inspector's threshold"
cmp = {r["sched"]: r for r in csv.DictReader(open(sys.argv[3]))}
sieve = float(cmp["sieve"]["tokens_per_s"])
assert all(sieve >= float(r["tokens_per_s"]) for r in cmp.values()), cmp
assert float(json.load(open(sys.argv[4]))["tokens_per_s"]) == sieve
assert cmp["threshold-oracle"]["tau"] == "12", "tau 12 is threshold's best here (compare's oracle), as the lesson says"
for pol in ("threshold", "duplex"):
    said = re.search(r"^compare over 3 iterations: sieve ([\d.]+) tokens/s, %s ([\d.]+)" % pol,
                     err, re.M).groups()
    row = cmp["threshold-oracle" if pol == "threshold" else pol]	# the lesson's tau is the oracle's
    assert float(said[0]) == sieve and float(said[1]) == float(row["tokens_per_s"]), said
EOF

# Lesson 4: the gap breakpoint stays quiet on equal GPUs and fires on the
# first layer after GPU 3 slows (the iteration the gpu_speed change is
# recorded at, layer 0).
slowed=$(sed -n 's/^gpu_speed = .* from iteration \([0-9]*\), layer 0$/\1/p' "$tmp/l4.err")
first=$(grep -m1 '^breakpoint 1 (gap 40) after' "$tmp/l4.err")
check "lesson 4: the gap breakpoint fires on the first slowed layer (iteration ${slowed:-?}): $first" \
	test -n "$slowed" -a "$first" = \
	"breakpoint 1 (gap 40) after iteration $slowed, layer 0; now at iteration $slowed, layer 1"

# Lesson 4: the gap with GPU 3 at 0.7 is the model's.  Every GPU's expert
# phase on equal GPUs (dispatch end to its last expert kernel, from the
# trace of the lesson's machine) with GPU 3's divided by 0.7 (hw.h: the
# factor scales both sides of its roofline) predicts the slowed run's gap
# layer by layer; the lesson says it is about twice the equal one.
l4="--model qwen3-30b-a3b --hw h100x8-pim --batch 64 --sched gpu --place linear --iters 4"
# shellcheck disable=SC2086
"$SIEVE" run $l4 --format json --trace-out "$tmp/equal4.json" >"$tmp/equal4.rep"
# shellcheck disable=SC2086
"$SIEVE" run $l4 --format json --gpu_speed '1 1 1 0.7 1 1 1 1' >"$tmp/slow4.rep"
python3 - "$tmp/equal4.json" "$tmp/equal4.rep" "$tmp/slow4.rep" 0.7 <<'EOF' && ok || bad "lesson 4: the slowed gap from the equal machine's trace"
import collections, json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
k = float(sys.argv[4])
disp, end = collections.defaultdict(float), collections.defaultdict(float)
for e in ev:
    if e.get("ph") != "X":
        continue
    key = (e["args"]["iter"], e["args"]["layer"])
    if e["cat"] == "dispatch":
        disp[key] = max(disp[key], e["ts"] + e["dur"])
    elif e["cat"] == "gpu-experts":
        end[key + (e["pid"],)] = max(end[key + (e["pid"],)], e["ts"] + e["dur"])
def gap(t):
    return max(t) - sum(t) / len(t)
equal, pred = [], []
for key in disp:
    t = [end.get(key + (g,), disp[key]) - disp[key] for g in range(8)]
    equal.append(gap(t))
    t[3] /= k
    pred.append(gap(t))
assert len(disp) == 4 * 48, len(disp)
eq, pr = sum(equal) / len(equal), sum(pred) / len(pred)
rep_eq = json.load(open(sys.argv[2]))["straggler_us"]
rep_slow = json.load(open(sys.argv[3]))["straggler_us"]
assert abs(eq - rep_eq) < 0.01, ("trace and report disagree", eq, rep_eq)
assert abs(pr - rep_slow) < 0.005 * rep_slow, ("predicted", pr, "run", rep_slow)
assert 1.8 < rep_slow / rep_eq < 2.5, ("the lesson says the gap doubles", rep_eq, rep_slow)
EOF

# Lesson 4: one re-placement for the slowdown (GPU time drift, within
# recal_confirm + 1 iterations of it), weights moved; the gap per layer of
# the lesson's own run, window by window (the report's mean at a position,
# differenced), against the same machine with linear from just after the
# slowdown (the lesson's "Try"): equal ~15 us, slowed ~32 us, vibe after its
# re-placement near the equal machine and well below linear's.
mean_at() {	# mean_at COMMANDS...: iterations done and mean gap, after the lesson and COMMANDS
	local a=()
	for c in "$@"; do a+=(-c "$c"); done
	"$SIEVE" run --lesson 4 "${a[@]}" --format json 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["iters"], d["straggler_us"])'
}
{
	mean_at 'goto 20'
	mean_at 'goto 23'
	mean_at
	mean_at 'goto 21' 'set place linear' 'run'
} >"$tmp/l4means"
python3 - "$tmp/l4.json" "$tmp/l4means" "${slowed:-0}" <<'EOF' && ok || bad "lesson 4: recalibration and the gap by window"
import json, sys
log = json.load(open(sys.argv[1]))["recalibration_log"]
slowed = int(sys.argv[3])
drift = [r for r in log if r["why"] != "policy changed"]
assert len(drift) == 1 and drift[0]["why"] == "GPU time drift", log
assert slowed < drift[0]["iter"] <= slowed + 3 + 1, (slowed, drift)
assert drift[0]["moved"] > 0 and drift[0]["moved_mb"] > 0, drift
(n20, g20), (n23, g23), (n40, vibe40), (m40, lin40) = \
    [(int(a), float(b)) for a, b in (l.split() for l in open(sys.argv[2]))]
assert (n20, n23, n40, m40) == (20, 23, 40, 40), (n20, n23, n40, m40)
def window(n0, g0, n1, g1):
    return (n1 * g1 - n0 * g0) / (n1 - n0)
equal, slow = g20, window(20, g20, 23, g23)
vibe, linear = window(23, g23, 40, vibe40), window(23, g23, 40, lin40)
assert 13 < equal < 17, ("about 15 us", equal)
assert 29 < slow < 36 and 29 < linear < 36, ("~32 us", slow, linear)
assert vibe < 1.25 * equal, ("back near the equal machine", vibe, equal)
assert vibe < 0.6 * linear, ("vibe well below linear", vibe, linear)
EOF

summary lessons.sh
