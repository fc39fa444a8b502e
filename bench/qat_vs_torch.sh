#!/usr/bin/env bash
# liteopt's PTQ and QAT against PyTorch's (FX; oneDNN and QNNPACK engines) on one float model, in the same run
# (issue 6). liteopt's float Fashion-MNIST model (`liteopt train --arch mobilenet_v2`, bench/train_fashion_mnist.sh's
# setting) is quantized by both tools: its weights go into torch_baseline.py's Net (bench/torch_qat_peer.py, which
# checks the float accuracy), both calibrate PTQ on the same SAMPLES training images, both fine-tune QAT from the same
# float weights with the same epochs, batch, optimizer and constant learning rate. Prints one table of test top-1
# (the 10,000 test images). A peer benchmark, not a test.
#
#   bench/qat_vs_torch.sh [BUILD_DIR] [WORK_DIR]
# Environment: FLOAT=model.tflite (reuse a float model; labels.txt beside it) DATA=dir (reuse a
# `liteopt data fashion-mnist --val-fraction 0` export) SAMPLES=1000 QAT_EPOCHS=1 QAT_BATCH=32 QAT_LR=1e-4
# QAT_STEPS=0 (batches per QAT epoch, 0: all) SEED=0 THREADS=1 ENGINES=onednn,qnnpack,onednn/x86
# (ENGINE/QCONFIG: ENGINE with backend QCONFIG's default qconfig; onednn/x86 is oneDNN with 7-bit activations, what
# it needs on a CPU without VNNI: see bench/torch_qat_peer.py)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
work=$(mkdir -p "${2:-/tmp/liteopt-qat-vs-torch}" && cd "${2:-/tmp/liteopt-qat-vs-torch}" && pwd)
liteopt=$build/liteopt
samples=${SAMPLES:-1000}
epochs=${QAT_EPOCHS:-1}
batch=${QAT_BATCH:-32}
lr=${QAT_LR:-1e-4}
steps=${QAT_STEPS:-0}
seed=${SEED:-0}
threads=${THREADS:-1}
engines=${ENGINES:-onednn,qnnpack,onednn/x86}
data=${DATA:-$work/data}
float=${FLOAT:-$work/float/model.tflite}
py=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1

if [ ! -f "$data/test.csv" ]; then
  "$liteopt" data fashion-mnist --out "$data" --val-fraction 0 >/dev/null
fi
if [ ! -f "$float" ]; then
  echo "== float model: liteopt train --arch mobilenet_v2, 3 epochs (bench/train_fashion_mnist.sh's setting)" >&2
  "$liteopt" train --arch mobilenet_v2 --data "$data/train.csv" --val "$data/test.csv" --epochs 3 --batch 128 \
    --lr 0.003 --optimizer adam --lr-schedule onecycle --seed 0 --threads "$threads" -o "$float" >&2
fi

# The calibration images: SAMPLES rows of train.csv drawn with SEED, absolute paths, read by both tools.
"$py" - "$data" "$samples" "$seed" > "$work/calibration.csv" <<'PY'
import csv, os, random, sys
data, n, seed = os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.reader(open(os.path.join(data, "train.csv"))))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(rows[0])
for r in random.Random(seed).sample(rows[1:], n):
    out.writerow([os.path.join(data, r[0])] + r[1:])
PY

top1() { "$liteopt" evaluate "$1" --data "$data/test.csv" --labels "$(dirname "$float")/labels.txt" --no-batched \
  --json | "$py" -c 'import json, sys; print(json.load(sys.stdin)["top1"])'; }

echo "== liteopt PTQ: convert --optimize default, $samples calibration images" >&2
"$liteopt" convert "$float" --optimize default --representative-data "$work/calibration.csv" --samples "$samples" \
  -o "$work/liteopt_ptq.tflite" >&2
echo "== liteopt QAT: $epochs epoch(s), batch $batch, Adam lr $lr constant, seed $seed" >&2
max_steps=()
[ "$steps" != 0 ] && max_steps=(--max-steps "$steps")
/usr/bin/time -f "liteopt qat: %e s wall, %U s user" \
  "$liteopt" qat "$float" --data "$data/train.csv" --epochs "$epochs" --batch "$batch" --lr "$lr" --optimizer adam \
  --lr-schedule constant --seed "$seed" --calibration-samples "$samples" --threads "$threads" "${max_steps[@]}" \
  -o "$work/liteopt_qat.tflite" >&2
printf '{"float": %s, "ptq": %s, "qat": %s}\n' "$(top1 "$float")" "$(top1 "$work/liteopt_ptq.tflite")" \
  "$(top1 "$work/liteopt_qat.tflite")" > "$work/liteopt.json"

echo "== PyTorch FX: $engines" >&2
/usr/bin/time -f "pytorch: %e s wall, %U s user" \
  "$py" "$here/bench/torch_qat_peer.py" --tflite "$float" --data "$data" --calibration "$work/calibration.csv" \
  --engines "$engines" --qat-epochs "$epochs" --qat-batch "$batch" --qat-lr "$lr" --qat-steps "$steps" \
  --seed "$seed" --threads "$threads" --notes "$here/../shared/notes" --out "$work/torch.json" >/dev/null

"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
lo, pt = json.load(open(f"{work}/liteopt.json")), json.load(open(f"{work}/torch.json"))
s = pt["qat_settings"]
print(f"\nPTQ: {pt['calibration_images']} calibration images; QAT: {s['epochs']} epoch(s) x {s['steps_per_epoch']} "
      f"batches of {s['batch']}, {s['optimizer']} lr {s['lr']} constant, seed {s['seed']}; "
      f"top-1 on {pt['test_images']} test images\n")
print("| tool | float | PTQ int8 (vs float) | QAT int8 (vs float) |")
print("|---|---:|---:|---:|")
cell = lambda a, f: f"{a * 100:.2f}% ({(a - f) * 100:+.2f})"
print(f"| liteopt (minmax calibration, per-channel weights) | {lo['float'] * 100:.2f}% | {cell(lo['ptq'], lo['float'])} "
      f"| {cell(lo['qat'], lo['float'])} |")
for engine in pt["ptq"]:
    q = pt["qat"].get(engine, {})
    qat = cell(q["int8"], pt["float"]) + f", fake-quant {q['fake_quant'] * 100:.2f}%" if q else "-"
    print(f"| PyTorch FX {engine} | {pt['float'] * 100:.2f}% | {cell(pt['ptq'][engine], pt['float'])} | {qat} |")
PY
