"""Experiment specs (``experiments/*.yaml``): data, split, features, metric, families, budget."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from agileds.project import Project
    from agileds.tickets import Ticket

from agileds.errors import ConfigError, UsageError

__all__ = [
    "BudgetSpec",
    "DataSpec",
    "ExperimentSpec",
    "FeaturesSpec",
    "SanitySpec",
    "SplitSpec",
    "load_spec",
    "load_ticket_spec",
    "merge_overrides",
]

DEFAULT_FAMILIES = ["logistic", "random_forest", "hist_gradient_boosting"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSpec(_Strict):
    """Where the data is and what to predict."""

    path: str
    target: str
    task: Literal["binary", "multiclass", "regression"] | None = None
    drop: list[str] = Field(default_factory=list)
    time_column: str | None = None
    segment_column: str | None = None
    kinds: dict[str, str] = Field(default_factory=dict)
    unlabelled: Literal["error", "drop"] = "error"


class SplitSpec(_Strict):
    """The holdout: a stratified fraction, or a time cut; the seed is recorded."""

    holdout: Annotated[float, Field(gt=0, lt=1)] = 0.2
    seed: int = 42
    time_cut: str | None = None


class FeaturesSpec(_Strict):
    """Feature groups: required columns must exist; optional groups are swept on and off."""

    required: list[str] = Field(default_factory=list)
    optional: dict[str, list[str]] = Field(default_factory=dict)


class SanitySpec(_Strict):
    """The sanity checks run before any model sees the data (on by default)."""

    enabled: bool = True
    leak_association: Annotated[float, Field(gt=0, le=1)] = 0.95
    leak_auroc: Annotated[float, Field(gt=0.5, le=1)] = 0.99
    leak_every_class: Annotated[float, Field(gt=0, le=1)] = 0.98
    leak_outcome: Annotated[float, Field(gt=0, le=1)] = 0.99
    leak_gap: Annotated[float, Field(gt=0, le=1)] = 0.05
    near_constant: Annotated[float, Field(gt=0, le=1)] = 0.995
    mostly_null: Annotated[float, Field(gt=0, le=1)] = 0.99
    duplicate: Annotated[float, Field(gt=0, le=1)] = 0.999


class BudgetSpec(_Strict):
    """How much search: trials in the study, and a wall-time limit per run in seconds."""

    trials: Annotated[int, Field(ge=1)] = 30
    timeout: Annotated[float, Field(gt=0)] | None = None


class ExperimentSpec(_Strict):
    """An experiment: what a story or spike ticket sweeps over."""

    data: DataSpec
    split: SplitSpec = SplitSpec()
    features: FeaturesSpec = FeaturesSpec()
    metric: str | None = None
    direction: Literal["maximize", "minimize"] | None = None
    cv_folds: Annotated[int, Field(ge=2, le=20)] = 3
    cv_repeats: Annotated[int, Field(ge=1, le=10)] | Literal["auto"] = "auto"
    ensemble: Annotated[int, Field(ge=0, le=100)] = 25
    pruning: Literal["median", "patient", "none"] = "patient"
    families: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_FAMILIES)
    )
    search_space: dict[str, Any] = Field(default_factory=dict)
    preprocessing: dict[str, Any] = Field(default_factory=dict)
    sanity: SanitySpec = SanitySpec()
    budget: BudgetSpec = BudgetSpec()
    seed: int = 0

    def data_path(self, spec_path: Path) -> Path:
        """The dataset path, resolved relative to the spec file."""
        path = Path(self.data.path)
        return path if path.is_absolute() else (spec_path.parent / path).resolve()


def merge_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge a ticket's ``sweep:`` block into a spec; ``trials``/``timeout`` are
    shortcuts for ``budget.trials``/``budget.timeout``.

    A non-empty mapping merges key by key; an empty mapping replaces (so
    ``features: {optional: {}}`` switches every optional group off).
    """
    merged = copy.deepcopy(raw)
    for key, value in overrides.items():
        if key in ("trials", "timeout"):
            merged.setdefault("budget", {})[key] = value
        elif value and isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_spec(
    path: Path, shown: str, overrides: Mapping[str, Any] | None = None, origin: str = ""
) -> ExperimentSpec:
    """Read and validate an experiment spec, with a ticket's ``sweep:`` overrides applied.

    Args:
        path: The spec file.
        shown: The file as named in messages (``experiments/lead_scoring.yaml``).
        overrides: The ticket's ``sweep:`` block.
        origin: Where the overrides come from, e.g. ``backlog/STORY-1.yaml``, for messages.

    Raises:
        ConfigError: missing file, invalid YAML or an invalid field, with file:line.
    """
    from agileds._io import YamlSyntaxError, load_yaml, locate

    if not path.is_file():
        raise ConfigError(
            f"{shown}: experiment spec not found; check the ticket's 'experiment:' path"
        )
    text = path.read_text(encoding="utf-8")
    try:
        raw = load_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError(f"{shown}:{exc.line}: invalid YAML: {exc.problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{shown}:1: an experiment spec must be a mapping with at least data.path and data.target"
        )
    merged = merge_overrides(raw, overrides or {})
    try:
        return ExperimentSpec.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        field = ".".join(str(p) for p in loc)
        where = f"{shown}:{locate(text, loc)}" if _in_spec(raw, loc) or not origin else origin
        raise ConfigError(f"{where}: {field}: {_message(err)}") from None


def _in_spec(raw: dict[str, Any], loc: tuple[str | int, ...]) -> bool:
    node: Any = raw
    for part in loc[:1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _message(err: Mapping[str, Any]) -> str:
    if err["type"] == "missing":
        return "required; add it to the spec"
    if err["type"] == "extra_forbidden":
        return "unknown key; see docs/experiments.md for the keys of a spec"
    return f"{err['msg'].lower()}, got {err['input']!r}"


def load_ticket_spec(project: Project, ticket: Ticket) -> tuple[ExperimentSpec, Path, str]:
    """The ticket's experiment spec with its ``sweep:`` overrides applied."""
    if not ticket.experiment:
        raise UsageError(
            f"{ticket.id} names no experiment; add 'experiment: experiments/<name>.yaml' "
            f"to backlog/{ticket.id}.yaml"
        )
    path = (project.root / ticket.experiment).resolve()
    origin = project.relative(project.backlog().path_of(ticket.id))
    spec = load_spec(path, project.relative(path), ticket.sweep, origin=f"{origin}: sweep")
    return spec, path, project.relative(path)
