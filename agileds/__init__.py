"""agileds: agile data science — tickets as code, sweeps logged to MLflow, go-live gates."""

from __future__ import annotations

__version__ = "0.1.0"
