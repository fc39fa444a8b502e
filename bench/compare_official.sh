#!/usr/bin/env bash
# Single-inference latency of liteopt's interpreter and the official TFLite runtime (tfjs-tflite WASM with
# XNNPACK, the conformance oracle) on the same models and inputs, one thread, interleaved A B A B.
# Prints the median invoke time of each and the ratio. Both are steady state: TFLite's is the median of 5 invokes
# after the first (which packs weights); liteopt's is the median of 5 `liteopt bench` invokes after one warm-up
# (weights are packed at load). Each of the `runs` rounds starts both runtimes afresh; the table shows the median
# over rounds. Usage: bench/compare_official.sh [build/liteopt] [runs] [extra liteopt bench flags, e.g. --reference]
set -euo pipefail
liteopt=${1:-build/liteopt}
runs=${2:-7}
shift $(( $# < 2 ? $# : 2 ))
extra=("$@")
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${LITEOPT_FIXTURES:-$here/../shared/fixtures}
oracle="$here/tests/conformance/oracle/oracle.mjs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

models=(
  tflite/coral/mobilenet_v1_0.25_128_quant.tflite
  tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite
  tflite/coral/mobilenet_v2_1.0_224_quant.tflite
  tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite
  tflite/mlcommons_tiny/vww_96_float.tflite
  tflite/mlcommons_tiny/vww_96_int8.tflite
)
# The float32 twin of the int8 MobileNetV2 (same architecture, dequantized weights; no float MobileNetV2 fixture
# exists), made by bench/dequantize_model when it was built next to liteopt.
dequantize="$(dirname "$liteopt")/liteopt_dequantize_model"
if [[ -x "$dequantize" ]]; then
  "$dequantize" "$fixtures/tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite" "$work/mobilenet_v2_1.0_224_float_twin.tflite"
  models+=("$work/mobilenet_v2_1.0_224_float_twin.tflite")
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-44s %12s %12s %8s\n' model "liteopt ms" "TFLite ms" ratio
for m in "${models[@]}"; do
  name=$(basename "$m" .tflite)
  [[ "$m" = /* ]] || m="$fixtures/$m"
  node "$oracle" "$m" --gen-inputs "$work/$name" >/dev/null
  inputs=()
  for f in "$work/$name"/input_*.npy; do inputs+=(--input "$f"); done
  : > "$work/a"; : > "$work/b"
  for ((r = 0; r < runs; r++)); do
    "$liteopt" bench "$m" --warmup 1 --runs 5 --threads 1 --json "${extra[@]}" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["latency_ms"]["median"])' >> "$work/a"
    node "$oracle" "$m" "${inputs[@]}" --out-dir "$work/out" --repeat 6 |
      sed -n 's/.*"invoke_repeat_median":\([0-9.]*\).*/\1/p' >> "$work/b"
  done
  a=$(median < "$work/a"); b=$(median < "$work/b")
  printf '%-44s %12.2f %12.2f %8.2f\n' "$name" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
