"""Holding a batch against the thresholds: breaches, severity and the ticket value."""

from __future__ import annotations

import doctest

import pytest

from agileds.monitor import (
    FeatureDrift,
    Thresholds,
    _signals,
    check_thresholds,
    severity_level,
    ticket_value,
)
from tests.monitor.conftest import make_result


def _signal(result, name: str, thresholds: Thresholds | None = None):  # type: ignore[no-untyped-def]
    signals = check_thresholds(result, thresholds or Thresholds())
    return next(s for s in signals if s.name == name)


def test_the_health_table_has_every_signal_in_order() -> None:
    signals = check_thresholds(make_result(), Thresholds())
    assert [s.name for s in signals] == [
        "scores_written",
        "auroc_drop",
        "feature_drift",
        "score_volume",
        "score_psi",
    ]
    assert [s.status for s in signals] == ["info", "breach", "breach", "ok", "info"]


def test_a_drop_over_the_threshold_breaches_with_its_severity() -> None:
    signal = _signal(make_result(), "auroc_drop")
    assert signal.value == pytest.approx(0.84 - 0.76)
    assert signal.severity == pytest.approx((0.84 - 0.76) / 0.03 * 1.0)  # every score affected
    assert signal.rule == "drop > 0.03 or CI wholly worse"
    assert signal.detail == (
        "auroc 0.7600 (95% CI 0.7350–0.7850) vs 0.8400 at evaluation: a drop of 0.0800, "
        "interval wholly worse"
    )
    assert signal.evidence == {
        "auroc": 0.76,
        "auroc.ci_low": 0.735,
        "auroc.ci_high": 0.785,
        "evaluation.auroc": 0.84,
        "drop": 0.08,
        "labelled_rows": 1500,
    }


def test_an_interval_wholly_below_breaches_a_small_drop() -> None:
    metrics = {"auroc": 0.82, "auroc.ci_low": 0.815, "auroc.ci_high": 0.825}
    signal = _signal(make_result(metrics=metrics), "auroc_drop")
    assert signal.breached
    assert signal.severity == pytest.approx(0.02 / 0.03)
    off = Thresholds(metric_interval=False)
    assert _signal(make_result(metrics=metrics), "auroc_drop", off).status == "ok"


def test_a_drop_inside_the_noise_is_ok() -> None:
    metrics = {"auroc": 0.83, "auroc.ci_low": 0.80, "auroc.ci_high": 0.86}
    signal = _signal(make_result(metrics=metrics), "auroc_drop")
    assert (signal.status, signal.severity) == ("ok", 0.0)


def test_for_a_loss_a_rise_is_the_drop() -> None:
    metrics = {"rmse": 12.0, "rmse.ci_low": 11.5, "rmse.ci_high": 12.5}
    result = make_result(
        task="regression", metric="rmse", direction="minimize", evaluation=10.0, metrics=metrics
    )
    signal = _signal(result, "rmse_drop", Thresholds(metric_drop=1.0))
    assert (signal.value, signal.status) == (pytest.approx(2.0), "breach")


def test_without_labels_the_metric_is_not_measured() -> None:
    signal = _signal(make_result(labels=None, labelled=0, metrics={}), "auroc_drop")
    assert (signal.status, signal.detail) == ("n/a", "no labels: pass --labels COLUMN")


def test_feature_drift_severity_is_psi_over_threshold_times_moved_share() -> None:
    signal = _signal(make_result(), "feature_drift")
    assert signal.breached
    assert signal.severity == pytest.approx(1.0 / 0.25 * 0.15)
    assert signal.detail == "psi.lead_source 1.000 (major)"
    assert signal.evidence["column"] == "lead_source"


def test_stable_features_do_not_breach() -> None:
    drift = (FeatureDrift("x", "numeric", 0.05, "stable", "ks", 0.01, 0.9),)
    assert _signal(make_result(drift=drift), "feature_drift").status == "ok"
    assert _signal(make_result(drift=()), "feature_drift").status == "n/a"


def test_score_volume_against_the_previous_batch() -> None:
    first = _signal(make_result(previous_rows=None, index=1), "score_volume")
    assert (first.status, first.detail) == (
        "n/a",
        "first batch of lead-scoring v1: nothing to compare with",
    )
    doubled = _signal(make_result(rows=3100), "score_volume")
    assert doubled.breached
    assert doubled.value == pytest.approx(1600 / 1500)
    assert doubled.severity == pytest.approx(1600 / 1500 / 0.5)
    assert doubled.detail == "3100 scores vs 1500 in batch 1 (+107%)"
    assert _signal(make_result(rows=1000), "score_volume").status == "ok"  # -33%


def test_severity_levels_and_values() -> None:
    assert [severity_level(s) for s in (0.5, 1.0, 1.99, 2.0)] == ["low", "medium", "medium", "high"]
    assert [ticket_value(s) for s in (0.1, 0.3, 0.6, 1.0, 1.5, 2.7, 9)] == [1, 2, 3, 5, 8, 13, 21]


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_signals).failed == 0
