"""The ticket model: the fields of a backlog item and their rules (pydantic)."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ID_PATTERN",
    "PREFIXES",
    "AcceptanceItem",
    "Status",
    "Ticket",
    "TicketType",
    "type_of_id",
]


class TicketType(StrEnum):
    """The four kinds of backlog item; each has its own runner."""

    INVESTIGATION = "investigation"
    STORY = "story"
    SPIKE = "spike"
    BUG = "bug"


class Status(StrEnum):
    """Where a ticket stands."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


PREFIXES: dict[TicketType, str] = {
    TicketType.INVESTIGATION: "INV",
    TicketType.STORY: "STORY",
    TicketType.SPIKE: "SPIKE",
    TicketType.BUG: "BUG",
}
ID_PATTERN = r"^(INV|STORY|SPIKE|BUG)-[1-9][0-9]*$"
_ID_RE = re.compile(ID_PATTERN)

TicketId = Annotated[str, Field(pattern=ID_PATTERN)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


def type_of_id(ticket_id: str) -> TicketType | None:
    """Return the ticket type an ID's prefix names, or None when it is not a ticket ID."""
    if not _ID_RE.match(ticket_id):
        return None
    prefix = ticket_id.split("-", 1)[0]
    return next(t for t, p in PREFIXES.items() if p == prefix)


class AcceptanceItem(BaseModel):
    """One acceptance criterion written as a mapping, e.g. a manual check.

    ``accepted_by``/``accepted_at`` record the sign-off of a manual criterion.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, Field(min_length=1)]
    manual: bool = False
    accepted_by: str | None = None
    accepted_at: dt.date | None = None


class Ticket(BaseModel):
    """A backlog item as written in ``backlog/<ID>.yaml``.

    Unknown keys are errors, so a typo never passes silently.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_enum_values=False, allow_inf_nan=False
    )

    id: TicketId
    type: TicketType
    title: Annotated[str, Field(min_length=1)]
    description: str = ""
    status: Status = Status.TODO
    value: Positive
    effort: Positive
    time_criticality: NonNegative | None = None
    risk_reduction: NonNegative | None = None
    reach: NonNegative | None = None
    impact: NonNegative | None = None
    confidence: Annotated[float, Field(gt=0, le=1)] | None = None
    sprint: Annotated[int, Field(ge=1)] | None = None
    parent: TicketId | None = None
    depends_on: list[TicketId] = Field(default_factory=list)
    owner: str | None = None
    model: str | None = None
    experiment: str | None = None
    sweep: dict[str, Any] = Field(default_factory=dict)
    monitor: dict[str, Any] = Field(default_factory=dict)
    acceptance: list[str | AcceptanceItem] = Field(default_factory=list)
    created: dt.date | None = None

    @model_validator(mode="after")
    def _prefix_matches_type(self) -> Ticket:
        expected = PREFIXES[self.type]
        if self.id.split("-", 1)[0] != expected:
            raise ValueError(
                f"ID prefix does not match type {self.type.value!r}; "
                f"use {expected}-<n> or change type"
            )
        return self

    def criteria(self) -> list[AcceptanceItem]:
        """Return every criterion as an AcceptanceItem (plain strings become text items)."""
        return [
            a if isinstance(a, AcceptanceItem) else AcceptanceItem(text=a) for a in self.acceptance
        ]


# What each field expects, in words: used to turn validation errors into one helpful line.
EXPECTATIONS: dict[str, str] = {
    "id": "an ID like STORY-12 (INV-n, STORY-n, SPIKE-n or BUG-n)",
    "type": "one of investigation, story, spike, bug",
    "title": "a non-empty string",
    "description": "a string",
    "status": "one of todo, in_progress, done, blocked",
    "value": "a positive number",
    "effort": "a positive number",
    "time_criticality": "a number >= 0",
    "risk_reduction": "a number >= 0",
    "reach": "a number >= 0",
    "impact": "a number >= 0",
    "confidence": "a number in (0, 1], e.g. 0.8",
    "sprint": "a sprint number >= 1",
    "parent": "a ticket ID like SPIKE-2",
    "depends_on": "a list of ticket IDs like [STORY-3, BUG-1]",
    "owner": "a string",
    "model": "a registered model name like lead-scoring",
    "experiment": "the path of an experiment spec, e.g. experiments/lead_scoring.yaml",
    "sweep": "a mapping of sweep overrides",
    "monitor": "a mapping a monitor writes (signal, batch, model version, evidence)",
    "acceptance": "a list of criteria: strings, or {text: ..., manual: true}",
    "created": "a date like 2026-11-27",
}
FIELD_ORDER: tuple[str, ...] = tuple(EXPECTATIONS)
