"""Repair of an Optuna journal file that a crash or a full disk cut in the middle of a record.

Optuna appends whole records, each ending with a newline, under the journal's lock. So with
the lock held, a file that does not end with a newline ends with a torn record: its writer
died mid-write. The record never counted (no process read it back), so dropping it loses
nothing. If another record was appended after the torn one (by a version of agileds that
did not repair on open), the two share a line; the complete record at the end of that line
is kept and the torn prefix dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agileds._io import atomic_write
from agileds.errors import ConfigError

__all__ = ["drop_torn_tail", "last_line_parses", "salvage_torn_lines"]

_RECORD_START = b'{"op_code"'
_CHUNK = 1 << 16


@contextlib.contextmanager
def _held(lock: Any) -> Iterator[None]:
    """Hold an Optuna journal file lock (its public ``acquire``/``release``)."""
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def drop_torn_tail(path: Path, lock: Any) -> int:
    """Cut the journal after its last complete record; return the bytes dropped.

    Args:
        path: The journal file (missing or empty: nothing to do).
        lock: The journal's Optuna file lock, held while checking and cutting.
    """
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with _held(lock), path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        keep = _after_last_newline(handle, size)
        if keep == size:
            return 0
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
        return size - keep


def last_line_parses(path: Path) -> bool:
    """Whether the journal's last line is one complete record (True for an empty file).

    Optuna skips a bad last line silently, so a torn record with a complete one appended on
    the same line would lose that record without this check.
    """
    if not path.exists() or path.stat().st_size == 0:
        return True
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        end = _after_last_newline(handle, size - 1) if size > 1 else 0
        handle.seek(end)
        return _parses(handle.read())


def _after_last_newline(handle: Any, size: int) -> int:
    """The offset just after the file's last newline (0 when there is none)."""
    end = size
    while end > 0:
        start = max(0, end - _CHUNK)
        handle.seek(start)
        chunk = handle.read(end - start)
        index = chunk.rfind(b"\n")
        if index >= 0:
            out: int = start + index + 1
            return out
        end = start
    return 0


def salvage_torn_lines(path: Path, lock: Any, shown: str) -> int:
    """Rewrite lines holding a torn record followed by a complete one; return how many.

    Raises:
        ConfigError: A line holds no complete record at all: the damage is not a torn
            write, so the file is left alone and the message says how to start afresh.
    """
    with _held(lock):
        lines = path.read_bytes().splitlines(keepends=True)
        fixed = 0
        for number, line in enumerate(lines):
            if _parses(line):
                continue
            tail = line[line.rfind(_RECORD_START) :] if _RECORD_START in line else b""
            if not tail or not _parses(tail):
                raise ConfigError(
                    f"{shown}:{number + 1} is not an Optuna journal record (the file is "
                    f"damaged); move it aside to start every study afresh: mv {shown} "
                    f"{shown}.damaged"
                )
            lines[number] = tail
            fixed += 1
        if fixed:
            atomic_write(path, b"".join(lines))
    return fixed


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return line.endswith(b"\n")
