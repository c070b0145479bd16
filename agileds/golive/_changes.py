"""What changed between production and the candidate: features, hyperparameters, training
data and code, read from the registered versions' tags and the models' input columns."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agileds.sweeps import flat_config
from agileds.tracking import (
    CONFIG_TAG,
    DATA_ROWS_TAG,
    DATA_WINDOW_TAG,
    GIT_COMMIT_TAG,
    GIT_DIRTY_TAG,
    SPEC_TAG,
)

__all__ = ["ChangeList", "ParamChange", "VersionInfo", "change_list"]

_COMMIT_TAGS = (GIT_COMMIT_TAG, "agileds.git.commit", "mlflow.source.git.commit")
_DIRTY_TAGS = (GIT_DIRTY_TAG, "agileds.git.dirty")


@dataclass(frozen=True)
class VersionInfo:
    """A registered model version as the go-live report describes it.

    Attributes:
        name: The registered model.
        version: Its version number.
        tags: The version's tags (``agileds.config``, ``agileds.data.rows``, ...).
        run_id: The run that produced it.
        columns: The raw input columns of its pipeline, when known.
    """

    name: str
    version: str
    tags: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None
    columns: tuple[str, ...] = ()

    @property
    def config(self) -> dict[str, Any]:
        """The chosen configuration (``agileds.config``), empty when not recorded; an
        ensemble's members are flattened (``m1.family``, ``m1.<param>``, ...)."""
        try:
            config = json.loads(self.tags.get(CONFIG_TAG, "") or "{}")
        except json.JSONDecodeError:
            return {}
        return flat_config(config) if isinstance(config, dict) else {}

    @property
    def feature_groups(self) -> tuple[str, ...]:
        """The optional feature groups switched on in the configuration."""
        groups = (k.partition("features.")[2] for k, v in self.config.items() if v)
        return tuple(dict.fromkeys(g for g in groups if g))

    @property
    def commit(self) -> str | None:
        """The git commit the version was trained from."""
        return _first(self.tags, _COMMIT_TAGS)

    @property
    def dirty(self) -> bool | None:
        """Whether the working tree had uncommitted changes; None when unknown."""
        value = _first(self.tags, _DIRTY_TAGS)
        return None if value is None else value.lower() == "true"


@dataclass(frozen=True)
class ParamChange:
    """One hyperparameter whose value differs; None where a version does not have it."""

    name: str
    production: Any
    candidate: Any


@dataclass(frozen=True)
class ChangeList:
    """What differs between production and the candidate (all empty on a first deployment).

    Attributes:
        groups_added: Optional feature groups the candidate switches on and production did not.
        groups_removed: Groups production used and the candidate does not.
        columns_added: Raw input columns only the candidate takes.
        columns_removed: Raw input columns only production takes.
        family: ``(production, candidate)`` model family.
        hyperparameters: The configuration values that differ, feature groups excluded.
        rows: ``(production, candidate)`` training rows (``agileds.data.rows``).
        window: ``(production, candidate)`` training window (``agileds.data.window``).
        commit: ``(production, candidate)`` git commit.
        dirty: ``(production, candidate)`` uncommitted changes at training time.
        spec: ``(production, candidate)`` experiment spec.
    """

    groups_added: list[str] = field(default_factory=list)
    groups_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    family: tuple[str | None, str | None] = (None, None)
    hyperparameters: list[ParamChange] = field(default_factory=list)
    rows: tuple[str | None, str | None] = (None, None)
    window: tuple[str | None, str | None] = (None, None)
    commit: tuple[str | None, str | None] = (None, None)
    dirty: tuple[bool | None, bool | None] = (None, None)
    spec: tuple[str | None, str | None] = (None, None)

    @property
    def features_changed(self) -> bool:
        """True when a feature group or an input column was added or removed."""
        return bool(
            self.groups_added or self.groups_removed or self.columns_added or self.columns_removed
        )


def change_list(candidate: VersionInfo, production: VersionInfo | None) -> ChangeList:
    """Compare two versions' tags and input columns; a first deployment lists the
    candidate's facts with nothing on the production side.

    Pure: reads only its arguments.
    """
    other = production or VersionInfo(candidate.name, "")
    own_groups, other_groups = candidate.feature_groups, other.feature_groups
    tags = (other.tags, candidate.tags)
    return ChangeList(
        groups_added=[] if production is None else _minus(own_groups, other_groups),
        groups_removed=[] if production is None else _minus(other_groups, own_groups),
        columns_added=[] if production is None else _minus(candidate.columns, other.columns),
        columns_removed=[] if production is None else _minus(other.columns, candidate.columns),
        family=(other.config.get("family"), candidate.config.get("family")),
        hyperparameters=[] if production is None else _params(other.config, candidate.config),
        rows=_pair(tags, DATA_ROWS_TAG),
        window=_pair(tags, DATA_WINDOW_TAG),
        commit=(other.commit, candidate.commit),
        dirty=(other.dirty, candidate.dirty),
        spec=_pair(tags, SPEC_TAG),
    )


def _minus(a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
    return [x for x in a if x not in set(b)]


def _params(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ParamChange]:
    names = dict.fromkeys([*old, *new])
    return [
        ParamChange(name, old.get(name), new.get(name))
        for name in names
        if "features." not in name and name != "family" and old.get(name) != new.get(name)
    ]


def _pair(tags: tuple[Mapping[str, str], Mapping[str, str]], key: str) -> tuple[Any, Any]:
    return tags[0].get(key), tags[1].get(key)


def _first(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    return next((tags[k] for k in keys if tags.get(k)), None)
