"""The dashboard's metric plot: a sensible time axis, even for one labelled batch."""

from __future__ import annotations

import datetime as dt

from agileds.monitor._plots import _metric_figure
from agileds.reports import BatchRow, MonitorDashboard

AT = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)


def _batch(index: int, at: dt.datetime) -> BatchRow:
    return BatchRow(
        version="1",
        index=index,
        at=at,
        batch=f"b{index}.csv",
        rows=100,
        metric=0.8,
        ci_low=0.78,
        ci_high=0.82,
        evaluation=0.82,
        score_psi=0.05,
        max_psi=0.1,
        top_feature="x",
        signals="",
        tickets="",
    )


def _span_days(*batches: BatchRow) -> float:
    dashboard = MonitorDashboard(
        model="m",
        metric="auroc",
        direction="maximize",
        batches=batches,
        drift=(),
        experiment_id="1",
        created=AT,
    )
    low, high = _metric_figure(dashboard).axes[0].get_xlim()  # in days
    return float(high - low)


def test_one_labelled_batch_spans_a_week_not_years() -> None:
    assert _span_days(_batch(1, AT)) == 6.0


def test_several_batches_keep_matplotlibs_own_limits() -> None:
    span = _span_days(_batch(1, AT), _batch(2, AT + dt.timedelta(days=90)))
    assert 90 <= span < 120
