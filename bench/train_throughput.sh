#!/usr/bin/env bash
# Training throughput of `liteopt train --arch mobilenet_v2` against PyTorch eager (torch_baseline.py's model,
# Adam + OneCycle, batch 128), on the first N Fashion-MNIST training images, ROUNDS times alternately, in one run.
# Reports wall images/s and images per CPU-second (all threads of the process; robust to a busy host). The
# liteopt figure is its second epoch (PNG decoding done, the pipeline's memory cache warm); PyTorch holds the
# whole set in memory from the start.
#
#   bench/train_throughput.sh [BUILD_DIR] [WORK_DIR] [THREADS] [N] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
work=${2:-/tmp/liteopt-train-bench}
threads=${3:-1}
n=${4:-6400}
rounds=${5:-2}
mkdir -p "$work/throughput"
[ -f "$work/data/train.csv" ] || "$build/liteopt" data fashion-mnist --out "$work/data" --val-fraction 0 >/dev/null
csv="$work/throughput/train_$n.csv"
head -n $((n + 1)) "$work/data/train.csv" | sed "2,\$s#^images#$work/data/images#" > "$csv"

for r in $(seq "$rounds"); do
  "$build/liteopt" train --arch mobilenet_v2 --data "$csv" --epochs 2 --batch 128 --lr 0.003 --lr-schedule onecycle \
    --seed 0 --threads "$threads" --quiet -o "$work/throughput/model.tflite" >/dev/null
  python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))[1]
n = int(sys.argv[2])
print(json.dumps({"run": "liteopt", "img_per_s": round(h["images_per_second"], 1),
                  "img_per_cpu_s": round(n / h["cpu_seconds"], 1)}))' "$work/throughput/model.history.json" "$n"
  /usr/bin/python3 "$here/bench/torch_fashion_mnist_peer.py" --notes "$here/../shared/notes" --epochs 2 --bs 128 \
    --lr 0.003 --threads "$threads" --seed 0 --limit "$n" 2>/dev/null |
    python3 -c 'import json, sys; j = json.load(sys.stdin); print(json.dumps({"run": "pytorch", "img_per_s": j["train_img_per_s"], "img_per_cpu_s": j["train_img_per_cpu_s"]}))'
done
