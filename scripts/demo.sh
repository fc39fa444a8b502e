#!/usr/bin/env bash
# The main job: the course's workflow on real data (Fashion-MNIST from Debian's dataset-fashion-mnist), end to
# end in liteopt, ending in the comparison report:
#   1. export the dataset as PNG files + train/val/test CSVs (the course's CSV + image layout)
#   2. measure the input pipeline
#   3. train a float model (libtorch, batch norm folded into the .tflite)
#   4. post-training quantization: dynamic range, full int8 with a representative dataset, float16
#   5. evaluate and compare every variant: size raw and gzipped, accuracy, agreement, latency, images/s
# Pruning and quantization-aware training join the chain with their issue. Outputs stay in $LITEOPT_DEMO_OUT
# (default build/demo). Sizes: DEMO_PER_CLASS images per class (default 600), DEMO_EPOCHS (default 3).
set -euo pipefail

liteopt=${1:-build/liteopt}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${LITEOPT_DEMO_OUT:-$here/build/demo}
per_class=${DEMO_PER_CLASS:-600}
epochs=${DEMO_EPOCHS:-3}
mkdir -p "$out"
section() { printf '\n=== %s ===\n' "$1"; }
start=$(date +%s)

section "1. Fashion-MNIST as images + CSVs ($per_class per class) -> $out/data"
"$liteopt" data fashion-mnist --out "$out/data" --max-per-class "$per_class"
head -3 "$out/data/train.csv"

section "2. the input pipeline: decode + scale + batch, images/s"
"$liteopt" data bench "$out/data/train.csv" --size 28x28x1 --batch 32

section "3. train a float model (small_cnn, $epochs epochs, Adam, seed 42)"
"$liteopt" train --arch small_cnn --data "$out/data/train.csv" --val "$out/data/val.csv" --epochs "$epochs" \
  --batch 64 --lr 0.003 --lr-schedule onecycle --seed 42 -o "$out/model_float.tflite"

section "4. post-training quantization"
"$liteopt" convert "$out/model_float.tflite" -o "$out/model_dynamic_range.tflite" --optimize default
"$liteopt" convert "$out/model_float.tflite" -o "$out/model_int8.tflite" --optimize default \
  --representative-data "$out/data/train.csv" --samples 300
"$liteopt" convert "$out/model_float.tflite" -o "$out/model_float16.tflite" --float16

section "5. compare every variant on the test set"
"$liteopt" compare "$out/model_float.tflite" "$out/model_dynamic_range.tflite" "$out/model_int8.tflite" \
  "$out/model_float16.tflite" --data "$out/data/test.csv" --limit 1000 --markdown "$out/report.md" --html "$out/report.html"

echo
echo "report: $out/report.md and $out/report.html (open it in a browser; no network needed)"
echo "demo finished in $(( $(date +%s) - start )) s"
