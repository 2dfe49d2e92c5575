# harness.sh - what the shell tests share, sourced at their top: a
# temporary directory $tmp removed on exit, the pass/fail count, and the
# closing summary.  A script that needs more on exit or on a failure sets
# its own trap or bad() after sourcing (ui.sh: the tmux server, the screen).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# summary NAME: the counts; the status says whether none failed (the script's last command)
summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}
