#!/usr/bin/env bash
# liteopt's interpreter against PyTorch and ONNX Runtime on the Fashion-MNIST CNN of
# ../shared/notes/torch_baseline.py, batch 1, in the same run, interleaved rounds, 1 thread then 2 threads.
#
#   bench/peers_fashion.sh [BUILD_DIR] [ROUNDS] [FLOAT_MODEL.tflite]      (WORK=/tmp/liteopt-peers-fashion)
#
# Without a model it trains one with `liteopt train --arch mobilenet_v2` (1 epoch on 3,000 images: latency does
# not depend on accuracy). Every peer runs liteopt's weights:
#   liteopt-f32 / liteopt-int8   `liteopt bench --json`; int8 = `liteopt convert --optimize default
#                                --representative-data` (300 training images)
#   torch-f32 / torch-int8       bench/torch_peer.py: torch_baseline.py's Net with the .tflite's weights; frozen
#                                TorchScript + optimize_for_inference, and FX int8 PTQ with the oneDNN engine
#   ort-f32 / ort-int8           bench/tflite_to_onnx.py of the same two .tflite files (float, and QDQ with
#                                liteopt's own int8 scales), run by ONNX Runtime's native library
# The converters check themselves against `liteopt run` first (differences printed on stderr).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
rounds=${2:-7}
model=${3:-}
work=${WORK:-/tmp/liteopt-peers-fashion}
liteopt="$build/liteopt"
source "$here/bench/peers_common.sh"
ensure_peers
mkdir -p "$work"

if [ ! -f "$work/data/train.csv" ]; then
  "$liteopt" data fashion-mnist --out "$work/data" --max-per-class 300 --val-fraction 0 >/dev/null
fi
if [ -z "$model" ]; then
  model="$work/float.tflite"
  if [ ! -f "$model" ]; then
    "$liteopt" train --arch mobilenet_v2 --data "$work/data/train.csv" --epochs 1 --batch 128 --lr 0.003 \
      --optimizer adam --seed 0 --threads 1 --quiet -o "$model" >/dev/null
  fi
fi
int8="$work/int8.tflite"
"$liteopt" convert "$model" -o "$int8" --optimize default --representative-data "$work/data/train.csv" \
  --samples 300 --quiet
"$py" "$here/bench/tflite_to_onnx.py" "$model" "$work/float.onnx" --check "$liteopt"
"$py" "$here/bench/tflite_to_onnx.py" "$int8" "$work/int8.onnx" --check "$liteopt"
"$py" "$here/bench/torch_peer.py" prepare --tflite "$model" --out "$work/torch" --liteopt "$liteopt"

ort="node $peers_dir/ort_bench.mjs"
runs="--warmup 50 --runs 500"
for t in 1 2; do
  "$py" "$here/bench/peers_rounds.py" --rounds "$rounds" --json "$work/rounds_${t}t.json" \
    --title "Fashion-MNIST CNN ($(basename "$model")), batch 1, $t thread(s)" \
    --ratio liteopt-f32:torch-f32 --ratio liteopt-f32:ort-f32 \
    --ratio liteopt-int8:torch-int8 --ratio liteopt-int8:ort-int8 --ratio liteopt-int8:liteopt-f32 \
    "liteopt-f32=$liteopt bench $model --threads $t $runs --json" \
    "torch-f32=$py $here/bench/torch_peer.py bench $work/torch/float.pt --threads $t $runs" \
    "ort-f32=$ort $work/float.onnx --threads $t $runs" \
    "liteopt-int8=$liteopt bench $int8 --threads $t $runs --json" \
    "torch-int8=$py $here/bench/torch_peer.py bench $work/torch/int8.pt --threads $t $runs" \
    "ort-int8=$ort $work/int8.onnx --threads $t $runs"
done
