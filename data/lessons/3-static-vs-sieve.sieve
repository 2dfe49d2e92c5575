# Lesson 3: static rules against sieve on the same batch
#
# For the teacher.  `sieve --lesson 3`; in the UI the compare view shows
# the second policy beside the first, on the same routing.  About 10
# minutes.
#
# Static rules decide from a token count alone: threshold puts every
# expert with at most tau tokens in PIM.  tau 12 is threshold's best on
# this batch (`sieve compare --batch 64` tries every tau).  Sieve decides
# per layer and GPU from the simulation's own costs, contention and the
# PIM stacks' parallelism counted.
set model qwen3-30b-a3b
set hw h100x4-pim
set routing synthetic
set batch 64
set context 4096
set seed 1
set micro 1
set iters 3
set sched sieve
set tau 12
note "Lesson 3: static rules against sieve. Threshold (tau 12) sends every expert with <= 12 tokens to PIM; sieve decides layer by layer."

# Stop at the first layer where sieve's split differs from what threshold
# would have done on the same token counts.
break differs threshold
run
note "Stopped: in this layer sieve sent an expert elsewhere than threshold would have."

# The decision inspector on that expert: its token count, its GPU share
# and PIM time, where sieve put it and why, and every policy's choice.
# Point at the margin: how much longer this GPU's expert phase would have
# been had the expert gone the other way.  Sieve may put an expert in PIM
# even when its PIM kernel is slower than its GPU share: the stacks work in
# parallel, and a GPU with no expert left skips the grouped kernel's fixed
# cost; what counts is the GPU's whole expert phase.
inspect
note "The inspector: tokens, GPU and PIM cost, where sieve put it and the margin. A token count alone cannot see the other experts' load."

# Drop the breakpoint and finish, then compare on the same routing.
delete 1
run
compare threshold
compare duplex
note "Same batch, same routing: sieve is ahead of threshold at its best tau and of duplex's per-device table."
