"""Threads and pruning at equal wall time: trials per minute, best CV, holdout (issue 19).

Four variants of the same ``agileds run`` (one worker, default families, 3-fold CV, a
fixed time limit T and an unreachable trial budget), interleaved per dataset and seed so a
change of the machine's load hits them alike:

- **today**: thread pools left at their defaults (one OpenMP thread per core) with the
  median pruner, as agileds ran before threads were sized;
- **sized**: thread pools sized to the cores the load average leaves idle (the default
  now), median pruner;
- **sized+none**: sized threads, no pruning;
- **sized+patient**: sized threads, the patient pruner (median from the second fold on,
  after ten trials).

The datasets and the way they are written and run come from ``bench_quality.py`` (the CRM
data has mixed types and free text; breast cancer is numeric). Reported per run: trials
started and completed, completed per minute of sweep, the best trial's CV metric and the
holdout metric of the final model. The machine is shared: the load average is printed with
every run, and the figures only compare variants run side by side.

With ``--replay``, one sweep per dataset and seed runs without pruning, and each pruner is
replayed on its trials (see :func:`replay`): which trials it would have stopped, the folds
that saves, and how many of the best trials it would have thrown away.

Run: ``.venv/bin/python benchmarks/bench_pruning.py [--budget 60] [--seeds 2] [--first-seed 0]
[--datasets crm,breast_cancer] [--variants today,sized,sized+none,sized+patient]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_quality as bq  # sets one thread per pool in the environment, undone below

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.pop(_name, None)  # the variants decide, before any pool is loaded

VARIANTS = {
    "today": (False, "median"),
    "sized": (True, "median"),
    "sized+none": (True, "none"),
    "sized+patient": (True, "patient"),
}


@dataclasses.dataclass(frozen=True)
class Run:
    """One variant on one dataset and seed."""

    variant: str
    dataset: str
    seed: int
    started: int
    completed: int
    sweep_seconds: float
    cv: float
    holdout: float
    threads: str
    load: float

    @property
    def per_minute(self) -> float:
        """Completed trials per minute of sweep."""
        return 60 * self.completed / self.sweep_seconds


def _unsized(workers: int) -> Any:
    """The plan of 'today': no limit on any pool."""
    from agileds.sweeps._threads import ThreadPlan

    return ThreadPlan(os.cpu_count() or 1, None, workers, None, None, "none")  # type: ignore[arg-type]


def run_variant(project: Any, ticket: str, dataset: bq.Dataset, variant: str, seed: int) -> Run:
    """Set the variant's pruning in the spec and its threads, then run the ticket."""
    from agileds.runners import run_ticket
    from agileds.sweeps import _threads

    sized, pruning = VARIANTS[variant]
    spec = project.root / "experiments" / f"{dataset.name}.yaml"
    text = "".join(line for line in spec.read_text().splitlines(True) if "pruning" not in line)
    spec.write_text(text + f"pruning: {pruning}\n")
    planned = _threads.plan_threads
    if not sized:
        _threads.plan_threads = _unsized  # type: ignore[assignment]
    load = os.getloadavg()[0]
    try:
        chosen = planned(1) if sized else None
        result = run_ticket(ticket, project, fresh=True)
    finally:
        _threads.plan_threads = planned  # type: ignore[assignment]
    q = result.quantities
    return Run(
        variant,
        dataset.name,
        seed,
        int(q["trials"]),
        int(q["trials_completed"]),
        q["sweep_seconds"],
        q[f"cv.{dataset.metric}"],
        q[dataset.metric],
        str(chosen.per_worker) if chosen else "default",
        load,
    )


def _project(root: Path) -> Any:
    from agileds._scaffold import init_project
    from agileds.project import find_project
    from agileds.tracking import get_client, resolve_stores

    init_project(root / "project", model="bench")
    project = find_project(root / "project")
    settings = project.settings
    stores = resolve_stores(
        project.root, settings.tracking_uri, settings.artifact_location, settings.optuna_storage
    )
    get_client(stores.tracking_uri)
    return project


def replays(root: Path, names: list[str], seeds: list[int], budget: float) -> list[str]:
    """One sweep without pruning per dataset and seed, then every pruner replayed on it."""
    import optuna

    from agileds.sweeps._study import open_storage

    project = _project(root)
    lines = [
        "| pruner | complete trials | pruned | folds saved | top-quarter trials lost | best lost |",
        "|---|---:|---:|---:|---|---|",
    ]
    for number, name in enumerate(names, start=1):
        dataset, ticket = bq.DATASETS[name], f"STORY-{number}"
        for seed in seeds:
            bq.write_experiment(project.root, dataset, seed, budget, ticket)
            run = run_variant(project, ticket, dataset, "sized+none", seed)
            journal = str(project.mlruns_dir / "optuna.journal")
            study = optuna.load_study(study_name=ticket, storage=open_storage(journal))
            print(f"<!-- {name} seed {seed}: {run.completed} trials, load {run.load:.1f} -->")
            lines += [f"| **{name} seed {seed}** | | | | | |", *replay(study)]
    return lines


def benchmark(root: Path, names: list[str], seeds: list[int], budget: float, variants: list[str]):
    """Every dataset, seed and variant (variants interleaved); one line per run."""
    project = _project(root)
    runs: list[Run] = []
    for number, name in enumerate(names, start=1):
        dataset, ticket = bq.DATASETS[name], f"STORY-{number}"
        for seed in seeds:
            bq.write_experiment(project.root, dataset, seed, budget, ticket)
            order = variants if seed % 2 == 0 else list(reversed(variants))
            for variant in order:
                run = run_variant(project, ticket, dataset, variant, seed)
                runs.append(run)
                print(
                    f"<!-- {name} seed {seed} {variant}: {run.completed}/{run.started} "
                    f"complete in {run.sweep_seconds:.0f} s ({run.per_minute:.1f}/min), "
                    f"cv {run.cv:.4f}, holdout {run.holdout:.4f}, threads {run.threads}, "
                    f"load {run.load:.1f} -->",
                    flush=True,
                )
    return runs


def replay(study: Any) -> list[str]:
    """Replay each pruner on the trials of a sweep that pruned nothing.

    Every trial reported the running mean of its folds (all but the last) and its final CV
    score, so each pruner can be asked, trial by trial in the original order, where it would
    have stopped it. Reported: trials pruned, folds saved, and how many of the trials that
    finished in the top quarter it would have thrown away (the best trial among them). The
    sampler's later choices would differ under pruning; this measures the decisions only.
    """
    import optuna

    from agileds.sweeps._study import PRUNERS, make_pruner

    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    ranked = sorted(done, key=lambda t: t.value, reverse=study.direction.name == "MAXIMIZE")
    top = {t.number for t in ranked[: max(1, len(ranked) // 4)]}
    best = ranked[0].number
    lines = []
    for kind in PRUNERS:
        shadow = optuna.create_study(
            direction=study.direction.name.lower(), pruner=make_pruner(kind)
        )
        pruned, saved, folds, lost = 0, 0, 0, []
        for original in done:
            steps = sorted(original.intermediate_values.items())
            total = len(steps) + 1  # the last fold is never reported
            folds += total
            trial = shadow.ask()
            for step, value in steps:
                trial.report(value, step)
                if trial.should_prune():
                    shadow.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    pruned, saved = pruned + 1, saved + total - (step + 1)
                    lost += [original.number] if original.number in top else []
                    break
            else:
                shadow.tell(trial, original.value)
        lines.append(
            f"| {kind} | {len(done)} | {pruned} | {100 * saved / max(folds, 1):.0f}% "
            f"| {len(lost)} of {len(top)} | {'yes' if best in lost else 'no'} |"
        )
    return lines


def table(runs: list[Run], variants: list[str]) -> list[str]:
    """Means per dataset and variant; the holdout difference to 'today' paired by seed."""
    lines = [
        "| dataset | variant | completed/min | × today | started | best CV | holdout "
        "| Δ holdout vs today (per seed) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in dict.fromkeys(r.dataset for r in runs):
        base = {r.seed: r for r in runs if r.dataset == name and r.variant == "today"}
        base_rate = statistics.mean(r.per_minute for r in base.values()) if base else None
        for variant in variants:
            mine = [r for r in runs if r.dataset == name and r.variant == variant]
            if not mine:
                continue
            rate = statistics.mean(r.per_minute for r in mine)
            ratio = f"{rate / base_rate:.2f}" if base_rate else "-"
            deltas = ", ".join(
                f"{r.holdout - base[r.seed].holdout:+.4f}" for r in mine if r.seed in base
            )
            lines.append(
                f"| {name} | {variant} | {rate:.1f} | {ratio} | "
                f"{statistics.mean(r.started for r in mine):.1f} | "
                f"{statistics.mean(r.cv for r in mine):.4f} | "
                f"{statistics.mean(r.holdout for r in mine):.4f} | {deltas or '-'} |"
            )
    return lines


def main() -> None:
    """Parse the options, run everything in a temporary folder, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds T per run")
    parser.add_argument("--seeds", type=int, default=2, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds start here")
    parser.add_argument("--datasets", default="crm,breast_cancer", help="comma-separated")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    parser.add_argument(
        "--replay", action="store_true", help="one sweep without pruning, pruners replayed on it"
    )
    args = parser.parse_args()
    names = [n for n in args.datasets.split(",") if n]
    variants = [v for v in args.variants.split(",") if v]
    bad = sorted(set(names) - set(bq.DATASETS)) + sorted(set(variants) - set(VARIANTS))
    if bad:
        parser.error(f"unknown dataset(s) or variant(s): {', '.join(bad)}")
    print(f"<!-- load before: {bq.load()} (1, 5, 15 min), {os.cpu_count()} cores -->")
    bq.quiet()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_pruning_") as tmp:
        cwd = Path.cwd()
        os.chdir(tmp)
        try:
            seeds = list(range(args.first_seed, args.first_seed + args.seeds))
            if args.replay:
                print("\n".join(replays(Path(tmp), names, seeds, args.budget)))
                return
            runs = benchmark(Path(tmp), names, seeds, args.budget, variants)
        finally:
            os.chdir(cwd)
    print(
        f"\nT = {args.budget:g} s of sweep per run, {args.seeds} seed(s) from {args.first_seed}.\n"
    )
    print("\n".join(table(runs, variants)))
    minutes = (time.perf_counter() - start) / 60
    print(f"\n<!-- {minutes:.1f} min in all; load after: {bq.load()} -->")


if __name__ == "__main__":
    main()
