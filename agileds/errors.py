"""The one error tree: everything agileds raises on purpose derives from AgileDSError.

A message names what failed, the offending value or ``file:line``, and the fix. Only the
CLI turns these into exit codes (2 for every subclass here); the library never prints.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

__all__ = [
    "AgileDSError",
    "BacklogInvalidError",
    "ConfigError",
    "CriterionError",
    "CriterionSyntaxError",
    "DataError",
    "DiskFullError",
    "ProjectNotFoundError",
    "TicketError",
    "TicketNotFoundError",
    "UnknownQuantityError",
    "UsageError",
    "disk_full_reason",
    "is_disk_full",
]


class AgileDSError(Exception):
    """Base of every error agileds raises on purpose (bad input; exit code 2)."""

    exit_code = 2


class UsageError(AgileDSError):
    """A wrong argument or option value given to the library or the CLI."""


class ProjectNotFoundError(AgileDSError):
    """No ``agileds.yaml`` in the directory or any of its parents."""


class ConfigError(AgileDSError):
    """``agileds.yaml`` or an experiment spec is invalid."""


class DataError(AgileDSError):
    """A dataset is missing, empty, or lacks what the experiment needs."""


class TicketNotFoundError(AgileDSError):
    """No ticket with the given ID in the backlog."""


class TicketError(AgileDSError):
    """One problem in one ticket file, located by file and line.

    Args:
        path: The ticket file, as shown to the user (relative to the project when possible).
        line: 1-based line of the fault, or None when the file as a whole is at fault.
        message: What is wrong and how to fix it, e.g.
            ``effort: must be a positive number, got 'three'``.
    """

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class BacklogInvalidError(AgileDSError):
    """Several ticket files are invalid; ``errors`` holds one TicketError each."""

    def __init__(self, errors: Sequence[TicketError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class CriterionError(AgileDSError):
    """An acceptance criterion that cannot be parsed.

    Args:
        text: The criterion as written.
        position: 0-based offset of the fault in ``text``.
        message: What is wrong and the fix.
    """

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        self.message = message
        super().__init__(message)

    def caret(self) -> str:
        """Return the criterion and a caret under the fault, on two lines."""
        return f"{self.text}\n{' ' * self.position}^"


class CriterionSyntaxError(CriterionError):
    """The criterion does not follow the grammar."""


class UnknownQuantityError(CriterionError):
    """The criterion names a quantity agileds does not measure."""


class DiskFullError(AgileDSError):
    """A store could not be written because the disk (or the user's quota) is full.

    The message says what was being done and in which state it was left.
    """


_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_FULL_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error``, or an error it was raised from, says the disk or quota is full.

    SQLite reports it as text ("database or disk is full") inside MLflow's and SQLAlchemy's
    own exceptions, file writes as ``OSError(ENOSPC)``.
    """
    return disk_full_reason(error) is not None


def disk_full_reason(error: BaseException) -> str | None:
    """The first line of the error in ``error``'s chain that says the disk is full, or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current).strip()
        full_errno = isinstance(current, OSError) and current.errno in _FULL_ERRNOS
        if full_errno or any(known in text.lower() for known in _FULL_TEXTS):
            return (text.splitlines() or [type(current).__name__])[0][:200]
        current = current.__cause__ or current.__context__
    return None
