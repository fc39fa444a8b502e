#!/usr/bin/env bash
# The main job, as far as liteopt goes today: inspect real TensorFlow Lite models and run them on real
# images with the liteopt interpreter, then print a summary. Later issues grow this into the whole course
# workflow (datasets, training, quantization, comparison report) on Fashion-MNIST.
set -euo pipefail

liteopt=${1:-build/liteopt}
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${LITEOPT_FIXTURES:-$here/../shared/fixtures}
if [ ! -d "$fixtures/tflite" ]; then
  echo "demo: the fixture models are not at $fixtures (set LITEOPT_FIXTURES); nothing to run" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

section() { printf '\n=== %s ===\n' "$1"; }

section "liteopt $("$liteopt" --version | cut -d' ' -f2): inspect a quantized MobileNet (uint8, official converter)"
"$liteopt" inspect "$fixtures/tflite/coral/mobilenet_v1_0.25_128_quant.tflite" | sed -n '1,9p;/^Constants/,$p'

summary=()
run_image() {  # model image labels-file [lines of output to show]
  local model=$1 image=$2 labels=$3 show=${4:-100} log
  log=$("$liteopt" run "$fixtures/$model" --input "$fixtures/$image" ${labels:+--labels "$fixtures/$labels"} \
        --output-dir "$out" 2>"$out/stderr") || { cat "$out/stderr" >&2; return 1; }
  echo "$log" | head -n "$show"
  local top1 ms
  top1=$(echo "$log" | awk '/^  1  class/ {sub(/^  1  class +/, ""); print; exit}')
  ms=$(sed -n 's/.*invoke took \([0-9.]*\) ms.*/\1/p' "$out/stderr")
  summary+=("$(printf '%-46s %-34s %9s ms  %s' "$(basename "$model")" "$(basename "$image")" "$ms" "$top1")")
}

section "run it on a photo (cat.bmp, decoded, resized to 128x128, quantized to the uint8 input)"
run_image tflite/coral/mobilenet_v1_0.25_128_quant.tflite images/coral/cat.bmp tflite/coral/imagenet_labels.txt

section "the same photo through an int8 MobileNetV2 (TF2 post-training quantization, 224x224)"
run_image tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite images/coral/cat.bmp tflite/coral/imagenet_labels.txt

section "handwritten digits through a float MNIST CNN and its dynamic-range (int8 weights) twin"
for d in 0 3 7; do
  run_image tflite/community/clarenceee_mnist_cnn_float.tflite images/tflm_mnist/sample$d.png "" 2
  run_image tflite/community/clarenceee_mnist_cnn_dynamic_range.tflite images/tflm_mnist/sample$d.png "" 2
done

section "summary (reference kernels, 1 thread)"
printf '%-46s %-34s %12s  %s\n' model input latency top-1
for line in "${summary[@]}"; do echo "$line"; done
