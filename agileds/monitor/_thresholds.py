"""The monitor's thresholds: the ``thresholds:`` block of ``agileds.yaml``, validated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = ["Thresholds", "load_thresholds"]


class Thresholds(BaseModel):
    """When a monitored batch files an investigation.

    Every key is optional; the defaults are::

        thresholds:
          metric_drop: 0.03        # the primary metric fell by more than this; null: off
          metric_interval: true    # ... or its interval lies wholly worse than at evaluation
          feature_psi: 0.25        # any feature's PSI above this (the "major" band); null: off
          score_volume: 0.5        # rows scored changed by more than 50%; null: off
          n_boot: 1000             # bootstrap resamples of the metric's interval
          level: 0.95              # coverage of that interval

    Attributes:
        metric_drop: A breach when the batch's primary metric (``auroc`` for a binary
            model) is worse than its value at evaluation (on the holdout, when the version
            was registered) by more than this, in the metric's units. For a metric that
            is better lower (``rmse``, ``log_loss``) "worse" means higher.
        metric_interval: Also a breach when the batch's bootstrap interval of the metric
            lies wholly on the worse side of the evaluation value, whatever the size.
        feature_psi: A breach when a feature's population stability index exceeds this.
        score_volume: A breach when the number of rows scored differs from the previous
            batch of the same model version by more than this share (0.5: half as many
            or 1.5 times as many). The first batch of a version has nothing to compare
            with and never breaches.
        n_boot: Bootstrap resamples for the metric's interval.
        level: Coverage of that interval.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric_drop: Annotated[float, Field(gt=0)] | None = 0.03
    metric_interval: bool = True
    feature_psi: Annotated[float, Field(gt=0)] | None = 0.25
    score_volume: Annotated[float, Field(gt=0)] | None = 0.5
    n_boot: Annotated[int, Field(ge=1)] = 1000
    level: Annotated[float, Field(gt=0, lt=1)] = 0.95


def load_thresholds(project: Project) -> Thresholds:
    """Validate the project's ``thresholds:`` settings (defaults for every missing key).

    Raises:
        ConfigError: An unknown key or a bad value, located by ``agileds.yaml`` line.
    """
    from agileds.project import settings_section

    return settings_section(project, "thresholds", Thresholds, "threshold")
