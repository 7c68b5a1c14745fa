#!/usr/bin/python3
"""Writes data/blobs.csv: 600 points in 4 features from 3 Gaussian blobs (200 each), a label column.

    /usr/bin/python3 data/make_blobs.py            # or any Python 3: only the standard library

Seeded, so the file is the same byte for byte on every run. A small, real classification table for
gradlab's CSV data spec ({"kind": "csv", "path": "data/blobs.csv", "label": "label"}) and its tests.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
CENTRES = {"blob_a": (0.0, 0.0, 2.0, -1.0), "blob_b": (2.0, 1.0, 0.0, 0.5), "blob_c": (0.5, 2.5, -1.0, 1.5)}


def main():
    rng = random.Random(20261204)
    rows = []
    for label, centre in CENTRES.items():
        for _ in range(200):
            rows.append([round(c + rng.gauss(0, 0.8), 4) for c in centre] + [label])
    rng.shuffle(rows)
    path = os.path.join(HERE, "blobs.csv")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("x1,x2,x3,x4,label\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")
    print(f"wrote {path} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
