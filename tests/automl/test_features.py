"""The feature pipeline: numeric output from mixed, messy columns; blanks, unseen values, dates."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.metrics import roc_auc_score

from agileds.automl import (
    ColumnKind,
    build_pipeline,
    build_preprocessor,
    feature_columns,
    infer_column_kinds,
)
from agileds.automl._transformers import BlankToNaN, DateFeatures, TextHasher, ToFloat
from agileds.data import make_leads
from agileds.errors import DataError, UsageError
from tests.automl.test_columns import mixed_frame

K = ColumnKind


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return mixed_frame().drop(columns="y")


@pytest.fixture(scope="module")
def kinds(frame: pd.DataFrame) -> dict[str, ColumnKind]:
    return infer_column_kinds(frame.assign(y=0), target="y")


def dense(X: object) -> np.ndarray:
    return X.toarray() if sparse.issparse(X) else np.asarray(X)  # type: ignore[attr-defined]


def names_of(kinds: dict[str, ColumnKind], frame: pd.DataFrame, **params: object) -> list[str]:
    pre = build_preprocessor(kinds, params, family="random_forest").fit(frame)
    return list(pre.get_feature_names_out())


@pytest.mark.parametrize("family", ["logistic", "random_forest", "hist_gradient_boosting"])
def test_output_is_finite_numbers_with_names(family: str, frame, kinds) -> None:
    pre = build_preprocessor(kinds, {}, family=family)
    X = pre.fit_transform(frame)
    if family != "logistic":
        assert isinstance(X, np.ndarray)
    assert X.shape[0] == len(frame)
    assert np.isfinite(dense(X)).all()
    assert len(pre.get_feature_names_out()) == X.shape[1]


def test_identifiers_and_constants_are_dropped(frame, kinds) -> None:
    names = names_of(kinds, frame)
    for column in ("lead_id", "row", "source_system"):
        assert not any(column in name for name in names)


def test_unseen_categories_and_new_nulls_at_transform(frame, kinds) -> None:
    pre = build_preprocessor(kinds, {}, family="hist_gradient_boosting").fit(frame)
    new = frame.head(20).copy()
    new["title"] = "Intern"
    new["customer_id"] = 99_999
    new["description"] = np.nan
    new.loc[new.index[:5], ["annual_revenue", "created_at", "region_code"]] = np.nan
    X = pre.transform(new)
    assert X.shape == (20, len(pre.get_feature_names_out()))
    assert np.isfinite(X).all()


def test_string_dtype_gives_the_same_features(frame, kinds) -> None:
    strings = frame.copy()
    for name in ("lead_id", "title", "description", "created_at", "source_system"):
        strings[name] = strings[name].astype(pd.StringDtype())
    pre = build_preprocessor(kinds, {}, family="random_forest")
    expected = pre.fit_transform(frame)
    np.testing.assert_array_equal(pre.fit_transform(strings), expected)


def test_integer_codes_match_with_and_without_nulls(frame, kinds) -> None:
    with_nulls = frame.assign(region_code=frame["region_code"].where(frame.index % 9 > 0))
    assert with_nulls["region_code"].dtype == float
    pre = build_preprocessor(kinds, {}, family="random_forest").fit(with_nulls)
    names = list(pre.get_feature_names_out())
    assert "categorical__region_code_3" in names
    assert "numeric__region_code" in names  # the code's value as well
    X = pre.transform(frame.head(50))
    code_3 = X[:, names.index("categorical__region_code_3")]
    np.testing.assert_array_equal(code_3, (frame["region_code"].head(50) == 3).to_numpy())


def test_blank_as_null_switches_blank_handling(frame, kinds) -> None:
    on = build_preprocessor(kinds, {}, family="random_forest")
    off = build_preprocessor(kinds, {"blank_as_null": False}, family="random_forest")
    names_on = list(on.fit(frame).get_feature_names_out())
    names_off = list(off.fit(frame).get_feature_names_out())
    assert "categorical__title_(missing)" in names_on
    assert "categorical__title_ " in names_off and "categorical__title_(missing)" not in names_off
    flag_on = on.transform(frame)[:, names_on.index("text__description_missing")]
    flag_off = off.transform(frame)[:, names_off.index("text__description_missing")]
    assert flag_on.sum() == 10 and flag_off.sum() == 0


@pytest.mark.parametrize("dtype", [object, pd.StringDtype(), "str"])
def test_blank_to_nan(dtype: object) -> None:
    column = pd.Series(["a", "", "   ", "\t", None, "b c"], dtype=dtype)  # type: ignore[call-overload]
    out = BlankToNaN().fit_transform(column.to_frame("note"))
    assert out["note"].isna().tolist() == [False, True, True, True, True, False]
    assert out["note"].dtype == object
    assert list(BlankToNaN().fit(column.to_frame("note")).get_feature_names_out()) == ["note"]


def test_to_float_coerces_nullable_strings_and_infinities() -> None:
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "b": pd.array([True, None, False, True], dtype="boolean"),
            "s": ["1.5", "x", "", np.inf],
        }
    )
    X = ToFloat().fit_transform(frame)
    np.testing.assert_array_equal(
        X, [[1, 1, 1.5], [np.nan, np.nan, np.nan], [3, 0, np.nan], [4, 1, np.nan]]
    )


def test_text_hasher_counts_tokens_and_survives_nan() -> None:
    docs = pd.DataFrame({"d": ["Kunde möchte Angebot", np.nan, None, "angebot angebot"]})
    X = TextHasher(n_features=16).fit_transform(docs).toarray()
    assert X.shape == (4, 17)
    assert X[:, :16].sum(axis=1).tolist() == [3, 0, 0, 2]
    assert X[:, 16].tolist() == [0, 1, 1, 0]


def test_text_hasher_tfidf_matches_scikit_learns_hashed_tfidf() -> None:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    train = ["Kunde möchte Angebot", "great product, great price", None, "angebot angebot bald"]
    test = ["great Angebot", "", np.nan, "nothing known here"]
    hasher = TextHasher(n_features=32, weighting="tfidf", indicator=False)
    ours = hasher.fit(pd.DataFrame({"d": train})).transform(pd.DataFrame({"d": test}))
    vectorizer = HashingVectorizer(
        n_features=32, alternate_sign=False, norm=None, ngram_range=(1, 2)
    )
    as_docs = [d if isinstance(d, str) else "" for d in train]
    idf = TfidfTransformer(sublinear_tf=True).fit(vectorizer.transform(as_docs))
    expected = idf.transform(vectorizer.transform([d if isinstance(d, str) else "" for d in test]))
    np.testing.assert_allclose(ours.toarray(), expected.toarray(), atol=1e-12)
    assert np.linalg.norm(ours.toarray()[0]) == pytest.approx(1.0)


def test_text_hasher_rejects_an_unknown_weighting() -> None:
    with pytest.raises(UsageError, match=r"weighting must be 'counts' or 'tfidf', got 'bm25'"):
        TextHasher(weighting="bm25").fit(pd.DataFrame({"d": ["a b"]}))


def test_text_off_and_hashing_size(frame, kinds) -> None:
    assert not any(n.startswith("text__") for n in names_of(kinds, frame, text_features="off"))
    hashed = [n for n in names_of(kinds, frame, hashing_size=64) if "_hash" in n]
    assert len(hashed) == 64


def test_top_k_keeps_the_most_frequent_values(frame, kinds) -> None:
    names = names_of(kinds, frame, top_k=5)
    customers = [n for n in names if n.startswith("categorical__customer_id_")]
    assert len(customers) == 6 and "categorical__customer_id_infrequent_sklearn" in customers


def test_dates_age_from_the_latest_date_seen_in_fit() -> None:
    train = pd.DataFrame({"d": ["2024-03-01", "2024-03-11", None]})
    parts = DateFeatures().fit(train)
    assert parts.reference_date_ == "2024-03-11T00:00:00"
    later = parts.transform(pd.DataFrame({"d": ["2024-03-01", "2025-03-11"]}))
    assert later[:, 0].tolist() == [10.0, -365.0]
    assert later[0, 1:].tolist() == [4.0, 3.0, 0.0]  # a Friday in March, not missing


def test_dates_age_from_a_fixed_reference_date() -> None:
    parts = DateFeatures(reference_date="2030-01-01").fit(pd.DataFrame({"d": ["2029-12-31"]}))
    assert parts.transform(pd.DataFrame({"d": ["2029-12-31", "  "]}))[:, 0][0] == 1.0
    with pytest.raises(UsageError, match=r"^reference_date must be a date, got 'soon'"):
        DateFeatures(reference_date="soon").fit(pd.DataFrame({"d": ["2029-12-31"]}))


def test_linear_family_scales_numbers(frame, kinds) -> None:
    pre = build_preprocessor({"employees": K.NUMERIC}, {}, family="logistic")
    scaled = dense(pre.fit_transform(frame))[:, 0]
    assert abs(scaled.mean()) < 1e-9 and scaled.std() == pytest.approx(1.0)
    raw = build_preprocessor({"employees": K.NUMERIC}, {}, family="random_forest")
    assert raw.fit_transform(frame)[:, 0].tolist() == frame["employees"].tolist()


def test_feature_columns_leave_out_groups_that_are_off(kinds) -> None:
    groups = {"text": ["description"], "crm": ["customer_id", "title"]}
    used = feature_columns(kinds, {"text": False, "crm": True}, groups)
    assert used == [
        "customer_id", "region_code", "employees", "annual_revenue", "is_partner", "title",
        "created_at", "updated",
    ]  # fmt: skip
    assert "description" in feature_columns(kinds, {}, groups)


def test_feature_columns_errors(kinds) -> None:
    with pytest.raises(UsageError, match=r"^unknown feature group 'txt'; use one of text$"):
        feature_columns(kinds, {"txt": False}, {"text": ["description"]})
    with pytest.raises(UsageError, match=r"^feature group 'text' names unknown column 'desc';"):
        feature_columns(kinds, {}, {"text": ["desc"]})


def test_no_usable_columns_is_a_data_error(kinds) -> None:
    with pytest.raises(DataError, match=r"^no usable feature columns among lead_id, row;"):
        build_preprocessor({"lead_id": K.IDENTIFIER, "row": K.IDENTIFIER}, {}, family="logistic")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"text_features": "bm25"},
            "text_features must be one of hashing, tfidf, off, got 'bm25'",
        ),
        ({"top_k": 0}, "top_k must be a positive integer, got 0; use e.g. 20"),
    ],
)
def test_bad_preprocessing_params(kinds, params: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as info:
        build_preprocessor(kinds, params, family="logistic")
    assert str(info.value) == message


def test_pipeline_rejects_a_column_without_kind(kinds) -> None:
    with pytest.raises(UsageError, match=r"^column 'nope' has no kind; use one of lead_id, "):
        build_pipeline(kinds, {}, "logistic", "binary", ["title", "nope"])


def test_pipeline_ignores_extra_and_reordered_columns(frame, kinds) -> None:
    columns = feature_columns(kinds, {}, {})
    y = (frame["employees"] > frame["employees"].median()).astype(int)
    model = build_pipeline(kinds, {}, "random_forest", "binary", columns).fit(frame, y)
    reordered = frame[list(reversed(frame.columns))].assign(extra=1)
    np.testing.assert_array_equal(model.predict(reordered), model.predict(frame))


def test_bucketing_adds_quantile_bins_per_numeric_column(frame, kinds) -> None:
    plain = names_of(kinds, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # merged bins of a 0/1 column are expected, not warned
        binned = names_of(kinds, frame, bucketing=True)
    buckets = [n for n in binned if n.startswith("buckets__")]
    assert binned[: len(plain)] == plain and binned[len(plain) :] == buckets
    per_column = {c: sum(n.startswith(f"buckets__{c}_") for n in buckets) for c in kinds}
    assert per_column["employees"] == per_column["annual_revenue"] == 8
    assert 1 <= per_column["is_partner"] <= 2  # the quantiles of a flag collapse
    assert per_column["region_code"] == 0  # integer codes are categories already
    assert (
        len([n for n in names_of(kinds, frame, bucketing=True, n_bins=4) if "buckets__e" in n]) == 4
    )


def test_buckets_one_hot_the_quantiles(frame, kinds) -> None:
    pre = build_preprocessor({"employees": K.NUMERIC}, {"bucketing": True}, family="logistic")
    X = dense(pre.fit_transform(frame))
    bins = X[:, 1:]  # after the scaled value (no nulls, so no null flag)
    assert bins.shape[1] == 8 and (bins.sum(axis=1) == 1).all()
    assert np.allclose(bins.mean(axis=0), 1 / 8, atol=0.02)


def test_all_options_on_fit_the_demo_leads() -> None:
    leads = make_leads(1500)
    y = leads.pop("is_closed")
    kinds = infer_column_kinds(leads.assign(y=y), target="y", drop=["deal_stage_final"])
    on = {"text_derived": True, "bucketing": True, "hashing_size": 64}
    for family, calibration in (("logistic", "sigmoid"), ("hist_gradient_boosting", "isotonic")):
        params = {**on, "calibration": calibration, "hist_gradient_boosting.max_iter": 30}
        columns = feature_columns(kinds, {}, {})
        model = build_pipeline(kinds, params, family, "binary", columns).fit(leads[:1200], y[:1200])
        names = list(model[0].get_feature_names_out())
        assert "text_derived__description_sentiment" in names
        assert "buckets__annual_revenue_7.0" in names
        proba = model.predict_proba(leads[1200:])[:, 1]
        assert proba.shape == (300,) and roc_auc_score(y[1200:], proba) > 0.7


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_bins": 1}, "n_bins must be an integer of at least 2, got 1; use 8"),
        ({"bucketing": "yes"}, "bucketing must be true or false, got 'yes'"),
        ({"text_derived": 1}, "text_derived must be true or false, got 1"),
    ],
)
def test_bad_new_preprocessing_params(kinds, params: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as info:
        build_preprocessor(kinds, params, family="random_forest")
    assert str(info.value) == message
