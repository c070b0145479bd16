"""Model families, their estimators and their Optuna search spaces (with spec overrides).

A sweep's configuration is one flat dict: the ``family`` choice, the preprocessing keys
(``top_k``, ``text_features``, ``hashing_size``, ``text_derived``, ``bucketing``), the
classifiers' ``calibration`` and the family's hyperparameters prefixed by its name
(``hist_gradient_boosting.learning_rate``), so conditional spaces never collide.
The linear family is a logistic regression for binary and multiclass tasks and a ridge
regression for regression, and is named by its task in configurations and reports:
``logistic`` (``logistic.C``) or ``ridge`` (``ridge.alpha``). A spec may call it
``logistic``, ``ridge`` or ``linear`` whatever the task, and a configuration stored under
the old name (a regression's ``logistic.alpha``) still reads: see :func:`canonical_family`.

Overrides, keyed by those flat names, fix a value (``{"logistic.solver": "saga"}``), narrow
a range (``{"random_forest.max_depth": {"low": 3, "high": 8}}``) or list the choices to try
(``{"top_k": [10, 20]}``). A fixed value is not suggested to Optuna, only returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from agileds.automl._columns import ColumnKind
from agileds.errors import UsageError

if TYPE_CHECKING:
    import optuna

__all__ = [
    "CALIBRATIONS",
    "FAMILIES",
    "PREPROCESSING_SPACE",
    "TASKS",
    "Choice",
    "Family",
    "FloatRange",
    "IntRange",
    "canonical_config",
    "canonical_family",
    "default_params",
    "get_family",
    "make_estimator",
    "suggest_config",
    "suggest_family",
    "suggest_params",
    "suggest_preprocessing",
    "validate_overrides",
]

TASKS = ("binary", "multiclass", "regression")
_UNSET = object()


@dataclass(frozen=True)
class FloatRange:
    """A float hyperparameter between ``low`` and ``high`` (log-uniform when ``log``)."""

    low: float
    high: float
    default: float
    log: bool = False

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Ask ``trial`` for a value."""
        return trial.suggest_float(name, self.low, self.high, log=self.log)

    def narrow(self, name: str, bounds: Mapping[str, Any]) -> FloatRange:
        """Return this range with ``low``/``high`` replaced, the default clamped into it."""
        low, high = _bounds(name, self, bounds, float)
        return replace(self, low=low, high=high, default=min(max(self.default, low), high))


@dataclass(frozen=True)
class IntRange:
    """An integer hyperparameter between ``low`` and ``high`` (log-uniform when ``log``)."""

    low: int
    high: int
    default: int
    log: bool = False

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Ask ``trial`` for a value."""
        return trial.suggest_int(name, self.low, self.high, log=self.log)

    def narrow(self, name: str, bounds: Mapping[str, Any]) -> IntRange:
        """Return this range with ``low``/``high`` replaced, the default clamped into it."""
        low, high = _bounds(name, self, bounds, int)
        return replace(self, low=low, high=high, default=min(max(self.default, low), high))


@dataclass(frozen=True)
class Choice:
    """A categorical hyperparameter: one of ``choices``."""

    choices: tuple[Any, ...]
    default: Any

    def suggest(self, trial: optuna.trial.BaseTrial, name: str) -> Any:
        """Ask ``trial`` for a value."""
        return trial.suggest_categorical(name, list(self.choices))

    def narrow(self, name: str, bounds: Mapping[str, Any]) -> Choice:
        """A choice has no range; always raises UsageError."""
        raise UsageError(
            f"search-space override '{name}' gives a range, but '{name}' is a choice; "
            f"give one value or a list of choices from {list(self.choices)}"
        )


Dimension = FloatRange | IntRange | Choice


def _bounds(
    name: str, dim: FloatRange | IntRange, bounds: Mapping[str, Any], cast: type
) -> tuple[Any, Any]:
    unknown = set(bounds) - {"low", "high"}
    if unknown:
        raise UsageError(
            f"search-space override '{name}' has unknown key '{sorted(unknown)[0]}'; "
            "use low and high"
        )
    low, high = bounds.get("low", dim.low), bounds.get("high", dim.high)
    if not all(_is_number(v) and cast(v) == v for v in (low, high)) or low > high:
        kind = "integers" if cast is int else "numbers"
        raise UsageError(
            f"search-space override '{name}' needs {kind} low <= high, got "
            f"low={low!r}, high={high!r}; e.g. {{low: {dim.low}, high: {dim.high}}}"
        )
    if dim.log and low <= 0:
        raise UsageError(f"search-space override '{name}' is log-scaled; low must be > 0")
    return cast(low), cast(high)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Family:
    """A model family: its estimators and search spaces for classification and regression.

    Attributes:
        name: The family name used in specs and as the parameter prefix.
        linear: Linear models want scaled numeric inputs and take sparse matrices; tree
            models get dense input.
        classifier_space: Hyperparameters for binary and multiclass tasks.
        regressor_space: Hyperparameters for regression.
        build: ``build(task, params, seed)`` returns an unfitted estimator; ``params``
            holds every key of the task's space, unprefixed.
    """

    name: str
    linear: bool
    classifier_space: Mapping[str, Dimension]
    regressor_space: Mapping[str, Dimension]
    build: Callable[[str, dict[str, Any], int], Any]

    def space(self, task: str) -> Mapping[str, Dimension]:
        """Return the search space for ``task``."""
        return self.regressor_space if _check_task(task) == "regression" else self.classifier_space


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise UsageError(f"unknown task '{task}'; use one of {', '.join(TASKS)}")
    return task


def _build_linear(task: str, p: dict[str, Any], seed: int) -> Any:
    if task == "regression":
        from sklearn.linear_model import Ridge

        return Ridge(alpha=p["alpha"], random_state=seed)
    from agileds.automl._transformers import QuietLogisticRegression

    return QuietLogisticRegression(
        C=p["C"],
        solver=p["solver"],
        class_weight=p["class_weight"],
        max_iter=2000,
        random_state=seed,
    )


def _build_forest(task: str, p: dict[str, Any], seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    return cls(**p, n_jobs=1, random_state=seed)


def _build_boosting(task: str, p: dict[str, Any], seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    return cls(**p, early_stopping=False, random_state=seed)


_FOREST: dict[str, Dimension] = {
    "n_estimators": IntRange(50, 300, 100),
    "max_depth": IntRange(3, 20, 16),
    "min_samples_leaf": IntRange(1, 20, 1, log=True),
    "max_features": Choice(("sqrt", "log2", 0.5), "sqrt"),
}
_BOOSTING: dict[str, Dimension] = {
    "learning_rate": FloatRange(0.01, 0.3, 0.1, log=True),
    "max_iter": IntRange(50, 400, 100),
    "max_leaf_nodes": IntRange(8, 64, 31, log=True),
    "min_samples_leaf": IntRange(5, 100, 20, log=True),
    "l2_regularization": FloatRange(1e-6, 10.0, 1e-6, log=True),
}

FAMILIES: Mapping[str, Family] = {
    "logistic": Family(
        "logistic",
        linear=True,
        classifier_space={
            "solver": Choice(("lbfgs", "saga"), "lbfgs"),
            "C": FloatRange(1e-3, 1e2, 1.0, log=True),
            "class_weight": Choice((None, "balanced"), None),
        },
        regressor_space={"alpha": FloatRange(1e-4, 1e3, 1.0, log=True)},
        build=_build_linear,
    ),
    "random_forest": Family("random_forest", False, _FOREST, _FOREST, _build_forest),
    "hist_gradient_boosting": Family(
        "hist_gradient_boosting", False, _BOOSTING, _BOOSTING, _build_boosting
    ),
}
"""Every model family by name, in the order a tournament lists them."""

CALIBRATIONS = ("none", "sigmoid", "isotonic")

PREPROCESSING_SPACE: Mapping[str, Dimension] = {
    "top_k": Choice((5, 10, 20, 50), 20),
    "text_features": Choice(("tfidf", "hashing", "off"), "tfidf"),
    "hashing_size": Choice((64, 128, 256, 512), 128),
    "text_derived": Choice((True, False), True),
    "bucketing": Choice((False, True), False),
    "calibration": Choice(CALIBRATIONS, "none"),
}
"""The searched choices around the model, each only where it applies.

``top_k`` with categorical columns; ``text_features``, ``text_derived`` (word counts,
is-English, sentiment) with text columns, ``hashing_size`` when ``text_features`` hashes;
``bucketing`` (quantile bins of numeric columns) with numeric columns; ``calibration``
(probability calibration of the classifier) for binary and multiclass tasks.
"""


LINEAR_NAMES = ("logistic", "ridge", "linear")
"""What a spec may call the linear family (the registry keeps it as ``logistic``)."""


def get_family(name: str) -> Family:
    """Return the family called ``name`` (``ridge`` and ``linear``: the linear family).

    Raises:
        UsageError: No such family.
    """
    key = "logistic" if name in LINEAR_NAMES else name
    if key not in FAMILIES:
        names = ", ".join(["logistic (or ridge, linear)", *list(FAMILIES)[1:]])
        raise UsageError(f"unknown model family '{name}'; use one of {names}")
    return FAMILIES[key]


def canonical_family(name: str, task: str) -> str:
    """The family's name in configurations and reports: the linear family is ``ridge`` in
    regression and ``logistic`` otherwise; other names are returned as they are.

    Example:
        >>> canonical_family("logistic", "regression"), canonical_family("linear", "binary")
        ('ridge', 'logistic')
    """
    if name not in LINEAR_NAMES:
        return name
    return "ridge" if _check_task(task) == "regression" else "logistic"


def canonical_config(config: Mapping[str, Any], task: str) -> dict[str, Any]:
    """``config`` with the linear family under its task's name: ``family`` and the
    ``<family>.`` keys renamed (a regression stored as ``logistic``/``logistic.alpha``
    reads as ``ridge``/``ridge.alpha``); other keys are kept."""
    family = config.get("family")
    if not isinstance(family, str) or family not in LINEAR_NAMES:
        return dict(config)
    name = canonical_family(family, task)
    renamed: dict[str, Any] = {}
    for key, value in config.items():
        prefix, _, rest = key.partition(".")
        renamed[f"{name}.{rest}" if rest and prefix in LINEAR_NAMES else key] = value
    renamed["family"] = name
    return renamed


def _pick(
    trial: optuna.trial.BaseTrial | None,
    name: str,
    dim: Dimension,
    overrides: Mapping[str, Any],
) -> Any:
    """Suggest ``name`` from ``dim`` as overridden; with no trial, return the default."""
    override = overrides.get(name, _UNSET)
    if isinstance(override, Mapping):
        dim = dim.narrow(name, override)
    elif isinstance(override, list | tuple):
        if not override:
            raise UsageError(f"search-space override '{name}' lists no choices; give at least one")
        choices = tuple(override)
        dim = Choice(choices, dim.default if dim.default in choices else choices[0])
    elif override is not _UNSET:
        _check_fixed(name, dim, override)
        return override
    return dim.default if trial is None else dim.suggest(trial, name)


def _check_fixed(name: str, dim: Dimension, value: Any) -> None:
    if isinstance(dim, Choice):
        return
    wanted = int if isinstance(dim, IntRange) else int | float
    if _is_number(value) and isinstance(value, wanted):
        return
    kind = "an integer" if isinstance(dim, IntRange) else "a number"
    raise UsageError(
        f"search-space override '{name}' must be {kind}, got {value!r}; "
        f"e.g. {dim.default} or {{low: {dim.low}, high: {dim.high}}}"
    )


def suggest_params(
    trial: optuna.trial.BaseTrial,
    family: str,
    *,
    task: str = "binary",
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Suggest the hyperparameters of one family (define-by-run).

    Args:
        trial: The Optuna trial (or ``FixedTrial``).
        family: The family whose space to sample.
        task: ``binary``, ``multiclass`` or ``regression``; the linear family's space differs.
        overrides: Flat overrides (see the module docstring); other families' keys are ignored.

    Returns:
        ``{"<family>.<param>": value}`` for every parameter of the family's space.

    Example:
        >>> import optuna
        >>> trial = optuna.trial.FixedTrial({"logistic.solver": "saga", "logistic.C": 0.1,
        ...                                  "logistic.class_weight": None})
        >>> suggest_params(trial, "logistic")["logistic.C"]
        0.1
    """
    return _family_params(trial, family, task, overrides or {})


def canonical_overrides(overrides: Mapping[str, Any], task: str) -> dict[str, Any]:
    """Search-space overrides with the linear family's keys under its task's name."""
    return {
        (
            f"{canonical_family(k.partition('.')[0], task)}.{k.partition('.')[2]}"
            if k.partition(".")[0] in LINEAR_NAMES and k.partition(".")[2]
            else k
        ): v
        for k, v in overrides.items()
    }


def _family_params(
    trial: optuna.trial.BaseTrial | None, family: str, task: str, overrides: Mapping[str, Any]
) -> dict[str, Any]:
    family = canonical_family(family, task)
    overrides = canonical_overrides(overrides, task)
    space = get_family(family).space(task)
    return {
        f"{family}.{name}": _pick(trial, f"{family}.{name}", dim, overrides)
        for name, dim in space.items()
    }


def suggest_preprocessing(
    trial: optuna.trial.BaseTrial,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    overrides: Mapping[str, Any] | None = None,
    task: str | None = None,
) -> dict[str, Any]:
    """Suggest the choices of :data:`PREPROCESSING_SPACE` that apply.

    Args:
        trial: The Optuna trial.
        kinds: The column kinds in use; when given, ``top_k`` is only searched with
            categorical columns, the text choices only with text columns and
            ``bucketing`` only with numeric columns.
        overrides: Flat overrides; keys that are not preprocessing choices are ignored.
        task: ``calibration`` is searched for ``binary`` and ``multiclass`` only (not
            when the task is ``regression`` or not given).
    """
    return _preprocessing(trial, kinds, overrides or {}, task)


def _preprocessing(
    trial: optuna.trial.BaseTrial | None,
    kinds: Mapping[str, ColumnKind] | None,
    overrides: Mapping[str, Any],
    task: str | None,
) -> dict[str, Any]:
    present = set(kinds.values()) if kinds is not None else set(ColumnKind)
    params: dict[str, Any] = {}
    for name, dim in PREPROCESSING_SPACE.items():
        if _applies(name, present, task, params):
            params[name] = _pick(trial, name, dim, overrides)
    return params


def _applies(name: str, present: set[ColumnKind], task: str | None, chosen: dict[str, Any]) -> bool:
    """Whether the preprocessing choice ``name`` matters, given the choices made before it."""
    if name == "top_k":
        return bool(present & {ColumnKind.CATEGORICAL, ColumnKind.CATEGORY_CODE})
    if name == "hashing_size":
        return chosen.get("text_features") in ("hashing", "tfidf")
    if name in ("text_features", "text_derived"):
        return ColumnKind.TEXT in present
    if name == "bucketing":
        return ColumnKind.NUMERIC in present
    return task is not None and _check_task(task) != "regression"  # calibration


def suggest_family(
    trial: optuna.trial.BaseTrial, families: Sequence[str], task: str | None = None
) -> str:
    """Suggest the model family (the ``family`` parameter) among ``families``.

    With ``task``, the names are canonical (:func:`canonical_family`); a study resumed from
    before that naming keeps its stored choices (Optuna cannot change a parameter's
    choices), and the suggestion is returned under its canonical name.
    """
    for name in families:
        get_family(name)
    if task is None:
        return str(trial.suggest_categorical("family", list(families)))
    wanted = list(dict.fromkeys(canonical_family(f, task) for f in families))
    stored = _stored_choices(trial, "family")
    same = stored is not None and [canonical_family(str(c), task) for c in stored] == wanted
    choices = list(stored) if same and stored is not None else wanted
    return canonical_family(str(trial.suggest_categorical("family", choices)), task)


def _stored_choices(trial: optuna.trial.BaseTrial, name: str) -> tuple[Any, ...] | None:
    """The choices of parameter ``name`` in the trial's study so far (None: none yet)."""
    study = getattr(trial, "study", None)
    if study is None:
        return None
    for past in study.get_trials(deepcopy=False):
        distribution = past.distributions.get(name)
        if distribution is not None:
            return tuple(getattr(distribution, "choices", ()))
    return None


def suggest_config(
    trial: optuna.trial.BaseTrial,
    families: Sequence[str],
    *,
    task: str,
    kinds: Mapping[str, ColumnKind] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Suggest a whole configuration: family, preprocessing and that family's parameters.

    Returns:
        The flat configuration, the same keys :func:`default_params` gives for the family.
    """
    family = suggest_family(trial, families, task)
    overrides = canonical_overrides(overrides or {}, task)
    return {
        "family": family,
        **_preprocessing(trial, kinds, overrides, task),
        **_family_params(trial, family, task, overrides),
    }


def default_params(
    family: str,
    *,
    task: str = "binary",
    kinds: Mapping[str, ColumnKind] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the family's default configuration, as :func:`suggest_config` would produce it.

    Meant for trial 0: ``study.enqueue_trial(default_params("logistic", task=task))``.
    Overridden values are honoured (fixed, or the default clamped into a narrowed range).
    """
    overrides = canonical_overrides(overrides or {}, task)
    return {
        "family": canonical_family(family, task),
        **_preprocessing(None, kinds, overrides, task),
        **_family_params(None, family, task, overrides),
    }


def validate_overrides(overrides: Mapping[str, Any], *, task: str) -> None:
    """Check every override names a known parameter and has a valid shape.

    Raises:
        UsageError: An unknown name, an unknown family prefix, a bad value, or
            ``calibration`` for a regression task.
    """
    if "calibration" in overrides and _check_task(task) == "regression":
        raise UsageError(
            "search-space override 'calibration' applies to classifiers only; "
            "remove it for a regression task"
        )
    known = dict(PREPROCESSING_SPACE)
    for family in FAMILIES.values():
        shown = canonical_family(family.name, task)
        known.update({f"{shown}.{n}": dim for n, dim in family.space(task).items()})
    overrides = canonical_overrides(overrides, task)
    for name in overrides:
        if name not in known:
            raise UsageError(
                f"unknown search-space override '{name}'; use one of {', '.join(known)}"
            )
        _pick(None, name, known[name], overrides)


def make_estimator(family: str, task: str, params: Mapping[str, Any], seed: int) -> Any:
    """Return the unfitted estimator of ``family`` for ``task``.

    With ``calibration`` ``sigmoid`` or ``isotonic`` (classifiers only), the estimator is
    wrapped in ``CalibratedClassifierCV(estimator, method=calibration, cv=3)``: it still
    has ``predict_proba`` and ``classes_``, and pickles.

    Args:
        family: The family name.
        task: ``binary``, ``multiclass`` or ``regression``.
        params: A flat configuration; keys ``<family>.<param>`` (or bare parameter names)
            set the hyperparameters, missing ones take the defaults, ``calibration`` picks
            the calibration, other keys are ignored.
        seed: The estimator's ``random_state``.

    Raises:
        UsageError: An unknown family or task, or a bad ``calibration``.
    """
    spec = get_family(family)
    space = spec.space(task)
    values = {name: dim.default for name, dim in space.items()}
    names = dict.fromkeys((family, canonical_family(family, task), spec.name))
    for name in space:
        for key in (name, *(f"{n}.{name}" for n in names)):  # old names of the linear family
            if key in params:
                values[name] = params[key]
    estimator = spec.build(task, values, seed)
    return _calibrated(estimator, task, params.get("calibration", "none"))


def _calibrated(estimator: Any, task: str, method: Any) -> Any:
    if method not in CALIBRATIONS:
        raise UsageError(
            f"calibration must be one of {', '.join(CALIBRATIONS)}, got {method!r}; use 'none'"
        )
    if method == "none":
        return estimator
    if task == "regression":
        raise UsageError(
            f"calibration applies to classifiers only, got {method!r} for a regression "
            "task; use 'none'"
        )
    from sklearn.calibration import CalibratedClassifierCV

    return CalibratedClassifierCV(estimator, method=method, cv=3)
