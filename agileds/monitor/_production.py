"""The production version a monitor watches: its pipeline, reference data and evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

__all__ = ["PRODUCTION_ALIAS", "Production", "open_production"]

PRODUCTION_ALIAS = "production"
TARGET_TAG = "agileds.data.target"
SPEC_TAG = "agileds.spec"


@dataclass(frozen=True)
class Production:
    """What the monitor needs of the version ``models:/MODEL@production`` points at.

    Attributes:
        model: The registered model name.
        version: The version number, as a string.
        pipeline: The fitted scikit-learn pipeline (input: the raw feature columns).
        reference: Its reference data: the training part it was fitted on, target included.
        target: The target column of the reference data.
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The primary metric (the sweep's, e.g. ``auroc``).
        direction: ``maximize`` or ``minimize``: which way the metric gets better.
        evaluation: The metric on the holdout when the version was registered (None when
            the version's run did not record it).
        training_run_id: The run that registered the version.
        experiment_id: That run's experiment (the model's), where monitoring runs go too.
        spec: The experiment spec the version was trained from (``agileds.spec`` tag).
        inputs: The pipeline's input columns, in order.
        classes: The classes a classifier predicts (score columns' order); None for
            regression.
    """

    model: str
    version: str
    pipeline: Any
    reference: pd.DataFrame
    target: str
    task: str
    metric: str
    direction: str
    evaluation: float | None
    training_run_id: str
    experiment_id: str
    spec: str | None
    inputs: tuple[str, ...]
    classes: tuple[Any, ...] | None

    @property
    def name(self) -> str:
        """``lead-scoring v3``: how messages name the version."""
        return f"{self.model} v{self.version}"


def open_production(
    client: MlflowClient, model: str, alias: str = PRODUCTION_ALIAS, version: str | None = None
) -> Production:
    """Load the production version of ``model`` with its reference data.

    ``alias`` (or an explicit ``version``) picks another version the same way (the scorer
    loads ``models:/MODEL@ALIAS`` and ``models:/MODEL/VERSION`` with it).

    Raises:
        UsageError: No such registered model, no such alias or version, or a version
            registered outside agileds (no target tag or no reference data).
    """
    from agileds.evaluation import direction, primary_metric
    from agileds.tracking import get_alias_version, load_model, load_reference

    if version is None:
        version = get_alias_version(client, model, alias)
    else:
        version = _known_version(client, model, version)
    if version is None and alias == PRODUCTION_ALIAS:
        raise UsageError(
            f"model '{model}' has no {PRODUCTION_ALIAS} version; promote one first "
            f"('agileds promote TICKET') or check the model name"
        )
    if version is None:
        raise UsageError(
            f"model '{model}' has no alias '{alias}'; check the name "
            f"(e.g. {model}@{PRODUCTION_ALIAS}) or give a version ({model}:1)"
        )
    details = client.get_model_version(model, version)
    target = details.tags.get(TARGET_TAG)
    if not target:
        raise UsageError(
            f"{model} v{version} has no {TARGET_TAG} tag (it was registered outside "
            "agileds); register models with 'agileds run' so monitors can compare"
        )
    run_id = str(details.run_id)
    run = client.get_run(run_id)
    pipeline = load_model(client, f"models:/{model}/{version}")
    reference = load_reference(client, model, version)
    task = run.data.tags.get("agileds.task") or _task_of(pipeline)
    metric = run.data.tags.get("agileds.metric") or primary_metric(task)
    return Production(
        model=model,
        version=str(version),
        pipeline=pipeline,
        reference=reference,
        target=target,
        task=task,
        metric=metric,
        direction=direction(metric),
        evaluation=run.data.metrics.get(metric),
        training_run_id=run_id,
        experiment_id=run.info.experiment_id,
        spec=details.tags.get(SPEC_TAG),
        inputs=_inputs(pipeline, reference, target),
        classes=_classes(pipeline, task),
    )


def _known_version(client: MlflowClient, model: str, version: str) -> str:
    """``version`` when ``model`` has it; else a one-line error listing the versions."""
    from mlflow.exceptions import MlflowException

    try:
        found = client.search_model_versions(f"name = '{model.replace(chr(39), '')}'")
        versions = sorted((str(v.version) for v in found), key=int)
    except MlflowException:
        versions = []
    if version not in versions:
        known = f"its versions are {', '.join(versions)}" if versions else "it has no versions"
        raise UsageError(f"model '{model}' has no version {version}; {known}")
    return version


def _task_of(pipeline: Any) -> str:
    classes = getattr(pipeline, "classes_", None)
    if classes is None or not hasattr(pipeline, "predict_proba"):
        return "regression"
    return "binary" if len(classes) == 2 else "multiclass"


def _inputs(pipeline: Any, reference: pd.DataFrame, target: str) -> tuple[str, ...]:
    names = getattr(pipeline, "feature_names_in_", None)
    if names is not None:
        return tuple(str(n) for n in names)
    return tuple(str(c) for c in reference.columns if c != target)


def _classes(pipeline: Any, task: str) -> tuple[Any, ...] | None:
    classes = getattr(pipeline, "classes_", None)
    if task == "regression" or classes is None:
        return None
    return tuple(c.item() if hasattr(c, "item") else c for c in classes)
