#!/usr/bin/env bash
# `liteopt bench` on the fixture MobileNets and VWW models, float32 and int8/uint8 side by side, interleaved over
# rounds so that a noisy shared host hits every model alike. Prints, per model, the minimum and the median (over
# rounds) of each round's median latency, and the median CPU time per invoke. Usage:
#   bench/liteopt_models.sh [build/liteopt] [rounds] [extra liteopt bench flags, e.g. --threads 2 or --reference]
# The float32 MobileNetV2 is the twin of the int8 fixture made by bench/dequantize_model (same architecture).
set -euo pipefail
liteopt=${1:-build/liteopt}
rounds=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
extra=("$@")
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${LITEOPT_FIXTURES:-$here/../shared/fixtures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

models=(
  "$fixtures/tflite/coral/mobilenet_v1_0.25_128_quant.tflite"
  "$fixtures/tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite"
  "$fixtures/tflite/coral/mobilenet_v2_1.0_224_quant.tflite"
  "$fixtures/tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite"
  "$fixtures/tflite/mlcommons_tiny/vww_96_int8.tflite"
  "$fixtures/tflite/mlcommons_tiny/vww_96_float.tflite"
)
dequantize="$(dirname "$liteopt")/liteopt_dequantize_model"
if [[ -x "$dequantize" ]]; then
  "$dequantize" "$fixtures/tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite" "$work/mobilenet_v2_1.0_224_float_twin.tflite"
  models+=("$work/mobilenet_v2_1.0_224_float_twin.tflite")
fi

for ((r = 0; r < rounds; r++)); do
  for m in "${models[@]}"; do
    "$liteopt" bench "$m" --warmup 3 --runs 20 --json "${extra[@]}" |
      python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["latency_ms"]["median"], j["cpu_ms"]["median"])' \
      >> "$work/$(basename "$m" .tflite).txt"
  done
done
printf '%-36s %10s %10s %10s\n' model "min ms" "median ms" "cpu ms"
for m in "${models[@]}"; do
  python3 - "$work/$(basename "$m" .tflite).txt" "$(basename "$m" .tflite)" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
wall = [r[0] for r in rows]
cpu = [r[1] for r in rows]
print('%-36s %10.2f %10.2f %10.2f' % (sys.argv[2], min(wall), statistics.median(wall), statistics.median(cpu)))
PY
done
