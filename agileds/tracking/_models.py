"""Models in MLflow: log a fitted scikit-learn pipeline, register it, aliases, load it back."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import tempfile
import types
import warnings
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agileds.errors import UsageError
from agileds.tracking._context import ticket_tags
from agileds.tracking._tags import TASK_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature
    from pandas import DataFrame

__all__ = [
    "Task",
    "get_alias_version",
    "latest_ticket_version",
    "load_model",
    "log_model",
    "read_columns",
    "register_model",
    "resolve_model_uri",
    "set_alias",
]

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")

# Cloudpickle, not MLflow's default skops. Skops refuses every type outside its default
# allow-list unless it is passed in ``skops_trusted_types`` (histogram gradient boosting's
# TreePredictor, a random forest's Tree, multinomial losses, any custom transformer:
# mlflow#18759), and cannot store lambdas, local functions or classes defined in a notebook.
# Computing that list from the model itself (skops.io.get_untrusted_types) trusts whatever
# the model holds, and MLflow reads the list back from the artifact at load time, so it
# protects nothing that cloudpickle does not; MLflow gates both formats behind
# MLFLOW_ALLOW_PICKLE_DESERIALIZATION alike. Cloudpickle stores every fitted pipeline.
SERIALIZATION_FORMAT = "cloudpickle"
_BASE_REQUIREMENTS = ("mlflow", "scikit-learn", "cloudpickle", "numpy", "pandas", "scipy")
_INPUT_EXAMPLE_ROWS = 5
_PICKLE_CAUTION = "Saving scikit-learn models in the pickle or cloudpickle format"
_saving = contextvars.ContextVar("agileds_saving_model", default=False)


def log_model(
    client: MlflowClient,
    run_id: str,
    pipeline: Any,
    input_example: DataFrame,
    task: Task,
    *,
    name: str = "model",
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Log a fitted scikit-learn pipeline as an MLflow model of ``run_id``.

    The model has the sklearn and pyfunc flavours, a signature inferred from the input
    example and the model's output, and the example itself (its first rows). A classifier's
    pyfunc flavour serves ``predict_proba``: one float column per class in ``classes_`` order
    (column 1 is the positive class of a binary task); a regressor's serves ``predict``.
    The signature keeps the example's dtypes: an integer column is served as integers, so
    the data layer should read such a column as float when it may have missing values.
    It lists only the columns the pipeline reads (:func:`read_columns`): a request may
    leave out identifiers and dropped or removed columns; extra columns are ignored.
    The pyfunc flavour loads through :mod:`agileds.tracking._fastpath`: inputs of at most
    64 rows are computed by the model's compiled row plan (the pipeline's numbers without
    its per-call overhead), larger ones by the pipeline.

    Written with the client alone (no active fluent run, no global tracking URI), so parallel
    workers can each log their own models.

    Args:
        client: Client on the project's tracking store.
        run_id: The run the model comes from (it lists the model among its outputs).
        pipeline: The fitted pipeline (a ``Pipeline`` of a ``ColumnTransformer`` and a model).
        input_example: Rows of the model's input, as the pipeline takes them.
        task: ``binary``, ``multiclass`` or ``regression``.
        name: Name of the logged model.
        params: Parameters recorded on the logged model (the chosen hyperparameters).
        tags: Tags recorded on the logged model, besides ``agileds.task`` and the active
            ticket's tags.

    Returns:
        The model URI, ``models:/<model_id>``.

    Raises:
        UsageError: Unknown ``task``, or a classifier task for a model without
            ``predict_proba``.
    """
    from mlflow.entities import LoggedModelOutput

    predict_fn = _predict_fn(pipeline, task)
    run = client.get_run(run_id)
    logged = client.create_logged_model(
        run.info.experiment_id,
        name=name,
        source_run_id=run_id,
        tags={TASK_TAG: task, **ticket_tags(), **(tags or {})},
        params={key: str(value) for key, value in (params or {}).items()},
    )
    try:
        client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=0)])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "model")
            _save(pipeline, path, logged, run_id, input_example, predict_fn)
            client.log_model_artifacts(logged.model_id, str(path))
    except BaseException:
        client.finalize_logged_model(logged.model_id, "FAILED")
        raise
    client.finalize_logged_model(logged.model_id, "READY")
    return f"models:/{logged.model_id}"


def _predict_fn(pipeline: Any, task: str) -> str:
    """Return the method the pyfunc flavour serves for ``task``."""
    if task not in TASKS:
        raise UsageError(f"task {task!r}: expected one of {', '.join(TASKS)}")
    if task == "regression":
        return "predict"
    if not hasattr(pipeline, "predict_proba"):
        raise UsageError(
            f"{type(pipeline).__name__} has no predict_proba, so it cannot serve scores for a "
            f"{task} task; use a classifier that has it or wrap it in CalibratedClassifierCV"
        )
    return "predict_proba"


def _save(
    pipeline: Any,
    path: Path,
    logged: Any,
    run_id: str,
    input_example: DataFrame,
    predict_fn: str,
) -> None:
    """Save ``pipeline`` as an MLflow model directory at ``path`` for the logged model."""
    import mlflow.sklearn
    from mlflow.models import Model

    example = input_example.head(_INPUT_EXAMPLE_ROWS)
    read = read_columns(pipeline)
    if read is not None:  # dropped, removed and switched-off columns are not the model's input
        example = example[[c for c in example.columns if c in read]]
    mlflow_model = Model(
        artifact_path=logged.artifact_location,
        model_uuid=logged.model_id,
        run_id=run_id,
        model_id=logged.model_id,
    )
    _install_caution_filter()
    token = _saving.set(True)
    try:
        with _no_integer_hint():
            mlflow.sklearn.save_model(
                pipeline,
                str(path),
                mlflow_model=mlflow_model,
                serialization_format=SERIALIZATION_FORMAT,
                signature=_signature(pipeline, example, predict_fn),
                input_example=example,
                pyfunc_predict_fn=predict_fn,
                pip_requirements=_requirements(pipeline),
            )
    finally:
        _saving.reset(token)
    _use_fast_loader(mlflow_model, path)


def _use_fast_loader(mlflow_model: Any, path: Path) -> None:
    """Make the pyfunc flavour load through :mod:`agileds.tracking._fastpath`: the sklearn
    flavour's model with a fast path for small inputs (what ``mlflow models serve`` runs)."""
    from mlflow.models.model import MLMODEL_FILE_NAME
    from mlflow.pyfunc import FLAVOR_NAME

    from agileds.tracking._fastpath import LOADER_MODULE

    mlflow_model.flavors[FLAVOR_NAME]["loader_module"] = LOADER_MODULE
    mlflow_model.save(str(path / MLMODEL_FILE_NAME))


def read_columns(model: Any) -> set[str] | None:
    """The raw input columns a fitted model reads: those its column transformer selects
    (a voting ensemble reads its members' union); None when it cannot tell.

    A column the model was fitted with but drops (``remainder="drop"``: an identifier, a
    column the sanity checks removed, a feature group switched off) is not read, so the
    logged signature leaves it out and ``mlflow models serve`` does not ask for it.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        return read_columns(model.steps[0][1])
    if isinstance(model, VotingClassifier | VotingRegressor):
        parts = [read_columns(member) for member in model.estimators_]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    if isinstance(model, ColumnTransformer) and hasattr(model, "transformers_"):
        names = list(getattr(model, "feature_names_in_", []))
        read: set[str] = set()
        for _, transformer, columns in model.transformers_:
            if isinstance(transformer, str) and transformer == "drop":
                continue
            selected = [columns] if isinstance(columns, str | int) else columns
            if isinstance(selected, slice) or any(isinstance(c, bool) for c in selected):
                return None  # a mask or a slice: leave the signature whole
            for column in selected:
                read.add(names[column] if isinstance(column, int) and names else str(column))
        return read
    return None


@contextlib.contextmanager
def _no_integer_hint() -> Iterator[None]:
    """Silence MLflow's hint about integer columns: integer features are served as integers
    on purpose (casting them to float makes MLflow refuse integer input when serving)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        yield


def _signature(pipeline: Any, example: DataFrame, predict_fn: str) -> ModelSignature:
    """Infer the signature from the example and what the served method returns for it."""
    from mlflow.models import infer_signature

    return infer_signature(example, getattr(pipeline, predict_fn)(example))


def _requirements(pipeline: Any) -> list[str]:
    """Return the pinned pip requirements of ``pipeline``.

    Pins the packages of every object in the pipeline's parameters plus the base stack,
    instead of MLflow's inference, which reloads the model in a subprocess (3-5 s a model).
    """
    from importlib.metadata import version

    owners = _distributions()
    objects = [pipeline, *pipeline.get_params(deep=True).values()]
    names = set(_BASE_REQUIREMENTS)
    for obj in objects:
        names.update(owners.get(_module_of(obj).partition(".")[0], ()))
    return sorted(f"{name}=={version(name)}" for name in names)


def _module_of(obj: Any) -> str:
    """Return the module defining ``obj`` (its class's module for an instance)."""
    if isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType):
        return obj.__module__ or ""
    return type(obj).__module__


@cache
def _distributions() -> Mapping[str, list[str]]:
    """Return the installed distributions providing each top-level module (cached)."""
    from importlib.metadata import packages_distributions

    return packages_distributions()


class _CautionFilter(logging.Filter):
    """Drop MLflow's pickle caution while agileds saves a model in cloudpickle on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return False for the caution record emitted during our own save."""
        return not (_saving.get() and str(record.msg).startswith(_PICKLE_CAUTION))


_CAUTION_FILTER = _CautionFilter()


def _install_caution_filter() -> None:
    """Attach the caution filter to MLflow's sklearn logger once."""
    logger = logging.getLogger("mlflow.sklearn")
    if _CAUTION_FILTER not in logger.filters:
        logger.addFilter(_CAUTION_FILTER)


def register_model(
    client: MlflowClient,
    name: str,
    model_uri: str,
    run_id: str,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Register a logged model as a new version of ``name``, creating the model when missing.

    Args:
        client: Client on the project's tracking store (also its registry).
        name: Registered model name, e.g. ``lead-scoring``.
        model_uri: ``models:/<model_id>`` from :func:`log_model`, or an artifact URI.
        run_id: The run that produced the model.
        tags: Version tags (``agileds.ticket``, ``agileds.verdict``, ...).

    Returns:
        The new version number, as a string.
    """
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    model_id = _logged_model_id(model_uri)
    # The artifact location, not models:/<id>: MLflow's SQL registry resolves a models:/
    # source through the process-global tracking URI, not this client's store.
    source = client.get_logged_model(model_id).artifact_location if model_id else model_uri
    version = client.create_model_version(
        name,
        source,
        run_id=run_id,
        tags=dict(tags or {}),
        model_id=model_id,
        await_creation_for=0,
    )
    return str(version.version)


def set_alias(client: MlflowClient, name: str, alias: str, version: str | int) -> None:
    """Point ``alias`` (e.g. ``production``) of model ``name`` at ``version``."""
    client.set_registered_model_alias(name, alias, str(version))


def get_alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """Return the version ``alias`` of model ``name`` points at; None without such alias or
    model."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def latest_ticket_version(client: MlflowClient, name: str, ticket: str) -> str | None:
    """Return the newest version of model ``name`` registered by ``ticket``; None if none."""
    from mlflow.exceptions import MlflowException

    try:
        versions = client.search_model_versions(
            f"name = '{name}' and tags.`agileds.ticket` = '{ticket}'"
        )
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    numbers = [int(v.version) for v in versions]
    return str(max(numbers)) if numbers else None


def resolve_model_uri(client: MlflowClient, uri: str) -> str:
    """Turn a ``models:/`` URI into the artifact location of that model in the client's store.

    ``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` and ``models:/<model_id>`` are resolved
    through ``client`` (MLflow's own loaders would use the process-global tracking URI);
    any other URI or path is returned unchanged.

    Raises:
        UsageError: No such registered model, version, alias or logged model.
    """
    from mlflow.exceptions import MlflowException

    if not uri.startswith("models:/"):
        return uri
    target = uri[len("models:/") :]
    try:
        if "@" in target:
            name, _, alias = target.partition("@")
            version = client.get_model_version_by_alias(name, alias).version
            return str(client.get_model_version_download_uri(name, version))
        if "/" in target:
            name, _, version = target.partition("/")
            return str(client.get_model_version_download_uri(name, version))
        return str(client.get_logged_model(target).artifact_location)
    except MlflowException as error:
        if error.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise
        raise UsageError(
            f"model {uri!r} not found in the registry; check the name, version or alias "
            "(list them in the MLflow UI: agileds ui)"
        ) from None


def load_model(client: MlflowClient, uri: str) -> Any:
    """Load the scikit-learn pipeline at ``uri`` (any form :func:`resolve_model_uri` takes).

    Raises:
        ConfigError: The model lies outside the project's own store and the user has not
            trusted its location (unpickling runs code; see ``agileds.tracking._trust``).
    """
    import mlflow.sklearn

    from agileds.tracking._trust import check_model_source

    location = resolve_model_uri(client, uri)
    check_model_source(uri, location, client.tracking_uri)
    if not location.startswith("mlflow-artifacts:"):
        return mlflow.sklearn.load_model(location)
    # Served by a tracking server: fetched through the client's server (MLflow's loader
    # would ask the process-global tracking URI, which is not the project's).
    import tempfile

    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="agileds-model-") as folder:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=location, dst_path=folder, tracking_uri=client.tracking_uri
        )
        return mlflow.sklearn.load_model(local)


def _logged_model_id(uri: str) -> str | None:
    """Return the model ID of a ``models:/<model_id>`` URI, else None."""
    target = uri.removeprefix("models:/") if uri.startswith("models:/") else ""
    return target if target and "/" not in target and "@" not in target else None
