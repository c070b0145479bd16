"""The sprint report's gather step: read the backlog, git and MLflow once, build the report.

:func:`gather_sprint` reads every source into a :class:`SprintSources`;
:func:`agileds.reports.build_sprint_report` computes the report from it without reading
anything; :func:`sprint_report` does both with the clock's ``now``, as ``agileds sprint
report`` does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.backlog import Sprint, TicketVersion, load_sprints, parent_runs, ticket_versions
from agileds.errors import UsageError
from agileds.reports._sprint import DEFAULT_UI_URL, SprintReport, build_sprint_report
from agileds.reports._sprint_history import SprintCommit, sprint_commits, sprint_tickets
from agileds.tickets import Ticket

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = ["SprintSources", "gather_sprint", "sprint_report"]

_SQLITE = "sqlite:///"


@dataclass(frozen=True)
class SprintSources:
    """What the report of one sprint is computed from, as read from the project's stores.

    Attributes:
        sprint: The sprint as listed in ``backlog/sprints.yaml``.
        tickets: The tickets of the sprint, as the ticket files are now.
        versions: Every committed version of the ticket files (the git log of the backlog).
        commits: The commits of the sprint naming one of its tickets, oldest first.
        runs: Each ticket's finished parent runs started before the day after the sprint's
            end, newest first; None when MLflow was not read.
        notes: Why MLflow was not read, when it was not.
        tracking_uri: The MLflow store the runs came from (None when not read).
        artifact_root: Its artifact root.
    """

    sprint: Sprint
    tickets: tuple[Ticket, ...]
    versions: tuple[TicketVersion, ...]
    commits: tuple[SprintCommit, ...]
    runs: Mapping[str, tuple[Any, ...]] | None = None
    notes: tuple[str, ...] = ()
    tracking_uri: str | None = None
    artifact_root: str | None = None


def sprint_report(
    project: Project,
    number: int,
    *,
    client: Any = None,
    ui_url: str = DEFAULT_UI_URL,
    mlflow: bool = True,
    today: dt.date | None = None,
) -> SprintReport:
    """Read sprint ``number``'s sources (:func:`gather_sprint`) and build its report now.

    Args:
        project: The project.
        number: The sprint, as listed in ``backlog/sprints.yaml``.
        client: An MLflow client to read runs with (default: one on the project's store).
        ui_url: Base address of the MLflow UI for run links.
        mlflow: Read MLflow; False skips it (and never imports it).
        today: The last day the burn-down shows (default: today).

    Returns:
        The report; ``plots`` is empty until :func:`agileds.reports.write_sprint_report`.

    Raises:
        UsageError: ``number`` below 1, or no such sprint in ``backlog/sprints.yaml``.
        SprintsError, BacklogInvalidError: ``sprints.yaml`` or a ticket file is invalid.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> report = agileds.sprint_report(project, 1, mlflow=False)  # doctest: +SKIP
        >>> agileds.write_sprint_report(report, project.reports_dir)  # doctest: +SKIP
    """
    sources = gather_sprint(project, number, client=client, mlflow=mlflow)
    return build_sprint_report(
        sources, ui_url=ui_url, today=today or dt.date.today(), now=dt.datetime.now(dt.UTC)
    )


def gather_sprint(
    project: Project, number: int, *, client: Any = None, mlflow: bool = True
) -> SprintSources:
    """Read everything the report of sprint ``number`` needs from the backlog, git and MLflow.

    Reads, never writes. Without a client, a SQLite store that does not exist yet is
    skipped, with a note; ``mlflow=False`` skips MLflow (and never imports it).

    Raises:
        UsageError: ``number`` below 1, or no such sprint in ``backlog/sprints.yaml``.
        SprintsError, BacklogInvalidError: ``sprints.yaml`` or a ticket file is invalid.
    """
    sprint = _find_sprint(project, number)
    versions = ticket_versions(project.root, project.backlog_dir)
    tickets = sprint_tickets(project.backlog().tickets(), versions, sprint)
    ids = {t.id for t in tickets}
    commits = sprint_commits(project.root, ids, sprint.start, sprint.end)
    sources = SprintSources(sprint, tuple(tickets), tuple(versions), tuple(commits))
    stores, note = _stores(project, client, mlflow)
    if stores is None:
        return dataclasses.replace(sources, notes=(note,) if note else ())
    if client is None:
        from agileds.tracking import get_client

        client = get_client(stores[0])
    experiments = [e.experiment_id for e in client.search_experiments()]
    cutoff = _cutoff_ms(sprint.end)
    runs = {t.id: tuple(_runs(client, experiments, t.id, cutoff)) for t in tickets}
    return dataclasses.replace(sources, runs=runs, tracking_uri=stores[0], artifact_root=stores[1])


def _find_sprint(project: Project, number: int) -> Sprint:
    if number < 1:
        raise UsageError(f"sprint number must be 1 or more, got {number}")
    sprints = load_sprints(project.backlog_dir)
    if number not in sprints:
        known = ", ".join(str(n) for n in sorted(sprints)) or "none"
        raise UsageError(
            f"no sprint {number} in backlog/sprints.yaml (sprints: {known}); "
            f"plan it first with 'agileds sprint plan {number} --capacity POINTS'"
        )
    return sprints[number]


def _stores(
    project: Project, client: Any, mlflow: bool
) -> tuple[tuple[str, str | None] | None, str]:
    """The tracking URI and artifact root to read, or None and why not."""
    if not mlflow:
        return None, "MLflow not read (--no-mlflow): no verdicts or runs shown"
    from agileds.tracking import resolve_stores

    settings = project.settings
    stores = resolve_stores(project.root, settings.tracking_uri, settings.artifact_location)
    uri = stores.tracking_uri
    if client is None and uri.startswith(_SQLITE):
        database = Path(uri.removeprefix(_SQLITE).partition("?")[0])
        if not database.is_file():
            return None, f"no MLflow database at {database} yet: no verdicts or runs shown"
    return (uri, stores.artifact_root), ""


def _cutoff_ms(end: dt.date | None) -> int | None:
    """Midnight (local time) after the sprint's last day, in ms since the epoch."""
    if end is None:
        return None
    return int(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()).timestamp() * 1000)


def _runs(client: Any, experiments: list[str], ticket_id: str, before_ms: int | None) -> list[Any]:
    """The ticket's finished parent runs up to the cutoff, newest first."""
    query = (
        f"tags.`agileds.ticket` = '{ticket_id}' and tags.`mlflow.parentRunId` IS NULL "
        "and attributes.status = 'FINISHED'"
    )
    if before_ms is not None:
        query += f" and attributes.start_time < {before_ms}"
    return list(parent_runs(client, experiments, query))
