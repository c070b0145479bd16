"""One-row latency of the demo's models, wall clock against CPU time of the scoring thread,
as the machine is and with every core kept busy by extra busy-loop processes.

    python benchmarks/bench_latency_load.py [--rows 40] [--leads 500]

Prints each family's one-row cost (what ensemble selection sums) and, for the ensemble of
the three families' defaults, p50/p95 in both clocks before and under the extra load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any


def _wall(model: Any, x: Any, rows: int) -> tuple[float, float]:
    import numpy as np
    from threadpoolctl import threadpool_limits

    out = []
    with threadpool_limits(1):
        model.predict_proba(x.iloc[[0]])
        for i in range(rows):
            start = time.perf_counter()
            model.predict_proba(x.iloc[[i]])
            out.append((time.perf_counter() - start) * 1000)
    p50, p95 = np.percentile(out, [50, 95])
    return float(p50), float(p95)


def _line(label: str, model: Any, x: Any, rows: int) -> None:
    from agileds.evaluation import serving_cost

    cpu = serving_cost(model, x, rows=rows, batch=200, repeats=1)
    wall = _wall(model, x, rows)
    load = os.getloadavg()[0]
    print(
        f"{label:<22} load {load:5.1f}  cpu p50 {cpu['latency_p50_ms']:6.1f} "
        f"p95 {cpu['latency_p95_ms']:6.1f} ms   wall p50 {wall[0]:7.1f} p95 {wall[1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40, help="one-row calls measured")
    parser.add_argument("--leads", type=int, default=500, help="demo leads (80%% train)")
    args = parser.parse_args()
    rows = args.rows
    from demo_sweep import demo_sweep  # benchmarks/ is on the path of a script run

    from agileds.evaluation import row_cost_ms
    from agileds.sweeps._objective import build_model

    spec, data, _, members = demo_sweep(args.leads)
    x = data.x_holdout
    for config in members:
        model = build_model(config, spec, data).fit(data.x_train, data.y_train)
        print(f"{config['family']:<22} one-row cost {row_cost_ms(model, x, rows=rows):.1f} ms")
    ensemble = {"family": "ensemble", "members": members, "weights": [1] * len(members)}
    model = build_model(ensemble, spec, data).fit(data.x_train, data.y_train)
    _line("ensemble, as is", model, x, rows)
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range((os.cpu_count() or 2) + 1)
    ]
    try:
        time.sleep(1.0)
        _line("ensemble, busy loops", model, x, rows)
    finally:
        for p in loops:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
