"""What a scoring job reports: its progress, its result, and a comparison of versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agileds._json import fields_dict

__all__ = ["Comparison", "Progress", "ScoreResult"]


@dataclass(frozen=True)
class Progress:
    """How far a job is, passed to the ``progress`` callback after each chunk."""

    rows: int
    rejected: int
    share: float
    elapsed: float

    @property
    def rows_per_second(self) -> float:
        """Rows read (scored or rejected) per second so far."""
        return (self.rows + self.rejected) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Time left at the pace so far, from the share of the file read."""
        if self.share <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed * (1 - self.share) / self.share


@dataclass(frozen=True)
class Comparison:
    """The same rows scored by another version (``--compare previous``).

    Attributes:
        version: The version compared with.
        rows: Rows both versions scored.
        threshold: The decision threshold (binary); None otherwise.
        flips: Rows whose decision differs (binary: either side of the threshold;
            multiclass: another predicted class); None for a regression.
        mean_shift: Mean of (this version's score - the other's) (multiclass: of the
            top class probability).
        p95_abs_shift: 95th percentile of the absolute score change.
    """

    version: str
    rows: int
    threshold: float | None
    flips: int | None
    mean_shift: float | None
    p95_abs_shift: float | None

    @property
    def flip_rate(self) -> float | None:
        """Share of the compared rows whose decision flips."""
        return self.flips / self.rows if self.flips is not None and self.rows else None


@dataclass(frozen=True)
class ScoreResult:
    """One scoring job, as written to DIR and logged to MLflow (see :func:`score`)."""

    model: str
    version: str
    task: str
    run_id: str
    experiment_id: str
    job: str
    data: str
    partition: str
    rejects_file: str | None
    rows: int
    rejected: int
    duration_s: float
    threshold: float | None
    id_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    score_mean: float | None
    quantiles: dict[str, float | None] = field(default_factory=dict)
    comparison: Comparison | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows scored per second of the whole job."""
        return self.rows / self.duration_s if self.duration_s > 0 else 0.0

    def metrics(self) -> dict[str, float | None]:
        """The job's numbers under their MLflow metric names."""
        out: dict[str, float | None] = {
            "scores_written": float(self.rows),
            "rows_rejected": float(self.rejected),
            "duration_s": self.duration_s,
            "rows_per_second": self.rows_per_second,
            "rows_per_hour": self.rows_per_second * 3600,
            "score.mean": self.score_mean,
            **{f"score.{k}": v for k, v in self.quantiles.items()},
        }
        c = self.comparison
        if c is not None:
            out.update(
                {
                    "compare.rows": float(c.rows),
                    "compare.flips": None if c.flips is None else float(c.flips),
                    "compare.flip_rate": c.flip_rate,
                    "compare.mean_shift": c.mean_shift,
                    "compare.p95_abs_shift": c.p95_abs_shift,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of the result."""
        out = fields_dict(self, rows_per_second=self.rows_per_second)
        if self.comparison is not None:
            out["comparison"]["flip_rate"] = self.comparison.flip_rate
        return out
