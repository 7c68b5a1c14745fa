#!/usr/bin/env python3
"""Prints docs/RESULTS.md's tables (a markdown table per part) from a study's summary.csv.

    python3 docs/results/tables.py docs/results/default/summary.csv

ResultsPageTest checks the page's tables against the CSVs with the same rounding, the report's
(half up on the number's shortest decimal form, as Java's String.format): accuracy and share of
clipped steps in percent to 0.1, gradient norms to 3 significant digits (whole numbers from 100
up), steps and counts whole, '-' where the value is empty (never happened).
"""
import csv
import sys
from decimal import ROUND_HALF_UP, Decimal


def rounded(x, places):
    """x to `places` decimals, half up on its shortest decimal form, as Java's String.format does."""
    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def pct(v):
    return "-" if v == "" else rounded(100 * float(v), 1) + "%"


def norm(v):
    if v == "":
        return "-"
    x = float(v)
    if x != x or x in (float("inf"), float("-inf")):
        return "inf"
    if abs(x) >= 100:
        return rounded(x, 0)
    d = Decimal(repr(x))
    return "%s" % d.quantize(Decimal(1).scaleb(d.adjusted() - 2), rounding=ROUND_HALF_UP).normalize().to_eng_string()


def whole(v):
    return "-" if v == "" else rounded(float(v), 0)


def main(path):
    rows = list(csv.DictReader(open(path, newline="")))
    parts = []
    for r in rows:
        if r["part"] not in parts:
            parts.append(r["part"])
    for part in parts:
        rs = [r for r in rows if r["part"] == part]
        rnn = part == "rnn"
        head = ["config", "accuracy", "std", "diverged", "collapsed", "grad norm step 0", "max grad norm"]
        head += ["first > 10", "first > 100"] if rnn else []
        head += ["first step > 1e3", "clipped"] + (["loss spikes"] if rnn else [])
        print("## " + part + "\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rs:
            cells = [r["config"], pct(r["acc_mean"]), pct(r["acc_std"]), r["diverged"], r["collapsed"],
                     norm(r["grad_norm_step0_median"]), norm(r["max_grad_norm_median"])]
            cells += [whole(r["first_step_over_10_median"]), whole(r["first_step_over_100_median"])] if rnn else []
            cells += [whole(r["first_step_over_1e3_median"]), pct(r["clipped_share_mean"])]
            cells += [whole(r["loss_spikes_median"])] if rnn else []
            print("| " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
