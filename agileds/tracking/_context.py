"""The active ticket: environment variables, its tags, and MLflow's run-context plugin."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from agileds.errors import UsageError
from agileds.tracking._tags import TICKET_TAG, TICKET_TYPE_TAG

__all__ = [
    "TICKET_ENV",
    "TICKET_TAGS_ENV",
    "TicketRunContext",
    "active_ticket",
    "ticket_tags",
    "ticket_type_from_id",
]

#: The active ticket's ID; set by :func:`active_ticket` or exported by the user.
TICKET_ENV = "AGILEDS_TICKET"
#: JSON object of the active ticket's tags, set by :func:`active_ticket`.
TICKET_TAGS_ENV = "AGILEDS_TICKET_TAGS"

_TYPE_BY_PREFIX = {"STORY": "story", "SPIKE": "spike", "BUG": "bug", "INV": "investigation"}


def ticket_type_from_id(ticket_id: str) -> str | None:
    """Return the ticket type its ID prefix names, or None for an unknown prefix.

    Example:
        >>> ticket_type_from_id("INV-3")
        'investigation'
    """
    return _TYPE_BY_PREFIX.get(ticket_id.partition("-")[0].strip().upper())


def ticket_tags() -> dict[str, str]:
    """Return the active ticket's MLflow tags, or an empty dict when no ticket is active.

    The ticket comes from ``AGILEDS_TICKET``; its type is derived from the ID prefix. Tags
    stored by :func:`active_ticket` in ``AGILEDS_TICKET_TAGS`` are added when they belong to
    that same ticket (a malformed or stale value is ignored).
    """
    ticket = os.environ.get(TICKET_ENV, "").strip()
    if not ticket:
        return {}
    tags = {TICKET_TAG: ticket}
    if ticket_type := ticket_type_from_id(ticket):
        tags[TICKET_TYPE_TAG] = ticket_type
    return {**tags, **_stored_tags(ticket)}


def _stored_tags(ticket: str) -> dict[str, str]:
    """Return the JSON tags in ``AGILEDS_TICKET_TAGS`` if they belong to ``ticket``."""
    try:
        stored = json.loads(os.environ.get(TICKET_TAGS_ENV) or "{}")
    except ValueError:
        return {}
    if not isinstance(stored, dict) or stored.get(TICKET_TAG, ticket) != ticket:
        return {}
    return {str(key): str(value) for key, value in stored.items()}


@contextmanager
def active_ticket(tags: str | Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Make a ticket active for the duration of the block, in this process and its children.

    Sets ``AGILEDS_TICKET`` and ``AGILEDS_TICKET_TAGS`` (so worker processes started inside the
    block inherit the ticket) and restores their previous values on exit. Any
    ``mlflow.start_run`` inside the block carries the tags through :class:`TicketRunContext`.
    The environment is process-wide: do not activate different tickets from parallel threads.

    Args:
        tags: The ticket's tags, which must include ``agileds.ticket``; or just the ticket ID.

    Yields:
        The tags now active (:func:`ticket_tags`).

    Raises:
        UsageError: ``tags`` has no ``agileds.ticket`` entry.

    Example:
        >>> with active_ticket({"agileds.ticket": "STORY-12", "agileds.title": "Lead score"}):
        ...     ticket_tags()["agileds.ticket_type"]
        'story'
    """
    stored = (
        {TICKET_TAG: tags} if isinstance(tags, str) else {str(k): str(v) for k, v in tags.items()}
    )
    ticket = stored.get(TICKET_TAG, "").strip()
    if not ticket:
        raise UsageError(
            f"active_ticket: the tags need an '{TICKET_TAG}' entry such as 'STORY-12', got {stored}"
        )
    previous = {name: os.environ.get(name) for name in (TICKET_ENV, TICKET_TAGS_ENV)}
    os.environ[TICKET_ENV] = ticket
    os.environ[TICKET_TAGS_ENV] = json.dumps({**stored, TICKET_TAG: ticket})
    try:
        yield ticket_tags()
    finally:
        _restore(previous)


def _restore(previous: Mapping[str, str | None]) -> None:
    """Put environment variables back to ``previous`` (None meaning unset)."""
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


class TicketRunContext:
    """MLflow run-context provider adding the active ticket's tags to fluent runs.

    Registered through the ``mlflow.run_context_provider`` entry point; MLflow instantiates it
    once when ``mlflow`` is imported and asks it on every ``mlflow.start_run``. It follows the
    ``mlflow.tracking.context.abstract_context.RunContextProvider`` protocol without
    subclassing it: importing MLflow here would make ``import agileds.tracking`` cost a second,
    and when this module was the first to import MLflow, MLflow would load the entry point
    while this module was still half-initialised and silently drop the provider.
    """

    def in_context(self) -> bool:
        """Return True when a ticket is active (``AGILEDS_TICKET`` is set)."""
        return bool(os.environ.get(TICKET_ENV, "").strip())

    def tags(self) -> dict[str, str]:
        """Return the active ticket's tags (:func:`ticket_tags`)."""
        return ticket_tags()
