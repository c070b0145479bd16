"""Room kept aside for cleaning up: a run that meets a full disk can still end cleanly.

A run that fills the disk must still mark its MLflow run FAILED and remove the model
version it registered, and both are writes. So ``agileds run`` sets a few megabytes aside
in a file next to its lock before it starts, and frees them the moment a write fails
because the disk is full: the clean-up then has the room it needs, whatever filled the disk.
A disk without that much room refuses the run before anything is written.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import TracebackType

__all__ = ["RESERVE_BYTES", "DiskReserve"]

RESERVE_BYTES = 2 * 1024 * 1024


class DiskReserve:
    """A file of ``size`` bytes really allocated at ``path``, freed by :meth:`release`."""

    def __init__(self, path: Path, size: int = RESERVE_BYTES) -> None:
        self.path, self.size = path, size

    def __enter__(self) -> DiskReserve:
        return self.take()

    def take(self) -> DiskReserve:
        """Allocate the room (``OSError`` ENOSPC when the disk lacks it; nothing left)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _allocate(fd, self.size)
        except BaseException:
            os.close(fd)
            self.path.unlink(missing_ok=True)
            raise
        os.close(fd)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def release(self) -> bool:
        """Free the room (once); True when it was held."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


def _allocate(fd: int, size: int) -> None:
    """Allocate ``size`` bytes of ``fd`` on the disk (a sparse file would reserve nothing)."""
    try:
        os.posix_fallocate(fd, 0, size)
        return
    except AttributeError:  # pragma: no cover - no posix_fallocate (macOS, Windows)
        pass
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
    chunk = b"\0" * 65536
    written = 0
    while written < size:
        written += os.write(fd, chunk[: size - written])
    os.fsync(fd)
