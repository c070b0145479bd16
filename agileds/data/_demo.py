"""Deterministic synthetic CRM lead-scoring data: the demo's training set and monitoring batches.

Every lead is a prospect in the CRM of one of 40 tenants (``customer_id``); the label
``is_closed`` says whether the deal was won. The generator is plain vectorised numpy, so a
million rows take under two seconds, and a fixed ``seed`` gives the same frame (and the same
CSV bytes) every time.

Planted, for later tickets to find:

* **Signal.** The log-odds of ``is_closed`` add up: log ``annual_revenue`` (+1.2 per
  standard deviation), ``title`` seniority (Intern -1.6, Analyst -0.9, Manager -0.2,
  Consultant 0, Director +0.4, Vice President +0.9, Senior VP +1.4, Chairperson +1.6,
  CEO +1.8), ``lead_source`` (cold_call -1.2, web 0, event +0.5, partner +1.0, referral
  +1.7), a non-linear bump in ``days_open`` (+1 around 30 days, down to -1 below a week and
  after a few months), the sentiment of ``description`` (+-1.2; positive phrases say
  "interested", "excited", "approved", "great", "begeistert", "interessiert",
  "freigegeben", negative ones "not interested", "frozen", "unhappy", "too expensive",
  "kein Interesse", "zu teuer", "unzufrieden"), a longer description (+0.4 when a follow-up
  note is appended), a small ``industry`` effect (+-0.5) and a per-customer effect
  (standard deviation 0.8). About 32% of leads close. A gradient-boosting model on the
  plain columns (categories ordinal-encoded, description as a word count) reaches an auROC
  of about 0.81 when trained on 4,000 rows, 0.84 on 20,000, and a few points more with the
  description's sentiment; ``employees`` only echoes revenue and ``created_at`` carries no
  signal.
* **Leak.** ``deal_stage_final`` is the stage the deal ended in (``closed_won``,
  ``closed_lost``, ``disqualified``), known only after the fact: it equals the label in
  99% of rows (``leak_noise``), so a model using it reaches an auROC above 0.99.
* **Hidden nulls.** About 8% of ``description`` values (``blank_rate``) are blank: the empty
  string or whitespace only. They mean "no description" and should be nulls. (After a CSV
  round trip pandas reads the empty ones as NaN, the whitespace-only ones stay strings.)
  About 6% of ``annual_revenue`` values are real nulls.
* **Language.** About a quarter of descriptions are German; language itself carries no
  signal, but a text feature built for English only loses the German sentiment.
* **Drift** (``drift`` from 0 to 1; ``batch_2.csv`` uses 1): revenue shifts up by 0.6 in log
  space, a new lead source ``chatbot`` (-0.4) takes 15% of leads, the German share grows
  by 30 points, and the revenue effect on the label falls to a quarter, so a model trained
  on ``leads.csv`` loses about 8 points of auROC on that batch.

Dates: batch 0 spans 2023-01-01 to 2024-12-30; batch ``k >= 1`` covers the 91 days from
2025-01-01 plus ``91 * (k - 1)`` days. Rows are ordered by ``created_at`` and ``lead_id``
(``L{batch}-000000``, ...) follows that order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from agileds._io import atomic_write
from agileds.errors import UsageError

__all__ = ["make_leads", "write_demo_data"]

_N_CUSTOMERS = 40
_TRAIN_START = np.datetime64("2023-01-01")
_TRAIN_DAYS = 730
_BATCH_START = np.datetime64("2025-01-01")
_BATCH_DAYS = 91

_REVENUE_LOG_MEAN = float(np.log(5e6))
_REVENUE_LOG_SD = 1.3
_REVENUE_NULL_RATE = 0.06
_INTERCEPT = -1.9
_REVENUE_EFFECT = 1.2
_CUSTOMER_EFFECT_SD = 0.8

# (value, share in batch 0, effect on the log-odds of a win)
_TITLES = (
    ("CEO", 0.05, 1.8),
    ("Chairperson", 0.03, 1.6),
    ("Senior VP", 0.07, 1.4),
    ("Vice President", 0.12, 0.9),
    ("Director", 0.18, 0.4),
    ("Consultant", 0.10, 0.0),
    ("Manager", 0.25, -0.2),
    ("Analyst", 0.15, -0.9),
    ("Intern", 0.05, -1.6),
)
_INDUSTRIES = (
    ("Software", 0.22, 0.3),
    ("Finance", 0.16, 0.2),
    ("Healthcare", 0.12, 0.0),
    ("Retail", 0.14, -0.2),
    ("Manufacturing", 0.14, 0.0),
    ("Education", 0.08, -0.3),
    ("Public Sector", 0.06, -0.5),
    ("Energy", 0.08, 0.2),
)
_SOURCES = (
    ("web", 0.35, 0.0),
    ("referral", 0.15, 1.7),
    ("event", 0.15, 0.5),
    ("partner", 0.12, 1.0),
    ("cold_call", 0.23, -1.2),
    ("chatbot", 0.00, -0.4),
)
_CHATBOT_SHARE = 0.15

# Descriptions: main phrases by (language, sentiment); "{n}" takes each of _SEATS.
_SEATS = (5, 10, 25, 50, 100, 250)
_PHRASES: dict[tuple[str, int], tuple[str, ...]] = {
    ("en", 1): (
        "A blessing in disguise",
        "Time flies when you're having fun",
        "Interested in a pilot for the sales team",
        "Great call, budget approved for {n} seats",
        "Champion is excited about the demo",
        "Ready to sign after legal review",
        "Strong fit, asked for a proposal for {n} users",
    ),
    ("en", 0): (
        "We'll cross that bridge when we come to it",
        "You can say that again",
        "Your guess is as good as mine",
        "Requested more information",
        "Downloaded the whitepaper",
        "Met at the trade fair",
        "Forwarded to procurement, about {n} users",
    ),
    ("en", -1): (
        "Not interested at the moment",
        "Budget frozen until next year",
        "Unhappy with pricing, comparing competitors",
        "No response after three follow-ups",
        "Complained about the slow onboarding",
        "Too expensive for {n} users",
    ),
    ("de", 1): (
        "Kunde wünscht ein Angebot für {n} Lizenzen",
        "Sehr interessiert an einer Pilotphase",
        "Budget ist freigegeben, Entscheidung bald",
        "Begeistert von der Demo",
        "Super Gespräch, will {n} Nutzer starten",
    ),
    ("de", 0): (
        "Alles hat ein Ende, nur die Wurst hat zwei",
        "Bittet um weitere Informationen",
        "Auf der Messe kennengelernt",
        "An den Einkauf weitergeleitet, etwa {n} Nutzer",
    ),
    ("de", -1): (
        "um den heißen Brei herumreden",
        "Kein Interesse im Moment",
        "Budget ist eingefroren",
        "Zu teuer, vergleicht mit Wettbewerbern",
        "Unzufrieden mit dem Preis für {n} Lizenzen",
    ),
}
_NOTES = {
    "en": ("Follow-up call next week", "Asked about the API", "Contact: Test User"),
    "de": ("Rückruf nächste Woche", "Fragt nach der Schnittstelle", "Kontakt: Test User"),
}
_SENTIMENT_SHARES = (0.25, 0.40, 0.35)  # negative, neutral, positive
_SENTIMENT_EFFECT = 1.2
_NOTE_RATE = 0.5
_NOTE_EFFECT = 0.4
_GERMAN_SHARE = 0.25
_BLANKS = (("", 0.3), (" ", 0.2), ("   ", 0.5))

_DEMO_FILES = (
    ("leads", "leads.csv", 4000, 0, 0.0),
    ("batch_1", "batch_1.csv", 1500, 1, 0.0),
    ("batch_2", "batch_2.csv", 1500, 2, 1.0),
)


def make_leads(
    n_rows: int = 4000,
    *,
    seed: int = 0,
    batch: int = 0,
    drift: float = 0.0,
    leak_noise: float = 0.01,
    blank_rate: float = 0.08,
) -> pd.DataFrame:
    """Generate one batch of synthetic CRM leads with a learnable label and planted faults.

    Args:
        n_rows: Number of leads.
        seed: Seed of the whole demo; the customers' effects depend on it alone.
        batch: 0 for the training period (two years from 2023), 1, 2, ... for the following
            quarters; batches draw independent rows.
        drift: 0 for the training distribution, 1 for the drift planted in ``batch_2.csv``
            (see the module docstring); values in between interpolate.
        leak_noise: Share of rows where ``deal_stage_final`` contradicts the label.
        blank_rate: Share of descriptions that are blank or whitespace only.

    Returns:
        One row per lead, ordered by ``created_at``, with the columns ``lead_id``,
        ``customer_id``, ``created_at``, ``annual_revenue``, ``employees``, ``days_open``,
        ``title``, ``industry``, ``lead_source``, ``description``, ``deal_stage_final`` and
        the label ``is_closed`` (0/1).

    Raises:
        UsageError: An argument is out of range.

    Example:
        >>> frame = make_leads(100, seed=1)
        >>> frame.shape
        (100, 12)
    """
    _check_arguments(n_rows, seed, batch, drift, leak_noise, blank_rate)
    rng = np.random.default_rng([seed, 1, batch])
    customer, customer_effect = _customers(rng, n_rows, seed)
    log_revenue = rng.normal(_REVENUE_LOG_MEAN + 0.6 * drift, _REVENUE_LOG_SD, n_rows)
    title, title_effect = _categorical(rng, _TITLES, n_rows)
    industry, industry_effect = _categorical(rng, _INDUSTRIES, n_rows)
    source, source_effect = _categorical(rng, _shifted_sources(drift), n_rows)
    days_open = _days_open(rng, n_rows)
    description, text_effect = _descriptions(rng, n_rows, drift, blank_rate)
    revenue_z = (log_revenue - _REVENUE_LOG_MEAN) / _REVENUE_LOG_SD
    logit = (
        _INTERCEPT
        + _REVENUE_EFFECT * (1.0 - 0.75 * drift) * revenue_z
        + title_effect
        + industry_effect
        + source_effect
        + _days_open_effect(days_open)
        + text_effect
        + customer_effect
    )
    label = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    columns = {
        "lead_id": _lead_ids(batch, n_rows),
        "customer_id": customer,
        "created_at": _created_at(rng, batch, n_rows),
        "annual_revenue": _revenue(rng, log_revenue),
        "employees": _employees(rng, log_revenue),
        "days_open": days_open,
        "title": title,
        "industry": industry,
        "lead_source": source,
        "description": description,
        "deal_stage_final": _final_stage(rng, label, leak_noise),
        "is_closed": label,
    }
    return pd.DataFrame(columns)


def write_demo_data(directory: str | Path, *, seed: int = 0) -> dict[str, Path]:
    """Write the demo's training data and monitoring batches as CSV files.

    ``leads.csv`` (4,000 rows, batch 0) trains the model; ``batch_1.csv`` (1,500 rows, the
    next quarter, same distribution) and ``batch_2.csv`` (1,500 rows, the quarter after, with
    drift 1) feed the monitor. The bytes depend only on ``seed``.

    Args:
        directory: Where to write; created with its parents when missing.
        seed: Seed passed to :func:`make_leads`.

    Returns:
        The written paths by name: ``leads``, ``batch_1``, ``batch_2``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, file_name, n_rows, batch, drift in _DEMO_FILES:
        frame = make_leads(n_rows, seed=seed, batch=batch, drift=drift)
        written[name] = _write_csv(frame, folder / file_name)
    return written


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` atomically, with the same bytes on every platform."""
    return atomic_write(path, frame.to_csv(index=False, lineterminator="\n"))


def _check_arguments(
    n_rows: int, seed: int, batch: int, drift: float, leak_noise: float, blank_rate: float
) -> None:
    """Raise UsageError for the first argument of make_leads that is out of range."""
    if n_rows < 1:
        raise UsageError(f"make_leads: n_rows must be at least 1, got {n_rows}")
    if seed < 0 or batch < 0:
        raise UsageError(f"make_leads: seed and batch must be >= 0, got {seed} and {batch}")
    if drift < 0:
        raise UsageError(f"make_leads: drift must be >= 0 (1 is batch_2's drift), got {drift}")
    for name, share in (("leak_noise", leak_noise), ("blank_rate", blank_rate)):
        if not 0 <= share <= 1:
            raise UsageError(f"make_leads: {name} must be between 0 and 1, got {share}")


def _categorical(
    rng: np.random.Generator, levels: tuple[tuple[str, float, float], ...], n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a categorical column and its log-odds effect from (value, share, effect) levels."""
    values = np.array([level[0] for level in levels], dtype=object)
    shares = np.array([level[1] for level in levels])
    effects = np.array([level[2] for level in levels])
    codes = rng.choice(len(levels), size=n_rows, p=shares / shares.sum())
    return values[codes], effects[codes]


def _shifted_sources(drift: float) -> tuple[tuple[str, float, float], ...]:
    """Lead sources with ``chatbot`` taking its drifted share from all others."""
    chatbot = min(_CHATBOT_SHARE * drift, 0.9)
    return tuple(
        (name, chatbot if name == "chatbot" else share * (1.0 - chatbot), effect)
        for name, share, effect in _SOURCES
    )


def _customers(rng: np.random.Generator, n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw skewed customer (tenant) ids and each row's customer effect, fixed per seed."""
    effects = np.random.default_rng([seed, 0, 1]).normal(0.0, _CUSTOMER_EFFECT_SD, _N_CUSTOMERS)
    weights = 1.0 / np.arange(1, _N_CUSTOMERS + 1) ** 0.9
    codes = rng.choice(_N_CUSTOMERS, size=n_rows, p=weights / weights.sum())
    names = np.array([f"C{k:03d}" for k in range(1, _N_CUSTOMERS + 1)], dtype=object)
    return names[codes], effects[codes]


def _days_open(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """Days the lead has been open: log-normal around a month, 1 to 720."""
    days = np.rint(rng.lognormal(np.log(35.0), 0.9, n_rows))
    return np.clip(days, 1, 720).astype(np.int64)


def _days_open_effect(days_open: np.ndarray) -> np.ndarray:
    """Non-linear effect: a bump around 30 days, cold below a week, stale after months."""
    distance = (np.log(days_open) - np.log(30.0)) / 0.55
    out: np.ndarray = 2.0 * np.exp(-0.5 * distance**2) - 1.0
    return out


def _descriptions(
    rng: np.random.Generator, n_rows: int, drift: float, blank_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Draw descriptions from the phrase pool and their effect: sentiment plus length."""
    german = rng.random(n_rows) < min(_GERMAN_SHARE + 0.3 * drift, 1.0)
    sentiment = rng.choice(np.array([-1, 0, 1]), size=n_rows, p=_SENTIMENT_SHARES)
    has_note = rng.random(n_rows) < _NOTE_RATE
    pool, offsets, n_mains, n_notes = _phrase_pool()
    group = german.astype(np.int64) * 3 + sentiment + 1
    main = np.floor(rng.random(n_rows) * n_mains[group]).astype(np.int64)
    note = np.floor(rng.random(n_rows) * n_notes[group]).astype(np.int64) + 1
    index = offsets[group] + main * (n_notes[group] + 1) + np.where(has_note, note, 0)
    text = pool[index]
    blank = rng.random(n_rows) < blank_rate
    blanks = np.array([value for value, _ in _BLANKS], dtype=object)
    blank_shares = np.array([share for _, share in _BLANKS])
    text[blank] = blanks[rng.choice(len(blanks), size=int(blank.sum()), p=blank_shares)]
    return text, _SENTIMENT_EFFECT * sentiment + _NOTE_EFFECT * has_note


def _phrase_pool() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every description as one flat pool, grouped by language and sentiment.

    Group ``g = 3 * is_german + sentiment + 1`` starts at ``offsets[g]`` and holds, for each
    of its ``n_mains[g]`` main phrases, the phrase alone and then with each of the
    ``n_notes[g]`` follow-up notes of its language.
    """
    pool: list[str] = []
    offsets, n_mains, n_notes = [], [], []
    for language in ("en", "de"):
        notes = _NOTES[language]
        for sentiment in (-1, 0, 1):
            mains = _expand(_PHRASES[language, sentiment])
            offsets.append(len(pool))
            n_mains.append(len(mains))
            n_notes.append(len(notes))
            for main in mains:
                pool.append(main)
                pool.extend(f"{main}. {note}" for note in notes)
    arrays = (np.array(offsets), np.array(n_mains), np.array(n_notes))
    return np.array(pool, dtype=object), *arrays


def _expand(phrases: tuple[str, ...]) -> list[str]:
    """Fill each ``{n}`` phrase with every seat count; keep the others once."""
    out: list[str] = []
    for phrase in phrases:
        seats = _SEATS if "{n}" in phrase else _SEATS[:1]
        out.extend(phrase.format(n=n) for n in seats)
    return out


def _revenue(rng: np.random.Generator, log_revenue: np.ndarray) -> np.ndarray:
    """Annual revenue in dollars, rounded to hundreds, with about 6% nulls."""
    revenue = np.round(np.exp(log_revenue), -2)
    revenue[rng.random(len(revenue)) < _REVENUE_NULL_RATE] = np.nan
    out: np.ndarray = revenue
    return out


def _employees(rng: np.random.Generator, log_revenue: np.ndarray) -> np.ndarray:
    """Head count: about one employee per $150,000 of revenue, at least 1."""
    log_employees = log_revenue - np.log(150_000.0) + rng.normal(0.0, 0.4, len(log_revenue))
    out: np.ndarray = np.maximum(np.rint(np.exp(log_employees)), 1).astype(np.int64)
    return out


def _created_at(rng: np.random.Generator, batch: int, n_rows: int) -> np.ndarray:
    """ISO creation dates of the batch's period, sorted ascending."""
    if batch == 0:
        start, span = _TRAIN_START, _TRAIN_DAYS
    else:
        start, span = _BATCH_START + _BATCH_DAYS * (batch - 1), _BATCH_DAYS
    days = np.datetime_as_string(start + np.arange(span), unit="D").astype(object)
    return days[np.sort(rng.integers(0, span, n_rows))]


def _lead_ids(batch: int, n_rows: int) -> np.ndarray:
    """Unique ids ``L{batch}-000000``, ``L{batch}-000001``, ... in row order."""
    width = max(6, len(str(n_rows - 1)))
    digits = np.strings.zfill(np.arange(n_rows).astype(np.dtypes.StringDType()), width)
    return np.strings.add(f"L{batch}-", digits).astype(object)


def _final_stage(rng: np.random.Generator, label: np.ndarray, leak_noise: float) -> np.ndarray:
    """The leak: the deal's final stage, which matches the label except in ``leak_noise``."""
    stages = np.array(["closed_lost", "disqualified", "closed_won"], dtype=object)
    shown = label.astype(bool) ^ (rng.random(len(label)) < leak_noise)
    lost = (rng.random(len(label)) >= 0.7).astype(np.int64)
    return stages[np.where(shown, 2, lost)]
