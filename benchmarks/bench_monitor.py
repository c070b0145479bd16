"""Monitoring a batch of 1,000,000 rows and 50 features: scoring plus every drift statistic.

Target (issue 7): under 30 s on this machine. A throwaway project gets a production model
(histogram gradient boosting with agileds' default features, fitted on 20,000 rows of the
demo leads plus 41 numeric columns: 50 input columns, 5 of them categories or text) and its
reference data; then ``monitor_batch`` checks a drifted batch of 1,000,000 rows read from
Parquet, once without labels (scoring and drift: the target) and once with them (plus the
metrics and a 1,000-resample bootstrap interval of auROC). Each phase is timed from the
monitor's progress lines; the load average is printed before and after.

Run: ``python benchmarks/bench_monitor.py [--rows 1000000] [--reference 20000]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import numpy as np
import pandas as pd

from agileds.data import make_leads
from agileds.project import Project

MODEL = "bench-monitor"
EXTRA = 41  # numeric columns added to the demo's 9 feature columns: 50 in all


def _frame(rows: int, batch: int, drift: float) -> pd.DataFrame:
    """Demo leads plus EXTRA numeric columns (a few carry signal, a few drift)."""
    leads = make_leads(rows, seed=0, batch=batch, drift=drift)
    frame = leads.drop(columns=["lead_id", "deal_stage_final"])
    rng = np.random.default_rng([batch, 7])
    label = frame["is_closed"].to_numpy()
    extra = rng.normal(0.0, 1.0, (rows, EXTRA))
    extra[:, :5] += 0.3 * label[:, None]  # some signal
    extra[:, 5:10] += 0.5 * drift  # some drift
    names = [f"x{i:02d}" for i in range(1, EXTRA + 1)]
    return pd.concat([frame, pd.DataFrame(extra, columns=names)], axis=1)


def _register(project: Project, reference: pd.DataFrame) -> None:
    """Fit the model, log it with its reference data, register it as production."""
    from agileds.automl import build_pipeline, default_params, infer_column_kinds
    from agileds.evaluation import compute_metrics
    from agileds.tracking import (
        ensure_experiment,
        get_client,
        log_model,
        log_reference,
        register_model,
        resolve_stores,
        set_alias,
    )

    train, holdout = reference.iloc[:16_000], reference.iloc[16_000:]
    kinds = infer_column_kinds(train, target="is_closed")
    columns = list(kinds)
    params = default_params("hist_gradient_boosting", task="binary", kinds=kinds)
    pipeline = build_pipeline(kinds, params, "hist_gradient_boosting", "binary", columns)
    x_train = train.drop(columns=["is_closed"])
    pipeline.fit(x_train, train["is_closed"])
    scores = pipeline.predict_proba(holdout.drop(columns=["is_closed"]))[:, 1]
    auroc = compute_metrics("binary", holdout["is_closed"].to_numpy(), scores)["auroc"]
    stores = resolve_stores(project.root)
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, MODEL, stores.artifact_root)
    run = client.create_run(experiment, tags={"agileds.task": "binary", "agileds.metric": "auroc"})
    run_id = run.info.run_id
    client.log_metric(run_id, "auroc", auroc)
    uri = log_model(client, run_id, pipeline, x_train.head(5), "binary")
    log_reference(client, run_id, train)
    tags = {"agileds.data.target": "is_closed", "agileds.data.rows": str(len(train))}
    version = register_model(client, MODEL, uri, run_id, tags=tags)
    set_alias(client, MODEL, "production", version)
    client.set_terminated(run_id)
    print(f"model: {len(columns)} input columns, holdout auROC {auroc:.3f}")


class _Phases:
    """Timestamps of the monitor's progress lines: how long each phase took."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def __call__(self, line: str) -> None:
        self.marks.append((line, time.perf_counter()))

    def report(self, start: float, end: float) -> None:
        stamps = [*self.marks, ("done", end)]
        previous = start
        label = "reading the batch"
        for line, at in stamps:
            print(f"  {at - previous:6.2f} s  {label}")
            label, previous = line, at


def _monitor(project: Project, batch: Path, labels: str | None) -> float:
    from agileds.monitor import monitor_batch

    phases = _Phases()
    start = time.perf_counter()
    result = monitor_batch(project, MODEL, batch, labels=labels, progress=phases)
    end = time.perf_counter()
    phases.report(start, end)
    top = result.top_drift
    extra = f", auROC {result.metrics['auroc']:.3f}" if labels else ""
    print(
        f"  {len(result.drift)} drift statistics, top psi.{top.column if top else '-'} "
        f"{top.psi if top else 0:.3f}, score PSI {result.score_psi:.3f}{extra}"
    )
    return end - start


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    """Build the project and the batch, then time two monitor runs."""
    parser = argparse.ArgumentParser(description="Time monitor_batch on a large batch.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference", type=int, default=20_000)
    args = parser.parse_args()
    from agileds._scaffold import init_project

    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        init_project(root, model=MODEL)
        project = Project(root)
        _register(project, _frame(args.reference, batch=0, drift=0.0))
        batch = root / "batch.parquet"
        start = time.perf_counter()
        _frame(args.rows, batch=2, drift=1.0).to_parquet(batch, index=False)
        print(f"batch: {args.rows:,} rows written in {time.perf_counter() - start:.1f} s")
        timings: dict[str, Any] = {}
        for labels in (None, "is_closed"):
            name = "with labels" if labels else "scoring + drift"
            print(f"monitor_batch ({name}):")
            timings[name] = _monitor(project, batch, labels)
        for name, seconds in timings.items():
            print(f"{name}: {seconds:.1f} s (target < 30 s)")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
