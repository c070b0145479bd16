"""One-row predictions through the loaded MLflow pyfunc: agileds' fast path (the row plan)
against the plain scikit-learn pipeline, for each family and the ensemble of the three.

    python benchmarks/bench_onerow.py [--rows 200] [--leads 2000]

Each model is fitted on the demo leads (text, categories, a date column), logged to a
throw-away SQLite MLflow store and loaded twice with ``mlflow.pyfunc.load_model``: as
agileds logs it (fast path for inputs of up to 64 rows) and with ``AGILEDS_FAST_PATH=0``
(the pipeline). The two answer the same held-out rows one at a time, interleaved, with one
BLAS/OpenMP thread. Prints p50/p95 of the CPU time of the calling thread and the p95 wall
time per call, the ratio of the CPU p95s, the same for the model alone (the row plan
against the pipeline, without MLflow's input checks, which both pyfunc calls pay) and the
largest difference between the answers.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any


def _load_both(uri: str) -> tuple[Any, Any]:
    import mlflow.pyfunc

    from agileds.tracking._fastpath import FAST_PATH_ENV

    fast = mlflow.pyfunc.load_model(uri)
    os.environ[FAST_PATH_ENV] = "0"
    try:
        plain = mlflow.pyfunc.load_model(uri)
    finally:
        del os.environ[FAST_PATH_ENV]
    return fast, plain


def _measure(fast: Any, plain: Any, x: Any, rows: int) -> dict[str, list[float]]:
    """CPU and wall ms per one-row call: through the pyfunc (fast, plain) and of the model
    alone (the row plan, the pipeline: without MLflow's input checks), interleaved."""
    import numpy as np

    impl = fast._model_impl
    method = (getattr(impl.model, "predict_proba", None) and "predict_proba") or "predict"
    calls = {
        "fast": fast.predict,
        "plain": plain.predict,
        "plan": lambda row: impl.plan.call(method, row),
        "pipeline": getattr(impl.model, method),
    }
    times: dict[str, list[float]] = {"diff": []}
    for name in calls:
        times[f"{name}_cpu"], times[f"{name}_wall"] = [], []
    singles = [x.iloc[[i % len(x)]] for i in range(rows)]
    for call in calls.values():  # warm-up: first-call overheads are not serving cost
        call(singles[0])
    for row in singles:
        answers = []
        for name, call in calls.items():
            wall, cpu = time.perf_counter(), time.thread_time()
            answers.append(np.asarray(call(row)))
            times[f"{name}_cpu"].append((time.thread_time() - cpu) * 1000)
            times[f"{name}_wall"].append((time.perf_counter() - wall) * 1000)
        times["diff"].append(max(float(np.abs(a - answers[0]).max()) for a in answers))
    return times


def _line(label: str, times: dict[str, list[float]]) -> str:
    import numpy as np

    def p(key: str, q: float) -> float:
        return float(np.percentile(times[key], q))

    served = p("plain_cpu", 95) / p("fast_cpu", 95)
    alone = p("pipeline_cpu", 95) / p("plan_cpu", 95)
    return (
        f"| {label} | {p('plain_cpu', 50):.2f} / {p('plain_cpu', 95):.2f} | "
        f"{p('fast_cpu', 50):.2f} / {p('fast_cpu', 95):.2f} | **{served:.1f}x** | "
        f"{p('plain_wall', 95):.1f} / {p('fast_wall', 95):.1f} | "
        f"{p('pipeline_cpu', 95):.2f} / {p('plan_cpu', 95):.2f} ({alone:.1f}x) | "
        f"{max(times['diff']):.0e} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="one-row calls per model")
    parser.add_argument("--leads", type=int, default=2000, help="demo leads (80%% train)")
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from demo_sweep import demo_sweep  # benchmarks/ is on the path of a script run
    from threadpoolctl import threadpool_limits

    from agileds.sweeps._objective import build_model
    from agileds.tracking import RunLogger, ensure_experiment, get_client, log_model, resolve_stores
    from agileds.tracking._models import read_columns

    spec, data, root, members = demo_sweep(args.leads)
    stores = resolve_stores(root)
    client = get_client(stores.tracking_uri)
    os.environ["MLFLOW_TRACKING_URI"] = stores.tracking_uri  # models:/ URIs resolve there
    experiment = ensure_experiment(client, "bench-onerow", stores.artifact_root)
    parent = RunLogger(client, tags={}).start_parent(experiment, "BENCH-1")
    ensemble = {"family": "ensemble", "members": members, "weights": [1] * len(members)}
    configs = [(c["family"], c) for c in members] + [("ensemble of the three", ensemble)]
    x = data.x_holdout
    print(
        f"{len(data.x_train)} training rows, {args.rows} one-row calls per model, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| model | pyfunc, plain: p50 / p95 CPU ms | pyfunc, fast: p50 / p95 CPU ms | "
        "p95 ratio | wall p95 plain / fast ms | model alone: p95 pipeline / plan CPU ms | "
        "max abs diff |"
    )
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(1):
        for label, config in configs:
            model = build_model(config, spec, data).fit(data.x_train, data.y_train)
            uri = log_model(client, parent, model, data.x_train, data.task)
            fast, plain = _load_both(uri)
            read = read_columns(model) or set(x.columns)  # what the signature asks for
            times = _measure(fast, plain, x[[c for c in x.columns if c in read]], args.rows)
            assert fast._model_impl.fast_calls == args.rows + 1, "the fast path was not taken"
            print(_line(label, times), flush=True)


if __name__ == "__main__":
    main()
