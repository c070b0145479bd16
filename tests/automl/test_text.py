"""Text-derived features: word counts, is-English and sentiment on English and German text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agileds.automl import (
    ENGLISH_STOP_WORDS,
    GERMAN_STOP_WORDS,
    ColumnKind,
    TextFeatures,
    build_preprocessor,
    infer_column_kinds,
    text_feature_array,
    text_features,
)
from agileds.automl._text import tokenize
from agileds.automl._transformers import TextDerivedFeatures
from agileds.data._demo import _NOTES, _PHRASES
from tests.automl.test_columns import mixed_frame

# The seed talk's table (word count, without stop words, is English, sentiment). Two rows
# differ from it on purpose: "um den heißen Brei herumreden" has 5 words, not 6, and 3
# without stop words, not 4 (6 and 4 are what an ASCII-only tokeniser gets by splitting
# "heißen" into "hei" and "en"); "We'll cross that bridge when we come to it" has 9 words,
# not 7. "Alles hat ein Ende, nur die Wurst hat zwei" keeps 3 words without stop words,
# not 4: "alles", "hat", "ein", "nur" and "die" are all German stop words (NLTK's list).
SEED = [
    ("A blessing in disguise", (4, 2, 1, 1.0)),
    ("Time flies when you're having fun", (6, 3, 1, 1.0)),
    ("Alles hat ein Ende, nur die Wurst hat zwei", (9, 3, 0, 0.0)),
    ("um den heißen Brei herumreden", (5, 3, 0, -1.0)),
    ("We'll cross that bridge when we come to it", (9, 3, 1, 0.0)),
    ("You can say that again", (5, 1, 1, 0.0)),
    ("Your guess is as good as mine", (7, 3, 1, 0.0)),
]
MORE = [
    ("Not interested at the moment", (5, 2, 1, -1.0)),
    ("Great call, but the pricing is too expensive", (8, 4, 1, 0.0)),
    ("Champion is excited, budget approved!", (5, 4, 1, 1.0)),
    ("Kein Interesse im Moment", (4, 2, 0, -1.0)),
    ("Sehr interessiert an einer Pilotphase", (5, 2, 0, 1.0)),
    ("Zu teuer, aber sehr gutes Gespräch", (6, 3, 0, 0.0)),
    ("Kunde ist nicht zufrieden", (4, 2, 0, -1.0)),
]


@pytest.mark.parametrize(("text", "expected"), SEED + MORE)
def test_four_features_of_english_and_german_sentences(text: str, expected: tuple) -> None:
    assert text_features(text) == TextFeatures(*expected)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT, "", "   ", "\t\n", "42 %"])
def test_missing_blank_and_wordless_text_give_zeros(missing: object) -> None:
    assert text_features(missing) == TextFeatures(0, 0, 0, 0.0)


def test_tokens_are_lowercased_letter_runs_with_inner_apostrophes() -> None:
    text = "Don’t SPLIT Größe-Angaben: 25 users' data, c'est ça"
    assert tokenize(text) == ["don't", "split", "größe", "angaben", "users", "data", "c'est", "ça"]


def test_german_letters_or_more_german_stop_words_are_not_english() -> None:
    assert text_features("Müller wants a call").is_english == 0
    assert text_features("Termin in der Woche").is_english == 0  # "in" is in both lists
    assert text_features("Pricing in the quote").is_english == 1
    assert text_features("Onboarding Workshop").is_english == 1  # no evidence either way


def test_stop_word_lists_are_small_and_lowercase() -> None:
    assert 150 < len(ENGLISH_STOP_WORDS) < 300 and 150 < len(GERMAN_STOP_WORDS) < 300
    for word in ENGLISH_STOP_WORDS | GERMAN_STOP_WORDS:
        assert word == word.lower() and tokenize(word) == [word]


@pytest.mark.parametrize(("language", "label"), sorted(_PHRASES))
def test_every_demo_phrase_gets_its_language_and_sentiment(language: str, label: int) -> None:
    for phrase in _PHRASES[language, label]:
        for note in ("", *_NOTES[language]):
            text = f"{phrase.format(n=25)}. {note}" if note else phrase.format(n=25)
            features = text_features(text)
            assert features.is_english == (language == "en"), text
            assert np.sign(features.sentiment) == label, text


def test_array_matches_one_by_one_and_caches_repeats() -> None:
    texts = [t for t, _ in SEED] * 3 + [None, "  ", float("nan")]
    array = text_feature_array(np.asarray(texts, dtype=object))
    assert array.shape == (len(texts), 4) and array.dtype == float
    assert array.tolist() == [list(text_features(t)) for t in texts]
    assert text_feature_array([]).shape == (0, 4)


def test_transformer_names_and_missing_flag() -> None:
    frame = pd.DataFrame({"note": ["Great call", None], "memo": ["", "Zu teuer"]})
    derived = TextDerivedFeatures(indicator=True).fit(frame)
    assert list(derived.get_feature_names_out()) == [
        "note_word_count", "note_word_count_no_stop", "note_is_english", "note_sentiment",
        "note_missing", "memo_word_count", "memo_word_count_no_stop", "memo_is_english",
        "memo_sentiment", "memo_missing",
    ]  # fmt: skip
    np.testing.assert_array_equal(
        derived.transform(frame),
        [[2, 2, 1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 2, 1, 0, -1, 0]],
    )
    assert TextDerivedFeatures().fit_transform(frame).shape == (2, 8)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return mixed_frame().drop(columns="y")


@pytest.fixture(scope="module")
def kinds(frame: pd.DataFrame) -> dict[str, ColumnKind]:
    return infer_column_kinds(frame.assign(y=0), target="y")


def derived_names(kinds, frame, **params: object) -> list[str]:
    pre = build_preprocessor(kinds, params, family="random_forest").fit(frame)
    return [n for n in pre.get_feature_names_out() if n.startswith("text_derived__")]


def test_text_derived_branch_follows_the_switches(frame, kinds) -> None:
    four = [f"text_derived__description_{name}" for name in ("word_count", "word_count_no_stop")]
    assert derived_names(kinds, frame)[:2] == four
    assert len(derived_names(kinds, frame)) == 4  # hashing flags the nulls already
    assert derived_names(kinds, frame, text_derived=False) == []
    alone = derived_names(kinds, frame, text_features="off")
    assert alone[-1] == "text_derived__description_missing"


def test_text_derived_alone_flags_blanks_as_missing(frame, kinds) -> None:
    pre = build_preprocessor(kinds, {"text_features": "off"}, family="hist_gradient_boosting")
    X = pre.fit_transform(frame)
    names = list(pre.get_feature_names_out())
    assert X[:, names.index("text_derived__description_missing")].sum() == 10
    words = X[:, names.index("text_derived__description_word_count")]
    assert (words[:10] == 0).all() and (words[10:] >= 4).all()
    assert not any(n.startswith("text__") for n in names)


def test_text_columns_are_dropped_when_both_text_options_are_off(frame, kinds) -> None:
    pre = build_preprocessor(
        kinds, {"text_features": "off", "text_derived": False}, family="random_forest"
    )
    assert not any("description" in n for n in pre.fit(frame).get_feature_names_out())
