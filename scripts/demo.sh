#!/usr/bin/env bash
# The main job: the course's workflow on real data (Fashion-MNIST from Debian's dataset-fashion-mnist), end to
# end in liteopt, ending in the comparison report:
#   1. export the dataset as PNG files + train/val/test CSVs (the course's CSV + image layout)
#   2. measure the input pipeline
#   3. train a float model (libtorch, batch norm folded into the .tflite)
#   4. prune it (magnitude pruning, TFMOT's polynomial-decay schedule, 1x4 blocks) while fine-tuning: the course
#      starts from a pruned model; its int8 version is written in TFLite's sparse format
#   5. post-training quantization of the pruned model in one command (`liteopt optimize`): dynamic range, full
#      int8 with a representative dataset, float16, and their report
#   6. quantization-aware training of the pruned model (1 epoch, its zeros kept: --preserve-sparsity) to the int8 model
#   7. compare every variant: size raw and gzipped, accuracy, agreement, latency, images/s
# Outputs stay in $LITEOPT_DEMO_OUT (default build/demo). Sizes: DEMO_PER_CLASS images per class (default 600),
# DEMO_EPOCHS training epochs (default 5), DEMO_ARCH (mobilenet_v2, the course's architecture at 28x28x1, or
# small_cnn), DEMO_PRUNE_EPOCHS (default 4), DEMO_QAT_EPOCHS (default 1).
set -euo pipefail

liteopt=${1:-build/liteopt}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${LITEOPT_DEMO_OUT:-$here/build/demo}
per_class=${DEMO_PER_CLASS:-600}
epochs=${DEMO_EPOCHS:-5}
arch=${DEMO_ARCH:-mobilenet_v2}
prune_epochs=${DEMO_PRUNE_EPOCHS:-4}
qat_epochs=${DEMO_QAT_EPOCHS:-1}
mkdir -p "$out"
section() { printf '\n=== %s ===\n' "$1"; }
start=$(date +%s)

section "1. Fashion-MNIST as images + CSVs ($per_class per class) -> $out/data"
"$liteopt" data fashion-mnist --out "$out/data" --max-per-class "$per_class"
head -3 "$out/data/train.csv"

section "2. the input pipeline: decode + scale + batch, images/s"
"$liteopt" data bench "$out/data/train.csv" --size 28x28x1 --batch 32

section "3. train a float model ($arch, $epochs epochs, Adam, seed 42)"
"$liteopt" train --arch "$arch" --data "$out/data/train.csv" --val "$out/data/val.csv" --epochs "$epochs" \
  --batch 64 --lr 0.003 --lr-schedule onecycle --seed 42 -o "$out/model_float.tflite"

section "4. prune to 50% sparsity while fine-tuning ($prune_epochs epochs, 1x4 blocks), int8 in the sparse format"
"$liteopt" prune "$out/model_float.tflite" --data "$out/data/train.csv" --val "$out/data/val.csv" \
  --epochs "$prune_epochs" --target-sparsity 0.5 --block 1x4 \
  --int8 --representative-data "$out/data/train.csv" -o "$out/model_pruned_int8.tflite"

section "5. post-training quantization of the pruned model: every variant and its report, one command"
rm -rf "$out/ptq"
cp "$out/model_pruned_int8.float.tflite" "$out/model_pruned.tflite"  # optimize names its files after the model
"$liteopt" optimize "$out/model_pruned.tflite" --train "$out/data/train.csv" --val "$out/data/val.csv" \
  --test "$out/data/test.csv" --limit 1000 --no-batched --out "$out/ptq"

section "6. quantization-aware training of the pruned model ($qat_epochs epoch, its zeros kept, sparse format)"
"$liteopt" qat "$out/model_pruned.tflite" --data "$out/data/train.csv" --val "$out/data/val.csv" \
  --epochs "$qat_epochs" --preserve-sparsity -o "$out/model_qat_int8.tflite"

section "7. compare every variant on the test set"
"$liteopt" compare "$out/model_float.tflite" "$out/model_pruned.tflite" "$out/ptq/model_pruned_dynamic_range.tflite" \
  "$out/ptq/model_pruned_int8.tflite" "$out/ptq/model_pruned_float16.tflite" "$out/model_pruned_int8.tflite" \
  "$out/model_qat_int8.tflite" --data "$out/data/test.csv" --limit 1000 --markdown "$out/report.md" \
  --html "$out/report.html"

echo
echo "report: $out/report.md and $out/report.html (open it in a browser; no network needed)"
echo "demo finished in $(( $(date +%s) - start )) s"
