"""The demo sweep's inputs for the benchmarks: a demo project with ``leads`` generated leads,
its experiment spec, the prepared data and the spec's default configurations (one per family).

Imported by ``bench_onerow.py``, ``bench_serve.py`` and ``bench_latency_load.py`` (benchmarks/
is on the path of a script run from it).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def demo_sweep(leads: int) -> tuple[Any, Any, Path, list[dict[str, Any]]]:
    """``(spec, data, project root, default configurations)`` of a fresh demo project."""
    from agileds._scaffold import init_project
    from agileds.data import make_leads
    from agileds.sweeps import default_configs, load_spec, prepare_data

    root = Path(tempfile.mkdtemp())
    init_project(root, demo=True)
    make_leads(leads, seed=3).to_csv(root / "experiments" / "data" / "leads.csv", index=False)
    path = root / "experiments" / "lead_scoring.yaml"
    spec = load_spec(path, "lead_scoring.yaml")
    data = prepare_data(spec, path, "lead_scoring.yaml")
    return spec, data, root, default_configs(spec, data)
