"""Tests for the registry of quantity names criteria may use."""

from __future__ import annotations

import pytest

from agileds.errors import UnknownQuantityError
from agileds.tickets._quantities import (
    COLUMN_FAMILIES,
    KNOWN_QUANTITIES,
    Quantity,
    check_quantity,
    documented_quantities,
    is_known_quantity,
    suggest_quantity,
)

METRICS = ["auroc", "aupr", "log_loss", "brier", "ece", "f1", "precision", "recall"]
METRICS += ["accuracy", "macro_f1", "rmse", "mae", "r2"]
SERVING = ["latency_p50_ms", "latency_p95_ms", "latency_batch_ms", "model_size_mb"]
RUN_FACTS = ["trials", "trials_completed", "trials_pruned", "trials_failed", "fit_seconds"]
RUN_FACTS += ["sweep_seconds", "leakage_flags", "leakage_suspects", "features_removed", "followups"]
RUN_FACTS += ["segments_worse", "rows"]


@pytest.mark.parametrize("metric", METRICS)
def test_every_form_of_a_holdout_metric_is_known(metric: str) -> None:
    forms = [metric, f"{metric}.ci_low", f"{metric}.ci_high", f"production.{metric}"]
    forms += [f"production.{metric}.ci_low", f"production.{metric}.ci_high", f"delta.{metric}"]
    forms += [f"delta.{metric}.ci_low", f"delta.{metric}.ci_high", f"delta.{metric}.p_value"]
    forms += [f"cv.{metric}", f"cv.{metric}.std"]
    assert [f for f in forms if not is_known_quantity(f)] == []


@pytest.mark.parametrize("measure", SERVING)
def test_serving_measures_have_production_and_delta_but_no_interval(measure: str) -> None:
    assert is_known_quantity(measure)
    assert is_known_quantity(f"production.{measure}")
    assert is_known_quantity(f"delta.{measure}")
    assert not is_known_quantity(f"{measure}.ci_low")
    assert not is_known_quantity(f"delta.{measure}.p_value")
    assert not is_known_quantity(f"cv.{measure}")


@pytest.mark.parametrize("fact", [*RUN_FACTS, "psi.score", "score_volume_change", "max_psi"])
def test_run_facts_and_drift_measures_are_known(fact: str) -> None:
    assert is_known_quantity(fact)
    check_quantity(fact)  # does not raise


@pytest.mark.parametrize(
    "name",
    ["blank_text_rate.description", "null_rate.age", "psi.income", "unseen_categories.city"],
)
def test_per_column_families_accept_any_column(name: str) -> None:
    assert is_known_quantity(name)


@pytest.mark.parametrize(
    "name",
    [
        "production.auroc.p_value",  # p-values are only for the paired difference
        "cv.auroc.ci_low",
        "auroc.std",
        "delta.delta.auroc",
        "null_rate",  # a family needs a column
        "null_rate.__class__",  # never a dunder
        "trials.ci_low",
        "AUROC",
        "",
    ],
)
def test_names_outside_the_registry_are_unknown(name: str) -> None:
    assert not is_known_quantity(name)


def test_check_quantity_suggests_the_closest_name() -> None:
    with pytest.raises(UnknownQuantityError) as info:
        check_quantity("aurco", text="aurco >= 0.8", position=0)
    assert info.value.message == (
        "unknown quantity 'aurco'; did you mean 'auroc'? (see docs/criteria.md for the list)"
    )
    assert info.value.text == "aurco >= 0.8"
    assert info.value.position == 0


def test_check_quantity_defaults_the_text_to_the_name() -> None:
    with pytest.raises(UnknownQuantityError) as info:
        check_quantity("zzzz")
    assert info.value.text == "zzzz"
    assert info.value.message == "unknown quantity 'zzzz' (see docs/criteria.md for the list)"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("delta.auroc.ci_lo", "delta.auroc.ci_low"),
        ("prodution.auroc", "production.auroc"),
        ("latency_p59_ms", "latency_p95_ms"),
        ("null_rte.description", "null_rate.description"),
        ("null_rate", "null_rate.<column>"),
        ("AUROC", "auroc"),
        ("leakage_flag", "leakage_flags"),
        ("qqqqqqqq", None),
    ],
)
def test_suggest_quantity(name: str, suggestion: str | None) -> None:
    assert suggest_quantity(name) == suggestion


def test_known_quantities_have_meanings() -> None:
    assert KNOWN_QUANTITIES["delta.auroc"] == "paired difference in auroc, candidate − production"
    assert all(meaning.strip() for meaning in KNOWN_QUANTITIES.values())
    assert set(COLUMN_FAMILIES) == {"blank_text_rate", "null_rate", "psi", "unseen_categories"}


def test_documented_quantities_list_families_with_placeholders() -> None:
    documented = documented_quantities()
    names = [q.name for q in documented]
    assert len(names) == len(set(names))
    assert Quantity("auroc", "area under the ROC curve of the candidate", "Holdout metrics") in (
        documented
    )
    assert "delta.<measure>" in names
    assert "delta.<metric>.p_value" in names
    assert "null_rate.<column>" in names
    assert "cv.<metric>.std" in names
    assert {q.group for q in documented} == {
        "Holdout metrics",
        "Serving",
        "Derived",
        "Run facts",
        "Drift",
        "Per column",
    }
