"""Loading a registered version once into a :class:`~agileds.tracking.ModelVersion`: the
version an alias or number names, its pipeline, tags, run and reference data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError
from agileds.tracking._version import ModelVersion

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

__all__ = ["PRODUCTION_ALIAS", "load_version"]

PRODUCTION_ALIAS = "production"
_TARGET_TAG = "agileds.data.target"
_TASK_TAG = "agileds.task"
_METRIC_TAG = "agileds.metric"


def load_version(
    client: MlflowClient,
    model: str,
    *,
    alias: str = PRODUCTION_ALIAS,
    version: str | None = None,
    require_reference: bool = True,
    fix: str | None = None,
) -> ModelVersion:
    """Load the version ``alias`` (or ``version``) of ``model`` once: pipeline, tags, data.

    Args:
        client: A client on the project's stores.
        model: The registered model name.
        alias: The alias naming the version, when ``version`` is None.
        version: An explicit version number.
        require_reference: The caller compares batches with the training data: a version
            without the target tag or reference data (registered outside agileds) is
            refused. Otherwise the target is then empty and the reference an empty frame.
        fix: What to check when ``version`` does not exist (e.g. where it was named).

    Raises:
        UsageError: No such model, alias or version, or (with ``require_reference``) a
            version registered outside agileds.
    """
    from agileds.evaluation import direction, primary_metric
    from agileds.tracking._models import load_model

    number = _version_number(client, model, alias, version, fix)
    details = client.get_model_version(model, number)
    tags = dict(details.tags)
    target = tags.get(_TARGET_TAG)
    if require_reference and not target:
        raise UsageError(
            f"{model} v{number} has no {_TARGET_TAG} tag (it was registered outside "
            "agileds); register models with 'agileds run' so monitors can compare"
        )
    run = client.get_run(str(details.run_id))
    pipeline = load_model(client, f"models:/{model}/{number}")
    reference = _reference(client, model, number, require_reference)
    task = run.data.tags.get(_TASK_TAG) or _task_of(pipeline)
    metric = run.data.tags.get(_METRIC_TAG) or primary_metric(task)
    return ModelVersion(
        model=model,
        version=number,
        pipeline=pipeline,
        task=task,
        metric=metric,
        direction=direction(metric),
        target=target or "",
        inputs=_inputs(pipeline, reference, target),
        classes=_classes(pipeline, task),
        reference=reference,
        run_id=str(details.run_id or ""),
        experiment_id=str(run.info.experiment_id),
        aliases=tuple(str(a) for a in getattr(details, "aliases", None) or ()),
        tags=tags,
        metrics=dict(run.data.metrics),
    )


def _version_number(
    client: MlflowClient, model: str, alias: str, version: str | None, fix: str | None
) -> str:
    """The version number ``alias`` or ``version`` names; a one-line error when none."""
    from agileds.tracking._models import get_alias_version

    if version is not None:
        return _known_version(client, model, str(version), fix)
    found = get_alias_version(client, model, alias)
    if found is None and alias == PRODUCTION_ALIAS:
        raise UsageError(
            f"model '{model}' has no {PRODUCTION_ALIAS} version; promote one first "
            "('agileds promote TICKET') or check the model name"
        )
    if found is None:
        raise UsageError(
            f"model '{model}' has no alias '{alias}'; check the name "
            f"(e.g. {model}@{PRODUCTION_ALIAS}) or give a version ({model}:1)"
        )
    return found


def _known_version(client: MlflowClient, model: str, version: str, fix: str | None) -> str:
    """``version`` when ``model`` has it; else a one-line error listing the versions."""
    from mlflow.exceptions import MlflowException

    try:
        found = client.search_model_versions(f"name = '{model.replace(chr(39), '')}'")
        versions = sorted((str(v.version) for v in found), key=int)
    except MlflowException:
        versions = []
    if version not in versions:
        known = f"its versions are {', '.join(versions)}" if versions else "it has no versions"
        raise UsageError(
            f"model '{model}' has no version {version}; {known}" + (f"; {fix}" if fix else "")
        )
    return version


def _reference(client: MlflowClient, model: str, number: str, required: bool) -> pd.DataFrame:
    """The version's reference data; empty when it has none and none is ``required``."""
    import pandas as pd

    from agileds.tracking._reference import load_reference

    try:
        reference: pd.DataFrame = load_reference(client, model, number)
        return reference
    except UsageError:
        if required:
            raise
        return pd.DataFrame()


def _task_of(pipeline: Any) -> str:
    """The task a fitted model serves: binary or multiclass by its classes, else regression."""
    classes = getattr(pipeline, "classes_", None)
    if classes is None or not hasattr(pipeline, "predict_proba"):
        return "regression"
    return "binary" if len(classes) == 2 else "multiclass"


def _inputs(pipeline: Any, reference: pd.DataFrame, target: str | None) -> tuple[str, ...]:
    names = getattr(pipeline, "feature_names_in_", None)
    if names is not None:
        return tuple(str(n) for n in names)
    return tuple(str(c) for c in reference.columns if c != target)


def _classes(pipeline: Any, task: str) -> tuple[Any, ...] | None:
    classes = getattr(pipeline, "classes_", None)
    if task == "regression" or classes is None:
        return None
    return tuple(c.item() if hasattr(c, "item") else c for c in classes)
