"""The project's go-live guardrails: the ``guardrails:`` block of ``agileds.yaml``, validated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = ["Guardrails", "load_guardrails"]


class Guardrails(BaseModel):
    """What every go-live must satisfy besides the ticket's own criteria.

    Every key is optional; the defaults are the gate described in ``docs/golive.md``::

        guardrails:
          primary_not_worse: true    # NO-GO when delta.<metric>'s interval lies wholly worse
          max_latency_ratio: 1.5     # candidate latency_p95_ms <= 1.5 x production's; null: off
          max_segments_worse: null   # NO-GO when more segments are significantly worse; null: off
          require_signoff: true      # manual criteria not signed off make NO-GO
          n_boot: 1000               # bootstrap resamples of every interval
          level: 0.95                # coverage of the intervals
          min_segment_rows: 30       # smaller segments are listed, not compared
          mlflow_evaluate: false     # true: also run MLflow's default evaluator (opt-in)

    Attributes:
        primary_not_worse: NO-GO when the interval of the primary metric's paired
            difference lies wholly on the worse side of 0 (the candidate is significantly
            worse than production).
        max_latency_ratio: Largest allowed ``latency_p95_ms / production.latency_p95_ms``;
            None switches the latency guardrail off.
        max_segments_worse: Largest allowed number of segments where the candidate is
            significantly worse; None reports such segments without gating on them.
        require_signoff: Manual criteria that nobody signed off (``agileds ticket accept``)
            make NO-GO; when False they are reported but do not block.
        n_boot: Bootstrap resamples for every interval and paired difference.
        level: Coverage of the intervals, e.g. 0.95.
        min_segment_rows: Segments with fewer evaluation rows are skipped (and listed).
        mlflow_evaluate: Also run ``mlflow.models.evaluate`` on both models into the
            go-live run, for MLflow's own metrics and curves (a cross-check that never
            gates; off by default: it adds MLflow's evaluator time to every go-live).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary_not_worse: bool = True
    max_latency_ratio: Annotated[float, Field(gt=0)] | None = 1.5
    max_segments_worse: Annotated[int, Field(ge=0)] | None = None
    require_signoff: bool = True
    n_boot: Annotated[int, Field(ge=1)] = 1000
    level: Annotated[float, Field(gt=0, lt=1)] = 0.95
    min_segment_rows: Annotated[int, Field(ge=2)] = 30
    mlflow_evaluate: bool = False


def load_guardrails(project: Project) -> Guardrails:
    """Validate the project's ``guardrails:`` settings (defaults for every missing key).

    Raises:
        ConfigError: An unknown key or a bad value, located by ``agileds.yaml`` line.
    """
    from agileds.project import settings_section

    return settings_section(project, "guardrails", Guardrails, "guardrail")
