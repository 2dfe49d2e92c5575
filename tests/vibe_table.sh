#!/bin/sh
# The README's ViBE table: P90 TTFT and SLO attainment of sieve serve for
# linear, eplb and vibe placement, sched gpu and sieve, light to past
# saturation, on h100x8-pim-var (and h100x8-pim for the equal-GPU check).
# Usage: sh tests/vibe_table.sh [HW] > table.csv   (from the top of the tree)
hw=${1:-h100x8-pim-var}
echo "model,sched,rate,place,ttft_p90_ms,slo_attainment,recalibrations,straggler_gap_us"
for model in qwen3-30b-a3b gpt-oss-120b; do
	for sched in gpu sieve; do
		for rate in 10 25 30 35 40; do
			for place in linear eplb vibe; do
				./sieve serve --model $model --hw $hw --sched $sched --place $place \
					--rate $rate --duration 60 --format csv | tail -1 |
					awk -F, -v m=$model -v s=$sched -v r=$rate -v p=$place \
					'{ print m "," s "," r "," p "," $8 "," $13 "," $15 "," $16 }'
			done
		done
	done
done
