"""Column kinds: inferred from the values (not only the dtype), overridable, in frame order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agileds.automl import ColumnKind, infer_column_kinds, profile_columns
from agileds.errors import DataError, UsageError

K = ColumnKind
ENGLISH = "we met the buyer and they asked for a quote on the new pricing plan next week"
GERMAN = "der Kunde möchte ein Angebot für die neue Lizenz und einen Termin im Mai"
TITLES = ["Senior VP", "Vice President", "CEO", "Chairperson", "Head of Sales Operations"]


def sentences(rng: np.random.Generator, n: int) -> list[str]:
    """Random English or German sentences of 4 to 12 words."""
    out = []
    for _ in range(n):
        words = (ENGLISH if rng.random() < 0.5 else GERMAN).split()
        out.append(" ".join(rng.choice(words, size=int(rng.integers(4, 13)))))
    return out


def mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Every column kind, with nulls and blank strings where a CRM export has them."""
    rng = np.random.default_rng(seed)
    text = sentences(rng, n)
    text[:10] = [""] * 5 + ["   "] * 5
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    created = [d.strftime("%Y-%m-%d") for d in dates]
    created[::25] = [None] * len(created[::25])
    titles = list(rng.choice(TITLES, size=n))
    titles[::30] = [" "] * len(titles[::30])
    revenue = rng.lognormal(13, 1, n)
    revenue[::7] = np.nan
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "row": np.arange(n),
            "customer_id": rng.integers(1000, 1060, n),
            "region_code": rng.integers(1, 7, n),
            "employees": rng.integers(1, 50_000, n),
            "annual_revenue": revenue,
            "is_partner": rng.random(n) < 0.3,
            "title": titles,
            "description": text,
            "created_at": created,
            "updated": pd.to_datetime(created) + pd.Timedelta(days=3),
            "source_system": ["crm"] * (n - 3) + ["", "  ", None],
            "y": rng.integers(0, 2, n),
        }
    )


EXPECTED = {
    "lead_id": K.IDENTIFIER,
    "row": K.IDENTIFIER,
    "customer_id": K.CATEGORICAL,
    "region_code": K.CATEGORY_CODE,
    "employees": K.NUMERIC,
    "annual_revenue": K.NUMERIC,
    "is_partner": K.NUMERIC,
    "title": K.CATEGORICAL,
    "description": K.TEXT,
    "created_at": K.DATETIME,
    "updated": K.DATETIME,
    "source_system": K.CONSTANT,
}


def test_infers_every_kind_in_frame_order() -> None:
    kinds = infer_column_kinds(mixed_frame(), target="y")
    assert kinds == EXPECTED
    assert list(kinds) == list(EXPECTED)


def test_string_dtype_gives_the_same_kinds() -> None:
    frame = mixed_frame()
    for name in ("lead_id", "title", "description", "created_at", "source_system"):
        frame[name] = frame[name].astype(pd.StringDtype())
    assert infer_column_kinds(frame, target="y") == EXPECTED


def test_target_and_drop_are_left_out() -> None:
    kinds = infer_column_kinds(mixed_frame(), target="y", drop=["lead_id", "row"])
    assert "y" not in kinds and "lead_id" not in kinds and "row" not in kinds


def test_low_cardinality_sentences_are_categories() -> None:
    templates = ["Called the customer about the renewal", "Kunde hat kein Interesse mehr"]
    frame = pd.DataFrame({"note": templates * 100, "y": [0, 1] * 100})
    assert infer_column_kinds(frame, target="y") == {"note": K.CATEGORICAL}


def test_blank_strings_count_as_missing() -> None:
    frame = pd.DataFrame({"c": ["x", "", "  ", None] * 10, "y": [0, 1] * 20})
    profile = profile_columns(frame, target="y")["c"]
    assert profile.kind == K.CONSTANT
    assert profile.distinct == 1
    assert profile.null_rate == pytest.approx(0.75)


def test_profile_explains_text() -> None:
    profile = profile_columns(mixed_frame(), target="y")["description"]
    assert profile.avg_tokens >= 4
    assert profile.top_coverage < 0.8
    assert "tokens per value" in profile.reason


def test_non_iso_strings_are_not_dates() -> None:
    frame = pd.DataFrame({"d": ["12/03/2024", "hello", "2024-01-05"] * 20, "y": [0, 1] * 30})
    assert infer_column_kinds(frame, target="y") == {"d": K.CATEGORICAL}


def test_overrides_win() -> None:
    kinds = infer_column_kinds(
        mixed_frame(), target="y", overrides={"region_code": "numeric", "row": "numeric"}
    )
    assert kinds["region_code"] == K.NUMERIC and kinds["row"] == K.NUMERIC
    profile = profile_columns(mixed_frame(), target="y", overrides={"row": "numeric"})["row"]
    assert profile.reason == "override"


def test_override_of_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(UsageError) as info:
        infer_column_kinds(mixed_frame(), target="y", overrides={"title": "txt"})
    assert str(info.value) == (
        "unknown column kind 'txt' for column 'title'; use one of numeric, category_code, "
        "categorical, text, datetime, identifier, constant"
    )


def test_override_of_unknown_column() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5], "y": [0, 1]})
    with pytest.raises(
        UsageError, match=r"^column kind override names unknown column 'b'; use one of a$"
    ):
        infer_column_kinds(frame, target="y", overrides={"b": "text"})


def test_missing_target_is_a_data_error() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5], "y": [0, 1]})
    with pytest.raises(
        DataError, match=r"^target column 'label' is not in the data; use one of a, y$"
    ):
        infer_column_kinds(frame, target="label")
