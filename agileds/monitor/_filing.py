"""Filing the investigation a breach calls for, or updating the one already open.

A batch with breaches files one investigation, about its most important breached signal
(the metric drop, then feature drift, then score volume); the other breaches are part of
its evidence (``monitor.also``). When an investigation of the same model is still open
(status other than ``done``) about one of the breached signals, or listing one among its
other breaches, it is updated with the new evidence instead (its ``monitor.signal`` kept),
so monitoring the same drift every day keeps one ticket, not one per day. An open
investigation of the same model with the title the monitor would give, in any case (one a
person filed, "Drop in auROC for model m"), is updated too: its description kept, the
evidence written to its ``monitor:`` field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.monitor._signals import Signal, severity_level, ticket_value

if TYPE_CHECKING:
    from agileds.monitor._batch import MonitorResult
    from agileds.project import Project
    from agileds.tickets import Ticket

__all__ = ["ACCEPTANCE", "DEFAULT_EFFORT", "Filing", "file_investigation"]

DEFAULT_EFFORT = 3
"""Effort of a filed investigation (story points), as a team would guess it up front."""

ACCEPTANCE = ("followups >= 1", "Root cause written up in the investigation report")
"""The criteria of a filed investigation: ``agileds run INV-n`` decides the first."""


@dataclass(frozen=True)
class Filing:
    """A ticket the monitor filed or updated.

    Attributes:
        ticket_id: e.g. ``INV-2``.
        action: ``filed`` (a new ticket) or ``updated`` (an open one, new evidence).
        signal: The signal the ticket is about.
        title: The ticket's title.
        severity: The severity of the batch's breach of that signal.
    """

    ticket_id: str
    action: str
    signal: str
    title: str
    severity: float


def file_investigation(
    project: Project, result: MonitorResult, signals: Sequence[Signal]
) -> tuple[Filing, ...]:
    """File (or update) the investigation for a batch's breaches; none without a breach.

    Returns:
        The filed or updated ticket, or nothing when no signal breached.
    """
    breaches = [s for s in signals if s.breached]
    if not breaches:
        return ()
    backlog = project.backlog()
    names = [s.name for s in breaches]
    tickets = backlog.tickets()
    existing = _open_investigation(tickets, result.model, names) or _same_title(
        tickets, result.model, _title(result, breaches[0])
    )
    key = str(existing.monitor.get("signal") or names[0]) if existing else names[0]
    signal = next((s for s in breaches if s.name == key), breaches[0])
    others = [s for s in breaches if s is not signal]
    seen = int(existing.monitor.get("occurrences", 1)) if existing and existing.monitor else 0
    occurrences = seen + 1
    monitor = {**_monitor_field(result, signal, others, occurrences), "signal": key}
    description = _description(project, result, signal, others, existing is not None)
    if existing is not None:
        # A ticket a person filed keeps its description; the evidence goes to monitor:.
        text = {"description": description} if existing.monitor else {}
        backlog.update(existing.id, monitor=monitor, **text)
        return (Filing(existing.id, "updated", key, existing.title, signal.severity),)
    title = _title(result, signal)
    ticket = backlog.create(
        "investigation",
        title,
        description=description,
        value=ticket_value(signal.severity),
        effort=DEFAULT_EFFORT,
        model=result.model,
        experiment=result.spec,
        monitor=monitor,
        acceptance=list(ACCEPTANCE),
    )
    return (Filing(ticket.id, "filed", key, title, signal.severity),)


def _open_investigation(tickets: list[Ticket], model: str, signals: list[str]) -> Ticket | None:
    """The open investigation of ``model`` to update for a batch breaching ``signals``.

    One about the first breached signal wins, then one about another breached signal, then
    one that lists a breached signal among its other breaches (``monitor.also``); the
    oldest first.
    """
    from agileds.tickets import Status, TicketType

    def rank(ticket: Ticket) -> int | None:
        signal = ticket.monitor.get("signal")
        if signal in signals:
            return signals.index(signal)
        also = [signals.index(s) for s in ticket.monitor.get("also") or () if s in signals]
        return len(signals) + min(also) if also else None

    ranked = [
        (order, int(t.id.split("-")[1]), t)
        for t in tickets
        if t.type is TicketType.INVESTIGATION
        and t.status is not Status.DONE
        and t.monitor.get("model") == model
        and (order := rank(t)) is not None
    ]
    return min(ranked, key=lambda entry: entry[:2])[2] if ranked else None


def _same_title(tickets: list[Ticket], model: str, title: str) -> Ticket | None:
    """The oldest open investigation of ``model`` titled ``title`` in any case, such as a
    hand-filed "Drop in auROC for model m" for the monitor's "Drop in auroc for model m"."""
    from agileds.tickets import Status, TicketType

    same = [
        (int(t.id.split("-")[1]), t)
        for t in tickets
        if t.type is TicketType.INVESTIGATION
        and t.status is not Status.DONE
        and (t.monitor.get("model") or t.model) == model
        and t.title.casefold() == title.casefold()
    ]
    return min(same, key=lambda entry: entry[0])[1] if same else None


def _title(result: MonitorResult, signal: Signal) -> str:
    if signal.name == "feature_drift":
        return f"Feature drift in {signal.evidence['column']} for model {result.model}"
    if signal.name == "score_volume":
        return f"Change in score volume for model {result.model}"
    return f"Drop in {result.metric} for model {result.model}"


def _monitor_field(
    result: MonitorResult, signal: Signal, others: list[Signal], occurrences: int
) -> dict[str, Any]:
    return {
        "signal": signal.name,
        "model": result.model,
        "version": result.version,
        "batch": result.batch,
        "at": result.at.isoformat(),
        "run_id": result.run_id,
        "step": result.index,
        "evidence": dict(signal.evidence),
        "severity": round(signal.severity, 3),
        "also": [s.name for s in others],
        "occurrences": occurrences,
    }


def _description(
    project: Project, result: MonitorResult, signal: Signal, others: list[Signal], updated: bool
) -> str:
    verb = "Updated" if updated else "Filed"
    url = project.run_url(result.experiment_id, result.run_id)
    lines = [
        f"{verb} by `agileds monitor` for {result.model} v{result.version} on batch "
        f"{result.batch} ({result.rows} scores, {result.at:%Y-%m-%d %H:%M} UTC).",
        f"severity: {severity_level(signal.severity)}",
        f"{signal.name}: {signal.detail} (threshold: {signal.rule}).",
        *(f"Also {s.name}: {s.detail} (threshold: {s.rule})." for s in others),
        f"Severity {signal.severity:.2f}: the breach over its threshold times the share of "
        "scores affected (docs/monitoring.md).",
        f"MLflow: monitoring run {result.run_id}, step {result.index} (artifacts "
        f"monitor/batch-{result.index}/), of training run {result.training_run_id}; with "
        f"`agileds ui` running: {url}",
    ]
    return "\n".join(lines) + "\n"
