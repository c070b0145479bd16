"""The sprint report: its data object, the function that builds it, and its writer.

``gather_sprint`` (``_sprint_gather.py``) reads three sources and the pure
``build_sprint_report`` computes everything the report shows from them:

- the sprint in ``backlog/sprints.yaml`` and the ticket files as they are now;
- git (gitpython): every committed version of the ticket files
  (:func:`agileds.backlog._forecast.ticket_versions`) and the commits naming a ticket;
- MLflow, imported here only and only when its store exists: each ticket's parent runs.

Definitions (also in ``docs/backlog.md``, "Sprint reports"):

- **Tickets of the sprint**: those whose ``sprint:`` is N now, plus those whose committed
  ``sprint:`` was N while the sprint ran (in force on its first day, or committed on one of
  its days). So a ticket moved on to sprint N+1 after the end still shows in sprint N.
- **Committed points**: the effort of those tickets; **done points**: the effort of those
  whose status is ``done`` now.
- **Carried over**: tickets of the sprint that are not done when the report is written;
  their work moves to a later sprint.
- **Burn-down**: for each day from start to end, the points of the sprint's tickets whose
  committed status at the end of that day was not ``done`` (no commit yet: not done);
  today uses the ticket files as they are now, so work done today shows the same day.
  Days after today have no value. A sprint without dates shows today alone. The ideal line falls straight from the committed points
  on the first day to zero on the last.
- **Forecast**: the Monte Carlo forecast of ``sprint plan`` on the status history before
  the sprint's first day, for the committed points over the sprint's weeks.
- **Evidence**: for each ticket, its FINISHED parent runs (``agileds.ticket`` tag, no
  ``mlflow.parentRunId``) started before the day after the sprint's end. The latest one
  gives the verdicts: a measured criterion keeps the verdict its run recorded
  (``agileds.ac.<n>``) and shows the run's metrics it used; a manual criterion shows its
  sign-off in the ticket now. The best run is the one with the best value of the metric the
  sweep optimised (``agileds.metric``), as ``backlog rank`` shows it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds._json import fields_dict
from agileds.backlog import (
    Forecast,
    Sprint,
    quadrant_of,
    summarise_runs,
    thresholds,
)
from agileds.errors import UsageError
from agileds.project import DEFAULT_UI_URL, run_url
from agileds.reports._render import render_markdown, write_atomic
from agileds.reports._run import CriterionRow
from agileds.reports._sprint_history import (
    BurndownDay,
    SprintCommit,
    burndown,
    history_forecast,
)
from agileds.tickets import (
    CriterionResult,
    Status,
    Ticket,
    Verdict,
    evaluate_ticket,
    overall_verdict,
)
from agileds.tracking import RunLogger, criterion_tag, ensure_experiment, get_client

if TYPE_CHECKING:
    from agileds.backlog import Sprint
    from agileds.reports._sprint_gather import SprintSources

__all__ = [
    "DEFAULT_UI_URL",
    "SPRINT_EXPERIMENT",
    "BurndownDay",
    "RunLink",
    "SprintCommit",
    "SprintReport",
    "SprintTicket",
    "build_sprint_report",
    "log_sprint_report",
    "write_sprint_report",
]

"""Where ``agileds ui`` (``mlflow ui``) serves by default; run links start with it."""
SPRINT_EXPERIMENT = "agileds-sprints"
"""The MLflow experiment holding one run per written sprint report."""


@dataclass(frozen=True)
class RunLink:
    """An MLflow run and its address in the MLflow UI."""

    run_id: str
    experiment_id: str
    url: str


@dataclass(frozen=True)
class SprintTicket:
    """One ticket of the sprint, with what its runs showed.

    Attributes:
        sprint: The ticket's ``sprint:`` now; another number when it has moved on.
        carried_over: Not done: its work moves to a later sprint.
        verdict: Overall verdict of ``criteria``; None without a finished run.
        criteria: Each acceptance criterion, its verdict and the measured values it used.
        run: The latest finished parent run, whose verdicts ``criteria`` shows.
        metric: The metric the sweep optimised, e.g. ``auroc``.
        best_value: Its best value over the ticket's finished parent runs.
        best_run: The run holding ``best_value``.
        runs: Finished parent runs of the ticket up to the end of the sprint.
    """

    id: str
    type: str
    title: str
    status: str
    value: float
    effort: float
    quadrant: str
    sprint: int | None
    carried_over: bool
    verdict: str | None = None
    criteria: tuple[CriterionRow, ...] = ()
    run: RunLink | None = None
    metric: str | None = None
    best_value: float | None = None
    best_run: RunLink | None = None
    runs: int = 0


@dataclass(frozen=True)
class SprintReport:
    """Everything the report of one sprint shows, computed and ready to format.

    Build it with :func:`build_sprint_report`; write it with :func:`write_sprint_report`.
    ``tracking_uri`` and ``artifact_root`` name the MLflow store the evidence came from
    (None when MLflow was not read); ``plots`` maps ``burndown``/``quadrants`` to the PNG
    file names once written.
    """

    number: int
    goal: str
    start: dt.date | None
    end: dt.date | None
    capacity: float | None
    committed_points: float
    done_points: float
    tickets: tuple[SprintTicket, ...]
    commits: tuple[SprintCommit, ...]
    burndown: tuple[BurndownDay, ...]
    forecast: Forecast | None
    forecast_note: str
    created: str
    notes: tuple[str, ...] = ()
    tracking_uri: str | None = None
    artifact_root: str | None = None
    plots: dict[str, str] = field(default_factory=dict)

    @property
    def carried_over(self) -> tuple[SprintTicket, ...]:
        """The tickets of the sprint that are not done."""
        return tuple(t for t in self.tickets if t.carried_over)

    @property
    def carried_over_points(self) -> float:
        """The effort of the carried-over tickets."""
        return sum(t.effort for t in self.carried_over)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (dates as ISO text), with the derived totals."""
        return fields_dict(
            self,
            carried_over=[t.id for t in self.carried_over],
            carried_over_points=self.carried_over_points,
        )


def build_sprint_report(
    sources: SprintSources, *, now: dt.datetime, today: dt.date, ui_url: str = DEFAULT_UI_URL
) -> SprintReport:
    """Build the report of one sprint from its sources: the backlog, git log and runs.

    Pure: it reads its arguments only, never the clock or the stores; read the sources
    with :func:`agileds.reports.gather_sprint`. See the module docstring for what each
    number means.

    Args:
        sources: The sprint, its tickets, the git history and the MLflow runs.
        now: When the report is made (its ``created``).
        today: The last day the burn-down shows.
        ui_url: Base address of the MLflow UI for run links.

    Returns:
        The report; ``plots`` is empty until :func:`write_sprint_report`.

    Example:
        >>> sources = agileds.reports.gather_sprint(project, 1, mlflow=False)  # doctest: +SKIP
        >>> report = agileds.build_sprint_report(sources, now=now, today=now.date())  # doctest: +SKIP
    """
    sprint, tickets, versions = sources.sprint, sources.tickets, sources.versions
    rows = _ticket_rows(tickets, sprint, sources.runs, ui_url)
    committed = sum(t.effort for t in tickets)
    fc, fc_note = history_forecast(versions, sprint, committed)
    return SprintReport(
        number=sprint.number,
        goal=sprint.goal,
        start=sprint.start,
        end=sprint.end,
        capacity=sprint.capacity,
        committed_points=committed,
        done_points=sum(t.effort for t in tickets if t.status is Status.DONE),
        tickets=tuple(rows),
        commits=tuple(sources.commits),
        burndown=burndown(
            versions,
            {t.id: t.effort for t in tickets},
            sprint,
            today,
            current={t.id: t.status.value for t in tickets},
        ),
        forecast=fc,
        forecast_note=fc_note,
        created=now.replace(microsecond=0).isoformat(),
        notes=tuple(sources.notes),
        tracking_uri=sources.tracking_uri,
        artifact_root=sources.artifact_root,
    )


def _ticket_rows(
    tickets: Sequence[Ticket],
    sprint: Sprint,
    runs: Mapping[str, Sequence[Any]] | None,
    ui_url: str,
) -> list[SprintTicket]:
    """Each ticket's row, with its MLflow evidence when the runs were read."""
    split = thresholds([t.value for t in tickets], [t.effort for t in tickets])
    rows = [
        SprintTicket(
            id=t.id,
            type=t.type.value,
            title=t.title,
            status=t.status.value,
            value=t.value,
            effort=t.effort,
            quadrant=quadrant_of(t.value, t.effort, split).value,
            sprint=t.sprint,
            carried_over=t.status is not Status.DONE,
            criteria=_criteria(t, None),
        )
        for t in tickets
    ]
    if runs is None:
        return rows
    reader = _RunReader(ui_url)
    by_id = {t.id: t for t in tickets}
    return [reader.with_evidence(row, by_id[row.id], runs.get(row.id, ())) for row in rows]


class _RunReader:
    """Turns each ticket's finished parent runs into its evidence."""

    def __init__(self, ui_url: str) -> None:
        self.ui_url = ui_url.rstrip("/")

    def link(self, run: Any) -> RunLink:
        run_id, experiment = run.info.run_id, run.info.experiment_id
        url = run_url(self.ui_url, experiment, run_id)
        return RunLink(run_id, experiment, url)

    def with_evidence(self, row: SprintTicket, ticket: Ticket, runs: Sequence[Any]) -> SprintTicket:
        if not runs:
            return row
        summary = summarise_runs(ticket.id, list(runs))
        best = next((r for r in runs if r.info.run_id == summary.best_run_id), None)
        criteria = _criteria(ticket, runs[0])
        results = [CriterionResult(c.number, c.text, _verdict(c.verdict)) for c in criteria]
        return dataclasses.replace(
            row,
            verdict=overall_verdict(results).value,
            criteria=criteria,
            run=self.link(runs[0]),
            metric=summary.metric,
            best_value=summary.value,
            best_run=self.link(best) if best is not None else None,
            runs=len(runs),
        )


def _criteria(ticket: Ticket, run: Any) -> tuple[CriterionRow, ...]:
    """The ticket's criteria decided on ``run``'s metrics, with the verdicts it recorded."""
    metrics = run.data.metrics if run is not None else {}
    tags = run.data.tags if run is not None else {}
    rows = []
    for result in evaluate_ticket(ticket, metrics):
        recorded = tags.get(criterion_tag(result.number))
        verdict = result.verdict.value if result.manual or recorded is None else recorded
        values = {k: float(v) for k, v in result.values.items()}
        rows.append(CriterionRow(result.number, result.text, verdict, values, result.manual))
    return tuple(rows)


def _verdict(text: str) -> Verdict:
    try:
        return Verdict(text)
    except ValueError:  # a tag edited by hand
        return Verdict.UNKNOWN


def write_sprint_report(report: SprintReport, folder: Path, *, client: Any = None) -> Path:
    """Write ``sprint-N.md`` and its PNGs into ``folder``, then log them to MLflow.

    Every file is replaced atomically. The files are logged (:func:`log_sprint_report`)
    when the report was built from MLflow (``report.tracking_uri``) or ``client`` is given.

    Returns:
        The path of ``sprint-N.md``.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> report = agileds.build_sprint_report(project, 1)  # doctest: +SKIP
        >>> agileds.write_sprint_report(report, project.reports_dir)  # doctest: +SKIP
    """
    from agileds.reports._sprint_plots import plot_sprint_report  # imports matplotlib

    folder.mkdir(parents=True, exist_ok=True)
    plotted = dataclasses.replace(report, plots=plot_sprint_report(report, folder))
    text = render_markdown("sprint.md.j2", report=plotted)
    path = write_atomic(folder / f"sprint-{report.number}.md", text)
    if client is not None or report.tracking_uri is not None:
        log_sprint_report(plotted, path, client=client)
    return path


def log_sprint_report(report: SprintReport, path: Path, *, client: Any = None) -> str:
    """Log a written report and its PNGs as artifacts of a new run in ``agileds-sprints``.

    The run is named ``sprint-N`` and tagged ``agileds.sprint=N``; its metrics are the
    sprint's points (committed, done, carried over, capacity) and forecast. Each written
    report makes a new run, so the experiment keeps every version; the newest is current.

    Returns:
        The run ID.

    Raises:
        UsageError: No ``client`` and the report was built without MLflow.
    """

    if client is None:
        if report.tracking_uri is None:
            raise UsageError("the report was built without MLflow; pass an MLflow client")
        client = get_client(report.tracking_uri)
    experiment = ensure_experiment(client, SPRINT_EXPERIMENT, report.artifact_root)
    logger = RunLogger(client, tags={"agileds.sprint": str(report.number)})
    params = {"start": report.start, "end": report.end, "goal": report.goal}
    tags = {"agileds.sprint.tickets": ",".join(t.id for t in report.tickets)}
    run = logger.start_parent(experiment, f"sprint-{report.number}", tags=tags, params=params)
    try:
        logger.log_artifact(run, str(path), "report")
        for name in report.plots.values():
            logger.log_artifact(run, str(path.parent / name), "report")
    except BaseException:
        logger.finish_parent(run, "FAILED")
        raise
    logger.finish_parent(run, "FINISHED", metrics=_run_metrics(report))
    return run


def _run_metrics(report: SprintReport) -> dict[str, float | None]:
    f = report.forecast
    return {
        "committed_points": report.committed_points,
        "done_points": report.done_points,
        "carried_over_points": report.carried_over_points,
        "capacity": report.capacity,
        "tickets": float(len(report.tickets)),
        "commits": float(len(report.commits)),
        "forecast_probability": f.probability if f else None,
        "forecast_p50": f.p50 if f else None,
        "forecast_p85": f.p85 if f else None,
    }
