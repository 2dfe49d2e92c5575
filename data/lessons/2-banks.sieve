# Lesson 2: what the banks do during a PIM GEMV
#
# For the teacher.  `sieve --lesson 2`; in the UI open the Banks panel: its
# heatmap follows every `step N cycle` below.  Headless, each step prints
# the cycle and the commands the stack has issued so far.  About 10 minutes.
#
# Everything runs in PIM (`sched pim`), so GPU 0's stack 0 does nothing but
# the PIM kernels of the experts whose weights it holds.  The layout
# (pim.h): each expert's gate+up weights (1536 x 2048) and down weights
# (2048 x 768) are cut over the 1024 bank units of the stack (32
# pseudo-channels x 32 banks), 192 + 96 columns each, 32 columns to a
# 1 KB row: 6 + 3 = 9 rows per bank.  A BF16 unit multiplies 16 weights
# by one input per MAC, so every token is one pass over the weights.
set model qwen3-30b-a3b
set hw h100x4-pim
set routing synthetic
set batch 16
set context 4096
set seed 1
set micro 1
set iters 1
set sched pim
note "Lesson 2: what the banks do during a PIM GEMV. Every expert runs in PIM; we watch one HBM stack, cycle by cycle."

# One layer, then the replay of GPU 0's stack 0: the list shows its
# kernels, one per expert stored there, and their token counts.
step
replay 0 0
note "One kernel per expert held in this stack; each token is one pass over the expert's weights."

# Cycle 1: ACTAB (activate the same row in all 32 banks of a
# pseudo-channel at once) and the first WRGB (the token's input values
# written into the pseudo-channel's global buffer).
step 1 cycle
note "ACTAB opens one row in every bank of a pseudo-channel at once. WRGB writes the token's input vector next to the banks."

# ~300 cycles: the 4 KB input (2048 BF16 values, 128 WRGB per
# pseudo-channel) is in, and the MACABs start: each reads one 32 B column
# in all 32 banks, 16 multiply-adds per bank.
step 299 cycle
note "MACAB: every bank reads one 32-byte column into its own unit and multiplies 16 weights - 32 banks at a time, no data crosses the bus."

# A few rounds later: PREA closes the row in every bank; the next ACTAB
# opens the next row.  9 rows per pass per bank (6 gate+up, 3 down).
step 300 cycle
note "PREA closes the rows; the next ACTAB opens the next row. 9 rows per bank per token for this expert."

# The last cycle of the first kernel (1 token): 9 x 32 = 288 ACTAB,
# 288 x 32 = 9216 MACAB, and RDRES: the partial sums read out.
step 1285 cycle
note "One token done: ACTAB = rows x pseudo-channels, MACAB = columns x pseudo-channels, RDRES reads the partial sums out."

# The second kernel (4 tokens) started at cycle 1886 with refresh phase 0
# (as the decode run timed it); 5070 cycles (3.9 us, tREFI) later REF
# appears: all-bank refresh stops every bank of a pseudo-channel for 455
# cycles (350 ns), once per pseudo-channel (32).  A kernel longer than
# tREFI pays it.
step 5300 cycle
note "REF: every 3.9 us each pseudo-channel refreshes all its banks for 350 ns, and PIM must wait."

# To the end of the stack's work: every count is tokens x the per-token
# figures (ACTAB 288, MACAB 9216 per token here).
step 100000 cycle
note "Every count is a multiple of the per-token pass: PIM re-reads all the weights for each token, which is why it loses to the GPU on hot experts."
