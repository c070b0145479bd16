"""CLI start-up speed: ``agileds --help`` and ``agileds ticket list`` on 1,000 tickets.

Target (issue 2): each under 0.5 s of wall time. Prints the median and max of N runs, and
checks that neither command imports mlflow, scikit-learn or optuna.

    .venv/bin/python benchmarks/bench_cli_speed.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICKET = """\
# generated for the benchmark
id: {id}
type: {type}
title: Ticket number {n} with a realistic title
description: |
  A description of a few lines, as people write them.
  Second line.
status: {status}
value: {value}
effort: {effort}
confidence: 0.8
model: lead-scoring
acceptance:
  - auroc >= production.auroc + 0.01
  - delta.auroc.ci_low > 0 and latency_p95_ms <= 25
  - Product owner signs off
"""
TYPES = [("story", "STORY"), ("spike", "SPIKE"), ("bug", "BUG"), ("investigation", "INV")]


def make_backlog(root: Path, n: int) -> None:
    (root / "backlog").mkdir(parents=True)
    (root / "agileds.yaml").write_text("name: bench\n")
    for i in range(n):
        kind, prefix = TYPES[i % 4]
        text = TICKET.format(
            id=f"{prefix}-{i // 4 + 1}",
            type=kind,
            n=i,
            status="todo",
            value=1 + i % 13,
            effort=1 + i % 8,
        )
        (root / "backlog" / f"{prefix}-{i // 4 + 1}.yaml").write_text(text)


def time_command(args: list[str], cwd: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def heavy_imports(args: list[str], cwd: Path) -> list[str]:
    code = (
        "import sys; from agileds.cli import main\n"
        f"try: main({args!r})\nexcept SystemExit: pass\n"
        "print('HEAVY=' + ','.join(m for m in ('mlflow', 'sklearn', 'optuna') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tickets", type=int, default=1000)
    opts = parser.parse_args()
    exe = shutil.which("agileds", path=str(Path(sys.executable).parent)) or "agileds"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_backlog(root, opts.tickets)
        for label, args in [
            ("agileds --help", ["--help"]),
            (f"agileds ticket list ({opts.tickets} tickets)", ["ticket", "list"]),
        ]:
            times = time_command([exe, *args], root, opts.runs)
            heavy = heavy_imports(args, root)
            print(
                f"{label:40s} median {statistics.median(times):.3f} s  max {max(times):.3f} s"
                f"  heavy imports: {heavy or 'none'}  (target < 0.5 s)"
            )


if __name__ == "__main__":
    main()
