#!/usr/bin/env bash
# `liteopt train` against PyTorch eager on Fashion-MNIST, in the same run: torch_baseline.py's model
# (`--arch mobilenet_v2` at 28x28x1 is that model), optimizer, schedule, epochs, batch and threads.
# Prints both runs' test accuracy and training throughput; the figures go to docs/PERFORMANCE.md.
#
#   bench/train_fashion_mnist.sh [BUILD_DIR] [WORK_DIR] [THREADS]      (EPOCHS=3, SEED=0 by default)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
work=${2:-/tmp/liteopt-train-bench}
threads=${3:-1}
epochs=${EPOCHS:-3}
seed=${SEED:-0}
mkdir -p "$work/liteopt"

# All 60,000 training images (no validation split), the 10,000 test images as the validation set.
if [ ! -f "$work/data/test.csv" ]; then
  "$build/liteopt" data fashion-mnist --out "$work/data" --val-fraction 0 >/dev/null
fi

echo "== liteopt train (libtorch $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null), $threads thread(s))" >&2
/usr/bin/time -f "liteopt: %e s wall, %M KB max RSS" \
  "$build/liteopt" train --arch mobilenet_v2 --data "$work/data/train.csv" --val "$work/data/test.csv" \
  --epochs "$epochs" --batch 128 --lr 0.003 --optimizer adam --lr-schedule onecycle --seed "$seed" --threads "$threads" \
  -o "$work/liteopt/model.tflite" | tee "$work/liteopt/summary.txt"

echo "== PyTorch eager (python3-torch), $threads thread(s)" >&2
/usr/bin/time -f "pytorch: %e s wall, %M KB max RSS" \
  /usr/bin/python3 "$here/bench/torch_fashion_mnist_peer.py" --notes "$here/../shared/notes" --epochs "$epochs" \
  --bs 128 --lr 0.003 --threads "$threads" --seed "$seed" | tee "$work/torch.json"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
hist = json.load(open(f"{work}/liteopt/model.history.json"))
torch = json.load(open(f"{work}/torch.json"))
summary = open(f"{work}/liteopt/summary.txt").read()
interp = [l for l in summary.splitlines() if "interpreter" in l]
ips = len(hist) / sum(1 / h["images_per_second"] for h in hist)  # equal images per epoch: harmonic mean
print()
print(f"| run | epochs | test top-1 | training images/s |")
print(f"|---|---|---|---|")
print(f"| liteopt train (libtorch, C++) | {len(hist)} | {hist[-1]['val_accuracy']*100:.2f}% (torch eval), "
      f"{interp[0].split()[-1] if interp else '?'} (.tflite in liteopt) | {ips:.0f} (per epoch: "
      f"{', '.join(str(round(h['images_per_second'])) for h in hist)}) |")
print(f"| PyTorch eager (torch_baseline.py) | {torch['epochs']} | {torch['test_acc']*100:.2f}% | {torch['train_img_per_s']:.0f} |")
print(f"\nthroughput ratio liteopt / PyTorch: {ips / torch['train_img_per_s']:.2f}")
PY
