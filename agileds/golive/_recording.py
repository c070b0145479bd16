"""Recording a go-live: its MLflow run, the predictions, the report files and the version tags."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import DiskFullError, disk_full_reason
from agileds.golive._compare import Comparison
from agileds.golive._report import GoLiveReport, write_golive_report
from agileds.golive._tags import DECISION_TAG, KIND_TAG
from agileds.tracking import (
    ERROR_TAG,
    PRODUCTION_VERSION_TAG,
    VERDICT_TAG,
    VERSION_TAG,
    RunLogger,
    ensure_experiment,
    ticket_run_tags,
)

if TYPE_CHECKING:
    import pandas as pd

    from agileds.golive._run import GoLive

__all__ = ["PREDICTIONS_ARTIFACT", "REPORT_ARTIFACTS", "Recorder", "predictions_frame"]

PREDICTIONS_ARTIFACT = "golive/predictions.parquet"
REPORT_ARTIFACTS = "golive/report"


class Recorder:
    """Writes one go-live into MLflow: a run tagged ``agileds.kind=golive`` and the
    candidate version's ``agileds.golive.*`` tags, set last, once everything else is saved."""

    def __init__(self, golive: GoLive, own: str, other: str | None) -> None:
        from agileds.git import git_state

        self.golive, self.own, self.other = golive, own, other
        self.client = golive.client
        self.experiment_id = ensure_experiment(
            self.client, golive.model_name, golive.stores.artifact_root
        )
        tags = {
            **ticket_run_tags(golive.ticket, golive.model_name),
            **git_state(golive.project.root).tags(),
        }
        self.logger = RunLogger(self.client, tags=tags)
        self.at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self.run_id = ""

    @property
    def url(self) -> str:
        """The go-live run in the MLflow UI (the ``ui_url`` setting)."""
        return self.golive.project.run_url(self.experiment_id, self.run_id)

    @contextlib.contextmanager
    def run(self, params: Mapping[str, Any] | None = None) -> Iterator[str]:
        """Open the go-live run; a failure inside marks it FAILED (KILLED on Ctrl-C)."""
        tags = {
            KIND_TAG: "golive",
            VERSION_TAG: self.own,
            PRODUCTION_VERSION_TAG: self.other or "",
        }
        name = f"{self.golive.ticket.id}-golive"
        self.run_id = self.logger.start_parent(self.experiment_id, name, tags=tags, params=params)
        try:
            yield self.run_id
        except KeyboardInterrupt:
            self.logger.abandon_parent(self.run_id, "KILLED", tags={VERDICT_TAG: "killed"})
            raise
        except BaseException as exc:
            closed = self.logger.abandon_parent(
                self.run_id, "FAILED", tags={ERROR_TAG: str(exc)[:5000]}
            )
            reason = disk_full_reason(exc)
            if reason is not None:
                state = "marked FAILED" if closed else "left open (the store refused to close it)"
                raise DiskFullError(
                    f"go-live of {self.golive.ticket.id} stopped: the disk is full ({reason}); "
                    f"no new decision is recorded, the go-live run is {state}; free space "
                    "and run 'agileds golive' again"
                ) from exc
            raise

    def log_predictions(self, comparison: Comparison) -> str:
        """Log both models' predictions on the evaluation rows; return the artifact path."""
        path = Path(PREDICTIONS_ARTIFACT)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / path.name
            predictions_frame(comparison).to_parquet(local, index=False)
            self.client.log_artifact(self.run_id, str(local), str(path.parent))
        return PREDICTIONS_ARTIFACT

    def write_report(
        self, report: GoLiveReport, comparison: Comparison, folder: Path
    ) -> GoLiveReport:
        """Write the report and its plots into ``folder`` and log those files to the run."""
        written = write_golive_report(report, comparison, folder)
        files = [folder / name for name in (*written.plots.values(), "golive.md")]
        for file in files:
            self.client.log_artifact(self.run_id, str(file), REPORT_ARTIFACTS)
        return written

    def finish(self, quantities: Mapping[str, float], tags: Mapping[str, str]) -> None:
        """Tag the candidate version with the decision, then close the run with the numbers."""
        self._tag_version(tags)
        self.logger.finish_parent(self.run_id, "FINISHED", metrics=quantities, tags=tags)

    def _tag_version(self, tags: Mapping[str, str]) -> None:
        """Set the decision tags, the decision itself last; on an error put back the
        values the version had, so a promote never reads half a decision."""
        name, version = self.golive.model_name, self.own
        before = dict(self.client.get_model_version(name, version).tags)
        ordered = sorted(tags, key=lambda key: key == DECISION_TAG)
        written: list[str] = []
        try:
            for key in ordered:
                self.client.set_model_version_tag(name, version, key, tags[key])
                written.append(key)
        except BaseException:
            for key in reversed(written):
                with contextlib.suppress(Exception):
                    if key in before:
                        self.client.set_model_version_tag(name, version, key, before[key])
                    else:
                        self.client.delete_model_version_tag(name, version, key)
            raise


def predictions_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per evaluation row: its index, label, both models' scores and its segment.

    Binary: P(positive); regression: the prediction; multiclass: one column per class,
    ``candidate.<class>`` and ``production.<class>``. Production's columns are missing on a
    first deployment, the segment column when the data has none.
    """
    import pandas as pd

    columns: dict[str, Any] = {"row": range(comparison.rows), "label": comparison.y}
    sides = {"candidate": comparison.candidate_scores, "production": comparison.production_scores}
    for side, scores in sides.items():
        if scores is None:
            continue
        if scores.ndim == 1:
            columns[side] = scores
        else:
            labels = comparison.labels or range(scores.shape[1])
            columns.update({f"{side}.{c}": scores[:, i] for i, c in enumerate(labels)})
    if comparison.segment_values is not None:
        columns["segment"] = comparison.segment_values
    return pd.DataFrame(columns)
