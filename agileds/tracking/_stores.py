"""Where a project's runs, artifacts and studies live: store URLs, the client, experiments."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import ConfigError, DiskFullError, is_disk_full
from agileds.tracking._relocate import relocate_store

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["Stores", "ensure_experiment", "get_client", "resolve_stores"]

STORE_DIR = "mlruns"
_SQLITE_PREFIX = "sqlite:///"
# Schemes whose server chooses the artifact root itself.
_SERVER_SCHEMES = ("http://", "https://", "databricks")
# Loggers that announce the schema migration of a fresh MLflow database on stderr.
_MIGRATION_LOGGERS = ("mlflow.store.db.utils", "alembic")


@dataclass(frozen=True)
class Stores:
    """The resolved store URLs of a project.

    Attributes:
        tracking_uri: MLflow tracking URI (an absolute ``sqlite:///`` URL by default).
        artifact_root: Root URI under which each experiment keeps its artifacts, or None when
            a tracking server decides.
        optuna_storage: Optuna storage: a journal file path by default, or any URL Optuna takes.
    """

    tracking_uri: str
    artifact_root: str | None
    optuna_storage: str


def resolve_stores(
    root: Path,
    tracking_uri: str | None = None,
    artifact_root: str | None = None,
    optuna_storage: str | None = None,
) -> Stores:
    """Resolve a project's store URLs, relative paths against the project root.

    Defaults: ``sqlite:///<root>/mlruns/mlflow.db``, ``<root>/mlruns/artifacts`` and the
    Optuna journal file ``<root>/mlruns/optuna.journal``. A relative ``sqlite:///`` URL or path
    in the configuration resolves against ``root``, never the working directory.

    Args:
        root: The project root (the directory holding ``agileds.yaml``).
        tracking_uri: MLflow tracking URI override.
        artifact_root: Artifact root override: a path or a URI (``s3://...``).
        optuna_storage: Optuna storage override: a journal file path or a database URL.

    Returns:
        The resolved stores.

    Raises:
        ConfigError: ``tracking_uri`` names MLflow's plain-folder file store.

    Example:
        >>> resolve_stores(Path("/p"), "sqlite:///db/mlflow.db").tracking_uri
        'sqlite:////p/db/mlflow.db'
    """
    root = root.resolve()
    store_dir = root / STORE_DIR
    tracking = _resolve_tracking_uri(tracking_uri, root, store_dir)
    return Stores(
        tracking_uri=tracking,
        artifact_root=_resolve_artifact_root(artifact_root, tracking, root, store_dir),
        optuna_storage=_resolve_location(optuna_storage, root)
        if optuna_storage
        else str(store_dir / "optuna.journal"),
    )


def _resolve_tracking_uri(uri: str | None, root: Path, store_dir: Path) -> str:
    """Return the absolute tracking URI; refuse the file store MLflow 3 no longer opens."""
    if not uri:
        return f"{_SQLITE_PREFIX}{store_dir / 'mlflow.db'}"
    if uri.startswith("file:") or ("://" not in uri and not uri.startswith("databricks")):
        raise ConfigError(
            f"tracking_uri {uri!r}: MLflow 3 no longer opens a plain-folder file store; "
            f"use a database such as 'sqlite:///{STORE_DIR}/mlflow.db'"
        )
    return _resolve_location(uri, root)


def _resolve_artifact_root(
    uri: str | None, tracking: str, root: Path, store_dir: Path
) -> str | None:
    """Return the artifact root URI, or None when a tracking server chooses it.

    A plain folder (the scaffold's ``mlruns/artifacts``) with a tracking server is not
    used: the server would record paths on this machine that no other machine can read, so
    the server's own (proxied) artifact store is used. A URI (``s3://``, ``file://``) is
    an explicit choice and is kept.
    """
    if uri and "://" not in uri and not uri.startswith("mlflow-artifacts:"):
        if tracking.startswith(_SERVER_SCHEMES):
            return None
        return _file_uri(uri, root)
    if uri:
        return uri
    if tracking.startswith(_SERVER_SCHEMES):
        return None
    return (store_dir / "artifacts").as_uri()


def _resolve_location(location: str, root: Path) -> str:
    """Make a relative ``sqlite:///`` URL or a plain path absolute against ``root``."""
    if location.startswith(_SQLITE_PREFIX):
        path, sep, query = location[len(_SQLITE_PREFIX) :].partition("?")
        if path and path != ":memory:" and not path.startswith("/"):
            return f"{_SQLITE_PREFIX}{root / path}{sep}{query}"
        return location
    if "://" in location:
        return location
    return str(root / Path(location).expanduser())


def _file_uri(path: str, root: Path) -> str:
    """Return the ``file://`` URI of ``path`` taken relative to ``root``."""
    return (root / Path(path).expanduser()).resolve().as_uri()


def get_client(tracking_uri: str) -> MlflowClient:
    """Return an MLflow client on ``tracking_uri``, its model registry on the same store.

    A SQLite database that does not exist yet is created (with its directory) in SQLite's
    write-ahead-log mode: a trial run logs about a third faster, and worker processes reading
    the store do not block the one writing. WAL needs a local disk, not a network file
    system. An existing database is left as it is, except that when the project folder
    was moved or copied, the artifact locations recorded under its old folder are rewritten
    to the new one (:mod:`agileds.tracking._relocate`). The schema migration of a fresh database
    does not log to stderr, and neither do artifact downloads (MLflow's progress bars would
    break agileds' own progress lines; ``MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=true`` brings
    them back).

    Args:
        tracking_uri: An MLflow tracking URI, e.g. from :func:`resolve_stores`.

    Returns:
        The client.
    """
    from mlflow import MlflowClient

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # With a tracking server MLflow prints "View run ... at URL" to stdout at each run's end,
    # which would break `--json` output and the progress lines.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    # MLflow logs every database error with its traceback, then raises it again: the error
    # reaches agileds, which reports it in one line.
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)
    if tracking_uri.startswith(("http://", "https://")):
        check_server(tracking_uri)
    if tracking_uri.startswith(_SQLITE_PREFIX):
        database = tracking_uri[len(_SQLITE_PREFIX) :].partition("?")[0]
        _create_sqlite(database)
        if database and database != ":memory:":
            relocate_store(Path(database))
    try:
        with _quiet(_MIGRATION_LOGGERS):
            return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    except Exception as error:
        if not is_disk_full(error):
            raise
        raise DiskFullError(
            f"cannot open the MLflow store {tracking_uri}: the disk is full; free space and "
            "try again"
        ) from None


# Seconds to wait for a tracking server's answer before calling it unreachable (MLflow's own
# client would retry a refused connection with backoff for minutes).
SERVER_TIMEOUT = 5.0


def check_server(tracking_uri: str, timeout: float = SERVER_TIMEOUT) -> None:
    """Ask the tracking server at ``tracking_uri`` once whether it answers at all.

    Any HTTP answer counts (a proxy's 401 or 404 too: MLflow then reports the real error);
    only a refused, unresolvable or silent server is refused here.

    Raises:
        ConfigError: No answer within ``timeout`` seconds; names the URL tried and why.
    """
    import urllib.error
    import urllib.request

    url = f"{tracking_uri.rstrip('/')}/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise ConfigError(
            f"the MLflow tracking server {tracking_uri} does not answer (tried GET {url}: "
            f"{reason}); start it ('agileds server', see docs/team.md) or fix tracking_uri "
            "in agileds.yaml"
        ) from None


def _create_sqlite(database: str) -> None:
    """Create an empty SQLite database in WAL mode at ``database`` unless it exists.

    The database is made under a temporary name and linked into place, so no other process
    ever sees a half-made (empty) file there.

    Raises:
        ConfigError: The file exists but is empty (0 bytes): a truncated store, not a new one.
    """
    path = Path(database)
    if not database or database == ":memory:":
        return
    if path.exists():
        _check_not_empty(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        with closing(sqlite3.connect(temporary)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _check_not_empty(path: Path) -> None:
    """Refuse a 0-byte database: SQLite would silently start a new, empty store in it."""
    if path.is_file() and path.stat().st_size == 0:
        raise ConfigError(
            f"{path} is empty (0 bytes): the MLflow store was truncated, and its runs and "
            f"model registry are gone; restore it from a backup, or delete it (and "
            f"{path.name}-wal, {path.name}-shm) to start a new, empty store"
        )


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Raise the named loggers to WARNING for the duration of the block."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def ensure_experiment(client: MlflowClient, name: str, artifact_root: str | None) -> str:
    """Return the ID of the experiment ``name``, creating it when missing.

    A new experiment keeps its artifacts under ``<artifact_root>/<name>`` (MLflow's default
    would be relative to the working directory). Safe when several workers race to create it.

    Args:
        client: The MLflow client.
        name: Experiment name (agileds uses the model name).
        artifact_root: Artifact root from :func:`resolve_stores`, or None to let the tracking
            server choose.

    Returns:
        The experiment ID.

    Raises:
        ConfigError: The experiment exists but was deleted.
    """
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        location = f"{artifact_root.rstrip('/')}/{_slug(name)}" if artifact_root else None
        return _create_experiment(client, name, location)
    if experiment.lifecycle_stage == "deleted":
        raise ConfigError(
            f"MLflow experiment {name!r} is deleted; restore it with "
            f"'mlflow experiments restore --experiment-id {experiment.experiment_id}' "
            "or remove it for good with 'mlflow gc'"
        )
    return str(experiment.experiment_id)


def _create_experiment(client: MlflowClient, name: str, location: str | None) -> str:
    """Create the experiment; when another worker just created it, return that one's ID."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.create_experiment(name, artifact_location=location))
    except MlflowException as error:
        existing = client.get_experiment_by_name(name)
        if error.error_code != "RESOURCE_ALREADY_EXISTS" or existing is None:
            raise
        return str(existing.experiment_id)


def _slug(name: str) -> str:
    """Return ``name`` reduced to characters safe in a directory name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "experiment"
