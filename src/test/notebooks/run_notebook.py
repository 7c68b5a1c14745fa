#!/usr/bin/env python3
"""Executes a notebook headless through a real Jupyter kernel and checks what it shows.

    run_notebook.py NOTEBOOK --kernel-dir DIR --out DIR [--tries N] [--startup-timeout S]

- Fails (exit 1) on any cell error or cell timeout.
- Cells tagged `expect-image` must output an image/png; cells tagged `expect-table` must print
  a table (a Tablesaw table: a header line with '|' and a line of dashes).
- A kernel start that never answers (rapaio's upstream bug: about one start in eight hangs) is
  detected by the startup timeout and retried with a fresh kernel, up to --tries times.
- Writes the executed notebook, every image it produced and the kernel's log to --out.

Runs with Debian's Jupyter (python3-nbclient); the kernel spec "java" is looked up in
--kernel-dir (a Jupyter data folder holding kernels/java/kernel.json).
"""
import argparse
import atexit
import base64
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

TABLE_RULE = re.compile(r"^-{10,}\s*$", re.M)


def start_failed(err: BaseException) -> bool:
    text = str(err)
    return isinstance(err, (RuntimeError, TimeoutError)) and not isinstance(err, CellTimeoutError) and (
        "didn't respond" in text or "Kernel died before replying" in text or "timed out" in text.lower())


def execute(path: Path, tries: int, startup_timeout: int, cell_timeout: int, log):
    for attempt in range(1, tries + 1):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="java", timeout=cell_timeout,
                                startup_timeout=startup_timeout,
                                resources={"metadata": {"path": str(path.parent)}})
        t = time.time()
        try:
            client.execute(stdout=log, stderr=log)
            print(f"{path.name}: executed in {time.time() - t:.1f} s (kernel start {attempt} of {tries})")
            return nb
        except (CellExecutionError, CellTimeoutError):
            raise
        except Exception as e:  # a start that never answered: kill it and try a fresh kernel
            if not start_failed(e) or attempt == tries:
                raise
            print(f"{path.name}: kernel start {attempt} did not answer in {startup_timeout} s ({e}); retrying",
                  flush=True)
            km = getattr(client, "km", None)
            if km is not None:
                try:
                    km.shutdown_kernel(now=True)
                except Exception:
                    pass
            atexit.unregister(client._cleanup_kernel)  # this client's kernel is gone already
    raise AssertionError("unreachable")


def check(nb, name: str, out: Path) -> list:
    problems = []
    images = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        outputs = cell.get("outputs", [])
        for o in outputs:
            if o.get("output_type") == "error":
                problems.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
        pngs = [o["data"]["image/png"] for o in outputs if "data" in o and "image/png" in o["data"]]
        text = "".join(o.get("text", "") if o.get("output_type") == "stream" else
                       o.get("data", {}).get("text/plain", "") for o in outputs)
        for k, png in enumerate(pngs):
            raw = base64.b64decode(png)
            if not raw.startswith(b"\x89PNG") or len(raw) < 2000:
                problems.append(f"cell {i}: image {k} is not a real PNG chart ({len(raw)} bytes)")
            images += 1
            (out / f"{name}-cell{i:02d}-{k}.png").write_bytes(raw)
        if "expect-image" in tags and not pngs:
            problems.append(f"cell {i}: tagged expect-image but showed no image/png")
        if "expect-table" in tags and not ("|" in text and TABLE_RULE.search(text)):
            problems.append(f"cell {i}: tagged expect-table but printed no table:\n{text[:500]}")
    print(f"{name}: {images} image(s) written to {out}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook", type=Path)
    ap.add_argument("--kernel-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--tries", type=int, default=5)
    ap.add_argument("--startup-timeout", type=int, default=60)
    ap.add_argument("--cell-timeout", type=int, default=900)
    a = ap.parse_args()
    os.environ["JUPYTER_PATH"] = str(a.kernel_dir.resolve())
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str((a.out / "runtime").resolve()))
    a.out.mkdir(parents=True, exist_ok=True)
    name = a.notebook.stem
    log_path = a.out / f"{name}-kernel.log"
    try:
        with open(log_path, "w") as log:
            nb = execute(a.notebook.resolve(), a.tries, a.startup_timeout, a.cell_timeout, log)
    except CellExecutionError as e:
        print(f"{name}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    except CellTimeoutError as e:
        print(f"{name}: a cell timed out: {e}", file=sys.stderr)
        return 1
    nbformat.write(nb, a.out / a.notebook.name)
    problems = check(nb, name, a.out)
    for p in problems:
        print(f"{name}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
