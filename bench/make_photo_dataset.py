#!/usr/bin/python3
"""Test data for the pipeline benchmark: N 640x480 JPEG photos (quality 90) cut from the real photos in
../shared/fixtures/images (random windows, scaled to 640x480), plus a CSV `filename,label`.

Usage: bench/make_photo_dataset.py FIXTURES_IMAGES_DIR OUT_DIR [N]. Run with Debian's /usr/bin/python3.
"""
import os
import random
import sys

from PIL import Image


def main():
    src_dir, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 256
    sources = []
    for root, _, files in os.walk(src_dir):
        for f in sorted(files):
            if f.lower().endswith((".jpg", ".jpeg")):
                sources.append(Image.open(os.path.join(root, f)).convert("RGB"))
    if not sources:
        sys.exit(f"no JPEG photos under {src_dir}")
    rng = random.Random(42)
    os.makedirs(os.path.join(out, "photos"), exist_ok=True)
    rows = []
    for i in range(n):
        img = sources[i % len(sources)]
        w, h = img.size
        cw = rng.randint(int(w * 0.6), w)
        ch = min(h, int(cw * 3 / 4))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        photo = img.crop((x, y, x + cw, y + ch)).resize((640, 480), Image.BILINEAR)
        name = f"photos/{i:05d}.jpg"
        photo.save(os.path.join(out, name), quality=90)
        rows.append(f"{name},{'cat' if i % 2 else 'dog'}")
    with open(os.path.join(out, "photos.csv"), "w") as f:
        f.write("filename,label\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
