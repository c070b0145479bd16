"""``mlflow models serve`` answering the production alias: requests/s and latency of
one-row JSON requests from a local load generator, with agileds' fast path and without.

    python benchmarks/bench_serve.py [--requests 400] [--seconds 60] [--clients 2]

Fits the ensemble of the three families' defaults on the demo leads, logs and registers
it in a throw-away SQLite MLflow store and points ``production`` at it. Then, once as
logged (fast path) and once with ``AGILEDS_FAST_PATH=0`` (the plain pipeline), starts
``mlflow models serve -m models:/lead-scoring@production --env-manager local -w 1`` and
sends ``--requests`` one-row ``dataframe_split`` requests from ``--clients`` threads,
stopping after ``--seconds`` at the latest. Prints requests/s and the p50/p95 wall time
per request as the client sees it (HTTP, JSON, schema checks and the model).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MODEL = "lead-scoring"
START_TIMEOUT = 240


def _register(leads: int) -> tuple[str, Any]:
    """Fit, log and register the ensemble; return the tracking URI and the request rows."""
    sys.path.insert(0, str(Path(__file__).parent))
    from demo_sweep import demo_sweep  # benchmarks/ is on the path of a script run

    from agileds.sweeps._objective import build_model
    from agileds.tracking import (
        RunLogger,
        ensure_experiment,
        get_client,
        log_model,
        register_model,
        resolve_stores,
        set_alias,
    )
    from agileds.tracking._models import read_columns

    spec, data, root, members = demo_sweep(leads)
    stores = resolve_stores(root)
    client = get_client(stores.tracking_uri)
    experiment = ensure_experiment(client, "bench-serve", stores.artifact_root)
    parent = RunLogger(client, tags={}).start_parent(experiment, "BENCH-1")
    ensemble = {"family": "ensemble", "members": members, "weights": [1] * len(members)}
    model = build_model(ensemble, spec, data).fit(data.x_train, data.y_train)
    uri = log_model(client, parent, model, data.x_train, data.task)
    set_alias(client, MODEL, "production", register_model(client, MODEL, uri, parent))
    read = read_columns(model) or set(data.x_holdout.columns)
    rows = data.x_holdout[[c for c in data.x_holdout.columns if c in read]]
    return stores.tracking_uri, rows


def _bodies(rows: Any) -> list[bytes]:
    split = json.loads(rows.to_json(orient="split", index=False))
    return [
        json.dumps({"dataframe_split": {"columns": split["columns"], "data": [row]}}).encode()
        for row in split["data"]
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tracking_uri: str, fast: bool, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": tracking_uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "AGILEDS_FAST_PATH": "1" if fast else "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    port = _free_port()
    command = [str(bin_dir / "mlflow"), "models", "serve", "-m", f"models:/{MODEL}@production"]
    command += ["--env-manager", "local", "-p", str(port), "-h", "127.0.0.1", "-w", "1"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"mlflow models serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=5):
                return server, base
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    _stop(server)
    raise SystemExit(f"mlflow models serve did not start in {START_TIMEOUT}s:\n{log.read_text()}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """End the server and the uvicorn worker it started (its own process group)."""
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _post(url: str, body: bytes) -> float:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"request failed: {answer.status}")
    return (time.perf_counter() - start) * 1000


def _load(base: str, bodies: list[bytes], requests: int, seconds: float, clients: int) -> str:
    import numpy as np

    url = f"{base}/invocations"
    for body in bodies[:5]:  # warm-up
        _post(url, body)
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    stop = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            took = _post(url, bodies[i % len(bodies)])
            with lock:
                latencies.append(took)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    p50, p95 = np.percentile(latencies, [50, 95])
    return (
        f"{len(latencies)} requests in {elapsed:.1f} s: {len(latencies) / elapsed:.1f} "
        f"requests/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per server")
    parser.add_argument("--seconds", type=float, default=60.0, help="time bound per server")
    parser.add_argument("--clients", type=int, default=2, help="concurrent client threads")
    parser.add_argument("--leads", type=int, default=2000, help="demo leads (80%% train)")
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    tracking_uri, rows = _register(args.leads)
    bodies = _bodies(rows)
    print(f"ensemble of three families, {args.clients} clients, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for fast in (True, False):
            server, base = _serve(tracking_uri, fast, Path(tmp, f"serve-{fast}.log"))
            try:
                label = "fast path     " if fast else "plain pipeline"
                print(f"{label}: {_load(base, bodies, args.requests, args.seconds, args.clients)}")
            finally:
                _stop(server)


if __name__ == "__main__":
    main()
