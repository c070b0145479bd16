"""The measurements of an investigation, step by step: score the batch and the reference,
then metrics, segments and time buckets, drift, data quality, importance, the leak re-check
and the worst rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError
from agileds.reports import DriftRow, SegmentRow, TimeRow
from agileds.runners._diagnostics import (
    MATERIAL_DROP,
    Scored,
    is_worse,
    metric_drop,
    metric_with_interval,
    segment_rows,
    time_rows,
    worst_rows,
)
from agileds.runners._subject import Subject

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from agileds.sweeps import ExperimentSpec

__all__ = ["IMPORTANCE_ROWS", "Findings", "Investigator"]

IMPORTANCE_ROWS = 500
"""Rows sampled from each side for the permutation importances."""


@dataclass
class Findings:
    """What the investigation measured, filled in step by step."""

    current: dict[str, float] = field(default_factory=dict)
    baseline: float | None = None
    baseline_source: str = ""
    drop: float | None = None
    material: bool = False
    segments: list[SegmentRow] = field(default_factory=list)
    timeline: list[TimeRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    score_psi: float | None = None
    importance_reference: dict[str, float] = field(default_factory=dict)
    importance_batch: dict[str, float] | None = None
    quality_reference: dict[str, float] = field(default_factory=dict)
    quality_batch: dict[str, float] = field(default_factory=dict)
    sanity: list[dict[str, Any]] = field(default_factory=list)
    worst: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def leaks(self) -> list[str]:
        """Model inputs the leak re-check newly flags on the batch."""
        return [row["column"] for row in self.sanity if row["check"] == "leak"]


class Investigator:
    """Measures one subject (model version and batch) with one experiment's settings.

    Args:
        subject: What is investigated (:func:`agileds.runners._subject.load_subject`).
        spec: The experiment: segment and time columns, seed, sanity thresholds, kinds.
        say: Where one-line progress messages go.
    """

    def __init__(self, subject: Subject, spec: ExperimentSpec, say: Callable[[str], None]) -> None:
        from agileds.tracking import used_columns

        self.subject, self.spec, self.say = subject, spec, say
        # Drift, quality and importance tables leave out the columns the model never reads.
        self.used = used_columns(subject.model, subject.inputs)

    def measure(self) -> Findings:
        s, findings = self.subject, Findings(notes=list(self.subject.notes))
        batch, reference = self._scored_batch(), self._scored_holdout()
        labelled = _with_class_labels(batch.subset(_labelled(batch)), s.classes)
        if s.labelled:
            self.say("measuring metrics with bootstrap intervals, per segment and over time")
            self._metrics(findings, labelled, reference)
            self._slices(findings, labelled, reference)
        self.say("measuring drift per feature and data quality")
        self._drift(findings, batch)
        self._quality(findings)
        self.say("permutation importance on the reference and the batch; leak re-check")
        self._importance(findings, labelled if s.labelled else None, reference)
        if s.labelled:
            self._sanity(findings, labelled)
            findings.worst = worst_rows(
                s.task, s.target, labelled, s.classes, self._identifying_columns()
            )
        return findings

    def _scores(self, frame: pd.DataFrame, shown: str) -> np.ndarray:
        from agileds.sweeps import model_scores

        s = self.subject
        try:
            scores: np.ndarray = model_scores(s.model, frame[s.inputs], s.task)
        except (KeyError, ValueError, TypeError) as exc:
            raise DataError(
                f"{s.model_name} v{s.version} cannot score {shown} ({exc}); check the "
                "batch's columns and types against the training data"
            ) from None
        return scores

    def _scored_batch(self) -> Scored:
        import numpy as np

        s = self.subject
        y = s.batch[s.target].to_numpy() if s.labelled else None
        scores = self._scores(s.batch, s.batch_shown)
        return Scored(s.batch, y, scores, np.arange(len(s.batch)))

    def _scored_holdout(self) -> Scored | None:
        import numpy as np

        s = self.subject
        if s.holdout is None:
            return None
        scores = self._scores(s.holdout, "the reference holdout")
        return Scored(s.holdout, s.holdout[s.target].to_numpy(), scores, np.arange(len(s.holdout)))

    def _metrics(self, findings: Findings, batch: Scored, reference: Scored | None) -> None:
        from agileds.evaluation import METRICS

        s = self.subject
        seed = self.spec.seed
        findings.current = metric_with_interval(
            s.task,
            s.metric,
            batch,
            s.classes,
            n_boot=1000,
            seed=seed,
            metrics=list(METRICS[s.task]),
        )
        if not findings.current:
            findings.notes.append("the batch's labelled rows are too few or of one class")
        findings.baseline = s.evaluation.get(s.metric)
        findings.baseline_source = f"logged on {s.model_name} v{s.version}'s run at evaluation"
        if findings.baseline is None and reference is not None:
            values = metric_with_interval(s.task, s.metric, reference, s.classes, n_boot=1)
            findings.baseline = values.get(s.metric)
            findings.baseline_source = "measured on the rebuilt holdout"
        now = findings.current.get(s.metric)
        findings.drop = metric_drop(findings.baseline, now, s.direction)
        low, high = (findings.current.get(f"{s.metric}.{k}") for k in ("ci_low", "ci_high"))
        findings.material = is_worse(findings.baseline, low, high, s.direction) or (
            findings.drop is not None and findings.drop > MATERIAL_DROP
        )

    def _slices(self, findings: Findings, batch: Scored, reference: Scored | None) -> None:
        s, data, seed = self.subject, self.spec.data, self.spec.seed
        segment, time = data.segment_column, data.time_column
        if segment and segment in s.batch.columns:
            findings.segments = segment_rows(
                segment, s.task, s.metric, s.direction, batch, reference, s.classes, seed=seed
            )
        if time and time in s.batch.columns:
            sources = {"batch": batch}
            if reference is not None and time in reference.frame.columns:
                sources = {"reference": reference, "batch": batch}
            findings.timeline = time_rows(time, s.task, s.metric, sources, s.classes, seed=seed)

    def kinds(self) -> dict[str, Any]:
        from agileds.automl import infer_column_kinds

        s = self.subject
        overrides = {k: v for k, v in self.spec.data.kinds.items() if k in s.inputs}
        return infer_column_kinds(s.reference, target=s.target, overrides=overrides)

    def _drift(self, findings: Findings, batch: Scored) -> None:
        from agileds.evaluation import feature_drift
        from agileds.monitor import score_psi

        s = self.subject
        kinds = {k: v for k, v in self.kinds().items() if k in self.used}
        drift = feature_drift(s.reference[self.used], s.batch[self.used], kinds)
        findings.drift = [DriftRow(**dataclasses.asdict(d)) for d in drift]
        if batch.scores.ndim == 1:  # the monitor's number for the same batch
            findings.score_psi = score_psi(
                s.model, s.reference, s.inputs, s.task, s.classes, batch.scores
            )

    def _quality(self, findings: Findings) -> None:
        from agileds.evaluation import data_quality

        s = self.subject
        findings.quality_reference = data_quality(s.reference[self.used], blank_as_null=False)
        findings.quality_batch = data_quality(s.batch[self.used], blank_as_null=False)

    def _importance(
        self, findings: Findings, batch: Scored | None, reference: Scored | None
    ) -> None:
        ref = reference.frame if reference is not None else self.subject.reference
        findings.importance_reference = self._permutation(ref) or {}
        if batch is not None:
            findings.importance_batch = self._permutation(batch.frame)

    def _permutation(self, frame: pd.DataFrame) -> dict[str, float] | None:
        from agileds.evaluation import permutation_importances

        s = self.subject
        sample = frame.sample(min(len(frame), IMPORTANCE_ROWS), random_state=self.spec.seed)
        try:
            found = permutation_importances(
                s.model,
                sample[s.inputs],
                sample[s.target].to_numpy(),
                task=s.task,
                metric=s.metric,
                seed=self.spec.seed,
            )
        except (DataError, ValueError):
            return None
        return {k: v for k, v in found.items() if k in self.used}

    def _sanity(self, findings: Findings, batch: Scored) -> None:
        """The sanity checks on the batch; findings already made at training are left out
        (those columns were removed then and the model does not use them)."""
        from agileds.automl import SanityThresholds, sanity_check

        s = self.subject
        settings = self.spec.sanity.model_dump()
        if not settings.pop("enabled"):
            return
        kinds = self.kinds()

        def check(frame: pd.DataFrame) -> Any:
            return sanity_check(
                frame[[*s.inputs, s.target]],
                target=s.target,
                kinds=kinds,
                task=s.task,
                thresholds=SanityThresholds(**settings),
                seed=self.spec.seed,
            )

        try:
            at_training = set(check(s.reference).removed_columns)
            rows = check(batch.frame).to_rows()
        except DataError as exc:
            findings.notes.append(f"the leak re-check could not run: {exc}")
            return
        findings.sanity = [r for r in rows if r["column"] not in at_training]
        again = sorted({r["column"] for r in rows} & at_training)
        if again:
            findings.notes.append(
                f"removed at training already, so unused by the model: {', '.join(again)}"
            )

    def _identifying_columns(self) -> list[str]:
        """Columns shown beside the worst rows: ids and the segment and time columns."""
        s, data = self.subject, self.spec.data
        extra = [c for c in s.batch.columns if c not in s.inputs and c != s.target][:2]
        named = [c for c in (data.segment_column, data.time_column) if c and c in s.batch.columns]
        return list(dict.fromkeys([*extra, *named]))


def _labelled(data: Scored) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if data.y is None:
        return np.zeros(len(data.scores), dtype=bool)
    return np.asarray(pd.notna(data.y), dtype=bool)


def _with_class_labels(data: Scored, classes: tuple[Any, ...] | None) -> Scored:
    """Labels in the dtype of the model's classes (a column with nulls reads as floats)."""
    import numpy as np

    if data.y is None or classes is None:
        return data
    dtype = np.asarray(classes).dtype
    if dtype.kind in "iub" and data.y.dtype.kind in "fO":
        return dataclasses.replace(data, y=data.y.astype(dtype))
    return data
