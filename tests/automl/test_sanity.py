"""Sanity checks: leaks, near-constant, mostly-null and near-duplicate columns, with reasons."""

from __future__ import annotations

import doctest
import io
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from agileds.automl import ColumnKind, infer_column_kinds
from agileds.automl import _sanity as sanity
from agileds.automl._leakage import _leak_measures
from agileds.automl._sanity import Removal, SanityReport, SanityThresholds, sanity_check
from agileds.automl._sanity_base import _Label, _Values
from agileds.data import make_leads
from agileds.errors import DataError, UsageError

K = ColumnKind
DEMO_FEATURES = [
    "customer_id",
    "created_at",
    "annual_revenue",
    "employees",
    "days_open",
    "title",
    "industry",
    "lead_source",
    "description",
]


def check_demo(frame: pd.DataFrame, **options: object) -> SanityReport:
    kinds = infer_column_kinds(frame, target="is_closed")
    return sanity_check(frame, target="is_closed", kinds=kinds, task="binary", **options)


def binary_frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """A label and two honest features: a weak number and a weak category."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n) + 0.5 * y,
            "colour": np.where(rng.random(n) < 0.3 + 0.3 * y, "red", "blue").astype(object),
            "y": y,
        }
    )


def by_column(report: SanityReport) -> dict[str, Removal]:
    return {removal.column: removal for removal in report.removed}


# The demo data -------------------------------------------------------------------------


def test_demo_leak_is_removed_with_its_reason_and_value() -> None:
    report = check_demo(make_leads(4000))

    assert report.removed_columns == ("deal_stage_final",)
    (leak,) = report.removed
    assert leak.check == "leak"
    assert leak.reason.startswith(
        "leaks the label: Cramér's V 0.98 with is_closed (threshold 0.95); each of its values "
        "belongs to one class (out-of-fold recall 98.9% of 0, 99.0% of 1; threshold 98% for "
        "every class); quick-model CV auROC 0.98"
    )
    alone, others = map(
        float, re.findall(r"auROC (0\.\d+) from it alone against (0\.\d+)", leak.reason)[0]
    )
    assert alone - others > 0.1  # the other features together reach about 0.81
    assert leak.value == pytest.approx(0.9755, abs=1e-4)
    assert report.leakage_flags == 1
    assert report.suspects == ()
    assert report.features_removed == 1
    assert report.kept == tuple(DEMO_FEATURES)  # lead_id is an identifier: in neither


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_real_features_are_kept_on_every_seed(seed: int) -> None:
    report = check_demo(make_leads(4000, seed=seed))

    assert report.removed_columns == ("deal_stage_final",)
    assert report.kept == tuple(DEMO_FEATURES)


def test_demo_leak_is_caught_after_a_csv_round_trip() -> None:
    """Empty descriptions come back as NaN, whitespace-only ones stay strings."""
    buffer = io.StringIO()
    make_leads(4000, seed=3).to_csv(buffer, index=False)
    report = check_demo(pd.read_csv(io.StringIO(buffer.getvalue())))

    assert report.removed_columns == ("deal_stage_final",)
    assert report.removed[0].reason.startswith("leaks the label: Cramér's V 0.9")


def test_demo_leak_just_under_the_threshold_is_kept() -> None:
    frame = make_leads(4000)
    auroc = 0.99  # deal_stage_final's out-of-fold auROC is 0.9875: keep it out of the way
    over = check_demo(frame, thresholds=SanityThresholds(leak_association=0.975, leak_auroc=auroc))
    under = check_demo(frame, thresholds=SanityThresholds(leak_association=0.976, leak_auroc=auroc))

    assert over.removed_columns == ("deal_stage_final",)
    assert "Cramér's V 0.9755 with is_closed (threshold 0.975); " in over.removed[0].reason
    assert under.removed == ()
    assert "deal_stage_final" in under.kept


# Leaks in a binary label ---------------------------------------------------------------


def test_a_noisy_numeric_copy_of_the_label_leaks() -> None:
    frame = binary_frame()
    frame["copy"] = frame["y"] + np.random.default_rng(1).normal(0, 0.05, len(frame))
    kinds = {"x": K.NUMERIC, "colour": K.CATEGORICAL, "copy": K.NUMERIC}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    (leak,) = report.removed
    assert (leak.column, leak.check) == ("copy", "leak")
    assert leak.reason.startswith(
        "leaks the label: absolute point-biserial correlation 0.995 with y (threshold 0.95); "
        "its values cluster tightly by class (η 0.995, threshold 0.99) (out-of-fold recall "
        "100.0% of 0, 100.0% of 1; threshold 98% for every class); quick-model CV auROC 1.000 "
        "from it alone against 0.6"
    )
    assert report.kept == ("x", "colour")


def test_a_separating_number_that_copies_nothing_is_kept_as_a_suspect() -> None:
    """It tells both classes apart, but a measurement can: flag it, never remove it."""
    frame = binary_frame()
    rng = np.random.default_rng(2)
    frame["score"] = np.where(
        frame["y"] == 1, 1 + rng.lognormal(0, 2, len(frame)), rng.random(len(frame))
    )
    kinds = {"x": K.NUMERIC, "score": K.NUMERIC}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.removed == ()
    assert report.kept == ("x", "score")
    (suspect,) = report.suspects
    assert suspect.column == "score"
    assert suspect.value == 1.0
    assert suspect.reason.startswith(
        "suspected leak, kept: single-feature auROC 1.00 for y (threshold ≥ 0.99 or ≤ 0.01); "
        "it tells every class apart (out-of-fold recall "
    )
    assert suspect.reason.endswith(
        "but its values do not look like a recorded outcome; quick-model CV auROC 1.000 from it "
        f"alone, 1.000 with it, {suspect.cv_without:.3f} without it"
    )
    assert suspect.cv_measure == "auROC"
    assert suspect.cv_with == pytest.approx(1.0, abs=1e-3)
    assert 0.55 < suspect.cv_without < 0.7  # what x alone is worth
    assert (report.leakage_flags, report.leakage_suspects) == (0, 1)
    assert report.suspect_rows()[0]["check"] == "leak_suspect"


@pytest.mark.parametrize("kind", [K.NUMERIC, K.DATETIME])
def test_a_value_known_only_for_one_class_leaks_through_its_nulls(kind: ColumnKind) -> None:
    frame = binary_frame()
    rng = np.random.default_rng(3)
    if kind == K.NUMERIC:
        values = pd.Series(rng.normal(size=len(frame)))
    else:
        days = pd.to_timedelta(rng.integers(0, 700, len(frame)), unit="D")
        values = (
            (pd.Timestamp("2023-01-01") + days)
            .strftime("%Y-%m-%d")
            .to_series()
            .reset_index(drop=True)
        )
    frame["closed_at"] = values.where(frame["y"] == 1)
    report = sanity_check(frame, target="y", kinds={"closed_at": kind}, task="binary")

    assert report.removed_columns == ("closed_at",)
    assert "single-feature auROC 1.00" in report.removed[0].reason
    assert "; whether it is null tells the class (out-of-fold recall 100.0% of 0" in (
        report.removed[0].reason
    )


def test_high_cardinality_id_like_category_is_not_a_leak() -> None:
    frame = binary_frame(4000)
    rng = np.random.default_rng(4)
    frame["account"] = [f"A{k:05d}" for k in rng.integers(0, 2000, len(frame))]  # ~2 rows each
    frame["ticket"] = [f"T{k:05d}" for k in rng.permutation(len(frame))]  # unique
    kinds = {"account": K.CATEGORICAL, "ticket": K.CATEGORICAL}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.removed == ()
    assert report.suspects == ()
    label = _Label.of(frame["y"], "y", "binary", 0)
    for name in kinds:
        measures = dict(_leak_measures(_Values.of(frame[name], K.CATEGORICAL), label))
        assert measures["Cramér's V"] < 0.2
        assert abs(measures["single-feature auROC (out-of-fold category shares)"] - 0.5) < 0.05


def test_a_category_with_many_pure_levels_leaks_by_out_of_fold_auroc() -> None:
    frame = binary_frame(4000)
    rng = np.random.default_rng(5)
    level = rng.integers(0, 400, len(frame))
    frame["reason_code"] = [f"R{k}" for k in level * 2 + frame["y"]]  # each level one class
    report = sanity_check(frame, target="y", kinds={"reason_code": K.CATEGORICAL}, task="binary")

    assert report.removed_columns == ("reason_code",)
    assert report.removed[0].check == "leak"


def test_unique_free_text_is_not_checked_for_leaks() -> None:
    frame = binary_frame(500)
    frame["notes"] = [
        f"deal {'won' if y else 'lost'} as noted on visit {i}" for i, y in enumerate(frame["y"])
    ]
    report = sanity_check(frame, target="y", kinds={"notes": K.TEXT}, task="binary")

    assert report.kept == ("notes",)


def test_repeated_text_is_checked_like_a_category() -> None:
    frame = binary_frame(2000)
    frame["outcome"] = np.where(frame["y"] == 1, "the deal was won", "the deal was lost")
    report = sanity_check(frame, target="y", kinds={"outcome": K.TEXT}, task="binary")

    assert report.removed[0].reason.startswith("leaks the label: Cramér's V 1.00")


# Regression and multiclass -------------------------------------------------------------


def regression_frame(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    x = rng.normal(size=n)
    y = 2.0 * x + rng.normal(size=n)
    bins = pd.qcut(y, 50, labels=False)
    return pd.DataFrame(
        {
            "x": x,
            "region": rng.choice(["north", "south", "east"], n),
            "account": [f"A{k}" for k in rng.integers(0, n // 2, n)],
            "y_noisy": y + rng.normal(0, 0.1, n),
            "y_band": [f"band {k}" for k in bins],
            "y": y,
        }
    )


def test_regression_leaks_by_correlation_and_correlation_ratio() -> None:
    frame = regression_frame()
    kinds = {
        "x": K.NUMERIC,
        "region": K.CATEGORICAL,
        "account": K.CATEGORICAL,
        "y_noisy": K.NUMERIC,
        "y_band": K.CATEGORICAL,
    }
    report = sanity_check(frame, target="y", kinds=kinds, task="regression")

    removed = by_column(report)
    assert report.kept == ("x", "region", "account")  # x has a correlation of 0.89
    assert removed["y_noisy"].reason.startswith(
        "leaks the label: absolute Pearson correlation 0.99"
    )
    assert removed["y_band"].reason.startswith(
        "leaks the label: correlation ratio η (adjusted for levels) 0.998 with y (threshold 0.95); "
        "it nearly fixes the label (correlation ratio η (adjusted for levels) 0.998, threshold "
        "0.99); quick-model CV R² 0.99"
    )
    assert "against 0.793 from all other features (gap 0.20" in removed["y_band"].reason
    assert report.leakage_flags == 2
    assert report.suspects == ()


def test_multiclass_leaks_by_correlation_ratio_and_cramers_v() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    y = rng.choice(["bronze", "silver", "gold"], n)
    code = pd.Series(y).map({"bronze": 0, "silver": 2, "gold": 1}).to_numpy()
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n) + 0.5 * code,
            "tier_score": code + rng.normal(0, 0.05, n),
            "tier_label": np.where(rng.random(n) < 0.01, "other", y),
            "account": [f"A{k}" for k in rng.integers(0, n // 2, n)],
            "y": y,
        }
    )
    kinds = {n: K.CATEGORICAL if frame[n].dtype != float else K.NUMERIC for n in frame.columns[:-1]}
    report = sanity_check(frame, target="y", kinds=kinds, task="multiclass")

    removed = by_column(report)
    assert report.kept == ("x", "account")
    assert removed["tier_score"].reason.startswith(
        "leaks the label: correlation ratio η 0.998 with y (threshold 0.95); its values cluster "
        "tightly by class (η 0.998, threshold 0.99) (out-of-fold recall 100.0% of bronze, "
        "100.0% of gold, 100.0% of silver; threshold 98% for every class)"
    )
    assert removed["tier_label"].reason.startswith(
        "leaks the label: Cramér's V 0.996 with y (threshold 0.95); each of its values belongs "
        "to one class"
    )


def test_multiclass_number_that_picks_out_every_class_is_a_suspect() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    y = rng.integers(0, 3, n)
    # Class 1 at both ends, so the class means are equal and η sees nothing.
    centre = np.where(y == 1, np.where(rng.random(n) < 0.5, -10.0, 10.0), 0.0)
    frame = pd.DataFrame({"spread": centre + np.where(y == 2, 1.0, -1.0) * rng.random(n), "y": y})
    report = sanity_check(frame, target="y", kinds={"spread": K.NUMERIC}, task="multiclass")

    assert report.removed == ()
    assert report.suspects[0].reason.startswith(
        "suspected leak, kept: one-vs-rest macro auROC (quantile bins, out-of-fold) 0.998 for y "
        "(threshold ≥ 0.99 or ≤ 0.01); it tells every class apart"
    )
    label = _Label.of(frame["y"], "y", "multiclass", 0)
    measures = dict(_leak_measures(_Values.of(frame["spread"], K.NUMERIC), label))
    assert measures["correlation ratio η"] < 0.2


# Near-constant, mostly null, near-duplicates, constants --------------------------------


@pytest.mark.parametrize(("rare", "removed"), [(9, True), (11, False)])
def test_near_constant_at_the_threshold(rare: int, removed: bool) -> None:
    frame = binary_frame(2000)
    frame["plan"] = ["basic"] * (2000 - rare) + ["pro"] * rare
    frame.loc[:99, "plan"] = None  # nulls do not count
    report = sanity_check(frame, target="y", kinds={"plan": K.CATEGORICAL}, task="binary")

    if removed:  # 1891 of 1900 non-null rows: 99.53%
        assert report.removed == (
            Removal(
                "plan",
                "near_constant",
                "near-constant: 'basic' fills 99.53% of non-null rows (threshold 99.5%)",
                1891 / 1900,
            ),
        )
    else:  # 1889 of 1900: 99.42%
        assert report.kept == ("plan",)


def test_near_constant_number_names_its_value() -> None:
    frame = binary_frame(1000)
    frame["discount"] = np.where(np.arange(1000) < 2, 0.1, 0.0)
    report = sanity_check(frame, target="y", kinds={"discount": K.NUMERIC}, task="binary")

    assert report.removed[0].reason == (
        "near-constant: 0.0 fills 99.8% of non-null rows (threshold 99.5%)"
    )


@pytest.mark.parametrize(("filled", "removed"), [(10, True), (25, False)])
def test_mostly_null_counts_blank_strings(filled: int, removed: bool) -> None:
    frame = binary_frame(2000)
    nulls = ["", " ", "   ", None, np.nan] * 400
    frame["fax"] = [f"+1 555 {k:04d}" for k in range(filled)] + nulls[filled:]
    report = sanity_check(frame, target="y", kinds={"fax": K.CATEGORICAL}, task="binary")

    if removed:
        assert report.removed[0].check == "mostly_null"
        assert report.removed[0].value == pytest.approx(0.995)
        assert report.removed[0].reason == (
            "mostly null: 99.5% of rows are null or blank (threshold 99%)"
        )
    else:  # 98.75% null
        assert report.kept == ("fax",)


def test_near_duplicate_numbers_keep_the_first() -> None:
    frame = binary_frame()
    rng = np.random.default_rng(9)
    frame["revenue_k"] = frame["x"] * 1000 + rng.normal(0, 1, len(frame))  # corr 0.9999995
    frame["revenue_m"] = frame["x"] + rng.normal(0, 0.1, len(frame))  # corr 0.995: kept
    kinds = {"x": K.NUMERIC, "revenue_k": K.NUMERIC, "revenue_m": K.NUMERIC}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.kept == ("x", "revenue_m")
    (duplicate,) = report.removed
    assert duplicate.check == "near_duplicate"
    assert duplicate.reason == "near-duplicate of x (absolute correlation 1.000, threshold 0.999)"


def test_near_duplicate_categories_by_one_to_one_mapping() -> None:
    frame = binary_frame(4000)
    rng = np.random.default_rng(10)
    frame["colour_de"] = frame["colour"].map({"red": "rot", "blue": "blau"})
    frame.loc[rng.choice(4000, 2, replace=False), "colour_de"] = "grün"  # 99.95% still map
    frame["shade"] = frame["colour"].where(rng.random(4000) > 0.01, "blue")  # 99.5%: kept
    kinds = {"colour": K.CATEGORICAL, "colour_de": K.CATEGORICAL, "shade": K.CATEGORICAL}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.kept == ("colour", "shade")
    assert report.removed == (
        Removal(
            "colour_de",
            "near_duplicate",
            "near-duplicate of colour (a one-to-one mapping of their values covers 99.95% "
            "of rows, threshold 99.9%)",
            0.9995,
        ),
    )


def test_constants_are_reported_and_identifiers_are_left_alone() -> None:
    frame = binary_frame(100)
    frame["source_system"] = "crm"
    frame["lead_id"] = [f"L{k}" for k in range(100)]
    kinds = {"lead_id": K.IDENTIFIER, "x": K.NUMERIC, "source_system": K.CONSTANT}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.to_rows() == [
        {
            "column": "source_system",
            "check": "constant",
            "reason": "constant: at most one distinct non-null value (the feature pipeline drops it)",
            "value": 1.0,
        }
    ]
    assert report.kept == ("x",)
    assert (report.features_removed, report.leakage_flags) == (1, 0)
    assert report.apply(kinds) == {"lead_id": K.IDENTIFIER, "x": K.NUMERIC}


def test_removals_come_in_column_order_one_check_per_column() -> None:
    frame = binary_frame()
    frame["x_copy"] = frame["x"]
    frame["leak"] = frame["y"].astype(str)
    frame["empty"] = ""
    kinds = {
        "leak": K.CATEGORICAL,
        "x": K.NUMERIC,
        "x_copy": K.NUMERIC,
        "empty": K.TEXT,
        "colour": K.CATEGORICAL,
    }
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert [(r.column, r.check) for r in report.removed] == [
        ("leak", "leak"),
        ("x_copy", "near_duplicate"),
        ("empty", "mostly_null"),
    ]
    assert report.kept == ("x", "colour")
    assert set(r.check for r in report.removed) <= set(sanity.CHECKS)


def test_the_same_seed_gives_the_same_report() -> None:
    frame = make_leads(1000, seed=4)
    assert check_demo(frame, seed=3) == check_demo(frame, seed=3)


# Arguments, speed, imports -------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"task": "ranking"},
            UsageError,
            "unknown task 'ranking'; use one of binary, multiclass, regression",
        ),
        ({"target": "won"}, DataError, "column 'won' is not in the data; use one of x, colour, y"),
        ({"kinds": {"size": K.NUMERIC}}, DataError, "column 'size' is not in the data"),
        (
            {"kinds": {"y": K.NUMERIC}},
            UsageError,
            "the target 'y' is among the feature kinds; leave it out",
        ),
        ({"kinds": {"x": "number"}}, UsageError, "unknown column kind 'number' for column 'x'"),
        (
            {"thresholds": SanityThresholds(leak_auroc=0.4)},
            UsageError,
            "sanity threshold leak_auroc must be above 0.5 and at most 1, got 0.4",
        ),
    ],
)
def test_bad_arguments_are_named(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {"target": "y", "kinds": {"x": K.NUMERIC}, "task": "binary"}
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        sanity_check(binary_frame(50), **{**arguments, **options})  # type: ignore[arg-type]


def test_regression_target_must_be_numbers() -> None:
    frame = binary_frame(50).assign(y=lambda f: np.where(f["y"] == 1, "yes", "no"))
    with pytest.raises(
        DataError, match="target column 'y' holds non-numbers such as 'yes'; use task binary"
    ):
        sanity_check(frame, target="y", kinds={"x": K.NUMERIC}, task="regression")


def test_hundred_thousand_rows_fit_the_quick_model_on_a_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The leak check's cost stays flat in the rows: its quick model sees a capped sample
    (about 1.3 s in all for 100,000 rows on a loaded 2-core machine)."""
    from agileds.automl import _quick_model

    seen: list[int] = []
    fit = _quick_model._out_of_fold

    def recording(x: np.ndarray, y: np.ndarray, *args: object) -> np.ndarray:
        seen.append(len(y))
        return fit(x, y, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_quick_model, "_out_of_fold", recording)
    frame = make_leads(100_000)
    kinds = infer_column_kinds(frame, target="is_closed")
    report = sanity_check(frame, target="is_closed", kinds=kinds, task="binary")

    assert report.removed_columns == ("deal_stage_final",)
    assert seen and max(seen) == _quick_model.MAX_ROWS


def test_importing_the_module_loads_neither_sklearn_nor_scipy() -> None:
    code = (
        "import sys, agileds.automl._sanity; print(sorted({'sklearn', 'scipy'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_docstring_example_runs() -> None:
    assert doctest.testmod(sanity).failed == 0


# Leaks against strong real features (issue 16) -----------------------------------------


def three_classes(n: int = 600, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return pd.DataFrame({"noise": rng.normal(size=n), "y": np.array(["a", "b", "c"])[y]}).assign(
        code=y
    )


def test_a_real_feature_that_separates_one_of_three_classes_is_kept() -> None:
    frame = three_classes()
    rng = np.random.default_rng(12)
    code = frame.pop("code").to_numpy()
    # Class a sits far below the others; b and c overlap (η about 0.96, so it is screened).
    frame["length"] = np.where(code == 0, 1.5, 4.5 + 1.0 * (code == 2)) + rng.normal(
        0, 0.3, len(frame)
    )
    frame["width"] = np.where(code == 0, 0.2, 1.3 + 0.7 * (code == 2)) + rng.normal(
        0, 0.25, len(frame)
    )
    kinds = {"noise": K.NUMERIC, "length": K.NUMERIC, "width": K.NUMERIC}
    report = sanity_check(frame, target="y", kinds=kinds, task="multiclass")

    label = _Label.of(frame["y"], "y", "multiclass", 0)
    eta = dict(_leak_measures(_Values.of(frame["length"], K.NUMERIC), label))["correlation ratio η"]
    assert eta > 0.95  # the old check removed it
    assert report.removed == ()
    assert report.kept == ("noise", "length", "width")
    assert report.leakage_flags == 0


def test_a_measurement_that_fixes_the_label_is_kept_and_suspected() -> None:
    frame = three_classes()
    rng = np.random.default_rng(13)
    frame.pop("code")
    frame["glucose"] = rng.uniform(60, 200, len(frame))
    frame["y"] = np.where(
        frame["glucose"] < 100, "normal", np.where(frame["glucose"] < 126, "pre", "diabetic")
    )
    kinds = {"noise": K.NUMERIC, "glucose": K.NUMERIC}
    report = sanity_check(frame, target="y", kinds=kinds, task="multiclass")

    assert report.removed == ()
    assert report.kept == ("noise", "glucose")
    (suspect,) = report.suspects
    assert suspect.column == "glucose"
    assert "it carries what the other features do not (gap 0.5" in suspect.reason
    assert suspect.cv_with > 0.99 and suspect.cv_without < 0.6
    assert (report.leakage_flags, report.leakage_suspects) == (0, 1)


def test_an_outcome_copy_the_other_features_explain_as_well_is_only_suspected() -> None:
    frame = binary_frame(2000)
    frame["x"] = frame["y"] * 3.0 + np.random.default_rng(14).uniform(0, 1, len(frame))
    frame["stage"] = np.where(frame["y"] == 1, "won", "lost")
    kinds = {"x": K.NUMERIC, "stage": K.CATEGORICAL}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.removed == ()
    x, suspect = report.suspects  # x separates the classes too: a suspect of its own
    assert (x.column, suspect.column) == ("x", "stage")
    assert "each of its values belongs to one class" in suspect.reason
    assert "but the other features predict the label almost as well" in suspect.reason


def test_two_copies_of_the_outcome_do_not_hide_each_other() -> None:
    frame = binary_frame(2000)
    frame["stage"] = np.where(frame["y"] == 1, "won", "lost")
    frame["stage_code"] = np.where(frame["y"] == 1, "W", "L")
    frame.loc[:9, "stage_code"] = "X"  # not an exact duplicate
    kinds = {"x": K.NUMERIC, "stage": K.CATEGORICAL, "stage_code": K.CATEGORICAL}
    report = sanity_check(frame, target="y", kinds=kinds, task="binary")

    assert report.removed_columns == ("stage", "stage_code")
    assert {r.check for r in report.removed} == {"leak"}
    assert report.kept == ("x",)


def test_a_relation_that_holds_only_in_earlier_rows_is_removed_by_time() -> None:
    frame = binary_frame(2000)
    frame["created"] = pd.date_range("2024-01-01", periods=2000, freq="h").strftime(
        "%Y-%m-%d %H:%M"
    )
    recent = np.arange(2000) >= 1000
    frame["stage"] = np.where(recent, "open", np.where(frame["y"] == 1, "won", "lost"))
    kinds = {"x": K.NUMERIC, "created": K.DATETIME, "stage": K.CATEGORICAL}
    without_time = sanity_check(frame, target="y", kinds=kinds, task="binary")
    report = sanity_check(frame, target="y", kinds=kinds, task="binary", time_column="created")

    assert "stage" in without_time.kept  # Cramér's V about 0.6 on all rows: not screened
    (leak,) = report.removed
    assert leak.column == "stage"
    assert leak.reason.startswith(
        "leaks the label: Cramér's V 1.00 with y (threshold 0.95) in the earlier half of the "
        "rows by created, but 0.000 in the later half"
    )
    assert report.kept == ("x", "created")


def test_a_missing_time_column_is_named() -> None:
    with pytest.raises(DataError, match="column 'when' is not in the data"):
        sanity_check(
            binary_frame(50), target="y", kinds={"x": K.NUMERIC}, task="binary", time_column="when"
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iris_keeps_every_feature(seed: int) -> None:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame.sample(frac=0.8, random_state=seed)
    kinds = infer_column_kinds(iris, target="target")
    report = sanity_check(iris, target="target", kinds=kinds, task="multiclass", seed=seed)

    assert report.removed == ()
    assert report.suspects == ()
    assert len(report.kept) == 4


def test_class_recalls_skip_unseen_levels_and_give_up_on_id_like_columns() -> None:
    from agileds.automl._association import _level_recalls, _nearest_recalls

    classes = np.array([0, 1] * 10)
    folds = np.arange(20) % 5
    pure = _level_recalls(classes.copy(), classes, folds, 2)
    unique = _level_recalls(np.arange(20), classes, folds, 2)
    assert pure.tolist() == [1.0, 1.0]
    assert np.isnan(unique).all()
    values = np.where(classes == 1, 10.0, 0.0) + np.arange(20) / 100
    assert _nearest_recalls(values, classes, folds, 2).tolist() == [1.0, 1.0]
