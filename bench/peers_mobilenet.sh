#!/usr/bin/env bash
# liteopt's interpreter against ONNX Runtime on MobileNetV2-1.0-224, batch 1, in the same run, interleaved
# rounds, 1 thread then 2 threads.
#
#   bench/peers_mobilenet.sh [BUILD_DIR] [ROUNDS]      (WORK=/tmp/liteopt-peers-mobilenet)
#
# Models: the Coral int8 PTQ fixture (tf2_mobilenet_v2_1.0_224_ptq.tflite, uint8 input) and its float32 twin
# (same graph, dequantized weights) made by BUILD_DIR/liteopt_dequantize_model. ONNX Runtime runs
# bench/tflite_to_onnx.py's conversion of the same two files: float32, and QDQ with the fixture's own int8
# scales (which ONNX Runtime fuses into QLinearConv / QLinearAdd). Both conversions are checked against
# `liteopt run` first (differences printed on stderr).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
rounds=${2:-7}
work=${WORK:-/tmp/liteopt-peers-mobilenet}
fixtures=${LITEOPT_FIXTURES:-$here/../shared/fixtures}
liteopt="$build/liteopt"
source "$here/bench/peers_common.sh"
ensure_peers
mkdir -p "$work"

int8="$fixtures/tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite"
float="$work/mobilenet_v2_1.0_224_float_twin.tflite"
"$build/liteopt_dequantize_model" "$int8" "$float"
"$py" "$here/bench/tflite_to_onnx.py" "$float" "$work/float.onnx" --check "$liteopt"
"$py" "$here/bench/tflite_to_onnx.py" "$int8" "$work/int8.onnx" --check "$liteopt"

ort="node $peers_dir/ort_bench.mjs"
runs="--warmup 3 --runs 20"
for t in 1 2; do
  "$py" "$here/bench/peers_rounds.py" --rounds "$rounds" --json "$work/rounds_${t}t.json" \
    --title "MobileNetV2-1.0-224, batch 1, $t thread(s)" \
    --ratio liteopt-f32:ort-f32 --ratio liteopt-int8:ort-int8 --ratio liteopt-int8:liteopt-f32 \
    --ratio ort-int8:ort-f32 \
    "liteopt-f32=$liteopt bench $float --threads $t $runs --json" \
    "ort-f32=$ort $work/float.onnx --threads $t $runs" \
    "liteopt-int8=$liteopt bench $int8 --threads $t $runs --json" \
    "ort-int8=$ort $work/int8.onnx --threads $t $runs"
done
