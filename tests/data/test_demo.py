"""Tests for the synthetic lead-scoring data: shape, determinism, planted signal and faults."""

from __future__ import annotations

import doctest
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agileds.data import _demo, make_leads, write_demo_data
from agileds.errors import UsageError

COLUMNS = {
    "lead_id": "str",
    "customer_id": "str",
    "created_at": "str",
    "annual_revenue": "float64",
    "employees": "int64",
    "days_open": "int64",
    "title": "str",
    "industry": "str",
    "lead_source": "str",
    "description": "str",
    "deal_stage_final": "str",
    "is_closed": "int64",
}
CATEGORICAL = ["customer_id", "title", "industry", "lead_source"]
GERMAN_STARTS = tuple(
    phrase.split("{n}")[0]
    for (language, _), phrases in _demo._PHRASES.items()
    if language == "de"
    for phrase in phrases
)


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return make_leads(4000, seed=0)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_columns_and_dtypes(leads: pd.DataFrame) -> None:
    assert {name: str(dtype) for name, dtype in leads.dtypes.items()} == COLUMNS
    assert len(leads) == 4000
    assert leads["lead_id"].is_unique


def test_same_seed_gives_the_same_frame() -> None:
    pd.testing.assert_frame_equal(make_leads(500, seed=3), make_leads(500, seed=3))
    assert not make_leads(500, seed=3).equals(make_leads(500, seed=4))


def test_write_demo_data_writes_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a")
    second = write_demo_data(tmp_path / "b")
    assert list(first) == ["leads", "batch_1", "batch_2"]
    assert [path.name for path in first.values()] == ["leads.csv", "batch_1.csv", "batch_2.csv"]
    assert [_digest(path) for path in first.values()] == [_digest(path) for path in second.values()]
    other = write_demo_data(tmp_path / "c", seed=1)
    assert _digest(other["leads"]) != _digest(first["leads"])
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in first.values()
    )


def test_demo_files_have_the_documented_sizes_and_periods(tmp_path: Path) -> None:
    paths = write_demo_data(tmp_path)
    frames = {name: pd.read_csv(path) for name, path in paths.items()}
    assert [len(frame) for frame in frames.values()] == [4000, 1500, 1500]
    assert frames["leads"]["created_at"].min() >= "2023-01-01"
    assert frames["leads"]["created_at"].max() <= "2024-12-31"
    assert frames["leads"]["created_at"].max() < frames["batch_1"]["created_at"].min()
    assert frames["batch_1"]["created_at"].max() < frames["batch_2"]["created_at"].min()
    ids = pd.concat([frame["lead_id"] for frame in frames.values()])
    assert ids.is_unique


def test_rows_are_ordered_by_creation(leads: pd.DataFrame) -> None:
    assert leads["created_at"].is_monotonic_increasing
    assert leads["lead_id"].is_monotonic_increasing


def test_label_rate_and_leak(leads: pd.DataFrame) -> None:
    assert 0.25 <= leads["is_closed"].mean() <= 0.35
    won = leads["deal_stage_final"].eq("closed_won")
    assert 0.98 <= (won == leads["is_closed"].astype(bool)).mean() < 1.0
    assert set(leads["deal_stage_final"]) == {"closed_won", "closed_lost", "disqualified"}


def test_blank_descriptions_are_planted(leads: pd.DataFrame) -> None:
    blank = leads["description"].str.strip().eq("")
    assert 0.06 <= blank.mean() <= 0.10
    assert set(leads.loc[blank, "description"]) == {"", " ", "   "}
    assert leads["description"].notna().all()


def test_revenue_has_nulls_and_employees_follow_revenue(leads: pd.DataFrame) -> None:
    assert 0.03 <= leads["annual_revenue"].isna().mean() <= 0.09
    assert (leads["employees"] >= 1).all()
    log_revenue = np.log(leads["annual_revenue"])
    assert log_revenue.corr(np.log(leads["employees"])) > 0.8


def test_customers_are_many_and_skewed(leads: pd.DataFrame) -> None:
    sizes = leads["customer_id"].value_counts()
    assert len(sizes) == 40
    assert sizes.iloc[0] > 5 * sizes.median()


def test_descriptions_mix_languages(leads: pd.DataFrame) -> None:
    german = leads["description"].str.startswith(GERMAN_STARTS)
    assert 0.18 <= german.mean() <= 0.30
    assert leads["description"].str.contains("Wurst").any()


def test_drift_shifts_batch_two() -> None:
    clean = make_leads(3000, batch=1)
    drifted = make_leads(3000, batch=2, drift=1.0)
    assert drifted["annual_revenue"].median() > 1.5 * clean["annual_revenue"].median()
    assert "chatbot" not in set(clean["lead_source"])
    assert 0.10 <= drifted["lead_source"].eq("chatbot").mean() <= 0.20
    german = [
        frame["description"].str.startswith(GERMAN_STARTS).mean() for frame in (clean, drifted)
    ]
    assert german[1] > german[0] + 0.2


def _features(frame: pd.DataFrame, levels: dict[str, list[str]], leak: bool) -> pd.DataFrame:
    features = frame[["annual_revenue", "employees", "days_open"]].astype("float64")
    features["words"] = frame["description"].str.count(r"\S+")
    for name, values in levels.items():
        if leak or name != "deal_stage_final":
            codes = {value: code for code, value in enumerate(values)}
            features[name] = frame[name].map(codes).astype("float64")
    return features


def _auroc(train: pd.DataFrame, tests: list[pd.DataFrame], *, leak: bool) -> list[float]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    levels = {name: sorted(train[name].unique()) for name in [*CATEGORICAL, "deal_stage_final"]}
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(_features(train, levels, leak), train["is_closed"])
    return [
        roc_auc_score(test["is_closed"], model.predict_proba(_features(test, levels, leak))[:, 1])
        for test in tests
    ]


def test_signal_is_learnable_but_not_perfect(leads: pd.DataFrame) -> None:
    train, holdout = leads.iloc[:3000], leads.iloc[3000:]
    (without_leak,) = _auroc(train, [holdout], leak=False)
    (with_leak,) = _auroc(train, [holdout], leak=True)
    assert 0.72 <= without_leak <= 0.95
    assert with_leak > 0.97


def test_batch_two_loses_auroc(leads: pd.DataFrame) -> None:
    clean, drifted = make_leads(4000, batch=1), make_leads(4000, batch=2, drift=1.0)
    on_clean, on_drifted = _auroc(leads, [clean, drifted], leak=False)
    assert on_drifted < on_clean - 0.03


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_rows": 0}, "make_leads: n_rows must be at least 1, got 0"),
        ({"seed": -1}, "make_leads: seed and batch must be >= 0, got -1 and 0"),
        ({"drift": -0.5}, "make_leads: drift must be >= 0 (1 is batch_2's drift), got -0.5"),
        ({"blank_rate": 2.0}, "make_leads: blank_rate must be between 0 and 1, got 2.0"),
    ],
)
def test_bad_arguments_raise(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        make_leads(**arguments)
    assert str(raised.value) == message


def test_million_row_ids_stay_unique_and_padded() -> None:
    ids = _demo._lead_ids(3, 1_000_001)
    assert ids[0] == "L3-0000000"
    assert ids[-1] == "L3-1000000"


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_demo).failed == 0
