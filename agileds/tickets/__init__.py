"""Tickets: the model, the YAML store and the acceptance-criteria grammar."""

from __future__ import annotations

from agileds.tickets._criteria import (
    Criterion,
    Evaluation,
    Verdict,
    is_plain_words,
    parse_criterion,
)
from agileds.tickets._model import AcceptanceItem, Status, Ticket, TicketType, type_of_id
from agileds.tickets._schema import ticket_schema
from agileds.tickets._store import Backlog, LoadResult, parse_ticket
from agileds.tickets._verdicts import CriterionResult, evaluate_ticket

__all__ = [
    "AcceptanceItem",
    "Backlog",
    "Criterion",
    "CriterionResult",
    "Evaluation",
    "LoadResult",
    "Status",
    "Ticket",
    "TicketType",
    "Verdict",
    "evaluate_ticket",
    "is_plain_words",
    "parse_criterion",
    "parse_ticket",
    "ticket_schema",
    "type_of_id",
]
