"""The scorer extension point: one small class per prioritisation method."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from agileds.tickets import Ticket

__all__ = ["Score", "Scorer"]


@dataclass(frozen=True)
class Score:
    """A ticket's score, with the defaults that stood in for missing fields."""

    value: float
    warnings: tuple[str, ...] = field(default=())


class Scorer(abc.ABC):
    """Turns one ticket into a number; higher means do it sooner.

    ``score`` is called once per ticket, must not change the ticket, and never raises for
    a missing optional field: it uses the documented default and says so in ``warnings``.
    """

    name: str = ""

    @abc.abstractmethod
    def score(self, ticket: Ticket) -> Score:
        """Return the score of ``ticket``."""
