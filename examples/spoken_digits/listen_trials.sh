#!/usr/bin/env bash
# How well `spoken-digits listen` endpoints and recognises digit strings spoken with pauses: the
# espeak-ng command line (outside the example's synthesizer) speaks seeded random 5-digit strings
# for several voices × rates × pause lengths; listen runs on each with the extra arguments given,
# and the printed digits are scored against the text (edit distance, so a word split in two or
# two words merged count as errors) with the per-word latency pooled over all recordings.
#   listen_trials.sh SPOKEN_DIGITS_BINARY MODEL.onnx WORK_DIR [listen args...]
# Prints one line per recording that is not exactly right, then the totals.
set -euo pipefail
bin="$1"
model="$2"
work="$3"
shift 3
mkdir -p "$work"
words=(zero one two three four five six seven eight nine)
voices=(en-us en-gb en-gb-scotland en-gb-x-rp en-gb-x-gbclan en-029 en-us+f3 en-gb+f3 en+m3 en-us-nyc)
rates=(120 150 185 220)
breaks=(250 400 600)
RANDOM=7  # the same strings on every run
: > "$work/results.tsv"
for voice in "${voices[@]}"; do
  for rate in "${rates[@]}"; do
    for pause in "${breaks[@]}"; do
      truth=""
      ssml="<speak>"
      for i in 0 1 2 3 4; do
        d=$((RANDOM % 10))
        truth+="$d"
        [[ $i -gt 0 ]] && ssml+="<break time=\"${pause}ms\"/>"
        ssml+="${words[$d]}"
      done
      ssml+="</speak>"
      wav="$work/${voice}_${rate}_${pause}_${truth}.wav"
      [[ -s "$wav" ]] || espeak-ng -m -v "$voice" -s "$rate" -w "$wav" "$ssml"
      log="$wav.log"
      "$bin" listen "$model" "$wav" "$@" > "$log" 2>&1 || true
      got=$(tail -n 1 "$log")
      lat=$(sed -n 's/.*latency \([0-9]*\) ms (.*/\1/p' "$log" | tr '\n' ',')
      # To the digit that stands: a revised word's revision time replaces its first print's.
      final=$(sed -n -e 's/.*latency \([0-9]*\) ms (.*/P\1/p' -e 's/.*revised:.*final latency \([0-9]*\) ms$/R\1/p' "$log" |
              awk '/^P/ { buf[++n] = substr($0, 2) } /^R/ { buf[n] = substr($0, 2) }
                   END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), buf[i] }')
      revised=$(grep -c "revised:" "$log" || true)
      first=$(sed -n 's/^\([0-9]\)  .*latency.*/\1/p' "$log" | tr -d '\n')  # as printed, before revisions
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$voice" "$rate" "$pause" "$truth" "$got" "$lat" "$revised" "$first" "$final" >> "$work/results.tsv"
    done
  done
done
python3 - "$work/results.tsv" <<'EOF'
import sys
def dist(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]
n = errors = exact = files = revised = first_errors = 0
lat = []
final = []
for line in open(sys.argv[1]):
    voice, rate, pause, truth, got, l, r, first, fl = line.rstrip("\n").split("\t")
    revised += int(r)
    first_errors += dist(truth, first)
    files += 1
    if not got.isdigit(): got = ""
    e = dist(truth, got)
    n += len(truth); errors += e; exact += e == 0
    lat += [int(x) for x in l.split(",") if x]
    final += [int(x) for x in fl.split(",") if x]
    if e: print(f"  {voice:15s} {rate:>3s} wpm  break {pause:>3s} ms: said {truth}, heard {got or '-'}")
lat.sort()
final.sort()
print(f"{files} recordings, {n} digits: digit accuracy {100 * (n - errors) / n:.1f} % (edit distance), "
      f"{exact} strings exactly right; latency median {lat[len(lat) // 2]} ms, "
      f"90th {lat[int(len(lat) * 0.9)]} ms, max {lat[-1]} ms over {len(lat)} words, "
      f"{100 * sum(x <= 50 for x in lat) / len(lat):.0f} % within 50 ms; {revised} revised "
      f"(digits as first printed: {100 * (n - first_errors) / n:.1f} % right)")
print(f"to the digit that stands (a revision counts when it is printed): latency median {final[len(final) // 2]} ms, "
      f"90th {final[int(len(final) * 0.9)]} ms, max {final[-1]} ms, "
      f"{100 * sum(x <= 50 for x in final) / len(final):.0f} % within 50 ms")
EOF
