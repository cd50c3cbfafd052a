#!/usr/bin/env bash
# The spoken-digits example end to end, reduced (few voices, few epochs): data, train, export,
# eval by seqrt (accuracy >= 60 % asserted; time reported, not asserted), transcribe, and the
# refusals for a file that is not audio and a silent one. Leaves the model and its test-set
# probabilities in WORK_DIR for spoken_digits_ort_test.sh (a ctest fixture).
#   spoken_digits_reduced_test.sh SPOKEN_DIGITS_BINARY WORK_DIR
set -euo pipefail
bin="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work"
data=(--cache "$work/cache" --speakers 120 --seed 11)
start=$(date +%s)

"$bin" train --out "$work/model.onnx" "${data[@]}" --epochs 8 --patience 0 --finetune-epochs 2 2>&1 | tee "$work/train.log"
"$bin" eval "$work/model.onnx" "${data[@]}" --png "$work/confusion.png" \
  --probabilities "$work/probabilities.npy" | tee "$work/eval.log"

seconds=$(( $(date +%s) - start ))
accuracy=$(sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p' "$work/eval.log")
echo "reduced run: test-voice accuracy ${accuracy}% in ${seconds} s (data + train + eval)"
if [[ -z "$accuracy" ]] || ! awk -v a="$accuracy" 'BEGIN { exit !(a >= 60) }'; then
  echo "FAIL: test-voice accuracy ${accuracy:-missing}% is below 60%" >&2
  exit 1
fi
[[ -s "$work/confusion.png" ]] || { echo "FAIL: no confusion.png" >&2; exit 1; }

# Transcribe a sample recording (stereo float 44.1 kHz): the first line is a digit word.
sample=$(ls "$work"/cache/*/samples/seven.wav)
"$bin" transcribe "$work/model.onnx" "$sample" | tee "$work/transcribe.log"
first=$(head -n 1 "$work/transcribe.log")
case "$first" in
  zero|one|two|three|four|five|six|seven|eight|nine) ;;
  *) echo "FAIL: transcribe's first line '$first' is not a digit word" >&2; exit 1 ;;
esac

# Refusals: not audio, and silence. Each must fail with a message, not print a guess.
printf 'this is not audio\n' > "$work/not_audio.wav"
if "$bin" transcribe "$work/model.onnx" "$work/not_audio.wav" > "$work/refuse1.out" 2> "$work/refuse1.err"; then
  echo "FAIL: transcribe accepted a text file" >&2; exit 1
fi
grep -q "not a readable audio file" "$work/refuse1.err" || { cat "$work/refuse1.err" >&2; echo "FAIL: unclear message" >&2; exit 1; }
[[ ! -s "$work/refuse1.out" ]] || { echo "FAIL: transcribe printed a guess for a text file" >&2; exit 1; }
# One second of digital silence, 16-bit mono 8 kHz: a RIFF header and zero samples.
{
  printf 'RIFF'; printf '\xa4\x3e\x00\x00'; printf 'WAVEfmt '; printf '\x10\x00\x00\x00\x01\x00\x01\x00'
  printf '\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00'; printf 'data'; printf '\x80\x3e\x00\x00'
  head -c 16000 /dev/zero
} > "$work/silent.wav"
if "$bin" transcribe "$work/model.onnx" "$work/silent.wav" > "$work/refuse2.out" 2> "$work/refuse2.err"; then
  echo "FAIL: transcribe gave a word for silence" >&2; exit 1
fi
grep -q "silent" "$work/refuse2.err" || { cat "$work/refuse2.err" >&2; echo "FAIL: unclear message" >&2; exit 1; }
echo "refusals: $(cat "$work/refuse1.err") | $(cat "$work/refuse2.err")"
echo "PASS"
