"""Evidence from MLflow: what the runs of a ticket showed, and how that moves its confidence.

How evidence changes the score: before a ticket is scored, its ``confidence`` is adjusted
from the latest verdict of its own parent runs, or, when it has none, of its ``parent``
ticket (typically the spike that explored the idea):

- the verdict is ``pass`` → confidence is raised to 0.9 (kept when already higher);
- the verdict is ``fail`` → confidence is lowered to 0.3 (kept when already lower);
- any other verdict (unknown, pending) or no runs → unchanged.

The ticket's own verdict wins over its parent's. Every change is reported as a warning line,
e.g. ``STORY-2: confidence 0.6 → 0.9: parent SPIKE-1 passed its criteria``. Scorers that use
confidence (``ratio``, ``rice``, ``ice``) move; ``wsjf`` does not use it. The YAML file is
never changed. A monitor's measured severity is shown beside the ticket but does not change
its score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.tickets import Ticket
from agileds.tracking import TICKET_TAG, VERDICT_TAG, get_client, resolve_stores

if TYPE_CHECKING:
    from agileds.project import Project

__all__ = [
    "FAILED_CONFIDENCE",
    "PASSED_CONFIDENCE",
    "Evidence",
    "adjust_confidence",
    "adjust_with_note",
    "attach_severity",
    "evidence_from_mlflow",
    "gather_evidence",
    "monitor_severity",
]

PASSED_CONFIDENCE = 0.9
FAILED_CONFIDENCE = 0.3
_SQLITE = "sqlite:///"
_PARENT_FILTER = "tags.`agileds.ticket` LIKE '%' and tags.`mlflow.parentRunId` IS NULL"
_SEVERITY_RE = re.compile(r"^\s*severity\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Evidence:
    """What MLflow holds for one ticket.

    Attributes:
        ticket_id: The ticket.
        metric: Name of the quantity the sweep optimised (the run's ``agileds.metric`` tag),
            e.g. ``auroc``; None when no run names one.
        value: Best value of ``metric`` over the ticket's parent runs.
        verdict: Latest verdict (``agileds.verdict`` tag; killed runs skipped), e.g. ``pass``.
        runs: Number of parent runs (ticket executions; trials are not counted).
        severity: Measured severity of a monitor-filed ticket, when known.
        best_run_id: The run holding ``value``.
    """

    ticket_id: str
    metric: str | None = None
    value: float | None = None
    verdict: str | None = None
    runs: int = 0
    severity: str | None = None
    best_run_id: str | None = None

    def summary(self) -> str:
        """Return a short text such as ``auroc 0.83 pass`` or ``severity high``."""
        parts = []
        if self.metric and self.value is not None:
            parts.append(f"{self.metric} {self.value:.3g}")
        if self.verdict:
            parts.append(self.verdict)
        if self.severity:
            parts.append(f"severity {self.severity}")
        return " ".join(parts)


def evidence_from_mlflow(tracking_uri: str, ticket_ids: Iterable[str]) -> dict[str, Evidence]:
    """Read the evidence of each ticket from its parent runs in MLflow.

    A parent run carries the ``agileds.ticket`` tag and no ``mlflow.parentRunId``. Imports
    MLflow, so call it only when evidence is wanted and the store exists.

    Args:
        tracking_uri: The MLflow tracking URI (``Stores.tracking_uri``).
        ticket_ids: The tickets to look up; others are ignored.

    Returns:
        Evidence by ticket ID, for the tickets that have at least one parent run.
    """

    wanted = set(ticket_ids)
    client = get_client(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs_by_ticket: dict[str, list[Any]] = {}
    for run in parent_runs(client, experiments):
        ticket_id = run.data.tags.get(TICKET_TAG)
        if ticket_id in wanted:
            runs_by_ticket.setdefault(ticket_id, []).append(run)
    return {tid: summarise_runs(tid, runs) for tid, runs in runs_by_ticket.items()}


def parent_runs(
    client: Any, experiments: list[str], filter_string: str = _PARENT_FILTER
) -> Iterable[Any]:
    """Yield every parent run of a ticket (or the runs ``filter_string`` selects), newest
    first, page by page."""
    if not experiments:
        return
    token = None
    while True:
        page = client.search_runs(
            experiments,
            filter_string=filter_string,
            order_by=["attributes.start_time DESC"],
            max_results=1000,
            page_token=token,
        )
        yield from page
        token = page.token
        if not token:
            return


def summarise_runs(ticket_id: str, runs: list[Any]) -> Evidence:
    """Build the evidence of one ticket from its parent runs (newest first)."""
    verdicts = [r.data.tags.get(VERDICT_TAG) for r in runs]
    verdict = next((v for v in verdicts if v and v != "killed"), None)
    severity = next((s for r in runs if (s := r.data.tags.get("agileds.severity"))), None)
    metric = next((m for r in runs if (m := r.data.tags.get("agileds.metric"))), None)
    best: tuple[float, str] | None = None
    for run in runs:
        value = run.data.metrics.get(metric) if metric else None
        if value is None:
            continue
        lower = run.data.params.get("direction") == "minimize"
        if best is None or (value < best[0] if lower else value > best[0]):
            best = (value, run.info.run_id)
    return Evidence(
        ticket_id,
        metric=metric,
        value=best[0] if best else None,
        verdict=verdict,
        runs=len(runs),
        severity=severity,
        best_run_id=best[1] if best else None,
    )


def monitor_severity(ticket: Ticket) -> str | None:
    """Return the severity a monitor wrote into an investigation's description, if any.

    The hook reads a line ``severity: <level>`` (e.g. ``severity: high``); without one it
    returns None and nothing changes.
    """
    match = _SEVERITY_RE.search(ticket.description)
    return match.group(1) if match else None


def attach_severity(
    evidence_by_id: Mapping[str, Evidence], tickets: Iterable[Ticket]
) -> dict[str, Evidence]:
    """Add each ticket's :func:`monitor_severity` to its evidence where MLflow had none."""
    result = dict(evidence_by_id)
    for ticket in tickets:
        severity = monitor_severity(ticket)
        if severity is None:
            continue
        known = result.get(ticket.id, Evidence(ticket.id))
        if known.severity is None:
            result[ticket.id] = replace(known, severity=severity)
    return result


def _decision(ticket: Ticket, evidence_by_id: Mapping[str, Evidence]) -> tuple[float, str] | None:
    """Return the adjusted confidence and the reason, or None when evidence says nothing."""
    sources = [(ticket.id, "its latest run")]
    if ticket.parent:
        sources.append((ticket.parent, f"parent {ticket.parent}"))
    for ticket_id, who in sources:
        evidence = evidence_by_id.get(ticket_id)
        verdict = evidence.verdict if evidence else None
        if verdict == "pass":
            current = ticket.confidence or 0.0
            return max(current, PASSED_CONFIDENCE), f"{who} passed its criteria"
        if verdict == "fail":
            current = ticket.confidence or 1.0
            return min(current, FAILED_CONFIDENCE), f"{who} failed its criteria"
    return None


def adjust_with_note(
    ticket: Ticket, evidence_by_id: Mapping[str, Evidence]
) -> tuple[Ticket, str | None]:
    """Return :func:`adjust_confidence`'s ticket and the warning line saying why, if changed."""
    decision = _decision(ticket, evidence_by_id)
    if decision is None or decision[0] == ticket.confidence:
        return ticket, None
    confidence, reason = decision
    before = f"{ticket.confidence:g}" if ticket.confidence is not None else "unset"
    note = f"{ticket.id}: confidence {before} → {confidence:g}: {reason}"
    return ticket.model_copy(update={"confidence": confidence}), note


def adjust_confidence(ticket: Ticket, evidence_by_id: Mapping[str, Evidence]) -> Ticket:
    """Return ``ticket`` with its confidence moved by evidence (see the module docstring).

    Args:
        ticket: The ticket to score.
        evidence_by_id: Evidence by ticket ID, e.g. from :func:`evidence_from_mlflow`.

    Returns:
        A copy with the new confidence, or ``ticket`` itself when nothing changes.

    Example:
        A story (confidence 0.6) whose parent spike passed is scored with confidence 0.9.
    """
    return adjust_with_note(ticket, evidence_by_id)[0]


def gather_evidence(
    project: Project, tickets: Sequence[Ticket], wanted: bool | None
) -> tuple[dict[str, Evidence], list[str], str | None]:
    """Collect the evidence for ``tickets`` and their parents, plus monitor severities.

    Args:
        project: The project whose tracking store to read.
        tickets: The tickets being ranked.
        wanted: True: read MLflow; False: do not; None: only when the store is a SQLite
            file that exists (so a project without runs never imports MLflow).

    Returns:
        Evidence by ticket ID, warnings (a store that could not be read), and the tracking
        URI read (None when MLflow was not read).
    """

    uri = resolve_stores(project.root, project.settings.tracking_uri).tracking_uri
    database = Path(uri.removeprefix(_SQLITE)) if uri.startswith(_SQLITE) else None
    notes: list[str] = []
    found: dict[str, Evidence] = {}
    if wanted is None:
        wanted = database is not None and database.is_file()
    elif wanted and database is not None and not database.is_file():
        notes.append(f"evidence: no MLflow database at {database}; ranked without evidence")
        wanted = False
    if wanted:
        ids = {t.id for t in tickets} | {t.parent for t in tickets if t.parent}
        try:
            found = _read_evidence(uri, database, ids)
        except Exception as exc:  # the ranking stands without evidence; say why
            notes.append(f"evidence: could not read MLflow at {uri}: {exc}; ranked without it")
    return attach_severity(found, tickets), notes, uri if wanted else None


def _read_evidence(uri: str, database: Path | None, ids: set[str]) -> dict[str, Evidence]:
    """Evidence from the SQLite file read directly (milliseconds), else through MLflow."""
    import sqlite3

    if database is not None:
        from agileds.backlog._evidence_sqlite import parent_runs_from_sqlite

        try:
            runs = parent_runs_from_sqlite(database, ids)
        except sqlite3.Error:
            pass  # not the schema expected, or unreadable: MLflow knows better
        else:
            return {tid: summarise_runs(tid, list(found)) for tid, found in runs.items()}
    return evidence_from_mlflow(uri, ids)
