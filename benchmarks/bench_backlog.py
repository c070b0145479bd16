"""Backlog speed: ``agileds backlog rank`` on 10,000 tickets, ``sprint plan`` on 1,000 open.

Targets (issue 6): ``backlog rank`` under 1 s, ``sprint plan`` under 2 s, and neither
imports MLflow, scikit-learn or Optuna (no evidence is asked for: the project has no MLflow
database). Each case is timed in fresh processes of the installed ``agileds`` command, both
with a cold ticket cache (``mlruns/ticket-cache.json`` deleted before every run) and warm
(the cache written by a first run). ``sprint plan`` is timed on a project without git (the
forecast finds no history) and on one whose ``backlog/`` has a git history of tickets moving
to done over several weeks (the forecast path reads every commit).

    .venv/bin/python benchmarks/bench_backlog.py [--runs 5] [--rank-tickets 10000]
        [--plan-tickets 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
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
{fields}acceptance:
  - {metric} >= production.{metric} + {lift}
  - delta.{metric}.ci_low > 0 and latency_p95_ms <= {latency}
  - Product owner signs off
created: {created}
"""
TYPES = [("story", "STORY"), ("spike", "SPIKE"), ("bug", "BUG"), ("investigation", "INV")]
SCALE = (1, 2, 3, 5, 8, 13, 20)
EFFORTS = (1, 2, 3, 5, 8, 13)
IMPACTS = (0.25, 0.5, 1, 2, 3)
# Criteria come from a few templates with varied thresholds, as teams write them: 3 metrics,
# 4 lifts and 5 latency budgets, so a backlog repeats each criterion text many times.
METRICS = ("auroc", "f1", "recall")
LIFTS = (0.005, 0.01, 0.02, 0.03)
LATENCIES = (10, 25, 50, 100, 250)
SPRINTS = """\
sprints:
  - number: 1
    start: 2026-01-05
    end: 2026-01-16
    capacity: 40
    goal: Lead scoring v2 in production
"""
HISTORY_WEEKS = 8


def ticket_id(i: int) -> tuple[str, str]:
    """The type and ID of the ``i``-th generated ticket (types in turn)."""
    kind, prefix = TYPES[i % 4]
    return kind, f"{prefix}-{i // 4 + 1}"


def fields_of(i: int, rng: random.Random) -> str:
    """Varied scoring fields; about one ticket in ten misses an optional one."""
    values: dict[str, object] = {
        "value": rng.choice(SCALE),
        "effort": rng.choice(EFFORTS),
        "time_criticality": rng.choice(SCALE),
        "risk_reduction": rng.choice(SCALE),
        "reach": rng.randint(10, 5000),
        "impact": rng.choice(IMPACTS),
        "confidence": rng.choice((0.5, 0.8, 1.0)),
    }
    if rng.random() < 0.1:
        del values[rng.choice(["time_criticality", "risk_reduction", "reach", "confidence"])]
    lines = [f"{k}: {v}\n" for k, v in values.items()]
    if i % 4 == 0 and i >= 8 and i % 20 == 0:  # a story depending on the previous story
        lines.append(f"depends_on: [{ticket_id(i - 4)[1]}]\n")
    if i % 4 == 0 and i % 24 == 4:  # a story under a spike
        lines.append(f"parent: {ticket_id(i + 1)[1]}\n")
    lines.append("model: lead-scoring\n")
    return "".join(lines)


def ticket_text(i: int, status: str, rng: random.Random) -> str:
    kind, tid = ticket_id(i)
    created = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
    return TICKET.format(
        id=tid,
        type=kind,
        n=i,
        status=status,
        fields=fields_of(i, rng),
        metric=rng.choice(METRICS),
        lift=rng.choice(LIFTS),
        latency=rng.choice(LATENCIES),
        created=created,
    )


def make_project(exe: str, root: Path, n_open: int, n_done: int) -> list[str]:
    """``agileds init`` a project, then write ``n_open`` open and ``n_done`` done tickets.

    Returns the file names of the done tickets (the ones a git history moves to done).
    """
    subprocess.run([exe, "init", str(root)], check=True, capture_output=True)
    rng = random.Random(0)
    backlog = root / "backlog"
    total = n_open + n_done
    done_every = total // n_done if n_done else total + 1
    done: list[str] = []
    for i in range(total):
        is_done = n_done and i % done_every == done_every - 1 and len(done) < n_done
        status = "done" if is_done else ("in_progress" if i % 17 == 0 else "todo")
        text = ticket_text(i, status, rng)
        name = f"{ticket_id(i)[1]}.yaml"
        (backlog / name).write_text(text)
        if is_done:
            done.append(name)
    (backlog / "sprints.yaml").write_text(SPRINTS)
    return done


def git(root: Path, *args: str, when: dt.datetime | None = None) -> None:
    env = os.environ | {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_history(root: Path, done: list[str]) -> int:
    """Commit the backlog with the done tickets still open, then move them to done, a few a
    week over ``HISTORY_WEEKS`` weeks, one commit per week. Returns the number of commits."""
    backlog = root / "backlog"
    finished = {name: (backlog / name).read_text() for name in done}
    for name, text in finished.items():
        (backlog / name).write_text(text.replace("status: done", "status: in_progress"))
    start = dt.datetime(2025, 11, 3, 10, 0)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "backlog", when=start)
    per_week = max(1, len(done) // HISTORY_WEEKS)
    commits = 1
    for week in range(HISTORY_WEEKS):
        batch = done[week * per_week : (week + 1) * per_week]
        if week == HISTORY_WEEKS - 1:
            batch = done[week * per_week :]
        for name in batch:
            (backlog / name).write_text(finished[name])
        when = start + dt.timedelta(weeks=week + 1, days=week % 3)
        git(root, "commit", "-q", "-am", f"week {week + 1}: {len(batch)} done", when=when)
        commits += 1
    return commits


def time_command(args: list[str], cwd: Path, runs: int, *, cold: bool) -> list[float]:
    cache = cwd / "mlruns" / "ticket-cache.json"
    times = []
    for _ in range(runs):
        if cold:
            cache.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def heavy_imports(args: list[str], cwd: Path) -> list[str]:
    code = (
        "import sys; from agileds.cli import main\n"
        f"try: main({args!r})\nexcept SystemExit: pass\n"
        "print('HEAVY=' + ','.join(m for m in ('mlflow', 'sklearn', 'optuna', 'scipy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(label: str, exe: str, args: list[str], root: Path, runs: int, target: float) -> None:
    heavy = heavy_imports(args, root)
    for cache in ("cold", "warm"):
        cold = cache == "cold"
        if not cold:  # the cache the warm runs read
            subprocess.run([exe, *args], cwd=root, check=True, capture_output=True)
        times = time_command([exe, *args], root, runs, cold=cold)
        print(
            f"{label:52s} {cache} cache  median {statistics.median(times):.3f} s"
            f"  max {max(times):.3f} s  heavy imports: {', '.join(heavy) or 'none'}"
            f"  (target < {target:g} s; load {load()})",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rank-tickets", type=int, default=10_000)
    parser.add_argument("--plan-tickets", type=int, default=1_000, help="open tickets")
    opts = parser.parse_args()
    exe = shutil.which("agileds", path=str(Path(sys.executable).parent)) or "agileds"
    print(f"load average before: {load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        n = opts.rank_tickets
        root = Path(tmp) / "rank"
        n_done = make_project(exe, root, n - n // 20, n // 20)
        print(f"rank project: {n} tickets ({len(n_done)} done)", flush=True)
        for label, args in [
            (f"backlog rank ({n:,} tickets)", ["backlog", "rank"]),
            (f"backlog rank --method wsjf ({n:,})", ["backlog", "rank", "--method", "wsjf"]),
            (f"backlog rank --json ({n:,})", ["backlog", "rank", "--json"]),
        ]:
            report(label, exe, args, root, opts.runs, 1.0)

        m = opts.plan_tickets
        plan = ["sprint", "plan", "1", "--capacity", "40", "--dry-run"]
        flat = Path(tmp) / "plan-flat"
        make_project(exe, flat, m, m // 10)
        report(f"sprint plan ({m:,} open, no git history)", exe, plan, flat, opts.runs, 2.0)
        hist = Path(tmp) / "plan-history"
        done = make_project(exe, hist, m, m // 10)
        commits = make_history(hist, done)
        label = f"sprint plan ({m:,} open, {commits} commits)"
        report(label, exe, plan, hist, opts.runs, 2.0)
        out = subprocess.run([exe, *plan], cwd=hist, capture_output=True, text=True, check=True)
        print("  " + next(x for x in out.stdout.splitlines() if x.startswith("total")))
        print("  " + next(x for x in out.stdout.splitlines() if x.startswith("forecast")))
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
