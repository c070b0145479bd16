"""Reading a batch before anything is measured: the file and its timestamp.

Its columns, types and labels are the model-version contract's to check
(:class:`agileds.tracking.ModelVersion`). Every problem is a one-line
:class:`~agileds.errors.DataError` (or ``UsageError``), raised before the monitor logs or
files anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_batch_file", "parse_at", "read_batch"]


def parse_at(at: str | dt.datetime | None) -> dt.datetime:
    """The batch timestamp as an aware UTC datetime (now when None; naive means UTC).

    Raises:
        UsageError: ``at`` is not an ISO 8601 date or date and time.
    """
    if at is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            raise UsageError(
                f"timestamp {at!r} (--at) is not ISO 8601; use e.g. 2025-04-01 or 2025-04-01T09:30"
            ) from None
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def read_batch(path: Path, shown: str) -> pd.DataFrame:
    """Read a batch from CSV or Parquet with :func:`agileds.data.load_table`.

    Raises:
        DataError: The file is missing, of another type, unreadable or without rows.
    """
    from agileds.data import load_table

    check_batch_file(path, shown)
    batch = load_table(path, shown=shown, fix="check the batch given to --data", allow_empty=True)
    if batch.empty:
        raise DataError(f"{shown}: the batch has no rows; nothing to monitor")
    return batch


def check_batch_file(path: Path, shown: str) -> None:
    """Check that a batch is an existing ``.csv`` or ``.parquet`` file.

    Raises:
        DataError: The file has another type or does not exist.
    """
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise DataError(
            f"{shown}: unsupported file type '{path.suffix or '(none)'}'; "
            "save the batch as .csv or .parquet"
        )
    if not path.is_file():
        raise DataError(f"{shown}: batch file not found; check the path given to --data")
