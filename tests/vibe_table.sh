#!/bin/sh
# The README's ViBE table: P90 TTFT and SLO attainment of sieve serve for
# linear, eplb and vibe placement, sched gpu and sieve, light to past
# saturation, every point for several seeds (near saturation one seed's
# P90 TTFT swings by +-20%: the queue amplifies a percent of decode time).
# Usage: sh tests/vibe_table.sh [HW] > table.csv   (from the top of the tree)
#        awk -f tests/vibe_summary.awk table.csv   (the README's markdown)
# Environment: SIEVE=path runs another binary; SEEDS, MODELS, SCHEDS, RATES
# narrow the grid.
hw=${1:-h100x8-pim-var}
echo "model,sched,rate,place,seed,ttft_p90_ms,slo_attainment,recalibrations,straggler_gap_us"
for model in ${MODELS:-qwen3-30b-a3b gpt-oss-120b}; do
	for sched in ${SCHEDS:-gpu sieve}; do
		for rate in ${RATES:-10 25 30 35 40}; do
			for place in linear eplb vibe; do
				for seed in ${SEEDS:-1 2 3}; do
					"${SIEVE:-./sieve}" serve --model $model --hw $hw --sched $sched \
						--place $place --rate $rate --duration 60 --seed $seed \
						--format csv | tail -1 |
						awk -F, -v m=$model -v s=$sched -v r=$rate -v p=$place -v d=$seed \
						'{ print m "," s "," r "," p "," d "," $8 "," $13 "," $15 "," $16 }'
				done
			done
		done
	done
done
