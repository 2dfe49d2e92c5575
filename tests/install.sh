#!/usr/bin/env bash
# install.sh - `make install` into a temporary DESTDIR, then the installed
# binary with no environment: it must find its data from its own location,
# also after the tree is moved; `make uninstall` removes what was put there.
# Run by `make check` from the top of the tree.
set -u
MAKE=${MAKE:-make}
. "$(dirname "$0")/harness.sh"

$MAKE -s --no-print-directory install DESTDIR="$tmp/dest" PREFIX=/opt/sv >"$tmp/log" 2>&1 ||
	bad "make install failed: $(cat "$tmp/log")"
root=$tmp/dest/opt/sv
for f in bin/sieve share/man/man1/sieve.1 share/sieve/defaults.ini \
	share/sieve/models/qwen3-30b-a3b.ini share/sieve/hw/h100x4-pim.ini \
	share/sieve/routing/dsv2lite_law.csv; do
	[ -f "$root/$f" ] && ok || bad "make install did not install $f"
done
[ -x "$root/bin/sieve" ] && ok || bad "installed sieve is not executable"

# installed_runs DIR: --version and a short run from /, no SIEVE_DATA
installed_runs() {
	local out
	out=$(cd / && env -u SIEVE_DATA "$1/bin/sieve" --version 2>&1) &&
		grep -qE '^sieve [0-9]+\.[0-9]+' <<<"$out" && ok || bad "$1: sieve --version: $out"
	out=$(cd / && env -u SIEVE_DATA "$1/bin/sieve" run --iters 1 --batch 8 2>&1) &&
		grep -q 'tokens/s' <<<"$out" && ok || bad "$1: installed run: $out"
}
installed_runs "$root"
mv "$root" "$tmp/moved"	# a relocated install still finds its data
installed_runs "$tmp/moved"
mv "$tmp/moved" "$root"

if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$root/share/man/man1/sieve.1" 2>"$tmp/err" | grep -q 'EXIT STATUS' &&
		[ ! -s "$tmp/err" ] && ok || bad "man -l on the installed page: $(cat "$tmp/err")"
fi

$MAKE -s --no-print-directory uninstall DESTDIR="$tmp/dest" PREFIX=/opt/sv >"$tmp/log" 2>&1 ||
	bad "make uninstall failed: $(cat "$tmp/log")"
left=$(find "$root" -type f | wc -l)
[ "$left" = 0 ] && ok || bad "make uninstall left $left files: $(find "$root" -type f | head -3)"

summary "install tests"
