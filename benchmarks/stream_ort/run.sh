#!/usr/bin/env bash
# Streaming side by side: seqrt::Stream (`seqrt perf --stream N`) against ONNX Runtime driving
# the same model with manual state I/O (ort_stream.mjs on the add_state_io.py re-export),
# per-chunk latency at chunk sizes 1 and 10 (T = 100, batch 1), silero-vad at 512 samples, and
# seqrt's per-step cost at chunk 1 against its own full T = 100 run. Rounds alternate between
# the two runtimes; figures are medians over rounds. Prints a markdown table.
#   benchmarks/stream_ort/run.sh [SEQRT_BINARY] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
seqrt="${1:-$root/build/seqrt}"
rounds="${2:-3}"
shared="${SEQRT_SHARED_DIR:-$root/../shared}"
ort_dir="$root/benchmarks/compare_ort"
"$root/scripts/install-ort.sh" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
med() { $py -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
field() { $py -c 'import sys,json; d=json.loads(sys.argv[1]); k=sys.argv[2].split("."); [d:=d[x] for x in k]; print(d)' "$1" "$2"; }

echo "| model | chunk | seqrt p50 ms/chunk | ORT p50 ms/chunk | ORT/seqrt | seqrt ms/step at chunk 1 vs full T=100 |"
echo "|---|---|---|---|---|---|"
for m in seed_simplernn:26 kws_lstm:40 kws_gru:40; do
  name="${m%%:*}" feat="${m##*:}"
  model="$shared/models/bench/$name.onnx"
  $py "$here/add_state_io.py" "$model" "$work/$name.state.onnx" >&2
  full=()
  for r in $(seq "$rounds"); do
    j=$("$seqrt" perf "$model" -f T:100 -f N:1 -r 50 --json)
    full+=("$(field "$j" latency_ms.p50)")
  done
  full_step=$($py -c "print($(med "${full[@]}")/100)")
  for chunk in 1 10; do
    s=() o=()
    for r in $(seq "$rounds"); do
      j=$("$seqrt" perf "$model" -f T:100 -f N:1 --stream "$chunk" -r 5 --json)
      s+=("$(field "$j" chunk_latency_ms.p50)")
      j=$(node "$here/ort_stream.mjs" --ort-dir "$ort_dir" --model "$work/$name.state.onnx" --dims "1x100x$feat" --chunk "$chunk" --rounds 5)
      o+=("$(field "$j" p50)")
    done
    sm=$(med "${s[@]}") om=$(med "${o[@]}")
    step=""
    [[ "$chunk" == 1 ]] && step=$($py -c "print(f'{$sm:.4f} vs {$full_step:.4f} ({$sm/$full_step:.2f}x)')")
    $py -c "print(f'| $name | $chunk | {$sm:.4f} | {$om:.4f} | {$om/$sm:.2f} | $step |')"
  done
done
silero="$shared/models/real/silero_vad_silero_vad_16k_op15/model.onnx"
$py -c "import numpy as np; np.save('$work/sr.npy', np.array(16000, dtype=np.int64))"
s=() o=()
for r in $(seq "$rounds"); do
  j=$("$seqrt" perf "$silero" --shape input=1x20480 --input sr="$work/sr.npy" --stream 512 -r 5 --json)
  s+=("$(field "$j" chunk_latency_ms.p50)")
  j=$(node "$here/ort_stream.mjs" --ort-dir "$ort_dir" --model "$silero" --silero --input input --dims 1x20480 --chunk 512 --rounds 5)
  o+=("$(field "$j" p50)")
done
sm=$(med "${s[@]}") om=$(med "${o[@]}")
$py -c "print(f'| silero_vad_16k_op15 | 512 samples | {$sm:.4f} | {$om:.4f} | {$om/$sm:.2f} | |')"
