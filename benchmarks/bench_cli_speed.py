"""CLI start-up speed: ``agileds --help``, ``ticket list`` and ``backlog rank`` on 1,000 tickets.

Target (issue 2): ``--help`` and ``ticket list`` each under 0.5 s of wall time. Prints the
median and max of N runs, and checks that no command imports mlflow, scikit-learn or optuna.

``backlog rank`` (issue 18) is timed once the project has an MLflow database holding parent
runs with their trials: with evidence (read from the SQLite file directly) and with
``--no-evidence``, and, for comparison, the evidence read through MLflow's client as before.

    .venv/bin/python benchmarks/bench_cli_speed.py [--runs 15] [--parents 20] [--trials 30]
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


def make_runs(root: Path, parents: int, trials: int) -> str:
    """An MLflow store with ``parents`` ticket runs of ``trials`` nested runs each."""
    from agileds.tracking import get_client, resolve_stores

    uri = resolve_stores(root).tracking_uri
    client = get_client(uri)
    experiment = client.create_experiment("lead-scoring")
    for i in range(parents):
        prefix = TYPES[i % 4][1]
        tags = {"agileds.ticket": f"{prefix}-{i // 4 + 1}", "agileds.metric": "auroc"}
        run = client.create_run(experiment, tags={**tags, "agileds.verdict": "pass"})
        client.log_metric(run.info.run_id, "auroc", 0.8)
        for _ in range(trials):
            child = {**tags, "mlflow.parentRunId": run.info.run_id}
            client.set_terminated(client.create_run(experiment, tags=child).info.run_id)
        client.set_terminated(run.info.run_id)
    return uri


def time_mlflow_evidence(root: Path, uri: str, runs: int) -> list[float]:
    """The evidence as ``backlog rank`` read it before: through MLflow's client."""
    code = (
        "from agileds.backlog import evidence_from_mlflow\n"
        f"evidence_from_mlflow({uri!r}, {{'STORY-1', 'SPIKE-1', 'BUG-1', 'INV-1'}})"
    )
    return time_command([sys.executable, "-c", code], root, runs)


def report(label: str, times: list[float], heavy: list[str] | None, target: str) -> None:
    shown = "" if heavy is None else f"  heavy imports: {heavy or 'none'}"
    print(
        f"{label:48s} median {statistics.median(times):.3f} s  max {max(times):.3f} s"
        f"{shown}  {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--parents", type=int, default=20, help="ticket runs in MLflow")
    parser.add_argument("--trials", type=int, default=30, help="nested runs per ticket run")
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
            report(label, times, heavy_imports(args, root), "(target < 0.5 s)")
        uri = make_runs(root, opts.parents, opts.trials)
        runs = f"{opts.parents} x {1 + opts.trials} runs"
        for label, args in [
            (f"agileds backlog rank ({runs})", ["backlog", "rank"]),
            ("agileds backlog rank --no-evidence", ["backlog", "rank", "--no-evidence"]),
        ]:
            times = time_command([exe, *args], root, opts.runs)
            report(label, times, heavy_imports(args, root), "")
        times = time_mlflow_evidence(root, uri, max(3, opts.runs // 3))
        report("  evidence through MLflow's client (before)", times, None, "")


if __name__ == "__main__":
    main()
