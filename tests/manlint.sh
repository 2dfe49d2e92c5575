#!/usr/bin/env bash
# manlint.sh - the man page formats without a single groff warning.
# Run by `make check` from the top of the tree (skipped without groff).
set -u
if ! command -v groff >/dev/null; then
	echo "man lint: skipped (no groff)"
	exit 0
fi
out=$(groff -mandoc -ww -z man/sieve.1 2>&1)
if [ -n "$out" ]; then
	echo "FAIL: groff -mandoc -ww -z man/sieve.1:"
	echo "$out"
	exit 1
fi
# and a warning is noticed: a request groff does not know
printf '.TH X 1\n.SH NAME\nx\n.XYZZY\n' >"${TMPDIR:-/tmp}/manlint.$$.1"
out=$(groff -mandoc -ww -z "${TMPDIR:-/tmp}/manlint.$$.1" 2>&1)
rm -f "${TMPDIR:-/tmp}/manlint.$$.1"
if [ -z "$out" ]; then
	echo "FAIL: groff -ww gave no warning on an unknown request"
	exit 1
fi
echo "man lint: clean"
