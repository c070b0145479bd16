"""Finding the project: its root, ``agileds.yaml`` settings, folders and store URLs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agileds.errors import ConfigError, ProjectNotFoundError

if TYPE_CHECKING:
    from agileds.tickets import Backlog

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_UI_URL",
    "Project",
    "Settings",
    "find_project",
    "run_url",
    "settings_section",
]

CONFIG_NAME = "agileds.yaml"
DEFAULT_UI_URL = "http://127.0.0.1:5000"
"""Where ``agileds ui`` serves the MLflow UI by default."""


class Settings(BaseModel):
    """The project settings in ``agileds.yaml``; every key is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "agileds-project"
    model: str = Field(default="model", description="default registered model name")
    tracking_uri: str = "sqlite:///mlruns/mlflow.db"
    artifact_location: str = "mlruns/artifacts"
    optuna_storage: str = "mlruns/optuna.journal"
    ui_url: str = Field(default=DEFAULT_UI_URL, description="the MLflow UI in report links")
    scorer: Literal["ratio", "wsjf", "rice", "ice"] = "ratio"
    guardrails: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tracking_uri")
    @classmethod
    def _tracking_uri_usable(cls, uri: str) -> str:
        problem = tracking_uri_problem(uri)
        if problem is not None:
            raise ValueError(problem)
        return uri


# The database URL schemes MLflow's SQL store takes, with SQLAlchemy's default driver module
# and the pip package that provides it.
_SQL_DRIVERS: dict[str, tuple[str, str]] = {
    "mysql": ("MySQLdb", "mysqlclient"),
    "mysql+pymysql": ("pymysql", "pymysql"),
    "mysql+mysqldb": ("MySQLdb", "mysqlclient"),
    "postgresql": ("psycopg", "'psycopg[binary]'"),  # SQLAlchemy 2.0: psycopg2, see below
    "postgresql+psycopg2": ("psycopg2", "psycopg2-binary"),
    "postgresql+psycopg": ("psycopg", "psycopg"),
    "postgresql+pg8000": ("pg8000", "pg8000"),
    "mssql": ("pyodbc", "pyodbc"),
    "mssql+pyodbc": ("pyodbc", "pyodbc"),
}
_OTHER_SCHEMES = frozenset({"sqlite", "file", "http", "https", "databricks", "databricks-uc"})


def tracking_uri_problem(uri: str) -> str | None:
    """What is wrong with a ``tracking_uri`` before MLflow is asked (an unknown scheme, a
    database driver that is not installed), or None. Checked without importing anything."""
    import importlib.util

    if "://" not in uri:
        return None  # a local folder: MLflow's file store
    scheme = uri.split("://", 1)[0].lower()
    if scheme in _OTHER_SCHEMES:
        return None
    if scheme not in _SQL_DRIVERS:
        known = ", ".join(sorted({*_OTHER_SCHEMES, *(s.split("+")[0] for s in _SQL_DRIVERS)}))
        return f"unsupported scheme '{scheme}://'; use one of {known}"
    module, package = _SQL_DRIVERS[scheme]
    if scheme == "postgresql" and _sqlalchemy_before_2_1():
        module, package = "psycopg2", "psycopg2-binary"
    if importlib.util.find_spec(module) is None:
        return f"'{scheme}://' needs the {module} driver, which is not installed; pip install {package}"
    return None


def _sqlalchemy_before_2_1() -> bool:
    """Whether the installed SQLAlchemy maps ``postgresql://`` to psycopg2 (before 2.1; from
    2.1 on it is psycopg 3), read from its metadata without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(part) for part in version("sqlalchemy").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) < (2, 1)


@dataclass(frozen=True)
class Project:
    """A project on disk: the folder holding ``agileds.yaml``."""

    root: Path

    @cached_property
    def settings(self) -> Settings:
        """The validated settings (defaults when ``agileds.yaml`` is empty)."""
        return load_settings(self.root / CONFIG_NAME)

    @property
    def backlog_dir(self) -> Path:
        """``backlog/``: one YAML file per ticket, and ``sprints.yaml``."""
        return self.root / "backlog"

    @property
    def experiments_dir(self) -> Path:
        """``experiments/``: experiment specs and small datasets."""
        return self.root / "experiments"

    @property
    def mlruns_dir(self) -> Path:
        """``mlruns/``: the embedded MLflow and Optuna stores."""
        return self.root / "mlruns"

    @property
    def reports_dir(self) -> Path:
        """``docs/reports/``: generated reports."""
        return self.root / "docs" / "reports"

    def run_url(self, experiment_id: str, run_id: str) -> str:
        """The run's page in the MLflow UI at the ``ui_url`` setting (report links)."""
        return run_url(self.settings.ui_url, experiment_id, run_id)

    def backlog(self) -> Backlog:
        """The project's ticket store (``backlog/*.yaml``)."""
        from agileds.tickets import Backlog

        return Backlog(self.backlog_dir, self.root)

    def relative(self, path: Path) -> str:
        """Show ``path`` relative to the project root when it lies inside it."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def run_url(ui_url: str, experiment_id: str, run_id: str) -> str:
    """The run's page in the MLflow UI served at ``ui_url``.

    >>> run_url("http://mlflow.example:8080/", "1", "abc")
    'http://mlflow.example:8080/#/experiments/1/runs/abc'
    """
    return f"{ui_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def find_project(start: Path | str | None = None) -> Project:
    """Find the project holding ``start`` (default: ``$AGILEDS_PROJECT`` or the cwd).

    Raises:
        ProjectNotFoundError: no ``agileds.yaml`` in ``start`` or any parent.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> project.root, project.settings.scorer  # doctest: +SKIP
    """
    if start is None:
        start = os.environ.get("AGILEDS_PROJECT") or Path.cwd()
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return Project(folder)
    raise ProjectNotFoundError(
        f"no {CONFIG_NAME} in {here} or its parents; run 'agileds init' there or pass --project DIR"
    )


def load_settings(path: Path) -> Settings:
    """Read and validate ``agileds.yaml``.

    Raises:
        ConfigError: invalid YAML or an invalid setting, with file and line.
    """
    from agileds._io import YamlSyntaxError, key_lines, load_yaml

    text = path.read_text(encoding="utf-8")
    try:
        data = load_yaml(text) or {}
    except YamlSyntaxError as exc:
        raise ConfigError(f"{path.name}:{exc.line}: invalid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}:1: settings must be a mapping of keys to values")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else ""
        line = key_lines(text).get(key, 1)
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path.name}:{line}: {key}: {msg}, got {err['input']!r}") from None


SectionT = TypeVar("SectionT", bound=BaseModel)


def settings_section(project: Project, section: str, model: type[SectionT], noun: str) -> SectionT:
    """Validate the mapping under ``section`` of ``agileds.yaml`` (e.g. ``guardrails``) with
    ``model``; every missing key takes its default.

    Args:
        project: The project whose settings to read.
        section: The top-level key, e.g. ``thresholds``.
        model: A pydantic model that forbids unknown keys.
        noun: What one key is called in messages, e.g. ``threshold``.

    Raises:
        ConfigError: An unknown key or a bad value, located by ``agileds.yaml`` line.
    """
    try:
        return model.model_validate(getattr(project.settings, section))
    except ValidationError as exc:
        from agileds._io import locate

        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        text = (project.root / CONFIG_NAME).read_text(encoding="utf-8")
        line = locate(text, (section, *loc)) or 1
        field = ".".join((section, *map(str, loc)))
        if err["type"] == "extra_forbidden":
            known = ", ".join(model.model_fields)
            message = f"unknown {noun}; use one of {known}"
        else:
            message = f"{err['msg'].lower()}, got {err['input']!r}"
        raise ConfigError(f"{CONFIG_NAME}:{line}: {field}: {message}") from None
