"""Follow-up tickets an investigation proposes from its findings, and filing them once.

The rules and their value/effort heuristics (also in docs/investigations.md):

* **Retrain** (story) when the primary metric dropped materially: its 95% interval on the
  batch lies wholly on the worse side of the evaluation value, or the drop exceeds 0.03.
  Value: the relative drop in percent (0.86 to 0.79 is 8), between 2 and 13; effort 3.
  Criteria: the new version beats production on the same holdout with confidence, and no
  feature leaks.
* **Investigate feature X** (spike) for the most drifted input column with major drift
  (PSI over 0.25). Value: 2 plus ten times X's share of the model's importance, between 2
  and 8; effort 2. The spike's sweep switches X on and off (when X is not in an optional
  group already), so it shows whether the model is better off without it.
* **Fix data quality of column Y** (bug) for up to two input columns whose null or
  blank-text rate rose by 5 points or more. Value: 2 plus twenty times the rise, between 2
  and 8; effort 1.
* **Stop feature X leaking the label** (bug) for a model input the leak re-check flags on
  the batch. Value 8, effort 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agileds.reports import DriftRow, FollowUp

__all__ = ["Evidence", "file_followups", "propose_followups"]

_QUALITY_JUMP = 0.05
_MAX_QUALITY = 2


@dataclass(frozen=True)
class Evidence:
    """What the follow-up rules look at: the investigation's findings.

    Attributes:
        investigation: The parent ticket, e.g. ``INV-1``.
        model: The registered model.
        experiment: The experiment spec the follow-ups run with, when known.
        metric: The primary metric.
        direction: ``maximize`` or ``minimize``.
        batch: The investigated data, as shown.
        baseline: The metric at evaluation.
        current: The metric on the batch.
        material_drop: Whether the drop is material (see the module docstring).
        drift: Per-feature drift, most drifted first.
        importance: Permutation importance per input column on the reference.
        quality_reference: Null and blank rates of the reference.
        quality_batch: The same rates on the batch.
        leaks: Model inputs the leak re-check flags on the batch.
        optional_columns: Columns already in an optional feature group of the spec.
    """

    investigation: str
    model: str
    experiment: str | None
    metric: str
    direction: str
    batch: str
    baseline: float | None = None
    current: float | None = None
    material_drop: bool = False
    drift: Sequence[DriftRow] = ()
    importance: Mapping[str, float] = field(default_factory=dict)
    quality_reference: Mapping[str, float] = field(default_factory=dict)
    quality_batch: Mapping[str, float] = field(default_factory=dict)
    leaks: Sequence[str] = ()
    optional_columns: frozenset[str] = frozenset()


def propose_followups(evidence: Evidence) -> list[FollowUp]:
    """The follow-ups the findings call for, in the order of the module docstring's rules."""
    proposed = [
        *_retrain(evidence),
        *_investigate_feature(evidence),
        *_fix_quality(evidence),
        *_stop_leaks(evidence),
    ]
    return proposed


def _clamp(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(value))))


def _better(evidence: Evidence) -> str:
    """A criterion: the new version beats production with confidence."""
    m = evidence.metric
    return f"delta.{m}.ci_low > 0" if evidence.direction == "maximize" else f"delta.{m}.ci_high < 0"


def _no_regression(evidence: Evidence) -> str:
    m = evidence.metric
    if evidence.direction == "maximize":
        return f"delta.{m}.ci_low > -0.005"
    return f"delta.{m}.ci_high < 0.005"


def _draft(evidence: Evidence, **fields: Any) -> FollowUp:
    return FollowUp(
        parent=evidence.investigation,
        model=evidence.model,
        experiment=evidence.experiment,
        **fields,
    )


def _drift_words(evidence: Evidence) -> str:
    major = [d for d in evidence.drift if d.band == "major"]
    if not major:
        return "no input column drifted a lot (concept drift: the label's relation changed)"
    return "drifted: " + ", ".join(f"{d.column} (PSI {d.psi:.2f})" for d in major[:5])


def _retrain(evidence: Evidence) -> list[FollowUp]:
    base, now = evidence.baseline, evidence.current
    if not evidence.material_drop or base is None or now is None:
        return []
    drop = abs(now - base)
    relative = 100 * drop / abs(base) if base else 100 * drop
    m = evidence.metric
    reason = f"{m} {base:.4f} at evaluation, {now:.4f} on the batch; {_drift_words(evidence)}"
    description = (
        f"{evidence.investigation} found {evidence.model}'s {m} at {now:.4f} on "
        f"{evidence.batch}, against {base:.4f} at evaluation; {_drift_words(evidence)}. "
        f"Add the labelled rows of {evidence.batch} (and newer data) to the experiment's "
        "data, run this story, and promote the new version if it beats production."
    )
    return [
        _draft(
            evidence,
            type="story",
            title=f"Retrain {evidence.model} on recent data",
            value=float(_clamp(relative, 2, 13)),
            effort=3.0,
            reason=reason,
            description=description,
            acceptance=(_better(evidence), "leakage_flags == 0"),
        )
    ]


def _importance_share(evidence: Evidence, column: str) -> float:
    positive = {k: v for k, v in evidence.importance.items() if v > 0}
    total = sum(positive.values())
    return positive.get(column, 0.0) / total if total > 0 else 0.0


def _investigate_feature(evidence: Evidence) -> list[FollowUp]:
    major = [d for d in evidence.drift if d.band == "major"]
    if not major:
        return []
    top = major[0]
    share = _importance_share(evidence, top.column)
    reason = f"PSI {top.psi:.2f} ({top.kind}); {share:.0%} of the model's importance"
    description = (
        f"{evidence.investigation} found the distribution of {top.column} shifted on "
        f"{evidence.batch} (PSI {top.psi:.2f}, over the 0.25 of major drift); it carries "
        f"{share:.0%} of {evidence.model}'s permutation importance. "
        f"Find the cause (an upstream change, a new category, a unit) and whether the model "
        f"is better off without {top.column}: this spike's sweep switches it on and off."
    )
    return [
        replace(
            _draft(
                evidence,
                type="spike",
                title=f"Investigate feature {top.column}",
                value=float(_clamp(2 + 10 * share, 2, 8)),
                effort=2.0,
                reason=reason,
                description=description,
                acceptance=(
                    f"delta.{evidence.metric} >= 0"
                    if evidence.direction == "maximize"
                    else f"delta.{evidence.metric} <= 0",
                    f"Cause of the shift in {top.column} written up",
                ),
            ),
            sweep=_toggle(evidence, top.column),
        )
    ]


def _toggle(evidence: Evidence, column: str) -> dict[str, Any]:
    if column in evidence.optional_columns:
        return {}
    return {"features": {"optional": {f"drifted_{column}": [column]}}}


def _fix_quality(evidence: Evidence) -> list[FollowUp]:
    jumps = []
    for name, value in evidence.quality_batch.items():
        rise = value - evidence.quality_reference.get(name, 0.0)
        if rise >= _QUALITY_JUMP:
            jumps.append((rise, name, value))
    jumps.sort(key=lambda j: -j[0])
    seen: set[str] = set()
    out = []
    for rise, name, value in jumps:
        measure, _, column = name.partition(".")
        if column in seen or len(seen) >= _MAX_QUALITY:
            continue
        seen.add(column)
        before = evidence.quality_reference.get(name, 0.0)
        words = measure.replace("_", " ")
        check = (
            f"{name} == 0"
            if measure == "blank_text_rate"
            else f"{name} <= {math.ceil(round((before + 0.01) * 100, 6)) / 100:g}"
        )
        out.append(
            _draft(
                evidence,
                type="bug",
                title=f"Fix data quality of column {column}",
                value=float(_clamp(2 + 20 * rise, 2, 8)),
                effort=1.0,
                reason=f"{words} {before:.1%} in the reference, {value:.1%} on the batch",
                description=(
                    f"{evidence.investigation} found the {words} of {column} at {value:.1%} on "
                    f"{evidence.batch}, against {before:.1%} in the training data. Find where "
                    "the values get lost upstream and fix the feed or the preprocessing."
                ),
                acceptance=(check, _no_regression(evidence)),
            )
        )
    return out


def _stop_leaks(evidence: Evidence) -> list[FollowUp]:
    return [
        _draft(
            evidence,
            type="bug",
            title=f"Stop feature {column} leaking the label",
            value=8.0,
            effort=1.0,
            reason="the leak re-check flags it on the batch",
            description=(
                f"{evidence.investigation}'s leak re-check flags {column} on {evidence.batch}: "
                "it is known only after the outcome. Drop it from the experiment "
                "(data.drop) or fix how it is filled."
            ),
            acceptance=("leakage_flags == 0", _no_regression(evidence)),
        )
        for column in evidence.leaks
    ]


def _key(parent: str | None, title: str) -> tuple[str, str]:
    return (parent or "").upper(), " ".join(title.split()).casefold()


def file_followups(backlog: Any, followups: Sequence[FollowUp]) -> list[FollowUp]:
    """File each follow-up in ``backlog`` unless a ticket with its parent and title exists.

    Each new ticket is written atomically (``Backlog.create``). Returns the follow-ups with
    ``filed_as`` set to the new or the existing ticket's ID.
    """
    existing = {_key(t.parent, t.title): t.id for t in backlog.load(check_criteria=False).tickets}
    filed = []
    for followup in followups:
        key = _key(followup.parent, followup.title)
        if key not in existing:
            ticket = backlog.create(followup.type, followup.title, **followup.ticket_fields())
            existing[key] = ticket.id
        filed.append(replace(followup, filed_as=existing[key]))
    return filed
