"""All or nothing for a registry change made of several calls (promote, rollback).

MLflow moves one alias and sets one tag per call, so a change such as a promotion is a
sequence of calls, any of which can fail (a full disk, a lost connection, Ctrl-C). Each
step records how to put back what it changed; when a later step fails the recorded steps are
undone in reverse, and the error says whether the registry is back where it was or not.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import AgileDSError, DiskFullError, UsageError, disk_full_reason, is_disk_full

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["ChangeFailedError", "Undo", "all_or_nothing", "check_artifacts"]


class ChangeFailedError(AgileDSError):
    """A registry change failed halfway; the message says whether it was undone."""


class Undo:
    """Registry writes that remember how to put back what they change (each write is one
    call that either happens or not, so a step is recorded once its call returned)."""

    def __init__(self, client: MlflowClient, model: str) -> None:
        self.client, self.model = client, model
        self._steps: list[Callable[[], None]] = []

    def set_alias(self, alias: str, version: str) -> None:
        """Point ``alias`` at ``version``."""
        before = self._alias(alias)
        self.client.set_registered_model_alias(self.model, alias, version)
        self._steps.append(lambda: self._put_alias(alias, before))

    def delete_alias(self, alias: str) -> None:
        """Remove ``alias`` (nothing to do when it does not exist)."""
        before = self._alias(alias)
        if before is None:
            return
        self.client.delete_registered_model_alias(self.model, alias)
        self._steps.append(lambda: self._put_alias(alias, before))

    def set_tags(self, version: str, tags: dict[str, str]) -> None:
        """Set ``tags`` on ``version``, one call each."""
        before = dict(self.client.get_model_version(self.model, version).tags)
        for key, value in tags.items():
            self.client.set_model_version_tag(self.model, version, key, value)
            self._steps.append(functools.partial(self._put_tag, version, key, before.get(key)))

    def undo(self) -> Exception | None:
        """Undo every recorded step, newest first; return the first error, if any."""
        first: Exception | None = None
        for step in reversed(self._steps):
            try:
                step()
            except Exception as error:
                first = first or error
        self._steps.clear()
        return first

    def _alias(self, alias: str) -> str | None:
        from agileds.tracking import get_alias_version

        return get_alias_version(self.client, self.model, alias)

    def _put_alias(self, alias: str, version: str | None) -> None:
        from mlflow.exceptions import MlflowException

        if version is not None:
            self.client.set_registered_model_alias(self.model, alias, version)
            return
        with contextlib.suppress(MlflowException):  # already gone
            self.client.delete_registered_model_alias(self.model, alias)

    def _put_tag(self, version: str, key: str, value: str | None) -> None:
        if value is None:
            self.client.delete_model_version_tag(self.model, version, key)
        else:
            self.client.set_model_version_tag(self.model, version, key, value)


@contextlib.contextmanager
def all_or_nothing(client: MlflowClient, model: str, what: str) -> Iterator[Undo]:
    """Run the block's steps through the yielded :class:`Undo`; undo them if it fails.

    Raises:
        DiskFullError: The disk filled up; the message says whether the change was undone.
        ChangeFailedError: Another error from the store, likewise.
        AgileDSError: One the block raised on purpose, after undoing its steps.
    """
    undo = Undo(client, model)
    try:
        yield undo
    except KeyboardInterrupt:
        undo.undo()
        raise
    except AgileDSError:
        undo.undo()
        raise
    except Exception as error:
        failed_undo = undo.undo()
        kind = DiskFullError if is_disk_full(error) else ChangeFailedError
        raise kind(_failure(client, model, what, error, failed_undo)) from error


def _failure(
    client: MlflowClient, model: str, what: str, error: Exception, failed_undo: Exception | None
) -> str:
    reason = disk_full_reason(error)
    cause = f"the disk is full: {reason}" if reason else _first_line(error)
    if failed_undo is None:
        fix = "free space and" if is_disk_full(error) else "fix that and"
        return f"{what} failed ({cause}) and was undone, nothing changed; {fix} try again"
    return (
        f"{what} failed ({cause}) and could not be fully undone ({_first_line(failed_undo)}); "
        f"aliases now: {_aliases(client, model)}; check them in the MLflow UI (agileds ui)"
    )


def _aliases(client: MlflowClient, model: str) -> str:
    from agileds.tracking import get_alias_version

    try:
        found = {a: get_alias_version(client, model, a) for a in ("production", "previous")}
    except Exception:
        return "unknown (the registry cannot be read)"
    return ", ".join(f"{a} {'v' + v if v else 'none'}" for a, v in found.items())


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def check_artifacts(client: MlflowClient, model: str, version: str, action: str) -> None:
    """Refuse to move an alias to a version whose model files are gone.

    Checks that the version's ``MLmodel`` file and the model file it names exist, without
    loading (unpickling) the model.

    Raises:
        UsageError: A file is missing; the message names the location.
    """
    import yaml
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    location = str(client.get_model_version_download_uri(model, version))
    try:
        # The client's own store (a tracking server serves mlflow-artifacts: locations).
        repository = get_artifact_repository(location, tracking_uri=client.tracking_uri)
        names = {Path(item.path).name for item in repository.list_artifacts()}
    except Exception as error:  # any store: an unreachable location is not a loadable one
        raise UsageError(
            f"{model} v{version} cannot be checked: listing {location} failed "
            f"({_first_line(error)}); {action} refused, aliases unchanged"
        ) from None
    missing = "MLmodel"
    if "MLmodel" in names:
        with tempfile.TemporaryDirectory() as tmp:
            meta = yaml.safe_load(Path(repository.download_artifacts("MLmodel", tmp)).read_text())
        flavor = (meta or {}).get("flavors", {}).get("sklearn", {})
        pickled = flavor.get("pickled_model")
        missing = pickled if pickled and pickled not in names else ""
    if missing:
        raise UsageError(
            f"{model} v{version} cannot be loaded: {missing} is missing from {location} "
            f"(artifacts deleted or the project moved without them); {action} refused, "
            "aliases unchanged"
        )
