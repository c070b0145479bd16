"""The monitoring dashboard of a model: its data object and the pure function that builds it.

``agileds.monitor.build_dashboard`` reads the model's monitoring runs from MLflow and builds
the dashboard here; ``agileds.monitor.write_dashboard`` plots and renders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agileds.monitor import ScoringVolume

__all__ = ["TOP_FEATURES", "BatchRow", "MonitorDashboard", "batch_order", "build_monitor_dashboard"]

TOP_FEATURES = 15
"""Features shown in the drift plot and table (the most drifted of the latest batch)."""


@dataclass(frozen=True)
class BatchRow:
    """One monitored batch as the dashboard shows it.

    Attributes:
        version: The model version that scored it.
        index: Its number in that version's monitoring run (the MLflow step).
        at: The batch's time (UTC).
        batch: The batch file.
        rows: Scores written.
        metric: The primary metric on its labels (None without labels).
        ci_low: Lower end of the metric's interval.
        ci_high: Upper end of the metric's interval.
        evaluation: The version's metric at evaluation time.
        score_psi: PSI of the scores against the reference scores.
        max_psi: The largest feature PSI.
        top_feature: The feature with that PSI.
        signals: The breached signals (empty when none).
        tickets: The tickets filed or updated for it (``INV-2 filed``).
    """

    version: str
    index: int
    at: dt.datetime
    batch: str
    rows: int
    metric: float | None
    ci_low: float | None
    ci_high: float | None
    evaluation: float | None
    score_psi: float | None
    max_psi: float | None
    top_feature: str | None
    signals: str
    tickets: str


@dataclass(frozen=True)
class MonitorDashboard:
    """Everything the monitoring dashboard of one model shows.

    Attributes:
        model: The registered model.
        metric: Its primary metric.
        direction: ``maximize`` or ``minimize``.
        batches: Every monitored batch, by time.
        drift: ``(feature, PSI, band)`` of the latest batch, the most drifted first (at
            most :data:`TOP_FEATURES`).
        experiment_id: The model's MLflow experiment.
        created: When the dashboard was built (UTC).
        plots: Plot name (``metric``, ``scores``, ``drift``) to its file, relative to the
            Markdown file; filled by :func:`agileds.monitor.write_dashboard`.
        path: The written Markdown file, relative to the project root, once written.
        scoring: The model's scoring jobs (``agileds score``) and scores written per hour;
            None when they were not read.
    """

    model: str
    metric: str
    direction: str
    batches: tuple[BatchRow, ...]
    drift: tuple[tuple[str, float, str], ...]
    experiment_id: str
    created: dt.datetime
    plots: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    scoring: ScoringVolume | None = None

    @property
    def latest(self) -> BatchRow:
        """The most recent batch."""
        return self.batches[-1]

    @property
    def labelled(self) -> bool:
        """Whether any batch had labels (so the metric could be measured)."""
        return any(b.metric is not None for b in self.batches)

    def to_dict(self) -> dict[str, Any]:
        """What ``agileds monitor report --json`` prints: the model, its file, the batches."""
        return {"model": self.model, "report": self.path, "batches": len(self.batches)}


def batch_order(batch: BatchRow) -> tuple[dt.datetime, int, int]:
    """Sort key of batches: by time, then version, then their number in the version's run."""
    return (batch.at, int(batch.version), batch.index)


def build_monitor_dashboard(
    *,
    model: str,
    metric: str,
    direction: str,
    batches: Iterable[BatchRow],
    latest_psi: Mapping[str, float],
    band: Callable[[float], str],
    experiment_id: str,
    created: dt.datetime,
    scoring: ScoringVolume | None = None,
) -> MonitorDashboard:
    """Build the dashboard from the batches read back and the latest batch's feature PSIs.

    Pure: it reads its arguments only, never the clock or the stores.

    Args:
        model: The registered model.
        metric: Its primary metric.
        direction: ``maximize`` or ``minimize``.
        batches: Every monitored batch, in any order.
        latest_psi: Feature to PSI of the latest batch.
        band: The PSI band of a value (``agileds.monitor.psi_band``).
        experiment_id: The model's MLflow experiment.
        created: When the dashboard is built.
        scoring: The model's scoring jobs read back from MLflow.
    """
    values = sorted(latest_psi.items(), key=lambda pair: (-pair[1], pair[0]))
    drift = tuple((name, float(psi), band(psi)) for name, psi in values[:TOP_FEATURES])
    return MonitorDashboard(
        model=model,
        metric=metric,
        direction=direction,
        batches=tuple(sorted(batches, key=batch_order)),
        drift=drift,
        experiment_id=experiment_id,
        created=created.replace(microsecond=0),
        scoring=scoring,
    )
