"""One ``agileds run`` of a ticket at a time: a lock file that tells live runs from dead ones.

``agileds run`` marks the trials and parent runs a killed run left RUNNING as failed, which
is right only when no other run of the ticket is alive. The lock is an advisory ``flock`` on
``mlruns/locks/<TICKET>.lock``: the kernel (or an NFS server) releases it when its process
dies, however it dies, so a lock held is a live run and a lock free is not, with no timeout
to guess. The file records the owner (pid, host, start time) for the message of a second
run, and is emptied when the run ends; a run that finds it not empty took over from one
that stopped without ending (killed, crashed, power lost).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agileds.errors import AgileDSError

__all__ = ["RunLockedError", "run_lock"]

LOCK_DIR = Path("mlruns") / "locks"


class RunLockedError(AgileDSError):
    """Another live ``agileds run`` of the same ticket holds its lock."""


@contextmanager
def run_lock(root: Path, ticket_id: str, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the run lock of ``ticket_id`` in the project at ``root`` for the block.

    Args:
        root: The project root (the lock lives in ``mlruns/locks/``).
        ticket_id: The ticket being run.
        say: Told when the lock of a run that stopped without ending is taken over.

    Raises:
        RunLockedError: A live run of the ticket holds the lock; the message names it.
    """
    path = root / LOCK_DIR / f"{ticket_id}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise RunLockedError(_refusal(ticket_id, _owner(fd)))
        stale = _owner(fd)
        if stale:
            say(
                f"took over the lock of a run of {ticket_id} that stopped without ending "
                f"({_who(stale)})"
            )
        _write(fd, _me())
        try:
            yield
        finally:
            _write(fd, None)
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock, as before
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _owner(fd: int) -> dict[str, str]:
    """The owner recorded in the lock file ({} when empty or unreadable)."""
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        owner = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {"pid": "?", "host": "?", "started": "?"}
    return {str(k): str(v) for k, v in owner.items()} if isinstance(owner, dict) else {}


def _write(fd: int, owner: dict[str, str] | None) -> None:
    """Replace the lock file's content with ``owner`` (None: empty it)."""
    os.ftruncate(fd, 0)
    if owner is not None:
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(owner).encode())
    os.fsync(fd)


def _me() -> dict[str, str]:
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {"pid": str(os.getpid()), "host": socket.gethostname(), "started": started}


def _who(owner: dict[str, str]) -> str:
    return (
        f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}, "
        f"started {owner.get('started', '?')}"
    )


def _refusal(ticket_id: str, owner: dict[str, str]) -> str:
    return (
        f"{ticket_id} is already running ({_who(owner)}); wait for it to end, or add "
        f"workers to its sweep with 'agileds worker {ticket_id}'"
    )
