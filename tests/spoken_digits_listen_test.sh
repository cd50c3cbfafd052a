#!/usr/bin/env bash
# `spoken-digits listen` on an espeak-ng recording of "4 1 5 0 9" with pauses (the espeak-ng
# command line, outside the example's synthesizer): the reduced run's model must print 41509;
# and on a slow "6 8 2 6", whose stop closures must not split a word.
# Per-word latency is printed (not asserted: timing is never a pass/fail here).
#   spoken_digits_listen_test.sh SPOKEN_DIGITS_BINARY WORK_DIR
set -euo pipefail
bin="$1"
work="$2"
[[ -f "$work/model.onnx" ]] || { echo "FAIL: $work/model.onnx missing (spoken_digits/reduced_end_to_end must run first)" >&2; exit 1; }
command -v espeak-ng > /dev/null || { echo "FAIL: espeak-ng is not installed (scripts/install-deps.sh)" >&2; exit 1; }
wav="$work/listen_41509.wav"
espeak-ng -m -v en-us -s 150 -w "$wav" \
  '<speak>four<break time="600ms"/>one<break time="600ms"/>five<break time="600ms"/>zero<break time="600ms"/>nine</speak>'
"$bin" listen "$work/model.onnx" "$wav" | tee "$work/listen.log"
got=$(tail -n 1 "$work/listen.log")
if [[ "$got" != "41509" ]]; then
  echo "FAIL: listen printed '$got', expected 41509" >&2
  exit 1
fi
# Stop closures inside a slow "six" and "eight" are short silences: listen prints at 30 ms
# of silence, so each must still come out as one word, not two (4 words asserted, the digits
# printed; a split "six" gave 6586226 with a plain 30 ms endpointer).
closures="$work/listen_6826.wav"
espeak-ng -m -v en-us -s 120 -w "$closures" \
  '<speak>six<break time="400ms"/>eight<break time="400ms"/>two<break time="400ms"/>six</speak>'
"$bin" listen "$work/model.onnx" "$closures" | tee "$work/listen_closures.log"
got=$(tail -n 1 "$work/listen_closures.log")
if [[ ${#got} -ne 4 ]]; then
  echo "FAIL: listen heard '$got' in 'six eight two six' at 120 wpm: a word was split or merged" >&2
  exit 1
fi
# Digital silence is refused with a reason, not a guess.
{
  printf 'RIFF'; printf '\xa4\x3e\x00\x00'; printf 'WAVEfmt '; printf '\x10\x00\x00\x00\x01\x00\x01\x00'
  printf '\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00'; printf 'data'; printf '\x80\x3e\x00\x00'
  head -c 16000 /dev/zero
} > "$work/listen_silent.wav"
if "$bin" listen "$work/model.onnx" "$work/listen_silent.wav" > "$work/listen_silent.out" 2> "$work/listen_silent.err"; then
  echo "FAIL: listen heard a digit in silence" >&2; exit 1
fi
grep -q "no spoken word found" "$work/listen_silent.err" || { cat "$work/listen_silent.err" >&2; echo "FAIL: unclear message" >&2; exit 1; }
echo "PASS"
