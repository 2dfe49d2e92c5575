# Lesson 4: a straggler GPU and ViBE placement
#
# For the teacher.  `sieve --lesson 4`; in the UI point at the Stats panel:
# its "straggler" line is the shown layer's gap (slowest GPU's expert phase
# minus the mean of all eight), its placement lines list every
# recalibration and every GPU's speed.  About 10 minutes.
#
# The scenario: Qwen3-30B-A3B at batch 64 on eight H100-class GPUs
# (h100x8-pim), expert-parallel: each GPU runs the experts placed on it,
# and the layer goes on only when the last GPU is done.  Everything runs
# on the GPUs (`sched gpu`): under sched sieve a slow GPU's cold experts
# go to its PIM stacks, which run on their own clock, so sieve itself hides
# most of the slowdown and the placement's part is hard to see (at 0.7,
# linear and vibe both leave a ~27 us gap under sieve).
#
# Placement vibe from the start: on equal GPUs it places the experts as
# linear does (expert e on GPU e mod 8), so the first 20 iterations are
# the plain machine.  recal_drift 100 turns off re-placements for load
# drift, so the only one in this lesson is the slowdown's.
set model qwen3-30b-a3b
set hw h100x8-pim
set routing synthetic
set batch 64
set context 4096
set seed 1
set micro 1
set iters 40
set sched gpu
set place vibe
set recal_drift 100
note "Lesson 4: a straggler GPU and ViBE placement. 8 GPUs, each runs its own experts; a layer waits for the slowest."

# Stop whenever a layer's gap exceeds 40 us.  On equal GPUs the gap comes
# from load imbalance alone (a GPU whose experts drew more tokens): about
# 15 us per MoE layer on average, and in these 20 iterations no layer
# reaches 40 us, so the run goes through.
break gap 40
run 20
note "20 iterations on equal GPUs: the straggler gap is load imbalance alone, about 15 us a layer, never above 40 us."

# GPU 3 drops to 0.7 of its speed, compute and memory (a hot or
# power-capped part: Sinha et al., SC'22, measured up to 22% spread in one
# SKU).  The breakpoint fires on the very first layer after the change.
# Why the gap doubles: GPU 3's expert phase becomes 1 / 0.7 = 1.43x, about
# 32 us longer on a ~75 us phase; GPU 3 is now the slowest in almost every
# layer and the mean moves by only an eighth of that, so the gap is about
# 7/8 x 32 = 28 us plus what imbalance adds: ~32 us, twice the equal
# machine's.  The other seven GPUs wait for it in every layer.
set gpu_speed 1 1 1 0.7 1 1 1 1
run
note "GPU 3 now runs at 0.7: the breakpoint fired on the first layer. The slowest GPU sets every layer's pace; the gap doubles to ~32 us."

# vibe compares each GPU's measured expert phase with its model; GPU 3's
# drifts from the others' and after recal_confirm (3) checks in a row
# vibe re-places: hot experts to fast GPUs, cold ones to GPU 3.  The
# Stats panel (headless: the report's placement lines) shows it: from
# iteration 23, "GPU time drift", the replicas moved and the megabytes
# they cost on the links.  The first line, "policy changed" at iteration
# 1 with nothing moved, is the `set place vibe` above.
delete 1
run 3
note "vibe measured GPU 3 running slow against its model and re-placed the experts: hot ones to fast GPUs, cold ones to GPU 3."

# The rest of the run: the gap falls back to ~17 us, near the equal
# machine's 15.  It does not return to it exactly: vibe balances expected
# time, and which of GPU 3's cold experts get a token is chance.  Linear
# never moves (its gap stays ~32 us); eplb balances tokens and counts GPUs
# as equal, so it does not help either.  To see linear on the same slowed
# machine: `goto 21` (back to just after the slowdown), `set place linear`,
# `run`: the gap stays ~32 us from there on.
run
note "After the re-placement the gap falls back near the equal machine's: vibe gave the slow GPU less work. Try: goto 21, set place linear, run."
