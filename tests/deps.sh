#!/usr/bin/env bash
# deps.sh - the compiler's dependency files are whole: every project header
# an object's .d names brings along the project headers it includes, so a
# changed header rebuilds every object that sees it.  (With -Isim,
# <pthread.h>'s #include <sched.h> found sim/sched.h, a "system header" to
# -MMD, and the UI's objects were not rebuilt when sim/place.h changed.)
# Run by `make check` from the top of the tree after the build; BUILD is the
# build folder (default build).
set -u
build=${BUILD:-build}
. "$(dirname "$0")/harness.sh"

checked=0
for d in "$build"/sim/*.d "$build"/ui/*.d "$build"/src/*.d; do
	[ -f "$d" ] || continue
	listed=$(tr ' \\' '\n\n' <"$d" | grep -E '^(sim|ui|src)/[a-z_0-9]+\.h$' | sort -u)
	missing=""
	for h in $listed; do
		for inc in $(sed -n 's/^#include "\([a-z_0-9]*\.h\)".*/\1/p' "$h"); do
			# found beside h first ("..." searches the includer's folder), else in sim/
			dep=""
			for dir in "$(dirname "$h")" sim ui; do
				[ -f "$dir/$inc" ] && { dep="$dir/$inc"; break; }
			done
			[ -z "$dep" ] || grep -qxF "$dep" <<<"$listed" || missing="$missing $dep (from $h)"
		done
	done
	[ -z "$missing" ] && ok || bad "$d lacks$missing"
	checked=$((checked + 1))
done
[ "$checked" -gt 0 ] && ok || bad "no .d files under $build (build first)"
summary "deps"
