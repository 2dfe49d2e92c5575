# Lesson 1: why tail experts are memory-bound
#
# For the teacher.  Run it with `sieve --lesson 1` (or `:lesson 1` in the
# UI, or headless with `sieve run --lesson 1`); every `note` appears on the
# class's screen, the `#` lines are for you.  About 10 minutes.
#
# The scenario: Qwen3-30B-A3B (128 experts, top-8) decoding a batch of 16
# sequences on four H100-class GPUs with HBM-PIM stacks.  Four iterations,
# all of which the simulator keeps, so the histogram below covers every
# MoE layer of the run.
set model qwen3-30b-a3b
set hw h100x4-pim
set routing synthetic
set batch 16
set context 4096
set seed 1
set micro 1
set iters 4
set sched sieve
note "Lesson 1: why tail experts are memory-bound. 16 sequences x top-8 = 128 token-slots per layer, spread over 128 experts."

# Step one layer and point at the Experts panel: a few tall bars (hot
# experts), many experts with one or two tokens, many with none.
step
note "Each bar is one expert's tokens in this layer. A few experts are hot; most of those that got any token got one or two."

# Run the rest and show the histogram over all 192 MoE layers.  The figures
# to point at: "one token" plus the "2" bin is more than half of the
# activated experts, while "top 10%" (13 busiest experts) carries more
# than half of the token-slots.  That is the bimodal shape.
run
probe routing
note "The histogram is bimodal: most activated experts have 1-2 tokens, yet the busiest 10% of experts carry more than half of all token-slots."

# Now one expert on its own.  Point at the gpu_alone_us column: flat.  The
# GPU must read all 9.4 MB of the expert's weights whatever the token
# count; with 1 token it does 1 FLOP per byte read, far below the ~295 it
# needs to be compute-bound.  Most of the 15.8 us is launch cost; the
# streaming part is the 3.2 us of the share column.  PIM reads the
# weights inside the banks (16x the external bandwidth) but once per token.
probe expert 16
note "GPU time is flat in tokens: it streams the weights (memory-bound). PIM pays per token. Alone, PIM wins up to the crossover printed above."
note "In a layer the GPU runs its experts in one grouped kernel, where a tail expert adds only its streaming share: there PIM wins only for 1-2 tokens."

# The last point: sieve makes this choice per layer and per GPU, with
# contention counted.  Ask the class what happens at batch 256 (most
# experts hot, few in the tail): try `set! batch 256` and `run`.
note "Sieve sends the tail to PIM and keeps hot experts on the GPU, layer by layer. Try: set! batch 256, then run."
