"""Save and load time and size of the demo's fitted pipelines: cloudpickle against skops.

    python benchmarks/bench_model_format.py [--leads 2000] [--repeats 7]

For each family's default configuration (and the ensemble of the three), fitted by
agileds on the demo leads: the bytes of each format, the median save and load time over
``--repeats``, and whether the loaded model's predictions equal the original's. skops
loads with an explicit trusted-type list, the union of what ``get_untrusted_types``
reports for the three families (the list agileds would have to ship); the types in it
that are agileds' own, or sklearn's beyond skops' default allow-list, are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _models(leads: int) -> tuple[dict[str, Any], Any]:
    from agileds._scaffold import init_project
    from agileds.data import make_leads
    from agileds.runners._holdout import fit_candidate
    from agileds.sweeps import load_spec
    from agileds.sweeps._objective import default_configs
    from agileds.sweeps._prepare import prepare_data

    root = Path(tempfile.mkdtemp())
    init_project(root, demo=True)
    make_leads(leads, seed=3).to_csv(root / "experiments" / "data" / "leads.csv", index=False)
    path = root / "experiments" / "lead_scoring.yaml"
    spec = load_spec(path, "lead_scoring.yaml")
    data = prepare_data(spec, path, "lead_scoring.yaml")
    configs = default_configs(spec, data)
    models = {c["family"]: fit_candidate(c, spec, data).model for c in configs}
    ensemble = {"family": "ensemble", "members": configs, "weights": [1] * len(configs)}
    try:
        models["ensemble of 3"] = fit_candidate(ensemble, spec, data).model
    except Exception as exc:  # the config shape of an ensemble may differ
        print(f"(ensemble not fitted: {exc})")
    return models, data.x_holdout


def _median_seconds(action: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _same(a: Any, b: Any, x: Any) -> bool:
    import numpy as np

    method = "predict_proba" if hasattr(a, "predict_proba") else "predict"
    return bool(np.array_equal(getattr(a, method)(x), getattr(b, method)(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    import cloudpickle
    import skops
    import skops.io as sio

    models, x = _models(args.leads)
    trusted: set[str] = set()
    failures: dict[str, str] = {}
    for name, model in models.items():
        try:
            trusted.update(sio.get_untrusted_types(data=sio.dumps(model)))
        except Exception as exc:  # a type skops cannot store at all
            failures[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    print(f"skops {skops.__version__}, cloudpickle {cloudpickle.__version__}")
    print(f"trusted-type list needed ({len(trusted)} types):")
    for type_name in sorted(trusted):
        print(f"  {type_name}{'   <- agileds' if type_name.startswith('agileds.') else ''}")
    header = "| model | format | size KB | save ms | load ms | same predictions |"
    print(f"\n{header}\n|---|---|---|---|---|---|")
    for name, model in models.items():
        blob = cloudpickle.dumps(model)
        save = _median_seconds(lambda m=model: cloudpickle.dumps(m), args.repeats)
        load = _median_seconds(lambda b=blob: cloudpickle.loads(b), args.repeats)
        same = _same(model, cloudpickle.loads(blob), x)
        print(
            f"| {name} | cloudpickle | {len(blob) / 1024:.0f} | {save * 1000:.1f} | "
            f"{load * 1000:.1f} | {same} |"
        )
        if name in failures:
            print(f"| {name} | skops | - | - | - | cannot save: {failures[name]} |")
            continue
        blob = sio.dumps(model)
        save = _median_seconds(lambda m=model: sio.dumps(m), args.repeats)
        load = _median_seconds(lambda b=blob: sio.loads(b, trusted=sorted(trusted)), args.repeats)
        same = _same(model, sio.loads(blob, trusted=sorted(trusted)), x)
        print(
            f"| {name} | skops | {len(blob) / 1024:.0f} | {save * 1000:.1f} | "
            f"{load * 1000:.1f} | {same} |"
        )


if __name__ == "__main__":
    main()
