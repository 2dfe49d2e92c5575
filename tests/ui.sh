#!/usr/bin/env bash
# ui.sh - the terminal UI driven as a user would, in tmux (as tmux tests
# itself): start it, send keys, read the screen back.  Run by `make check`
# with SIEVE set to the binary.  Waits poll the screen with a timeout
# instead of sleeping.
set -u
SIEVE=${SIEVE:-./sieve}
case $SIEVE in /*) ;; *) SIEVE=$PWD/$SIEVE ;; esac
if ! command -v tmux >/dev/null; then
	echo "ui.sh: tmux is missing (apt-get install tmux)" >&2
	exit 1
fi
tmp=$(mktemp -d)
sock=sieve-ui-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; screen | sed 's/^/  | /' | head -60; }

T=${UI_TIMEOUT:-20}	# seconds any one wait may take (asan builds are slower)
screen() { tm capture-pane -p -t t 2>/dev/null; }

# wait_for PATTERN: the screen shows an extended regexp
wait_for() {
	local end=$((SECONDS + T))
	while [ $SECONDS -le $end ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	return 1
}

# wait_not PATTERN: the screen stops showing it
wait_not() {
	local end=$((SECONDS + T))
	while [ $SECONDS -le $end ]; do
		screen | grep -qE -- "$1" || return 0
		sleep 0.05
	done
	return 1
}

# settled: no step in progress, then the screen
settled() {
	wait_not 'simulating iteration' || return 1
	screen
}

# wait_screen TEXT: the screen equals TEXT
wait_screen() {
	local end=$((SECONDS + T))
	while [ $SECONDS -le $end ]; do
		[ "$(screen)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# start [ENV=V ...] -- [sieve args]: a fresh session at 160x48 running
# sieve under a shell that reports its exit status and whether the tty
# modes came back as they were.
start() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	tm kill-session -t t 2>/dev/null
	rm -f "$tmp/status"
	printf '%q ' "$SIEVE" "$@" >"$tmp/cmd"
	cat >"$tmp/run.sh" <<SH
before=\$(stty -g)
env ${envs[*]:-} $(cat "$tmp/cmd")
rc=\$?
[ "\$(stty -g)" = "\$before" ] && tty=restored || tty=broken
echo "rc=\$rc tty=\$tty" >"$tmp/status"
echo "rc=\$rc tty=\$tty"
sleep 600
SH
	tm new-session -d -s t -x 160 -y 48 "bash $tmp/run.sh"
}

ended() {
	local end=$((SECONDS + T))
	while [ $SECONDS -le $end ]; do
		[ -s "$tmp/status" ] && { cat "$tmp/status"; return 0; }
		sleep 0.05
	done
	echo "still running"
}

# The five panels are there at 160x48.
start -- --no-mouse
wait_for 'Stats' || bad "the UI did not start"
for title in Experts Histogram Banks Timeline Stats; do
	screen | grep -q "─ $title \|- $title " && ok || bad "no panel titled $title"
done

# space, n and N advance the counters and change the Experts panel.
experts() { screen | sed -n '2,20p' | cut -c1-100; }
counters() { screen | grep -oE 'iteration +[0-9]+ of [0-9]+ +next layer [0-9]+|cursor +[^(]+\(event [0-9]+ of layer -?[0-9]+'; }
# step KEY: send it, wait until the counters move and no step is running
step() {
	local c0 end
	c0=$(counters)
	tm send-keys -t t "$1"
	end=$((SECONDS + T))
	while [ "$(counters)" = "$c0" ] && [ $SECONDS -le $end ]; do sleep 0.05; done
	settled >/dev/null
	[ "$(counters)" != "$c0" ]
}
for key in Space n N; do
	e0=$(experts)
	step "$key" && ok || bad "$key did not advance the counters"
	[ "$(experts)" != "$e0" ] && ok || bad "$key did not change the Experts panel"
done

# b returns to the screen before the last step.
step n
before=$(settled)
step n
tm send-keys -t t b
wait_screen "$before" && ok || bad "b did not return to the screen before"

# . replays the selected stack cycle by cycle in the Banks panel.
tm send-keys -t t . . .
wait_for 'stack0  cycle 2 = ' && ok || bad ". did not step the stack replay to cycle 2"

# ? opens the help screen and Esc closes it.
tm send-keys -t t '?'
wait_for 'Help: keys' && ok || bad "? did not open the help"
screen | grep -q 'next layer' && ok || bad "the help lacks the key list"
tm send-keys -t t Escape
wait_not 'Help: keys' && ok || bad "Esc did not close the help"

# Resizing: too small at 60x15 and 20x6, no crash, back to the panels.
tm resize-window -t t -x 60 -y 15
wait_for 'too small' && ok || bad "no 'too small' screen at 60x15"
tm resize-window -t t -x 20 -y 6
wait_for 'too small' && ok || bad "no 'too small' screen at 20x6"
tm resize-window -t t -x 160 -y 48
wait_for 'Timeline' && ok || bad "the panels did not come back after resizing"
[ ! -s "$tmp/status" ] && ok || bad "the UI ended while resizing: $(cat "$tmp/status")"

# q exits 0 and restores the terminal (tty modes, the normal screen).
tm send-keys -t t q
st=$(ended)
[ "$st" = "rc=0 tty=restored" ] && ok || bad "q: $st, want rc=0 tty=restored"
wait_for 'rc=0' >/dev/null
screen | grep -q 'Experts' && bad "the UI's screen is still shown after q" || ok

# The inspector shows the first decision row of `sieve run --explain`.
row=$("$SIEVE" run --explain 0 --iters 1 --format csv | grep -A1 '^iter,layer' | tail -1)
IFS=, read -r _ _ _ expert _ tokens gpu_us pim_us where margin_us reason <<<"$row"
start -- --no-mouse
wait_for 'Stats' >/dev/null
tm send-keys -t t n
wait_for 'layer 0 iter 0' >/dev/null
tm send-keys -t t Home
keys=()
for ((i = 0; i < expert; i++)); do keys+=(Right); done
[ "${#keys[@]}" -gt 0 ] && tm send-keys -t t "${keys[@]}"
tm send-keys -t t Enter
if wait_for "expert $expert, layer 0"; then
	for want in "tokens +$tokens\$|tokens +$tokens " "gpu_us +$gpu_us" "pim_us +$pim_us" \
		"where +$where" "margin_us +$margin_us" "reason +$reason"; do
		screen | grep -qE -- "$want" && ok || bad "the inspector lacks /$want/ (explain: $row)"
	done
else
	bad "Enter did not open the inspector on expert $expert"
fi
tm send-keys -t t q
ended >/dev/null

# NO_COLOR: not one colour escape on the screen; without it there are some.
sgr_colours() { tm capture-pane -e -p -t t | grep -oE $'\e\\[[0-9;]*m' |
	grep -cE '[[;](3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)[;m]'; }
start NO_COLOR=1 -- --no-mouse
wait_for 'Stats' >/dev/null
tm send-keys -t t n
wait_for 'layer 0 iter 0' >/dev/null
n=$(sgr_colours)
[ "$n" = 0 ] && ok || bad "NO_COLOR: $n colour escapes on the screen"
tm send-keys -t t q
ended >/dev/null
start -- --no-mouse
wait_for 'Stats' >/dev/null
tm send-keys -t t n
wait_for 'layer 0 iter 0' >/dev/null
n=$(sgr_colours)
[ "$n" -gt 0 ] && ok || bad "without NO_COLOR there should be colours (the check cannot fail otherwise)"
tm send-keys -t t q
ended >/dev/null

# An unknown TERM is our message and status 2, not curses' exit.
start TERM=bogus -- --no-mouse
st=$(ended)
[ "$st" = "rc=2 tty=restored" ] && ok || bad "TERM=bogus: $st, want rc=2"
screen | grep -q "cannot drive terminal type 'bogus'" && ok || bad "TERM=bogus: no message"

# A run that does not fit in memory is refused before the screen opens.
start -- --no-mouse --model qwen3.5-397b-a17b
st=$(ended)
[ "$st" = "rc=2 tty=restored" ] && ok || bad "a model that does not fit: $st, want rc=2"
screen | grep -q "does not fit on h100x4-pim" && ok || bad "a model that does not fit: no message"

echo "ui.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
