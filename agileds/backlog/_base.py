"""The scorer extension point: one small class per prioritisation method."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field

from agileds.tickets import Ticket

__all__ = ["Score", "Scorer"]


@dataclass(frozen=True)
class Score:
    """A ticket's score, with the defaults that stood in for missing fields.

    Attributes:
        value: The score; higher means do it sooner.
        warnings: One line per default used or odd input seen, each starting with the
            ticket ID, e.g. ``"STORY-3: no reach; used 1"``.
    """

    value: float
    warnings: tuple[str, ...] = field(default=())


class Scorer(abc.ABC):
    """Turns one ticket into a number; higher means do it sooner.

    Contract: ``score`` is called once per open ticket, in no particular order, and must not
    change the ticket (tickets are frozen). It never raises for a missing optional field:
    it uses the default the subclass documents and says so in ``Score.warnings``, one line
    per field. A value off the method's expected scale is scored as given and warned about.
    Scorers hold no state between calls, so one instance may rank any number of backlogs.

    Attributes:
        name: The method name used in ``agileds.yaml`` (``scorer:``) and ``--method``.
    """

    name: str = ""

    @abc.abstractmethod
    def score(self, ticket: Ticket) -> Score:
        """Return the score of ``ticket``."""

    @staticmethod
    def field_or_default(ticket: Ticket, name: str, default: float, warnings: list[str]) -> float:
        """Return the ticket's ``name`` field, or ``default`` with a warning when it is unset."""
        value: float | None = getattr(ticket, name)
        if value is None:
            warnings.append(f"{ticket.id}: no {name}; used {default:g}")
            return default
        return value

    @staticmethod
    def check_scale(
        ticket: Ticket, name: str, value: float, scale: Sequence[float], method: str
    ) -> str | None:
        """Return a warning when ``value`` is not one of ``scale``, else None."""
        if value in scale:
            return None
        shown = ", ".join(f"{s:g}" for s in scale)
        return f"{ticket.id}: {name} {value:g} is off the {method} scale {shown}; scored as given"
