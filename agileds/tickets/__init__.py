"""Tickets: the model, the YAML store and the acceptance-criteria grammar."""

from __future__ import annotations

from agileds.tickets._cache import paused_gc
from agileds.tickets._criteria import (
    Criterion,
    Evaluation,
    Verdict,
    is_plain_words,
    parse_criterion,
)
from agileds.tickets._deps import dependencies_of, dependency_warnings
from agileds.tickets._experiments import experiment_errors
from agileds.tickets._model import AcceptanceItem, Status, Ticket, TicketType, type_of_id
from agileds.tickets._quantities import RUN_FACTS, SERVING_MEASURES, is_known_quantity
from agileds.tickets._reference import criteria_reference
from agileds.tickets._schema import ticket_schema
from agileds.tickets._store import Backlog, LoadResult, check_ticket_id, parse_ticket
from agileds.tickets._verdicts import (
    CriterionResult,
    criterion_bound,
    evaluate_ticket,
    overall_verdict,
)

__all__ = [
    "RUN_FACTS",
    "SERVING_MEASURES",
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
    "check_ticket_id",
    "criteria_reference",
    "criterion_bound",
    "dependencies_of",
    "dependency_warnings",
    "evaluate_ticket",
    "experiment_errors",
    "is_known_quantity",
    "is_plain_words",
    "overall_verdict",
    "parse_criterion",
    "parse_ticket",
    "paused_gc",
    "ticket_schema",
    "type_of_id",
]
