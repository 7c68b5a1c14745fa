#!/usr/bin/python3
"""Writes the PyTorch golden traces in src/test/resources/golden/ (see the README there).

    /usr/bin/python3 bench/golden/generate.py                  # every family
    /usr/bin/python3 bench/golden/generate.py clipping         # only some
    /usr/bin/python3 bench/golden/generate.py --out DIR ...    # somewhere else

Needs Debian's python3-torch (PyTorch 1.13) and numpy. Runs on the CPU in float64 with one
thread and fixed seeds, so the files are byte for byte the same on every run.

A family is a module beside this script with FILE (the trace file's name) and build() (the
file's content as a dict); add one by writing the module and naming it in FAMILIES.
"""
import argparse
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "golden")

FAMILIES = ("schedules", "optimizers", "clipping", "rnn", "layers", "curvature")


def main(argv):
    parser = argparse.ArgumentParser(description="Writes the PyTorch golden traces.")
    parser.add_argument("families", nargs="*", metavar="family",
                        help=f"which to write (default: all of {', '.join(FAMILIES)})")
    parser.add_argument("--out", default=DEFAULT_OUT, help="the folder to write to (default: %(default)s)")
    args = parser.parse_args(argv)
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {', '.join(unknown)}; expected one of {', '.join(FAMILIES)}")
    sys.dont_write_bytecode = True      # no __pycache__ beside the scripts
    sys.path.insert(0, HERE)
    import common
    common.setup()
    os.makedirs(args.out, exist_ok=True)
    for name in args.families or FAMILIES:
        module = importlib.import_module(name)
        text = common.dumps(module.build())
        path = os.path.join(args.out, module.FILE)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        print(f"{name}: wrote {os.path.normpath(path)} ({len(text)} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
