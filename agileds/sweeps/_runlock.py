"""One ``agileds run`` of a ticket at a time: locks that tell live runs from dead ones.

``agileds run`` marks the trials and parent runs a killed run left RUNNING as failed, which
is right only when no other run of the ticket is alive. Two locks say so:

- **The project lock**, an advisory ``flock`` on ``mlruns/locks/<TICKET>.lock``: the kernel
  (or an NFS server) releases it when its process dies, however it dies, so a lock held is a
  live run and a lock free is not, with no timeout to guess. The file records the owner
  (pid, host, start time) for the message of a second run, and is emptied when the run
  ends; a run that finds it not empty took over from one that stopped without ending.
- **The storage lock**, where the Optuna storage lies outside the project (two checkouts
  sharing ``--storage``): for a journal file, the same ``flock`` on ``locks/<TICKET>.lock``
  beside the journal; for a database (SQLite, PostgreSQL, MySQL), a row of the table
  ``agileds_run_locks`` in that database, keyed by the study (the ticket ID), holding the
  owner (host, pid, start) and a heartbeat the owner refreshes every
  :data:`HEARTBEAT_SECONDS`. The row is taken by an ``INSERT`` (the primary key lets one
  writer win) and taken over by a compare-and-set ``UPDATE ... WHERE token = <old>``, only
  when its owner is dead: its heartbeat is older than :data:`STALE_SECONDS`, or its host is
  this one and its pid is gone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agileds.errors import AgileDSError, ConfigError

__all__ = ["HEARTBEAT_SECONDS", "STALE_SECONDS", "RunLockedError", "run_lock", "storage_lock"]

LOCK_DIR = Path("mlruns") / "locks"
TABLE = "agileds_run_locks"
HEARTBEAT_SECONDS = 10.0
# A row whose heartbeat is older than this is a dead run's (a live owner refreshes it every
# HEARTBEAT_SECONDS; the margin covers a stalled machine and clocks a minute apart).
STALE_SECONDS = 120.0


class RunLockedError(AgileDSError):
    """Another live ``agileds run`` of the same ticket holds its lock."""


@contextmanager
def run_lock(
    root: Path, ticket_id: str, say: Callable[[str], None], storage: str | None = None
) -> Iterator[None]:
    """Hold the run locks of ``ticket_id`` (the project's, then the storage's) for the block.

    Args:
        root: The project root (the project lock lives in ``mlruns/locks/``).
        ticket_id: The ticket being run (its study's name).
        say: Told when the lock of a run that stopped without ending is taken over.
        storage: The Optuna storage (a journal path or a database URL); None: the project's.

    Raises:
        RunLockedError: A live run of the ticket holds a lock; the message names it.
        ConfigError: The storage database cannot be reached.
    """
    with _file_lock(root / LOCK_DIR / f"{ticket_id}.lock", ticket_id, say, ""):
        if storage is None:
            yield
        else:
            with storage_lock(storage, ticket_id, say, project_lock=root / LOCK_DIR):
                yield


@contextmanager
def storage_lock(
    storage: str, ticket_id: str, say: Callable[[str], None], project_lock: Path | None = None
) -> Iterator[None]:
    """Hold the lock of ``ticket_id`` that lives with the Optuna ``storage`` for the block.

    A journal's lock is a file beside it (nothing more when that is the project lock
    folder ``project_lock``); a database's is a row with a heartbeat (see the module).
    """
    if "://" not in storage:
        folder = Path(storage).resolve().parent / "locks"
        if project_lock is not None and folder == project_lock.resolve():
            yield  # the project's own journal: the project lock is this lock
            return
        where = f" against the Optuna journal {storage}"
        join = f" --storage {storage}"
        with _file_lock(folder / f"{ticket_id}.lock", ticket_id, say, where, join):
            yield
        return
    with _RowLock(storage, ticket_id, say):
        yield


# --- a file lock (flock) --------------------------------------------------------------------


@contextmanager
def _file_lock(
    path: Path, ticket_id: str, say: Callable[[str], None], where: str, join: str = ""
) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise RunLockedError(_refusal(ticket_id, _who(_owner(fd)), where, join))
        stale = _owner(fd)
        if stale:
            say(
                f"took over the lock of a run of {ticket_id}{where} that stopped without "
                f"ending ({_who(stale)})"
            )
        _write(fd, _me())
        try:
            yield
        finally:
            with contextlib.suppress(OSError):  # a full disk: the lock is freed on close
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
    beat = f", last heartbeat {owner['beat']}" if owner.get("beat") else ""
    return (
        f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}, "
        f"started {owner.get('started', '?')}{beat}"
    )


def _refusal(ticket_id: str, who: str, where: str, join: str = "") -> str:
    return (
        f"{ticket_id} is already running{where} ({who}); wait for it to end, or add "
        f"workers to its sweep with 'agileds worker {ticket_id}{join}'"
    )


# --- a row lock in the storage database -----------------------------------------------------


class _RowLock:
    """The row of ``agileds_run_locks`` for one study, held with a heartbeat thread."""

    def __init__(self, url: str, ticket_id: str, say: Callable[[str], None]) -> None:
        self.url, self.ticket_id, self.say = url, ticket_id, say
        self.token = secrets.token_hex(16)
        self.engine: Any = None
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _RowLock:
        self.engine = _engine(self.url)
        try:
            self._acquire()
        except BaseException:
            self.engine.dispose()
            raise
        self.thread = threading.Thread(target=self._beat, name="agileds-run-lock", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        with contextlib.suppress(Exception):  # unreachable: the row goes stale by itself
            self._execute(
                f"DELETE FROM {TABLE} WHERE study = :study AND token = :token",
                study=self.ticket_id,
                token=self.token,
            )
        self.engine.dispose()

    def _acquire(self) -> None:
        from sqlalchemy.exc import IntegrityError

        self._create_table()
        me = _me()
        mine = {**me, "study": self.ticket_id, "token": self.token, "pid": int(me["pid"])}
        for _ in range(5):
            row = self._row()
            if row is None:
                try:
                    self._execute(
                        f"INSERT INTO {TABLE} (study, token, host, pid, started, heartbeat) "
                        "VALUES (:study, :token, :host, :pid, :started, :now)",
                        **mine,
                        now=time.time(),
                    )
                except IntegrityError:
                    continue  # another run inserted it first: read its owner
                return
            owner = _row_owner(row)
            if _alive(row):
                raise RunLockedError(
                    _refusal(
                        self.ticket_id,
                        _who(owner),
                        f" against the Optuna storage {_shown(self.url)}",
                        f" --storage {_shown(self.url)}",
                    )
                )
            taken = self._execute(
                f"UPDATE {TABLE} SET token = :token, host = :host, pid = :pid, "
                "started = :started, heartbeat = :now WHERE study = :study AND token = :old",
                **mine,
                now=time.time(),
                old=row["token"],
            )
            if taken == 1:
                self.say(
                    f"took over the lock of a run of {self.ticket_id} against the Optuna "
                    f"storage {_shown(self.url)} that stopped without ending ({_who(owner)})"
                )
                return
        raise RunLockedError(  # pragma: no cover - five lost races in a row
            f"{self.ticket_id}: could not take its run lock in {_shown(self.url)} (other runs "
            "keep taking it); try again"
        )

    def _create_table(self) -> None:
        from sqlalchemy.exc import DBAPIError

        ddl = (
            f"CREATE TABLE IF NOT EXISTS {TABLE} (study VARCHAR(512) PRIMARY KEY, "
            "token VARCHAR(64) NOT NULL, host VARCHAR(255) NOT NULL, pid INTEGER NOT NULL, "
            "started VARCHAR(40) NOT NULL, heartbeat DOUBLE PRECISION NOT NULL)"
        )
        try:
            self._execute(ddl)
        except DBAPIError as exc:
            from agileds.errors import is_disk_full

            if is_disk_full(exc):
                raise
            try:  # PostgreSQL: two processes creating the table at once, one fails
                self._execute(ddl)
            except DBAPIError as again:
                from agileds.sweeps._study import _driver_reason

                raise ConfigError(
                    f"cannot open Optuna storage {_shown(self.url)!r}: {_driver_reason(again)}; "
                    "check --storage"
                ) from None

    def _row(self) -> dict[str, Any] | None:
        from sqlalchemy import text

        with self.engine.begin() as connection:
            found = connection.execute(
                text(f"SELECT token, host, pid, started, heartbeat FROM {TABLE} WHERE study = :s"),
                {"s": self.ticket_id},
            ).first()
        return None if found is None else dict(found._mapping)

    def _execute(self, statement: str, **values: Any) -> int:
        from sqlalchemy import text

        with self.engine.begin() as connection:
            return int(connection.execute(text(statement), values).rowcount)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):  # the storage failing: the run says so
                self._execute(
                    f"UPDATE {TABLE} SET heartbeat = :now WHERE study = :study AND token = :token",
                    now=time.time(),
                    study=self.ticket_id,
                    token=self.token,
                )


def _engine(url: str) -> Any:
    """A SQLAlchemy engine on the storage database (one line when it cannot be reached)."""
    from sqlalchemy import create_engine, text

    from agileds.sweeps._study import _driver_reason, _engine_kwargs

    kwargs = _engine_kwargs(url)
    if url.lower().startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": 60}}  # wait for the other writer's transaction
    try:
        engine = create_engine(url, **kwargs)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ConfigError(
            f"cannot open Optuna storage {_shown(url)!r}: {_driver_reason(exc)}; check --storage"
        ) from None
    return engine


def _alive(row: dict[str, Any]) -> bool:
    """Whether the run that owns ``row`` may still be alive."""
    if time.time() - float(row["heartbeat"]) > STALE_SECONDS:
        return False
    if row["host"] == socket.gethostname():
        return _pid_alive(int(row["pid"]))
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:  # pragma: no cover - Windows: cannot tell, assume alive
        return True
    return True


def _row_owner(row: dict[str, Any]) -> dict[str, str]:
    age = max(0.0, time.time() - float(row["heartbeat"]))
    return {
        "pid": str(row["pid"]),
        "host": str(row["host"]),
        "started": str(row["started"]),
        "beat": f"{age:.0f} s ago",
    }


def _shown(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return str(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return url
