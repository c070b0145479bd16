"""Text-derived features: word counts, is-English and sentiment, for English and German text.

The four columns a data-science team adds to a free-text field by hand. Tokens are the
lowercased runs of letters (umlauts and ß included; an apostrophe inside a word keeps it
whole, as in ``you're``); digits and punctuation separate words. The word lists are small
and built in, so the features need no download and give the same numbers everywhere.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "ENGLISH_STOP_WORDS",
    "GERMAN_STOP_WORDS",
    "TEXT_FEATURES",
    "TextFeatures",
    "sentiment",
    "text_feature_array",
    "text_features",
    "tokenize",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH_STOP_WORDS: frozenset[str] = _words(
    """
    a about above after again against ain all am an and any are aren aren't as at be because
    been before being below between both but by can can't cannot could couldn couldn't d did
    didn didn't do does doesn doesn't doing don don't down during each few for from further had
    hadn hadn't has hasn hasn't have haven haven't having he he'd he'll he's her here here's
    hers herself him himself his how how's i i'd i'll i'm i've if in into is isn isn't it it'd
    it'll it's its itself just let's ll m ma me mightn mightn't more most mustn mustn't my myself
    needn needn't no nor not now o of off on once only or other our ours ourselves out over own
    re s same shan shan't she she'd she'll she's should should've shouldn shouldn't so some such
    t than that that'll that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up us ve very was wasn
    wasn't we we'd we'll we're we've were weren weren't what what's when where which while who
    whom why will with won won't would wouldn wouldn't y you you'd you'll you're you've your
    yours yourself yourselves
    """
)
"""English stop words (NLTK's list with the common contractions)."""

GERMAN_STOP_WORDS: frozenset[str] = _words(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anders auch auf aus bei bin bis bist da damit dann das dass daß dein
    deine deinem deinen deiner deines dem demselben den denn denselben der derer derselbe
    derselben des desselben dessen dich die dies diese dieselbe dieselben diesem diesen dieser
    dieses dir doch dort du durch ein eine einem einen einer eines einig einige einigem einigen
    einiger einiges einmal er es etwas euch euer eure eurem euren eurer eures für gegen gewesen
    hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer
    ihres im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt
    kann kein keine keinem keinen keiner keines können könnte machen man manche manchem manchen
    mancher manches mein meine meinem meinen meiner meines mich mir mit muss musste nach nicht
    nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie
    sind so solche solchem solchen solcher solches soll sollte sondern sonst um und uns unser
    unsere unserem unseren unseres unter viel vom von vor war waren warst was weg weil weiter
    welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo
    wollen wollte während würde würden zu zum zur zwar zwischen über
    """
)
"""German stop words (NLTK's list)."""

#: Stop words of one language only: the evidence for that language.
_ENGLISH_ONLY = ENGLISH_STOP_WORDS - GERMAN_STOP_WORDS
_GERMAN_ONLY = GERMAN_STOP_WORDS - ENGLISH_STOP_WORDS
_GERMAN_LETTERS = frozenset("äöüß")

_POSITIVE = _words(
    """
    agreed amazing approve approved awesome benefit best better blessing brilliant champion
    convinced delighted eager easy enjoy enjoyed enthusiastic excellent excited exciting
    fantastic fun glad good great happy helpful impressed impressive interested interesting keen
    love loved nice perfect pleased positive promising ready recommend satisfied smooth strong
    success successful super thank thanks valuable win wonderful
    ausgezeichnet begeistert begeisterung bereit danke erfolg erfolgreich erfreut freigegeben
    freude froh genehmigt glücklich großartig gut gute guten guter gutes hervorragend interessant
    interesse interessiert klasse perfekt positiv prima spitze stark starke toll tolle wünscht
    zufrieden zugesagt überzeugt
    """
)
_NEGATIVE = _words(
    """
    angry annoyed awful bad cancel canceled cancelled complain complained complaining complaint
    concerned confusing costly declined delay delayed difficult disappointed disappointing
    dissatisfied expensive fail failed failure frozen frustrated hate horrible negative
    overpriced poor problem problems rejected sad slow terrible unclear unfortunately unhappy
    unresponsive unsatisfied worried worse worst
    abgelehnt abgesagt beschwerde beschwert eingefroren enttäuscht enttäuschend gekündigt
    gestoppt herumreden kompliziert langsam leider mangelhaft negativ problem probleme schlecht
    schlechte schlechter schrecklich schwierig storniert teuer unglücklich unzufrieden verloren
    verärgert ärgerlich
    """
)
#: A negation flips the next sentiment word within this many tokens ("not really interested").
_NEGATION_REACH = 3
_NEGATIONS = _words(
    """
    cannot can't didn't doesn't don't hardly isn't never no not wasn't without won't
    kein keine keinem keinen keiner keines nicht nie niemals ohne
    """
)
#: Phrases whose sentiment is not that of their words; they are read before single words.
_IDIOMS: dict[tuple[str, ...], int] = {
    ("as", "good", "as", "mine"): 0,
    ("beat", "around", "the", "bush"): -1,
    ("back", "to", "square", "one"): -1,
    ("no", "response"): -1,
    ("on", "hold"): -1,
    ("over", "the", "moon"): 1,
    ("piece", "of", "cake"): 1,
    ("under", "the", "weather"): -1,
    ("auf", "eis", "gelegt"): -1,
    ("hals", "und", "beinbruch"): 1,
    ("ins", "wasser", "gefallen"): -1,
    ("keine", "antwort"): -1,
    ("um", "den", "heißen", "brei"): -1,
}
_IDIOMS_BY_START: dict[str, list[tuple[tuple[str, ...], int]]] = {}
for _phrase, _score in sorted(_IDIOMS.items(), key=lambda item: -len(item[0])):
    _IDIOMS_BY_START.setdefault(_phrase[0], []).append((_phrase, _score))

#: Words without which a text has no sentiment (negations alone carry none).
_CUES = _POSITIVE | _NEGATIVE | frozenset(_IDIOMS_BY_START)
_RELEVANT = _CUES | _NEGATIONS

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")

TEXT_FEATURES = ("word_count", "word_count_no_stop", "is_english", "sentiment")
"""The derived features of one text field, in output order."""


class TextFeatures(NamedTuple):
    """The four derived features of one text.

    Attributes:
        word_count: Words in the text.
        word_count_no_stop: Words that are not stop words of the text's language.
        is_english: 1 when the text reads as English, else 0 (also for empty text).
        sentiment: From -1 (negative) over 0 (neutral or none) to 1 (positive):
            ``(positive - negative) / (positive + negative)`` sentiment words.
    """

    word_count: int
    word_count_no_stop: int
    is_english: int
    sentiment: float


def tokenize(text: str) -> list[str]:
    """Return the lowercased words of ``text``: runs of letters, inner apostrophes kept.

    Example:
        >>> tokenize("Time flies when you’re having fun!")
        ['time', 'flies', 'when', "you're", 'having', 'fun']
    """
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def text_features(text: Any) -> TextFeatures:
    """Return word count, word count without stop words, is-English and sentiment of ``text``.

    A text is English unless it has more German than English stop words, contains a
    German letter (ä, ö, ü, ß) or has no words. Stop words are those of the detected
    language. Missing values (None, NaN, ``pd.NA``) and blank strings give all zeros.

    Example:
        >>> text_features("A blessing in disguise")
        TextFeatures(word_count=4, word_count_no_stop=2, is_english=1, sentiment=1.0)
        >>> text_features("um den heißen Brei herumreden")
        TextFeatures(word_count=5, word_count_no_stop=3, is_english=0, sentiment=-1.0)
    """
    if not isinstance(text, str):
        return TextFeatures(0, 0, 0, 0.0) if _is_missing(text) else text_features(str(text))
    words = tokenize(text)
    english = _is_english(words, text)
    stop = ENGLISH_STOP_WORDS if english else GERMAN_STOP_WORDS
    content = len(words) - sum(map(stop.__contains__, words))
    return TextFeatures(len(words), content, int(english), sentiment(words))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, numbers.Real):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")  # pandas' markers, without pandas


def _is_english(words: list[str], text: str) -> bool:
    if not words or not _GERMAN_LETTERS.isdisjoint(text.lower()):
        return False
    english = sum(map(_ENGLISH_ONLY.__contains__, words))
    german = sum(map(_GERMAN_ONLY.__contains__, words))
    return german <= english


def sentiment(words: list[str]) -> float:
    """Return the sentiment of a token list in [-1, 1] (see :class:`TextFeatures`).

    Idioms are matched first; a negation ("not", "kein", ...) flips the next sentiment
    word within three tokens.

    Example:
        >>> sentiment(tokenize("Not interested at the moment"))
        -1.0
    """
    if _CUES.isdisjoint(words):
        return 0.0
    positive = negative = 0
    negated_until = read_until = -1
    for i in [i for i, word in enumerate(words) if word in _RELEVANT]:
        if i < read_until:  # inside an idiom already scored
            continue
        idiom = _idiom_at(words, i)
        if idiom is not None:
            read_until, score = i + idiom[0], idiom[1]
        elif words[i] in _NEGATIONS:
            negated_until = i + _NEGATION_REACH
            continue
        else:
            score = _word_score(words[i])
            if score and i <= negated_until:
                score, negated_until = -score, -1
        positive += score > 0
        negative += score < 0
    hits = positive + negative
    return (positive - negative) / hits if hits else 0.0


def _word_score(word: str) -> int:
    return 1 if word in _POSITIVE else -1 if word in _NEGATIVE else 0


def _idiom_at(words: list[str], i: int) -> tuple[int, int] | None:
    for phrase, score in _IDIOMS_BY_START.get(words[i], ()):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return len(phrase), score
    return None


def text_feature_array(values: Iterable[Any]) -> np.ndarray:
    """Return the :data:`TEXT_FEATURES` of many texts as a float array of shape ``(n, 4)``.

    Each distinct text is analysed once, so repetitive columns are cheap.

    Example:
        >>> text_feature_array(["You can say that again", None]).tolist()
        [[5.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    import numpy as np

    seen: dict[str, TextFeatures] = {}
    rows = []
    for value in values:
        if isinstance(value, str):
            features = seen.get(value)
            if features is None:
                features = seen[value] = text_features(value)
            rows.append(features)
        else:
            rows.append(text_features(value))
    return np.array(rows, dtype=float).reshape(len(rows), len(TEXT_FEATURES))
