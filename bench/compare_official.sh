#!/usr/bin/env bash
# Single-inference latency of liteopt's interpreter and the official TFLite runtime (tfjs-tflite WASM with
# XNNPACK, the conformance oracle) on the same models and inputs, one thread, interleaved A B A B.
# Prints the median invoke time of each and the ratio. TFLite's time is its steady state (the median of 5 invokes
# after the first, which packs weights); liteopt's is its first and only invoke in a fresh process. Usage: bench/compare_official.sh [build/liteopt] [runs]
set -euo pipefail
liteopt=${1:-build/liteopt}
runs=${2:-7}
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
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-44s %12s %12s %8s\n' model "liteopt ms" "TFLite ms" ratio
for m in "${models[@]}"; do
  name=$(basename "$m" .tflite)
  node "$oracle" "$fixtures/$m" --gen-inputs "$work/$name" >/dev/null
  inputs=()
  for f in "$work/$name"/input_*.npy; do inputs+=(--input "$f"); done
  : > "$work/a"; : > "$work/b"
  for ((r = 0; r < runs; r++)); do
    "$liteopt" run "$fixtures/$m" "${inputs[@]}" 2>&1 >/dev/null |
      sed -n 's/.*invoke took \([0-9.]*\) ms.*/\1/p' >> "$work/a"
    node "$oracle" "$fixtures/$m" "${inputs[@]}" --out-dir "$work/out" --repeat 6 |
      sed -n 's/.*"invoke_repeat_median":\([0-9.]*\).*/\1/p' >> "$work/b"
  done
  a=$(median < "$work/a"); b=$(median < "$work/b")
  printf '%-44s %12.2f %12.2f %8.2f\n' "$name" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
