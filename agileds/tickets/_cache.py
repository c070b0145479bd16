"""A cache of validated tickets, keyed by each file's identity, so listing a large backlog
skips YAML parsing of the files that did not change; and a pause of the garbage collector
while thousands of tickets are built.

The cache is derived data (``mlruns/ticket-cache.json``, ignored by git): deleting it is
always safe, and a file whose size, mtime, ctime or inode changed is parsed again. The cache
is never trusted over the files: its entries carry a checksum, so a cache edited by hand or
cut short is ignored (and rewritten), and an entry that does not make a valid ticket is
parsed again from its file.
"""

from __future__ import annotations

import gc
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agileds.tickets._model import Ticket

__all__ = ["TicketCache", "default_cache_file", "identity", "paused_gc"]

_VERSION = 2


def identity(path: str | os.PathLike[str]) -> list[int]:
    """A file's identity for the cache: mtime (ns), size, inode and ctime (ns; no tool can
    set it back, so a same-size edit that restores the mtime is still seen)."""
    st = os.stat(path)
    return [st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns]


class TicketCache:
    """Valid tickets of unchanged files, read once and written back when it changed.

    Args:
        file: The cache file; None disables caching.
    """

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.entries: dict[str, Any] = self._read()
        self.dirty = False

    def _read(self) -> dict[str, Any]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                return {}
            payload = data["tickets"]
            if data["sum"] != zlib.crc32(payload.encode("utf-8")):
                return {}  # edited or damaged: every file is parsed again
            entries = json.loads(payload)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, name: str, file_id: list[int], *, need_criteria: bool) -> Ticket | None:
        """The cached ticket of file ``name`` when its identity is still ``file_id`` (and,
        when asked, its criteria were checked), else None."""
        from pydantic import ValidationError

        entry = self.entries.get(name)
        try:
            if not entry or entry["id"] != file_id:
                return None
            if need_criteria and not entry["criteria_ok"]:
                return None
            return Ticket.model_validate(entry["ticket"])
        except (KeyError, TypeError, ValidationError):
            return None  # not what put() writes: parse the file

    def put(self, name: str, file_id: list[int], ticket: Ticket, *, criteria_ok: bool) -> None:
        """Remember the valid ``ticket`` read from file ``name`` of identity ``file_id``
        (taken before the file was read, so a change while reading is seen next time)."""
        self.entries[name] = {
            "id": file_id,
            "criteria_ok": criteria_ok,
            "ticket": ticket.model_dump(mode="json", exclude_defaults=True),
        }
        self.dirty = True

    def forget_missing(self, names: set[str]) -> None:
        """Drop entries of files that are gone."""
        for name in set(self.entries) - names:
            del self.entries[name]
            self.dirty = True

    def save(self) -> None:
        """Write the cache back when it changed; a failure to write is not an error."""
        if self.file is None or not self.dirty:
            return
        from agileds._io import atomic_write

        payload = json.dumps(self.entries, separators=(",", ":"))
        text = json.dumps(
            {"version": _VERSION, "sum": zlib.crc32(payload.encode("utf-8")), "tickets": payload}
        )
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.file, text)
        except OSError:
            pass
        self.dirty = False


def default_cache_file(backlog_dir: Path) -> Path | None:
    """``mlruns/ticket-cache.json`` beside the backlog, unless ``AGILEDS_NO_CACHE`` is set."""
    if os.environ.get("AGILEDS_NO_CACHE"):
        return None
    return backlog_dir.parent / "mlruns" / "ticket-cache.json"


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector, e.g. while a backlog loads, restoring it after.

    Loading thousands of tickets makes hundreds of thousands of objects and no cycles; the
    collector's passes over them cost a third of a warm load. Commands that work on the
    whole backlog (rank, plan) hold the pause until they have printed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
