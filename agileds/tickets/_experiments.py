"""``ticket validate``'s check of experiment specs: each one a ticket names, as ``run`` loads it.

No MLflow, no scikit-learn: only the spec model (pydantic) and the YAML locator.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import ConfigError, TicketError

if TYPE_CHECKING:
    from agileds.project import Project
    from agileds.tickets._model import Ticket
    from agileds.tickets._store import LoadResult

__all__ = ["experiment_errors"]

_WHERE = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?: (?P<message>.*)$", re.DOTALL)


def experiment_errors(project: Project, result: LoadResult) -> list[TicketError]:
    """Every problem in the experiment specs the valid tickets name, each reported once.

    A missing spec is reported at the ticket's ``experiment:`` line; an invalid spec (or an
    invalid ``sweep:`` override) at the line ``agileds run`` would name; a spec whose
    ``data.path`` names no file at that line.
    """
    errors: dict[str, TicketError] = {}
    for ticket in result.tickets:
        if not ticket.experiment:
            continue
        err = _ticket_spec_error(project, ticket, result.paths[ticket.id])
        if err is not None:
            errors.setdefault(str(err), err)
    return list(errors.values())


def _ticket_spec_error(project: Project, ticket: Ticket, ticket_path: Path) -> TicketError | None:
    from agileds._io import key_lines, locate
    from agileds.sweeps import load_spec

    assert ticket.experiment is not None
    origin = project.relative(ticket_path)
    path = (project.root / ticket.experiment).resolve()
    shown = project.relative(path)
    if not path.is_file():
        line = key_lines(ticket_path.read_text(encoding="utf-8")).get("experiment")
        return TicketError(
            origin,
            line,
            f"experiment: {shown} not found; create it or fix the path "
            "(relative to the project folder)",
        )
    try:
        spec = load_spec(path, shown, ticket.sweep, origin=f"{origin}: sweep")
    except ConfigError as exc:
        return _as_ticket_error(exc)
    data = spec.data_path(path)
    if not data.is_file():
        line = locate(path.read_text(encoding="utf-8"), ("data", "path"))
        return TicketError(
            shown,
            line,
            f"data.path: {project.relative(data)} not found; check data.path "
            "(relative to the spec file)",
        )
    return None


def _as_ticket_error(exc: ConfigError) -> TicketError:
    """``experiments/x.yaml:7: budgett: unknown key...`` as a located error."""
    match = _WHERE.match(str(exc))
    if match is None:
        return TicketError("experiments", None, str(exc))
    line = match["line"]
    return TicketError(match["file"], int(line) if line else None, match["message"])
