"""The JSON Schema of a ticket file, so editors validate ``backlog/*.yaml`` as you type."""

from __future__ import annotations

from typing import Any

from agileds.tickets._model import Ticket

__all__ = ["ticket_schema"]


def ticket_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a ticket file.

    Example:
        >>> ticket_schema()["properties"]["type"]["$ref"]
        '#/$defs/TicketType'
    """
    schema = Ticket.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://agileds.dev/schema/ticket.json"
    schema["title"] = "agileds ticket"
    return schema
