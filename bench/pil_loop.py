#!/usr/bin/python3
"""The course's image loop (PIL open, resize, np.asarray, /255), as a peer for `liteopt data bench`.

Reads the same CSV (filename,label; paths relative to the CSV), builds batches of float32 arrays exactly as
the course's evaluation code does, and prints one JSON object with images_per_second. Run with Debian's
/usr/bin/python3 (python3-pil, python3-numpy). --processes N spreads the files over N worker processes
(a multiprocessing.Pool), the usual way to use more cores from Python.
"""
import argparse
import csv
import json
import os
import time

import numpy as np
from PIL import Image


def load(args):
    path, h, w, c = args
    image = Image.open(path)
    if c == 3 and image.mode != "RGB":
        image = image.convert("RGB")
    elif c == 1 and image.mode != "L":
        image = image.convert("L")
    image = image.resize((w, h))  # the course: image.resize((224, 224)), PIL's default filter
    image = np.asarray(image).astype(np.float32)
    if c == 1:
        image = image[..., None]
    return image / 255.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--size", required=True, help="HxWxC")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--processes", type=int, default=1)
    a = ap.parse_args()
    h, w, c = (int(v) for v in a.size.split("x"))
    base = os.path.dirname(os.path.abspath(a.csv))
    with open(a.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    jobs = [(os.path.join(base, r["filename"]), h, w, c) for r in rows]
    start = time.perf_counter()
    cpu0 = time.process_time()
    images = 0
    if a.processes > 1:
        import multiprocessing
        with multiprocessing.Pool(a.processes) as pool:
            for i in range(0, len(jobs), a.batch):
                batch = np.stack(pool.map(load, jobs[i:i + a.batch]))
                images += batch.shape[0]
    else:
        for i in range(0, len(jobs), a.batch):
            batch = np.stack([load(j) for j in jobs[i:i + a.batch]])
            images += batch.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"images": images, "seconds": seconds, "images_per_second": images / seconds,
                      "cpu_seconds_main_process": time.process_time() - cpu0}))


if __name__ == "__main__":
    main()
