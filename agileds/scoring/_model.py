"""Which version scores: ``MODEL``, ``MODEL@ALIAS`` or ``MODEL:VERSION``, and what it records."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from agileds.errors import AgileDSError, UsageError
from agileds.tracking import THRESHOLD_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from agileds.project import Project
    from agileds.tracking import ModelVersion

__all__ = [
    "DEFAULT_THRESHOLD",
    "THRESHOLD_TAG",
    "id_columns",
    "open_version",
    "parse_model_ref",
    "threshold_of",
]

DEFAULT_THRESHOLD = 0.5
"""The binary decision threshold when the version records none (golive's default too)."""

_REF = re.compile(r"^(?P<model>[^@:/\\\s]+)(?:@(?P<alias>[A-Za-z0-9_.-]+)|:(?P<version>\d+))?$")


def parse_model_ref(ref: str, alias: str = "production") -> tuple[str, str, str | None]:
    """``(model, alias, version)`` of ``MODEL``, ``MODEL@ALIAS`` or ``MODEL:VERSION``.

    Raises:
        UsageError: ``ref`` has another form.
    """
    found = _REF.match(ref.strip())
    if not found:
        raise UsageError(
            f"model {ref!r}: expected MODEL, MODEL@ALIAS or MODEL:VERSION "
            "(e.g. lead-scoring@production or lead-scoring:3)"
        )
    return found["model"], found["alias"] or alias, found["version"]


def open_version(client: MlflowClient, ref: str) -> ModelVersion:
    """Load the version ``ref`` names, with its reference data (the model-version contract).

    Raises:
        UsageError: A bad reference, an unknown model, alias or version.
    """
    from agileds.tracking import load_version

    model, alias, version = parse_model_ref(ref)
    return load_version(client, model, alias=alias, version=version)


def threshold_of(client: MlflowClient, production: ModelVersion) -> float:
    """The operating threshold the version records (``agileds.threshold``), else 0.5."""
    value = production.tags.get(THRESHOLD_TAG)
    if not value:
        value = client.get_run(production.run_id).data.tags.get(THRESHOLD_TAG)
    try:
        return float(value) if value else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD


def id_columns(project: Project, production: ModelVersion, header: list[str]) -> list[str]:
    """The default id columns: the spec's ``data.drop`` columns present in ``header``.

    The spec is the version's ``agileds.spec`` tag (a project path); dropped columns that
    are also the target are left out. Empty when the spec is gone or unreadable.
    """
    spec = _spec_drop(project, production.spec)
    return [c for c in spec if c in header and c != production.target]


def _spec_drop(project: Project, shown: str | None) -> list[str]:
    from agileds.sweeps import load_spec

    if not shown:
        return []
    path = project.root / shown
    if not path.is_file():
        return []
    try:
        spec: Any = load_spec(path, shown)
    except AgileDSError:
        return []
    return [str(c) for c in spec.data.drop]
