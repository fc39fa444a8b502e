#!/usr/bin/env bash
# Input pipeline throughput: `liteopt data bench` against the course's PIL loop (bench/pil_loop.py: PIL open,
# resize, np.asarray, /255) on the same files, interleaved A B A B, 1 and 2 threads (PIL: 1 and 2 processes).
# Datasets: 640x480 JPEG photos cut from the fixture photos -> 224x224x3, and Fashion-MNIST PNGs -> 28x28x1.
# Prints medians of images/s and the ratios. Usage: bench/data_pipeline.sh [build/liteopt] [runs]
set -euo pipefail
liteopt=$(realpath "${1:-build/liteopt}")
runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${LITEOPT_FIXTURES:-$here/../shared/fixtures}
work=${LITEOPT_BENCH_DATA:-$here/build/bench-data}
py=/usr/bin/python3
mkdir -p "$work"

if [[ ! -f "$work/photos/photos.csv" ]]; then
  "$py" "$here/bench/make_photo_dataset.py" "$fixtures/images" "$work/photos" 512
fi
if [[ ! -f "$work/fashion/train.csv" ]]; then
  "$liteopt" data fashion-mnist --out "$work/fashion" --max-per-class 1000 >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ips() { grep -o '"images_per_second": *[0-9.e+]*' | head -1 | grep -o '[0-9.e+]*$'; }

printf '| dataset | size | liteopt 1 thread | PIL loop 1 process | ratio | liteopt 2 threads | PIL 2 processes | ratio | liteopt 2 vs 1 |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for set in photos fashion; do
  if [[ $set == photos ]]; then csv="$work/photos/photos.csv"; size=224x224x3; else csv="$work/fashion/train.csv"; size=28x28x1; fi
  for f in l1 p1 l2 p2; do : > "$work/$f"; done
  for ((r = 0; r < runs; r++)); do
    "$liteopt" data bench "$csv" --size $size --threads 1 --json 2>/dev/null | ips >> "$work/l1"
    "$py" "$here/bench/pil_loop.py" "$csv" --size $size | ips >> "$work/p1"
    "$liteopt" data bench "$csv" --size $size --threads 2 --json 2>/dev/null | ips >> "$work/l2"
    "$py" "$here/bench/pil_loop.py" "$csv" --size $size --processes 2 | ips >> "$work/p2"
  done
  l1=$(median < "$work/l1"); p1=$(median < "$work/p1"); l2=$(median < "$work/l2"); p2=$(median < "$work/p2")
  printf '| %s (%s images) | %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx | %.2fx |\n' "$set" \
    "$(($(wc -l < "$csv") - 1))" "$size" "$l1" "$p1" "$(echo "$l1 / $p1" | bc -l)" "$l2" "$p2" \
    "$(echo "$l2 / $p2" | bc -l)" "$(echo "$l2 / $l1" | bc -l)"
done
echo "images/s, median of $runs interleaved runs; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
