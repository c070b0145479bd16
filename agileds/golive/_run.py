"""``agileds golive``: load both versions, compare, decide, report, and record the decision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.golive._changes import VersionInfo, change_list
from agileds.golive._compare import SERVING, Comparison, compare_models
from agileds.golive._data import EvalData, checked_rows, file_data, holdout_data, read_data
from agileds.golive._gate import GateDecision, decide
from agileds.golive._guardrails import load_guardrails
from agileds.golive._report import REPORT_NAME, GoLiveReport, build_golive_report
from agileds.golive._tags import golive_tags
from agileds.project import Project, find_project
from agileds.tracking import (
    TICKET_TAG,
    get_alias_version,
    get_client,
    resolve_model_uri,
    resolve_stores,
)

if TYPE_CHECKING:
    from agileds.golive._mlflow_eval import MlflowCheck
    from agileds.scoring import OldPredictions
    from agileds.tickets import Ticket
    from agileds.tracking import ModelVersion

__all__ = ["GoLive", "run_golive"]

_SKIP_FROM_RUN = ("production.", "delta.")


def run_golive(
    project: Project | Path | str | None,
    ticket_id: str,
    *,
    candidate: str | int | None = None,
    data: Path | str | None = None,
    progress: Callable[[str], None] | None = None,
) -> GoLiveReport:
    """Compare a ticket's candidate with production, decide GO or NO-GO, and record it.

    The candidate (by default the newest version the ticket registered) and
    ``models:/<model>@production`` are each loaded with their own pipeline and scored on
    the same rows: the experiment's holdout, or ``data``. The ticket's criteria and the
    project's guardrails decide. The report goes to ``docs/reports/<TICKET>/golive.md``
    with its plots, a go-live MLflow run (tagged ``agileds.kind=golive``) holds the report,
    the numbers and both models' predictions, and the candidate version gets the
    ``agileds.golive.*`` tags that ``agileds promote`` reads.

    Args:
        project: The project, its folder, or None for the one above the cwd.
        ticket_id: e.g. ``STORY-1``.
        candidate: A version of the ticket's model to judge instead of the newest.
        data: A labelled CSV or Parquet file to compare on instead of the holdout.
        progress: Called with one-line status messages.

    Returns:
        The report (``report.decision`` is ``GO`` or ``NO-GO``).

    Raises:
        TicketNotFoundError: No such ticket.
        UsageError: The ticket names no experiment, has no registered version yet, or
            ``candidate`` is not a version of its model.
        DataError: The evaluation data is missing, lacks columns, or cannot be scored.
        ConfigError: Invalid guardrails in ``agileds.yaml`` or an invalid experiment spec.

    Example:
        >>> report = run_golive(None, "STORY-1")  # doctest: +SKIP
        >>> report.decision, report.reasons_with("fail")  # doctest: +SKIP
    """
    if not isinstance(project, Project):
        project = find_project(project)
    ticket = project.backlog().get(ticket_id)
    return GoLive(project, ticket, progress).run(candidate, data)


class GoLive:
    """One go-live of one ticket: its stores, versions, models and data."""

    def __init__(
        self, project: Project, ticket: Ticket, progress: Callable[[str], None] | None
    ) -> None:
        from agileds.sweeps import load_ticket_spec

        settings = project.settings
        self.project, self.ticket, self.progress = project, ticket, progress
        self.guardrails = load_guardrails(project)
        self.spec, self.spec_path, self.shown = load_ticket_spec(project, ticket)
        self.stores = resolve_stores(
            project.root, settings.tracking_uri, settings.artifact_location, settings.optuna_storage
        )
        self.client = get_client(self.stores.tracking_uri)
        self.model_name = ticket.model or settings.model
        self.notes: list[str] = []
        self.old: OldPredictions | None = None

    def say(self, text: str) -> None:
        """Pass a status line to the caller."""
        if self.progress is not None:
            self.progress(text)

    def run(self, candidate: str | int | None, data: Path | str | None) -> GoLiveReport:
        """Compare, decide, report and record; see :func:`run_golive`."""
        from agileds.golive._versions import candidate_version

        own = candidate_version(self.client, self.model_name, self.ticket.id, candidate)
        other = get_alias_version(self.client, self.model_name, "production")
        given = None if data is None else (read_data(Path(data), str(data)), str(data))
        versions = self._load(own, other)
        models = {side: v.pipeline for side, v in versions.items()}
        rows = self._data(given, versions)
        infos = {side: self._info(v) for side, v in versions.items()}
        self._note_versions(infos)
        g = self.guardrails
        self.say(f"comparing {self._named(own, other)} on {rows.source}: {len(rows.frame)} rows")
        comparison = compare_models(
            models["candidate"],
            models.get("production"),
            rows,
            n_boot=g.n_boot,
            seed=self.spec.seed,
            level=g.level,
            min_segment_rows=g.min_segment_rows,
        )
        quantities = {**self._run_facts(infos["candidate"]), **comparison.quantities}
        gate, criteria = self._decide(comparison, quantities)
        changes = change_list(infos["candidate"], infos.get("production"))
        self.old = self._old_predictions(own, other)
        return self._record(
            own, other, models, rows, comparison, quantities, gate, criteria, changes
        )

    def _load(self, own: str, other: str | None) -> dict[str, ModelVersion]:
        """Both versions, each loaded once (the model-version contract)."""
        from agileds.tracking import load_version

        self.say(
            f"loading {self.model_name} v{own}" + (f" and production v{other}" if other else "")
        )
        sides = {"candidate": own, **({"production": other} if other is not None else {})}
        return {
            side: load_version(self.client, self.model_name, version=v, require_reference=False)
            for side, v in sides.items()
        }

    def _data(self, given: tuple[Any, str] | None, versions: dict[str, ModelVersion]) -> EvalData:
        if given is not None:
            return file_data(given[0], given[1], self.spec, list(versions.values()))
        self.say(f"rebuilding the holdout of {self.shown}")
        rows = holdout_data(self.spec, self.spec_path, self.shown)
        return checked_rows(rows, list(versions.values()))

    def _info(self, version: ModelVersion) -> VersionInfo:
        return VersionInfo(
            self.model_name, version.version, dict(version.tags), version.run_id, version.inputs
        )

    def _note_versions(self, infos: dict[str, VersionInfo]) -> None:
        own, other = infos["candidate"], infos.get("production")
        registered_by = own.tags.get(TICKET_TAG)
        if registered_by and registered_by != self.ticket.id:
            self.notes.append(
                f"v{own.version} was registered by {registered_by}, not {self.ticket.id}"
            )
        if other is None:
            self.notes.append(
                "first deployment: no production model yet, so the candidate is judged on its own "
                "criteria and guardrails that need production are not applicable"
            )
        elif other.version == own.version:
            self.notes.append(f"v{own.version} is already production: it is compared with itself")

    def _named(self, own: str, other: str | None) -> str:
        tail = f" with production v{other}" if other else " (first deployment)"
        return f"{self.model_name} v{own}{tail}"

    def _run_facts(self, info: VersionInfo) -> dict[str, float]:
        """Quantities the go-live does not measure (``cv.*``, ``trials``, ``leakage_flags``,
        ...), as the candidate's own run measured them."""
        from agileds.evaluation import METRICS
        from agileds.tickets import is_known_quantity

        if not info.run_id:
            return {}
        measured = {n for names in METRICS.values() for n in names} | set(SERVING)
        metrics = self.client.get_run(info.run_id).data.metrics
        facts = {
            k: float(v)
            for k, v in metrics.items()
            if is_known_quantity(k)
            and not k.startswith(_SKIP_FROM_RUN)
            and k.partition(".")[0] not in measured
        }
        named = [k for k in sorted(facts) if k in self._criterion_names()]
        if named:
            self.notes.append(
                f"criteria on {', '.join(named[:6])}{', ...' if len(named) > 6 else ''} "
                f"use the values measured by the candidate's run {info.run_id}"
            )
        return facts

    def _criterion_names(self) -> set[str]:
        """Every quantity the ticket's criteria name (plain-words checks name none)."""
        from agileds.errors import CriterionError
        from agileds.tickets import is_plain_words, parse_criterion

        names: set[str] = set()
        for item in self.ticket.criteria():
            if item.manual or is_plain_words(item.text):
                continue
            try:
                names.update(parse_criterion(item.text).names)
            except CriterionError:
                continue
        return names

    def _decide(
        self, comparison: Comparison, quantities: dict[str, float]
    ) -> tuple[GateDecision, list[Any]]:
        from agileds.tickets import evaluate_ticket

        criteria = evaluate_ticket(self.ticket, quantities)
        gate = decide(
            criteria,
            quantities,
            self.guardrails,
            metric=comparison.metric,
            direction=comparison.direction,
            first_deployment=comparison.first_deployment,
            ticket_id=self.ticket.id,
            worse_segments=[s.segment for s in comparison.segments if s.worse],
        )
        return gate, criteria

    def _record(
        self,
        own: str,
        other: str | None,
        models: dict[str, Any],
        rows: EvalData,
        comparison: Comparison,
        quantities: dict[str, float],
        gate: GateDecision,
        criteria: list[Any],
        changes: Any,
    ) -> GoLiveReport:
        """Open the go-live run, log everything into it, write the report, tag the version."""
        from agileds.golive._recording import Recorder

        recorder = Recorder(self, own, other)
        with recorder.run(self._params(comparison)) as run_id:
            check = self._mlflow_check(run_id, own, other, models, rows, comparison)
            artifact = recorder.log_predictions(comparison)
            report = build_golive_report(
                ticket_id=self.ticket.id,
                title=self.ticket.title,
                comparison=comparison,
                gate=gate,
                criteria=criteria,
                changes=changes,
                guardrails=self.guardrails,
                model_name=self.model_name,
                candidate_version=own,
                production_version=other,
                quantities=quantities,
                created=recorder.at,
                mlflow_check=check,
                notes=self.notes,
                run_id=run_id,
                mlflow_run_url=recorder.url,
                predictions_artifact=artifact,
                path=self.project.relative(self.folder / REPORT_NAME),
                old_predictions=self.old,
            )
            report = recorder.write_report(report, comparison, self.folder)
            texts = gate.texts()
            tags = golive_tags(
                gate.decision.value, texts, report.path or "", recorder.at, other, run_id
            )
            recorder.finish(quantities, tags)
        # the decision itself is the report's to show (the CLI prints it once)
        self.say(f"recorded the decision on {self.model_name} v{own} (agileds promote reads it)")
        return report

    def _old_predictions(self, own: str, other: str | None) -> OldPredictions | None:
        """Production's last scoring job rescored by the candidate (None without one)."""
        from agileds.scoring import old_predictions

        if other is None:
            return None
        self.say(f"rescoring production v{other}'s last scoring job with v{own}, if any")
        return old_predictions(self.project, self.client, self.model_name, other, own)

    def _params(self, comparison: Comparison) -> dict[str, Any]:
        g = self.guardrails
        return {
            "data": comparison.source,
            "rows": comparison.rows,
            "task": comparison.task,
            "metric": comparison.metric,
            "n_boot": g.n_boot,
            "level": g.level,
            "min_segment_rows": g.min_segment_rows,
            "seed": self.spec.seed,
        }

    @property
    def folder(self) -> Path:
        """``docs/reports/<TICKET>/``."""
        return self.project.reports_dir / self.ticket.id

    def _mlflow_check(
        self,
        run_id: str,
        own: str,
        other: str | None,
        models: dict[str, Any],
        rows: EvalData,
        comparison: Comparison,
    ) -> MlflowCheck | None:
        from agileds.golive._mlflow_eval import mlflow_evaluate

        if not self.guardrails.mlflow_evaluate:
            return None
        versions = {"candidate": own, **({"production": other} if other else {})}
        self.say(f"running MLflow's default evaluator on {' and '.join(versions)}")
        uris = {
            side: resolve_model_uri(self.client, f"models:/{self.model_name}/{v}")
            for side, v in versions.items()
        }
        return mlflow_evaluate(self.stores.tracking_uri, run_id, uris, models, rows, comparison)
