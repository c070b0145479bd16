"""Datasets: loading and checking them, holdout splits, and the demo data generator."""

from __future__ import annotations

from agileds.data._demo import make_leads, write_demo_data
from agileds.data._load import TASKS, check_target, load_table
from agileds.data._split import TimeCut, holdout_split

__all__ = [
    "TASKS",
    "TimeCut",
    "check_target",
    "holdout_split",
    "load_table",
    "make_leads",
    "write_demo_data",
]
