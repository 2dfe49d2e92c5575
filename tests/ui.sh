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
. "$(dirname "$0")/harness.sh"
sock=sieve-ui-$$
# a home of our own: no rc file or history of the user's, none left behind
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config INPUTRC=/dev/null
mkdir -p "$HOME"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
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
	rm -f "$tmp/status" "$tmp/end"
	printf '%q ' "$SIEVE" "$@" >"$tmp/cmd"
	cat >"$tmp/run.sh" <<SH
before=\$(stty -g)
env ${envs[*]:-} $(cat "$tmp/cmd")
rc=\$?
date +%s%N >"$tmp/end"
[ "\$(stty -g)" = "\$before" ] && tty=restored || tty=broken
echo "rc=\$rc tty=\$tty" >"$tmp/status"
echo "rc=\$rc tty=\$tty"
sleep 600
SH
	tm new-session -d -s t -x 160 -y 48 "bash $tmp/run.sh"
}

# start_stepped [ENV=V ...] -- [sieve args]: start, then one step (n): the
# panels of layer 0 of iteration 0 on the screen.
start_stepped() {
	start "$@"
	wait_for 'Stats' >/dev/null
	tm send-keys -t t n
	wait_for 'layer 0 iter 0' >/dev/null
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
counters() { screen | grep -oE 'iteration [0-9]+ of [0-9]+, (layer [0-9]+|no layer)|now +[^,]+, event [0-9]+/[0-9]+'; }
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
start_stepped -- --no-mouse
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

# After n: the panels of layer 0.  The Experts panel starts on an expert
# with tokens; the Timeline has a lane per GPU compute, PIM stack group and
# link (the router runs on every GPU, the all-to-all on every link); the
# Histogram marks the policy's split.
start_stepped -- --no-mouse
screen | grep -qE 'expert [0-9]+: [1-9][0-9]* tokens' && ok || bad "the Experts panel starts on an expert without tokens"
# ... and names its owner; linear placement on 4 GPUs: expert e on GPU e mod 4,
# and the owner row under the bars reads 0123 0123 ... from expert 0.
sel=$(screen | grep -oE 'expert [0-9]+: [0-9]+ tokens, (GPU|PIM) on GPU [0-9]+' | head -1)
[ -n "$sel" ] && [ "${sel##* }" = "$(( $(echo "$sel" | awk '{print $2}' | tr -d :) % 4 ))" ] &&
	ok || bad "the Experts panel does not name the selected expert's GPU (e mod 4): '$sel'"
screen | grep -qE '│(0123){8}' && ok || bad "no owner row 0123... under the Experts bars"
for g in 0 1 2 3; do
	screen | grep -qE "│gpu$g +A+.* R+ " && ok || bad "no compute lane for gpu$g with attention and router"
	screen | grep -qE "│g$g pim " && ok || bad "no PIM lane for gpu$g"
	screen | grep -qE "│g$g link .*>.*<" && ok || bad "no link lane for gpu$g with dispatch and combine"
done
screen | grep -qE '> split: PIM up to [0-9]+ tokens|split: every expert' && ok || bad "the Histogram does not say where the split is"
screen | grep -qE '│> +[0-9]+(-[0-9]+)? ' && ok || bad "no Histogram bucket marked with the split"

# Events one at a time: layer 1's first event is at the instant layer 0
# ended (it used to be skipped), and events at one instant count 1, 2, 3.
end0=$(screen | grep -oE 'now +[0-9.]+ [mun]?s' | head -1 | sed 's/now *//')
for k in 1 2 3; do
	tm send-keys -t t Space
	wait_for "layer 1 of [0-9]+" >/dev/null
	wait_for "event $k/[0-9]+" && ok || bad "space $k times after n: not event $k"
done
screen | grep -qE "now +[0-9.]+ [mun]?s, event 3/" && ok || bad "no event time shown"
tm send-keys -t t b
wait_for "event 2/[0-9]+" && ok || bad "b after space did not go back one event"
tm send-keys -t t b b
wait_for "layer 0 of [0-9]+" && ok || bad "b back past layer 1's first event did not return to layer 0"
screen | grep -qE "now +$end0, event [0-9]+/" && ok || bad "b did not restore the cursor at layer 0's end ($end0)"

# At 80x24 (the minimum) the Stats lines are whole.
tm resize-window -t t -x 80 -y 24
wait_for 'iteration [0-9]+ of [0-9]+, layer [0-9]+ of [0-9]+ *│' && ok || bad "80x24: the Stats lines are cut"
screen | grep -qE 'now +[0-9.]+ [mun]?s, event [0-9]+/[0-9]+ *│' && ok || bad "80x24: the event count is cut"
# ... and the Timeline's lanes scroll with Down, whichever panel has the focus.
wait_for 'lanes 1-[0-9]+ of 12 ' && ok || bad "80x24: the Timeline does not say which lanes it shows"
tm send-keys -t t Down Down Down Down Down Down Down Down Down Down Down
wait_for 'lanes [0-9]+-12 of 12' && ok || bad "80x24: Down did not scroll the Timeline to its last lane"
tm send-keys -t t q
ended >/dev/null
# 8 GPUs at 80x24: the lanes text left no room for the whole layer time
# (it showed "141.1" for 141.121 us); the time goes, no number is cut.
start -- --no-mouse --hw h100x8-pim-var
tm resize-window -t t -x 80 -y 24
tm send-keys -t t n
wait_for '─ Timeline ─' >/dev/null
wait_for ' layer 0 +lanes 1-[0-9]+ of 24 ' && ok || bad "80x24, 8 GPUs: the Timeline header lacks its layer or lanes"
screen | grep -qE ' layer 0  [0-9.]+ *lanes' && bad "80x24, 8 GPUs: the Timeline header shows a time cut from its unit" || ok
tm send-keys -t t q
ended >/dev/null

# The mouse (as an xterm sends it, X10 encoding): a click on an expert or a
# task opens its inspector, the wheel moves the selection.
chr() { printf "\\$(printf %03o "$1")"; }
# click X Y / wheel_down X Y, cells counted from 0
click() { tm send-keys -t t -l "$(printf '\033[M '; chr $((33 + $1)); chr $((33 + $2))
	printf '\033[M#'; chr $((33 + $1)); chr $((33 + $2)))"; }
wheel_down() { tm send-keys -t t -l "$(printf '\033[Ma'; chr $((33 + $1)); chr $((33 + $2)))"; }
start_stepped --
click 8 10	# the Experts panel has a column per expert: x 8 is expert 7
wait_for 'expert 7, layer 0' && ok || bad "a click on expert 7 did not inspect it"
tm send-keys -t t Escape
wait_not 'Inspector' >/dev/null
wheel_down 8 10
wait_for 'expert 8: [0-9]+ tokens' && ok || bad "the wheel did not move the selection to expert 8"
y=$(screen | grep -n '│gpu1 ' | head -1 | cut -d: -f1)
click 9 $((y - 1))	# the first column of gpu1's lane: its attention
wait_for 'attention on gpu 1' && ok || bad "a click on gpu1's first task did not inspect its attention"
tm send-keys -t t q
ended >/dev/null

# q quits at once even while a long step runs (the first iteration of a
# large model fills the PIM-kernel memo for seconds; the BF16 one does not fit 8 GPUs).  The issue's bound is
# 100 ms; the check allows for tmux and a loaded machine.
limit=${UI_QUIT_MS:-300}
start -- --no-mouse --model qwen3.5-397b-a17b-fp8 --hw h100x8-pim --batch 256
wait_for 'Stats' >/dev/null
tm send-keys -t t N
if wait_for 'simulating iteration 0'; then
	t0=$(date +%s%N)
	tm send-keys -t t q
	st=$(ended)
	ms=$((($(cat "$tmp/end" 2>/dev/null || echo 0) - t0) / 1000000))
	[ "$st" = "rc=0 tty=restored" ] && ok || bad "q during a step: $st"
	[ "$ms" -ge 0 ] && [ "$ms" -le "$limit" ] && ok ||
		bad "q during a step took $ms ms (limit $limit)"
else
	bad "N on the large model showed no progress line"
fi

# TERM: one without cursor addressing is refused like an unknown one; with
# TERM=xterm inside tmux the boxes are still lines, not "lqqk".
start TERM=dumb -- --no-mouse
st=$(ended)
[ "$st" = "rc=2 tty=restored" ] && ok || bad "TERM=dumb: $st, want rc=2"
screen | grep -q "cannot address the cursor" && ok || bad "TERM=dumb: no message"
start TERM=xterm -- --no-mouse
wait_for '┌─ Experts' && ok || bad "TERM=xterm: the boxes are not drawn with lines"
tm send-keys -t t q
ended >/dev/null

# NO_COLOR: not one colour escape on the screen; without it there are some.
sgr_colours() { tm capture-pane -e -p -t t | grep -oE $'\e\\[[0-9;]*m' |
	grep -cE '[[;](3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)[;m]'; }
start_stepped NO_COLOR=1 -- --no-mouse
n=$(sgr_colours)
[ "$n" = 0 ] && ok || bad "NO_COLOR: $n colour escapes on the screen"
tm send-keys -t t q
ended >/dev/null
start_stepped -- --no-mouse
n=$(sgr_colours)
[ "$n" -gt 0 ] && ok || bad "without NO_COLOR there should be colours (the check cannot fail otherwise)"
tm send-keys -t t q
ended >/dev/null

# The console line (:), readline inside curses.
# Esc alone is told from Esc-prefixed keys by a pause (ESCDELAY), as a person types
esc() { tm send-keys -t t Escape; sleep 0.2; }
header() { screen | head -1; }
status_line() { screen | tail -1; }
start -- --no-mouse
wait_for 'Stats' >/dev/null
header | grep -q 'sched sieve ' && ok || bad "the default policy is not shown as sieve"
tm send-keys -t t ':set sched duplex' Enter
wait_for '^ sieve .* sched duplex ' && ok || bad ":set sched duplex did not change the policy shown"
tm send-keys -t t ':se' Tab
wait_for '^:set$' && ok || bad ":se Tab did not complete to 'set '"
[ "$(tm display -p -t t '#{cursor_x}')" = 5 ] && ok || bad ":se Tab: the cursor is not after 'set '"
tm send-keys -t t C-u 'set sched d' Tab
wait_for '^:set sched duplex$' && ok || bad "Tab did not complete the enum value duplex"
tm send-keys -t t C-u 'set bat' Tab
wait_for '^:set batch$' && ok || bad "Tab did not complete the parameter name batch"
touch "$tmp/lesson-one.sieve"
tm send-keys -t t C-u "source $tmp/lesson-o" Tab
wait_for "^:source $tmp/lesson-one.sieve\$" && ok || bad "Tab did not complete a file name"
esc
wait_not '^:' && ok || bad "Esc did not cancel the console line"
tm send-keys -t t ':set batch -5' Enter
wait_for 'error: set: batch: -5 is out of range' && ok || bad ":set batch -5 showed no error naming the command"
header | grep -q 'sched duplex  batch 64 ' && ok || bad ":set batch -5 changed something: $(header)"
tm send-keys -t t ':' Up
wait_for '^:set batch -5$' && ok || bad "Up did not recall the last command"
tm send-keys -t t Up
wait_for '^:set sched duplex$' && ok || bad "Up twice did not recall the command before"
esc
tm send-keys -t t ':' C-r 'sched'
wait_for "reverse-i-search.*sched.*: set sched duplex" && ok || bad "Ctrl-R did not find the command"
esc
esc
tm send-keys -t t ':note look at the long tail' Enter
wait_for 'note at iteration 0, layer 0: look at the long tail' >/dev/null
esc
wait_for '^ note: look at the long tail' && ok || bad "a note is not shown"
tm send-keys -t t ':compare gpu' Enter
wait_for 'compare with gpu' >/dev/null
tm send-keys -t t ':step' Enter
wait_for 'gpu: layer [+-]' && ok || bad ":compare gpu did not start the compare run"
tm send-keys -t t ':step 3 cycle' Enter
wait_for 'stack0  cycle 3 = ' && ok || bad ":step 3 cycle did not step the stack replay to cycle 3"
# a restart with compare on: the compare run borrowed the old run's PIM memo
tm send-keys -t t ':set! batch 32' Enter
wait_for '^ sieve .* batch 32 ' && ok || bad ":set! batch 32 did not restart with batch 32"
tm send-keys -t t n
wait_for 'gpu: layer [+-]' && ok || bad "compare did not come back after the restart"
tm send-keys -t t ':goto 0 0' Enter
wait_for 'iteration 0 of [0-9]+, no layer yet' >/dev/null
tm send-keys -t t ':break layer 2' Enter r
wait_for 'breakpoint 1 \(layer 2\)' && ok || bad "the breakpoint did not stop play mode"
sleep 0.5
screen | grep -qE 'iteration 0 of [0-9]+, layer 2 of' && ok || bad "play went on past the breakpoint at layer 2"
tm send-keys -t t ':quit' Enter
st=$(ended)
[ "$st" = "rc=0 tty=restored" ] && ok || bad ":quit: $st, want rc=0 tty=restored"
h=$XDG_STATE_HOME/sieve/history
[ "$(stat -c %a "$h" 2>/dev/null)" = 600 ] && ok || bad "the history file $h is not there with mode 0600"
[ "$(stat -c %a "$XDG_STATE_HOME/sieve" 2>/dev/null)" = 700 ] && ok || bad "the history directory is not 0700"
grep -qx 'set sched duplex' "$h" && grep -qx quit "$h" && ok || bad "the history file lacks the commands: $(cat "$h")"

# An rc file applies at start; --norc skips it; an error in it names FILE:LINE.
mkdir -p "$XDG_CONFIG_HOME/sieve"
printf '# rc\nset sched pim\n' >"$XDG_CONFIG_HOME/sieve/sieverc"
start -- --no-mouse
wait_for '^ sieve .* sched pim ' && ok || bad "the rc file's set sched pim did not apply"
tm send-keys -t t q
ended >/dev/null
start -- --no-mouse --norc
wait_for 'Stats' >/dev/null
header | grep -q 'sched sieve ' && ok || bad "--norc: the rc file applied: $(header)"
tm send-keys -t t q
ended >/dev/null
printf 'set sched pim\nset batch -5\n' >"$XDG_CONFIG_HOME/sieve/sieverc"
start -- --no-mouse
wait_for "error: $XDG_CONFIG_HOME/sieve/sieverc:2: batch: -5 is out of range" && ok ||
	bad "an error in the rc file is not shown as FILE:LINE"
header | grep -q 'sched pim  batch 64 ' && ok || bad "the rc file before its error: $(header)"
tm send-keys -t t q
ended >/dev/null
rm "$XDG_CONFIG_HOME/sieve/sieverc"

# -x FILE runs a script in the UI, which stays interactive; --no-history writes none.
rm -f "$h"
printf 'set sched gpu\nstep 2\nnote after two layers\n' >"$tmp/lesson.sieve"
start -- --no-mouse --no-history -x "$tmp/lesson.sieve"
wait_for '^ sieve .* sched gpu ' && ok || bad "-x: the script's set sched gpu did not apply"
wait_for 'iteration 0 of [0-9]+, layer 1 of' && ok || bad "-x: the script's step 2 did not show"
wait_for '^ note: after two layers' && ok || bad "-x: the script's note is not shown"
tm send-keys -t t n
wait_for 'iteration 0 of [0-9]+, layer 2 of' && ok || bad "-x: the UI did not stay interactive"
tm send-keys -t t ':quit' Enter
st=$(ended)
[ "$st" = "rc=0 tty=restored" ] && ok || bad "-x then :quit: $st"
[ ! -e "$h" ] && ok || bad "--no-history wrote $h"

# --lesson N runs the lesson in the UI (as -x): its last note shows at the end.
start -- --no-mouse --lesson 1
wait_for '^ note: Sieve sends the tail to PIM' && ok || bad "--lesson 1: the lesson's last note is not shown"
tm send-keys -t t q
ended >/dev/null

# 8 GPUs of unequal speed under vibe: after a whole iteration (when the
# Stats panel is fullest) it still lists every GPU's speed, wrapped, as the
# hw file has them, and the straggler gap; on its last line (100x30) it
# says how many GPUs it leaves out.  The Experts header keeps the selected
# expert's GPU when the line is long (130 columns; the owner was cut first).
start -- --no-mouse --place vibe --hw h100x8-pim-var
wait_for 'Stats' >/dev/null
tm send-keys -t t N
wait_for 'iteration 0 of [0-9]+, layer 47 of 48' >/dev/null
settled >/dev/null
want=$("$SIEVE" run --hw h100x8-pim-var --iters 1 --format json | sed -n 's/^ *"gpu_speed": "\(.*\)",$/\1/p')
got=$(screen | grep -oE '(speed c/m|gpu [0-9]+:)( [0-9.]+(/[0-9.]+)?)+' | sed 's/^speed c\/m//; s/^gpu [0-9]*://' | tr '\n' ' ')
python3 - "$want" "$got" <<'PY' && ok || bad "Stats after an iteration: speeds '$got', want '$want'"
import sys
def parse(t):
    out = []
    for x in t.split():
        c, _, m = x.partition("/")
        out.append((float(c), float(m or c)))
    return out
want, got = parse(sys.argv[1]), parse(sys.argv[2])
sys.exit(not (len(want) == 8 and len(got) == 8 and
              all(abs(a - b) < 0.006 for w, g in zip(want, got) for a, b in zip(w, g))))
PY
screen | grep -qE 'straggler [0-9.]+ [mun]?s' && ok || bad "Stats after an iteration: no straggler gap"
tm resize-window -t t -x 130 -y 40	# the header's totals and the selection do not both fit
for k in Right Right Right; do
	tm send-keys -t t $k
	sleep 0.2
	screen | grep -qE 'expert [0-9]+: [0-9]+ tokens(, (GPU|PIM))? on GPUs? [0-9]' && ok ||
		bad "the Experts header lost the selected expert's GPU"
done
tm resize-window -t t -x 100 -y 30
wait_for 'speed c/m [0-9./ ]+ \+[0-9]+ more *│' && ok || bad "100x30: the speeds do not say how many GPUs are left out"
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

# A long console motion shows how far it got, and Esc stops it at a layer
# boundary that the panels show; stepping goes on from there.  Ctrl-C stops
# the next one, not the UI.
progress_re='^ run: iteration [0-9]+ of [0-9]+, layer [0-9]+ \([0-9]+%\) \.\.\. Esc'
stopped_re='^ stopped after iteration [0-9]+, layer [0-9]+; now at iteration [0-9]+, layer [0-9]+'
start -- --no-mouse --iters 2000
wait_for 'Stats' >/dev/null
tm send-keys -t t ':run 1000' Enter
wait_for "$progress_re" && ok || bad ":run 1000 shows no progress"
p1=$(status_line)
end=$((SECONDS + T))
while [ "$(status_line)" = "$p1" ] && [ $SECONDS -le $end ]; do sleep 0.05; done
status_line | grep -qE "$progress_re" && ok || bad ":run 1000: the progress did not move from '$p1'"
esc
wait_for "$stopped_re" && ok || bad "Esc did not stop :run 1000"
read -r a_it a_l n_it n_l <<<"$(status_line | grep -oE '[0-9]+' | head -4 | tr '\n' ' ')"
[ "$n_it" -lt 1000 ] && ok || bad "Esc: the run went on to iteration $n_it"
screen | grep -qE "iteration $a_it of 2000, layer $a_l of " && ok ||
	bad "Esc: the panels are not at the layer it stopped after ($a_it, $a_l)"
tm send-keys -t t ':step' Enter
wait_for "iteration $n_it of 2000, layer $n_l of " && ok || bad ":step after Esc did not simulate layer $n_l"
# a compare run catching up to iteration 300, on the worker: Esc drops it
tm send-keys -t t ':goto 300' Enter
wait_for 'iteration 299 of 2000, layer 47 of ' >/dev/null
tm send-keys -t t ':compare duplex' Enter
wait_for 'simulating iteration [0-9]+, layer [0-9]+ .*Esc stops compare' && ok ||
	bad ":compare duplex far from the start: no progress of the compare run"
esc
wait_for '^ compare off: stopped catching up at iteration [0-9]+, layer [0-9]+' && ok ||
	bad "Esc did not stop the compare run catching up"
tm send-keys -t t n
wait_for "iteration 300 of 2000, layer 0 of " >/dev/null
screen | grep -qE 'duplex: layer [+-]' && bad "compare came back after Esc dropped it" || ok
tm send-keys -t t ':run 1000' Enter
wait_for "$progress_re" >/dev/null
tm send-keys -t t C-c
wait_for "$stopped_re" && ok || bad "Ctrl-C did not stop :run 1000"
sleep 0.3
[ ! -s "$tmp/status" ] && ok || bad "Ctrl-C during :run ended the UI: $(cat "$tmp/status")"
tm send-keys -t t ':quit' Enter
st=$(ended)
[ "$st" = "rc=0 tty=restored" ] && ok || bad ":quit after a stopped run: $st"

summary ui.sh
