"""A project's SQLite store keeps working after the project folder is moved or copied.

MLflow stores absolute artifact locations (``file:///home/me/proj/mlruns/artifacts/...``) in
its database. After ``mv`` those point nowhere; after ``cp -r`` (or a fresh clone with a
copied ``mlruns/``) they point into the *original* project, so the copy would read and write
the original's artifacts. So the database records the folder it sits in, and when it is
opened from another folder, every location under the old folder is rewritten to the same
place under the new one, in one transaction. Locations elsewhere (an artifact root the
user configured, another project sharing the database) are left alone.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

__all__ = ["relocate_store"]

_MARKER_TABLE = "agileds_store_location"
# MLflow's columns holding artifact locations (MLflow 3 schema).
_LOCATION_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "source"),
    ("model_versions", "storage_location"),
)


def relocate_store(database: Path) -> int:
    """Rewrite the locations under the database's old folder to its folder now.

    Args:
        database: The SQLite file (``<project>/mlruns/mlflow.db``), already migrated or not.

    Returns:
        How many locations were rewritten (0 when the store did not move).
    """
    folder = database.resolve().parent
    with closing(sqlite3.connect(database, timeout=30, isolation_level=None)) as connection:
        tables = _tables(connection)
        if "experiments" not in tables:
            return 0  # MLflow has not made its tables yet
        old = _recorded(connection, tables) or _inferred(connection, folder)
        if old == str(folder):
            return 0
        try:
            connection.execute("BEGIN IMMEDIATE")
            moved = _rewrite(connection, tables, Path(old), folder) if old else 0
            _record(connection, folder)
            connection.execute("COMMIT")
        except sqlite3.OperationalError:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if old:
                raise  # the store moved and cannot be fixed: say so rather than misread
            return 0  # read-only: nothing moved, nothing to record
    return moved


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _recorded(connection: sqlite3.Connection, tables: set[str]) -> str | None:
    if _MARKER_TABLE not in tables:
        return None
    row = connection.execute(f"SELECT folder FROM {_MARKER_TABLE} WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def _inferred(connection: sqlite3.Connection, folder: Path) -> str | None:
    """The old folder of a store agileds has not marked yet: the one folder named like
    this one (``.../mlruns``) that the experiments' locations point into, when none points
    into this folder; else None (nothing to rewrite)."""
    rows = connection.execute("SELECT artifact_location FROM experiments").fetchall()
    folders = {_store_folder(str(location)) for (location,) in rows if location}
    folders.discard(None)
    if str(folder) in folders or len(folders) != 1:
        return None
    found = folders.pop()
    return found if found and Path(found).name == folder.name else None


def _store_folder(location: str) -> str | None:
    """``/p/mlruns`` for ``file:///p/mlruns/artifacts/x`` or ``/p/mlruns/0``."""
    path = _path_of(location)
    if path is None:
        return None
    parts = Path(path).parts
    if "mlruns" not in parts:
        return None
    index = len(parts) - 1 - parts[::-1].index("mlruns")
    return str(Path(*parts[: index + 1]))


def _path_of(location: str) -> str | None:
    from urllib.parse import unquote, urlparse

    if location.startswith("file:"):
        return unquote(urlparse(location).path)
    return location if location.startswith("/") else None


def _rewrite(connection: sqlite3.Connection, tables: set[str], old: Path, new: Path) -> int:
    """Replace the prefixes of ``old`` by those of ``new`` in every location column."""
    prefixes = [(old.as_uri() + "/", new.as_uri() + "/"), (f"{old}/", f"{new}/")]
    count = 0
    for table, column in _LOCATION_COLUMNS:
        if table not in tables:
            continue
        for before, after in prefixes:
            cursor = connection.execute(
                f"UPDATE {table} SET {column} = ? || substr({column}, ?) "
                f"WHERE substr({column}, 1, ?) = ?",
                (after, len(before) + 1, len(before), before),
            )
            count += cursor.rowcount
    return count


def _record(connection: sqlite3.Connection, folder: Path) -> None:
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {_MARKER_TABLE} (id INTEGER PRIMARY KEY, folder TEXT)"
    )
    connection.execute(
        f"INSERT OR REPLACE INTO {_MARKER_TABLE} (id, folder) VALUES (1, ?)", (str(folder),)
    )
