"""The ticket-runner extension point and what a run returns."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from agileds._json import json_ready
from agileds.project import Project
from agileds.tickets import CriterionResult, Ticket, Verdict

__all__ = ["RunOptions", "RunOptionsArgs", "RunResult", "TicketRunner"]


@dataclass(frozen=True)
class RunOptions:
    """How to run: budget overrides, parallelism, storage, and where progress goes.

    ``data`` (the batch to investigate) and ``file_followups`` (write the proposed
    follow-up tickets to the backlog) are for investigation tickets.
    """

    trials: int | None = None
    timeout: float | None = None
    workers: int = 1
    storage: str | None = None
    fresh: bool = False
    data: str | Path | None = None
    file_followups: bool = False
    progress: Callable[[Any], None] | None = None
    message: Callable[[str], None] | None = None

    def say(self, text: str) -> None:
        """Pass a one-line status message to the caller (the CLI prints it)."""
        if self.message is not None:
            self.message(text)


class RunOptionsArgs(TypedDict, total=False):
    """The keyword arguments of :func:`agileds.run_ticket`: :class:`RunOptions`' fields."""

    trials: int | None
    timeout: float | None
    workers: int
    storage: str | None
    fresh: bool
    data: str | Path | None
    file_followups: bool
    progress: Callable[[Any], None] | None
    message: Callable[[str], None] | None


@dataclass(frozen=True)
class RunResult:
    """The outcome of ``agileds run``: verdicts, measured quantities, where things went.

    ``sanity`` holds the sanity checks' findings (``removed`` and ``suspects``, as rows with
    column, check and reason) for the runs that made them.
    """

    ticket: Ticket
    verdict: Verdict
    criteria: list[CriterionResult]
    quantities: dict[str, float]
    parent_run_id: str | None = None
    experiment_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    best_config: dict[str, Any] = field(default_factory=dict)
    report_path: Path | None = None
    followups: list[Any] = field(default_factory=list)
    unmeasured: dict[str, str] = field(default_factory=dict)
    """Why a quantity was not measured, by name or by prefix ending in ``.``
    (``{"production.": "no production model of lead-scoring yet"}``)."""
    sanity: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when any criterion failed (the CLI then exits with 1)."""
        return any(c.verdict is Verdict.FAIL for c in self.criteria)

    @property
    def unknown(self) -> list[CriterionResult]:
        """Measured (not manual) criteria that could not be decided: a quantity is missing."""
        return [c for c in self.criteria if c.verdict is Verdict.UNKNOWN and not c.manual]

    def why_unknown(self, criterion: CriterionResult) -> str:
        """Which quantities ``criterion`` lacks and why, e.g. ``leakage_flags was not
        measured: the sanity checks are off (sanity: {enabled: false} in the spec)``."""
        reasons = []
        for name in criterion.missing:
            why = self.unmeasured.get(name) or next(
                (v for k, v in self.unmeasured.items() if k.endswith(".") and name.startswith(k)),
                "this run does not measure it",
            )
            reasons.append(f"{name} was not measured: {why}")
        return "; ".join(reasons) or "a quantity was not measured"

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data (what ``agileds run --json`` prints)."""
        data = {
            "ticket": self.ticket.id,
            "verdict": self.verdict.value,
            "criteria": [
                {
                    "number": c.number,
                    "text": c.text,
                    "verdict": c.verdict.value,
                    "values": c.values,
                    "missing": list(c.missing),
                    "manual": c.manual,
                    **({"why": self.why_unknown(c)} if c in self.unknown else {}),
                }
                for c in self.criteria
            ],
            "quantities": self.quantities,
            "run_id": self.parent_run_id,
            "experiment_id": self.experiment_id,
            "model": self.model_name,
            "model_version": self.model_version,
            "best_config": self.best_config,
            "report": str(self.report_path) if self.report_path else None,
            "sanity": self.sanity,
            "followups": [
                {"type": f.type, "title": f.title, "filed_as": f.filed_as} for f in self.followups
            ],
        }
        return {key: json_ready(value) for key, value in data.items()}


class TicketRunner(abc.ABC):
    """What ``agileds run`` does for one ticket type.

    ``run`` is called once per ``agileds run``; it may log to MLflow and write reports, but
    never edits the ticket file. It raises AgileDSError subclasses for bad input.
    """

    @abc.abstractmethod
    def run(self, project: Project, ticket: Ticket, options: RunOptions) -> RunResult:
        """Execute ``ticket`` and decide its acceptance criteria."""
