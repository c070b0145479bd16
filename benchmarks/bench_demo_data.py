"""Rows per second of the demo data generator, ``make_leads``, on 1,000,000 rows.

Target (demo data issue): a few seconds for a million rows, not minutes. Prints the best and
median of N runs, plus the time to write the frame as CSV once.

Run: ``python benchmarks/bench_demo_data.py [--rows 1000000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from agileds.data import make_leads


def main() -> None:
    """Time make_leads and print rows per second."""
    parser = argparse.ArgumentParser(description="Rows per second of make_leads.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    make_leads(1_000)  # warm up imports and caches
    seconds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        frame = make_leads(args.rows, seed=0)
        seconds.append(time.perf_counter() - start)
    best, median = min(seconds), statistics.median(seconds)
    print(f"make_leads({args.rows:,}): best {best:.2f} s, median {median:.2f} s")
    print(f"rows/second: {args.rows / best:,.0f} (best), {args.rows / median:,.0f} (median)")
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        frame.to_csv(Path(directory) / "leads.csv", index=False, lineterminator="\n")
        print(f"to_csv: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
