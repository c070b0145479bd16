"""The investigation runner: the production model's deep-dive on flagged data, a report, and
follow-up tickets proposed from the findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError
from agileds.project import Project
from agileds.reports import (
    FollowUp,
    build_investigation_report,
    write_atomic,
    write_investigation_report,
)
from agileds.runners._base import RunOptions, RunResult, TicketRunner
from agileds.runners._findings import Findings, Investigator
from agileds.runners._subject import Subject, load_subject, open_investigated
from agileds.runners._sweep import Execution
from agileds.sweeps import load_spec, load_ticket_spec
from agileds.tickets import Ticket, evaluate_ticket
from agileds.tracking import KIND_TAG, METRIC_TAG, SPEC_TAG, TASK_TAG, get_client, resolve_stores

if TYPE_CHECKING:
    import pandas as pd

    from agileds.sweeps import ExperimentSpec
    from agileds.tracking import ModelVersion

__all__ = ["InvestigationRunner"]

WORST_FILE = "worst_rows.csv"
"""The rows the model got most wrong (top 100), beside the report."""

_METRIC_NAME = re.compile(r"^[\w\-. /]+$")  # what MLflow accepts as a metric name


class InvestigationRunner(TicketRunner):
    """Runs an investigation ticket (``INV-n``).

    The investigated model is the version the ticket's ``monitor.version`` names, else the
    one the registry's ``production`` alias points at. The data is ``--data FILE``, else the
    monitor's ``monitor.batch``, else the rows of the experiment's data newer than the
    version's training window. It measures, on the batch against the version's reference
    (its training data, and its holdout rebuilt from its spec): the task's metrics with
    bootstrap intervals, the primary metric per segment and over time, drift per feature,
    the shift in permutation importance, a leak re-check, data quality and the rows the
    model got most wrong. It proposes follow-up tickets (filed with ``--file-followups``),
    writes ``docs/reports/<INV>/investigation.md`` and logs everything to one MLflow run.
    """

    def run(self, project: Project, ticket: Ticket, options: RunOptions) -> RunResult:

        settings = project.settings
        model_name = str(ticket.monitor.get("model") or ticket.model or settings.model)
        if ticket.model != model_name:
            ticket = ticket.model_copy(update={"model": model_name})
        stores = resolve_stores(
            project.root, settings.tracking_uri, settings.artifact_location, settings.optuna_storage
        )
        client = get_client(stores.tracking_uri)
        version, production = open_investigated(client, ticket, model_name)
        spec = _investigation_spec(project, ticket, version)
        subject = load_subject(project, ticket, version, production, spec, options.data)
        options.say(
            f"{ticket.id}: {model_name} v{subject.version} on {subject.batch_shown} "
            f"({len(subject.batch)} rows{'' if subject.labelled else ', no labels'}) against "
            f"its {len(subject.reference)} training rows"
        )
        return _InvestigationExecution(project, ticket, *spec, subject, options).run()


def _investigation_spec(
    project: Project, ticket: Ticket, version: ModelVersion
) -> tuple[ExperimentSpec, Path, str]:
    """The ticket's experiment, else the spec the investigated version was trained with."""
    if ticket.experiment:
        return load_ticket_spec(project, ticket)
    shown = version.spec or ""
    path = (project.root / shown).resolve()
    if not shown or not path.is_file():
        raise UsageError(
            f"{ticket.id} names no experiment and {version.name}'s spec "
            f"({shown or 'none recorded'}) is not in the project; add "
            f"'experiment: experiments/<name>.yaml' to backlog/{ticket.id}.yaml"
        )
    return load_spec(path, shown), path, shown


class _InvestigationExecution(Execution):
    """One execution of an investigation ticket (the stores, the parent run, the findings)."""

    def __init__(
        self,
        project: Project,
        ticket: Ticket,
        spec: ExperimentSpec,
        spec_path: Path,
        shown: str,
        subject: Subject,
        options: RunOptions,
    ) -> None:
        super().__init__(project, ticket, spec, spec_path, shown, subject, options)
        self.subject = subject
        self.production_version = subject.production_version

    def run(self) -> RunResult:
        return self._in_parent_run(self._investigate)

    def _parent_tags(self) -> dict[str, str]:
        s, monitor = self.subject, self.ticket.monitor
        tags = {
            KIND_TAG: "investigation",
            SPEC_TAG: self.shown,
            METRIC_TAG: s.metric,
            TASK_TAG: s.task,
            "agileds.investigated_version": s.version,
            "agileds.batch": s.batch_shown,
        }
        if monitor.get("signal"):
            tags["agileds.signal"] = str(monitor["signal"])
        return tags

    def _params(self) -> dict[str, Any]:
        s, data = self.subject, self.spec.data
        return {
            "model": s.model_name,
            "version": s.version,
            "batch": s.batch_shown,
            "batch_rows": len(s.batch),
            "reference_rows": len(s.reference),
            "holdout_rows": len(s.holdout) if s.holdout is not None else "none",
            "metric": s.metric,
            "segment_column": data.segment_column or "none",
            "time_column": data.time_column or "none",
            "file_followups": self.options.file_followups,
        }

    # -- the steps -------------------------------------------------------------------------
    def _investigate(self, logger: Any, parent: str) -> RunResult:
        from agileds.runners._followups import file_followups, propose_followups

        findings = Investigator(self.subject, self.spec, self.options.say).measure()
        quantities = self._quantities(findings)
        followups = propose_followups(self._evidence(findings))
        if followups and self.options.file_followups:
            followups = file_followups(self.project.backlog(), followups)
            self.options.say("follow-ups in the backlog: " + ", ".join(_filed(followups)))
        elif followups:
            self.options.say(
                f"{len(followups)} follow-up(s) proposed; pass --file-followups to file them"
            )
        quantities["followups"] = float(len(followups))
        criteria = evaluate_ticket(self.ticket, quantities)
        report = self._write_report(findings, quantities, criteria, followups, parent)
        self._log_tables(logger, parent, findings)
        no_candidate = SimpleNamespace(config={})  # an investigation trains nothing
        result = self._close(
            logger, parent, no_candidate, quantities, criteria, self.subject.version, report
        )
        return dataclasses.replace(result, followups=followups)

    def _quantities(self, findings: Findings) -> dict[str, float]:
        q: dict[str, float] = dict(findings.current)
        if findings.drop is not None:
            q["metric_drop"] = findings.drop
        for d in findings.drift:
            q[f"psi.{d.column}"] = d.psi
        if findings.drift:
            q["max_psi"] = max(d.psi for d in findings.drift)
        q["drifted_features"] = float(sum(d.band == "major" for d in findings.drift))
        if findings.score_psi is not None:
            q["psi.score"] = findings.score_psi
        q.update(findings.quality_batch)
        if self.subject.labelled:
            q["leakage_flags"] = float(len(findings.leaks))
            q["segments_degraded"] = float(sum(s.degraded for s in findings.segments))
        return {k: float(v) for k, v in q.items() if _METRIC_NAME.match(k)}

    def _evidence(self, findings: Findings) -> Any:
        from agileds.runners._followups import Evidence

        s, spec = self.subject, self.spec
        optional = {c for group in spec.features.optional.values() for c in group}
        return Evidence(
            investigation=self.ticket.id,
            model=s.model_name,
            experiment=self.ticket.experiment or self.shown,
            metric=s.metric,
            direction=s.direction,
            batch=s.batch_shown,
            baseline=findings.baseline,
            current=findings.current.get(s.metric),
            material_drop=findings.material,
            drift=findings.drift,
            importance=findings.importance_reference,
            quality_reference=findings.quality_reference,
            quality_batch=findings.quality_batch,
            leaks=findings.leaks,
            optional_columns=frozenset(optional | set(spec.features.required)),
        )

    def _write_report(
        self,
        findings: Findings,
        quantities: dict[str, float],
        criteria: Any,
        followups: list[FollowUp],
        parent: str,
    ) -> Path:
        from agileds.reports import (
            InvestigationData,
            InvestigationMeasurements,
            InvestigationSubject,
            Provenance,
        )

        s, data = self.subject, self.spec.data
        folder = self.project.reports_dir / self.ticket.id
        folder.mkdir(parents=True, exist_ok=True)
        worst_file = None
        if findings.worst is not None:
            worst_file = write_atomic(folder / WORST_FILE, findings.worst.to_csv(index=False)).name
        else:  # left by an earlier run on labelled data
            (folder / WORST_FILE).unlink(missing_ok=True)
        report = build_investigation_report(
            InvestigationSubject(
                ticket_id=self.ticket.id,
                title=self.ticket.title,
                model_name=s.model_name,
                model_version=s.version,
                task=s.task,
                metric=s.metric,
                direction=s.direction,
                production_version=s.production_version,
                monitor=self.ticket.monitor or {},
            ),
            InvestigationData(
                batch=s.batch_shown,
                batch_rows=len(s.batch),
                labelled=s.labelled,
                reference_rows=len(s.reference),
                holdout_rows=None if s.holdout is None else len(s.holdout),
                segment_column=data.segment_column,
                time_column=data.time_column,
            ),
            InvestigationMeasurements(
                evaluation=s.evaluation,
                current=findings.current,
                metric_drop=findings.drop,
                baseline=findings.baseline_source,
                segments=findings.segments,
                timeline=findings.timeline,
                drift=findings.drift,
                score_psi=findings.score_psi,
                importance_reference=findings.importance_reference,
                importance_batch=findings.importance_batch,
                quality_reference=findings.quality_reference,
                quality_batch=findings.quality_batch,
                sanity=findings.sanity,
                worst=_records(findings.worst),
                worst_file=worst_file,
                notes=findings.notes,
            ),
            Provenance(
                created=dt.datetime.now(dt.UTC).replace(microsecond=0),
                mlflow_run_url=self.project.run_url(self.experiment_id, parent),
                git_commit=self.git.commit,
            ),
            criteria=criteria,
            followups=followups,
        )
        path = write_investigation_report(report, folder)
        self.client.log_artifacts(parent, str(folder), "report")
        return path

    def _log_tables(self, logger: Any, parent: str, findings: Findings) -> None:
        tables: dict[str, Sequence[Any]] = {
            "drift": findings.drift,
            "segments": findings.segments,
            "timeline": findings.timeline,
        }
        for name, rows in tables.items():
            data = [dataclasses.asdict(r) for r in rows]
            logger.log_dict_artifact(parent, data, f"investigation/{name}.json")
        importance = {
            "reference": findings.importance_reference,
            "batch": findings.importance_batch,
        }
        logger.log_dict_artifact(parent, importance, "investigation/importance.json")


def _records(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def _filed(followups: list[FollowUp]) -> list[str]:
    return [f"{f.filed_as} ({f.title})" for f in followups]
