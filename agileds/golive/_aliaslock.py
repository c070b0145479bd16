"""One alias change of a model at a time: a registry lock, plus a file lock for a local store.

``promote`` and ``rollback`` read the aliases, check them and move them in several calls;
two of them at once could leave ``production`` without ``previous`` or undo each other.
The lock that serialises them must work wherever the registry lives, so it is the registry's
own compare-and-set: creating a registered model named ``<model>.agileds-lock`` succeeds for
exactly one caller (the name is unique in every MLflow store, local or a tracking server);
deleting it releases the lock. A lock older than :data:`STALE_SECONDS` was left by a process
that died and is broken. On the embedded SQLite store a ``flock`` on
``mlruns/locks/<model>.registry.lock`` queues local processes first (the kernel frees it when
its owner dies), so they wait in turn instead of polling the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import AgileDSError, DiskFullError, disk_full_reason

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["LOCK_SUFFIX", "AliasLockedError", "alias_lock"]

LOCK_SUFFIX = ".agileds-lock"
"""Suffix of the registered model that is the lock of ``<model>``'s aliases."""
STALE_SECONDS = 120.0
"""A registry lock this old was left by a process that died (a promote takes seconds)."""
WAIT_SECONDS = 60.0
_POLL = 0.1


class AliasLockedError(AgileDSError):
    """Another promote or rollback of the model held its lock for too long."""


@contextlib.contextmanager
def alias_lock(
    client: MlflowClient, model: str, local_folder: Path | None, wait: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the alias lock of ``model`` for the block, waiting up to ``wait`` seconds.

    Args:
        client: Client on the registry.
        model: Registered model name.
        local_folder: Folder for the local file lock (the project's ``mlruns/locks``), or
            None for a remote registry.
        wait: Seconds to wait for another holder before giving up.

    Raises:
        AliasLockedError: The lock stayed held for ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    with contextlib.ExitStack() as held:
        try:
            local = held.enter_context(_file_lock(local_folder, model, deadline))
            # Holding the local lock of the project's own store, no live process holds the
            # registry lock: one found there was left by a process that died or a full disk.
            stale_after = 0.0 if local else STALE_SECONDS
            held.enter_context(_registry_lock(client, model, deadline, stale_after))
        except Exception as error:
            _raise_if_disk_full(model, error)
            raise
        yield


def _raise_if_disk_full(model: str, error: Exception) -> None:
    """A full disk while taking the locks is reported as what it is: nothing changed yet."""

    reason = disk_full_reason(error)
    if reason is not None and not isinstance(error, AgileDSError):
        raise DiskFullError(
            f"cannot take the lock on {model}'s aliases: the disk is full ({reason}); "
            "nothing changed; free space and try again"
        ) from None


@contextlib.contextmanager
def _file_lock(folder: Path | None, model: str, deadline: float) -> Iterator[bool]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the registry lock alone
        folder = None
    if folder is None:
        yield False
        return
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)
    fd = os.open(folder / f"{slug}.registry.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                _wait_or_fail(model, deadline, "another agileds process on this machine")
        yield True
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _registry_lock(
    client: MlflowClient, model: str, deadline: float, stale_after: float
) -> Iterator[None]:
    from mlflow.exceptions import MlflowException

    name = model + LOCK_SUFFIX
    owner = f"pid {os.getpid()} on {socket.gethostname()}"
    while True:
        try:
            client.create_registered_model(
                name, tags={"agileds.lock_owner": owner}, description=_DESCRIPTION
            )
            break
        except MlflowException as error:
            if error.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        holder = _holder(client, name)
        if holder is None:
            continue  # released between our try and our look
        age, who = holder
        if age > stale_after:
            with contextlib.suppress(MlflowException):
                client.delete_registered_model(name)
            continue
        _wait_or_fail(model, deadline, who)
    try:
        yield
    finally:
        with contextlib.suppress(MlflowException):
            client.delete_registered_model(name)


_DESCRIPTION = (
    "Lock of an agileds promote or rollback in progress; it disappears when that ends "
    "(one left by a process that died is broken after two minutes)."
)


def _holder(client: MlflowClient, name: str) -> tuple[float, str] | None:
    """Age in seconds and owner of the lock ``name``; None when it no longer exists."""
    from mlflow.exceptions import MlflowException

    try:
        lock = client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    age = time.time() - (lock.creation_timestamp or 0) / 1000
    return age, lock.tags.get("agileds.lock_owner", "another process")


def _wait_or_fail(model: str, deadline: float, who: str) -> None:
    if time.monotonic() > deadline:
        raise AliasLockedError(
            f"another promote or rollback of {model} is in progress ({who}); wait for it "
            "to end and try again"
        )
    time.sleep(_POLL)
