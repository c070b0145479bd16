"""``agileds score`` against a plain read_csv + predict_proba + to_parquet script.

Issue 14 asks for rows/s and peak memory on N demo rows, with a file several times larger
than the chunk size. A throwaway project gets a production model (histogram gradient
boosting on agileds' default features, fitted on 5,000 demo leads, with its reference
data); then N fresh demo leads are written as CSV and scored, each run in a fresh
subprocess so its peak resident memory (``resource.getrusage``, ``ru_maxrss``) is its own:

* ``agileds``: ``agileds.score(project, MODEL, batch.csv, out/, chunk_rows=C)``, which also
  validates, writes rejects and logs the MLflow run; once on the whole file and once on
  its first 4 x C rows (a file four times the chunk), so bounded memory shows as the same
  peak for both sizes;
* ``plain``: ``pandas.read_csv`` of the whole file, ``pipeline.predict_proba``,
  ``DataFrame.to_parquet`` of the id and score.

Both load the model from the same registry. The load average is printed before and after.

Run: ``nice python benchmarks/bench_score.py [--rows 1000000] [--chunk-rows 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

MODEL = "bench-score"
TRAIN_ROWS = 5_000

_AGILEDS = """
import json, resource, sys, time
from agileds import score
from agileds.project import Project
root, rows, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
result = score(Project(__import__("pathlib").Path(root)), "{model}", root + "/" + batch,
               root + "/out", chunk_rows=rows)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": result.rows, "seconds": seconds, "peak_mib": peak}}))
"""

_PLAIN = """
import json, resource, sys, time
import pandas as pd
from agileds.tracking import get_client, load_model, resolve_stores
root = sys.argv[1]
start = time.perf_counter()
client = get_client(resolve_stores(__import__("pathlib").Path(root)).tracking_uri)
pipeline = load_model(client, "models:/{model}@production")
frame = pd.read_csv(root + "/batch.csv")
scores = pipeline.predict_proba(frame)[:, 1]
pd.DataFrame({{"lead_id": frame["lead_id"], "score": scores}}).to_parquet(root + "/plain.parquet")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": len(frame), "seconds": seconds, "peak_mib": peak}}))
"""


def _register(root: Path) -> None:
    """Fit the model on demo leads, log it with its reference data, set it as production."""
    from agileds.automl import build_pipeline, default_params, infer_column_kinds
    from agileds.data import make_leads
    from agileds.tracking import (
        ensure_experiment,
        get_client,
        log_model,
        log_reference,
        register_model,
        resolve_stores,
        set_alias,
    )

    train = make_leads(TRAIN_ROWS, seed=0).drop(columns=["lead_id", "deal_stage_final"])
    kinds = infer_column_kinds(train, target="is_closed")
    params = default_params("hist_gradient_boosting", task="binary", kinds=kinds)
    pipeline = build_pipeline(kinds, params, "hist_gradient_boosting", "binary", list(kinds))
    x_train = train.drop(columns=["is_closed"])
    pipeline.fit(x_train, train["is_closed"])
    stores = resolve_stores(root)
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, MODEL, stores.artifact_root)
    run_id = client.create_run(experiment, tags={"agileds.task": "binary"}).info.run_id
    uri = log_model(client, run_id, pipeline, x_train.head(5), "binary")
    log_reference(client, run_id, train)
    tags = {"agileds.data.target": "is_closed", "agileds.data.rows": str(len(train))}
    set_alias(client, MODEL, "production", register_model(client, MODEL, uri, run_id, tags=tags))


def _measure(code: str, root: Path, chunk_rows: int, batch: str) -> dict[str, float]:
    script = textwrap.dedent(code.format(model=MODEL))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(root), str(chunk_rows), batch],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    from agileds._scaffold import init_project
    from agileds.data import make_leads

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        init_project(root)
        _register(root)
        batch = make_leads(args.rows, seed=1).drop(columns=["is_closed", "deal_stage_final"])
        batch.to_csv(root / "batch.csv", index=False)
        small = min(args.rows, 4 * args.chunk_rows)
        batch.head(small).to_csv(root / "batch_4x.csv", index=False)
        size = (root / "batch.csv").stat().st_size / 2**20
        del batch
        print(f"{args.rows:,} rows, {size:.0f} MiB of CSV, chunks of {args.chunk_rows:,} rows")
        print("| script | file | rows/s | seconds | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        runs = (
            ("`agileds score`", _AGILEDS, "batch_4x.csv", small),
            ("`agileds score`", _AGILEDS, "batch.csv", args.rows),
            ("plain pandas", _PLAIN, "batch.csv", args.rows),
        )
        for name, code, file, rows in runs:
            m = _measure(code, root, args.chunk_rows, file)
            print(
                f"| {name} | {rows:,} rows | {m['rows'] / m['seconds']:,.0f} "
                f"| {m['seconds']:.1f} | {m['peak_mib']:,.0f} MiB |",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
