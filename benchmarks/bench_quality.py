"""Holdout quality of agileds against hand-tuned notebook baselines and FLAML at equal wall time
(issues 4 and 16).

Seven datasets, no hand-written feature engineering on the agileds side: scikit-learn's
breast cancer (binary, auROC), wine and iris (multiclass, macro F1) and diabetes
(regression, RMSE), the demo CRM data (``make_leads(4000, seed)``, binary ``is_closed``,
auROC), and two mixed-type datasets built from the seed in ``benchmarks/quality_data.py``:
telecom churn (binary, auROC; categories, a date, free-text notes, nulls) and medical
insurance charges (regression, RMSE). On the CRM
data ``lead_id`` is dropped in the spec, and the leak ``deal_stage_final`` stays in the
file: agileds' sanity checks must remove it themselves (the table notes how often they did);
the baselines drop it by hand, as a data scientist who knows the data would.

Per dataset and seed the data is written to CSV once. agileds runs a story ticket on it
(``run_ticket(..., fresh=True)``) with ``split: {holdout: 0.25, seed}``, ``seed``, 3-fold
CV, its default families and ``budget: {trials: 1000, timeout: T}``. The baselines read the
same CSV with ``agileds.data.load_table`` and split it with ``agileds.data.holdout_split``
exactly as ``agileds.sweeps._prepare`` does (the script checks that the holdout rows match),
and are the two pipelines a data scientist would write in a notebook:

- **one-hot + random forest**: a ``ColumnTransformer`` with median imputation for numbers,
  most-frequent imputation + ``OneHotEncoder(handle_unknown="ignore")`` for categories,
  ``TfidfVectorizer`` (words and bigrams, ``min_df=3``, sublinear tf; nulls as "") for the
  free text ``description``, and dates as day numbers (median-imputed); then a random forest;
- **linear**: the same preprocessing plus ``StandardScaler`` on numbers and dates, then a
  logistic regression (classification) or a ridge regression (regression).

The **CV-picked baseline** of a seed is the baseline whose best cross-validated score on the
training part is the better one: the pipeline a notebook user would pick without peeking at
the holdout (issue 16). agileds is compared with it per seed: the paired 95% t-interval of
(agileds − CV-picked baseline), signed so that positive means agileds is better, is
*non-inferior* when its lower end is above −0.005 (auROC, macro F1) or above −1% of the
baseline's mean RMSE, and *beats* when it lies wholly above zero.

**FLAML** (``pip install -e .[bench]``; left out with ``--no-flaml`` or when not installed)
gets ``AutoML.fit(time_budget=T, n_jobs=1, eval_method="cv", split_type=<the same 3 folds>,
seed)`` on the baselines' training part (the CRM leak dropped, as FLAML has no leak check;
date columns parsed as dates), its own metric (``roc_auc``, ``macro_f1``, ``rmse``), and
the holdout scored by the same metric code. Every method's end-to-end wall time (search,
refit, holdout scoring; for agileds the whole ``run_ticket``) is in the timing table.

``--sanity-only`` runs only agileds' sanity checks on every dataset's training part per seed
and lists every removal and suspect with its evidence (seconds, not minutes).

Each baseline is tuned by a random search over its model's usual hyperparameters, with the
same folds agileds uses (3-fold, shuffled with the split seed; stratified for classes),
starting with scikit-learn's defaults. Equal wall time: the search starts no new candidate
after T seconds, which is how Optuna's ``timeout`` stops agileds' sweep (a trial in flight
finishes in both). The refit of the best candidate on the whole training part is outside T
for everyone, as is agileds' bookkeeping after its sweep (holdout bootstrap, model logging
and registration, permutation importances, report); the timing table shows those too.
Every metric is computed by ``agileds.evaluation.compute_metrics``.

Fairness and noise: one BLAS/OpenMP thread (``OMP_NUM_THREADS=1`` before scikit-learn is
imported), one process (agileds ``workers=1``, ``n_jobs=1`` in the forests); the machine is
shared, so the load average is printed before and after. Everything is written to a
temporary folder that is removed at the end.

Run: ``.venv/bin/python benchmarks/bench_quality.py [--budget 20] [--seeds 10] [--first-seed 0]
[--datasets breast_cancer,wine,iris,diabetes,crm,churn,insurance] [--no-flaml] [--quick]
[--sanity-only]`` (``--quick``: one seed, T = 8 s).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_threads] = "1"

HOLDOUT = 0.25
CV_FOLDS = 3
MAX_TRIALS = 1000
LABELS = {"auroc": "auROC", "macro_f1": "macro F1", "rmse": "RMSE"}

SPEC_YAML = """\
# Written by benchmarks/bench_quality.py: no feature engineering, default families.
data:
  path: data/{csv}
  target: {target}
  task: {task}
  drop: {drop}
split: {{holdout: {holdout}, seed: {seed}}}
metric: {metric}
cv_folds: {folds}
budget: {{trials: {trials}, timeout: {timeout}}}
seed: {seed}
"""
TICKET_YAML = """\
id: {ticket}
type: story
title: Quality benchmark on {dataset}
value: 1
effort: 1
model: bench-{dataset}
experiment: experiments/{dataset}.yaml
"""


# --- datasets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A benchmark dataset: how to make it, what to predict, what a human knows about it.

    ``drop`` goes into the agileds spec; ``hand_drop`` (the leak) only the baselines drop;
    ``text`` and ``dates`` tell the baselines which string columns are free text or dates.
    """

    name: str
    task: str
    metric: str
    make: Callable[[int], Any]
    target: str = "target"
    drop: tuple[str, ...] = ()
    hand_drop: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    @property
    def maximize(self) -> bool:
        """Whether a higher metric is better."""
        return self.metric != "rmse"


def _sklearn_frame(loader: str) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        import sklearn.datasets

        del seed  # a fixed dataset: the seed only changes the split and the searches
        options = {"scaled": False} if loader == "load_diabetes" else {}
        return getattr(sklearn.datasets, loader)(as_frame=True, **options).frame

    return make


def _churn(seed: int) -> Any:
    from quality_data import make_churn  # benchmarks/ is on the path of a script run

    return make_churn(seed)


def _insurance(seed: int) -> Any:
    from quality_data import make_insurance

    return make_insurance(seed)


def _leads(seed: int) -> Any:
    from agileds.data import make_leads

    return make_leads(4000, seed=seed)


DATASETS = {
    d.name: d
    for d in (
        Dataset("breast_cancer", "binary", "auroc", _sklearn_frame("load_breast_cancer")),
        Dataset("wine", "multiclass", "macro_f1", _sklearn_frame("load_wine")),
        Dataset("iris", "multiclass", "macro_f1", _sklearn_frame("load_iris")),
        Dataset("diabetes", "regression", "rmse", _sklearn_frame("load_diabetes")),
        Dataset(
            "crm",
            "binary",
            "auroc",
            _leads,
            target="is_closed",
            drop=("lead_id",),
            hand_drop=("deal_stage_final",),
            text=("description",),
            dates=("created_at",),
        ),
        Dataset(
            "churn",
            "binary",
            "auroc",
            _churn,
            target="churned",
            drop=("customer_id",),
            text=("notes",),
            dates=("signup_date",),
        ),
        Dataset(
            "insurance", "regression", "rmse", _insurance, target="charges", dates=("plan_start",)
        ),
    )
}


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One method on one dataset and seed: holdout metric, search and total seconds."""

    method: str
    score: float
    search_seconds: float
    total_seconds: float
    candidates: int
    detail: str = ""
    cv: float = float("nan")  # the best cross-validated score of the search (baselines)


@dataclass
class Results:
    """Outcomes by dataset name, then method; plus agileds' leak flags on the CRM data."""

    outcomes: dict[str, dict[str, list[Outcome]]] = field(default_factory=dict)
    leak_flags: dict[str, list[float]] = field(default_factory=dict)

    def add(self, dataset: str, outcome: Outcome) -> None:
        """Record one outcome."""
        self.outcomes.setdefault(dataset, {}).setdefault(outcome.method, []).append(outcome)


# --- the baselines --------------------------------------------------------------------


def _as_text(column: Any) -> Any:
    """A text column as strings, nulls as ""; TfidfVectorizer's input."""
    return column.astype(object).where(column.notna(), "").astype(str)


def _as_days(frame: Any) -> Any:
    """Date columns as days since 1970-01-01 (unparsable values as NaN)."""
    import pandas as pd

    days = {c: (pd.to_datetime(frame[c], errors="coerce") - pd.Timestamp(0)).dt.days for c in frame}
    return pd.DataFrame(days, index=frame.index).astype(float)


def preprocessor(x: Any, dataset: Dataset, *, scale: bool) -> Any:
    """The notebook ``ColumnTransformer``: impute, one-hot, TF-IDF, dates as day numbers."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    special = {*dataset.text, *dataset.dates}
    numeric = [c for c in x if c not in special and pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x if c not in special and c not in numeric]
    scaler = [StandardScaler()] if scale else []
    parts: list[tuple[str, Any, Any]] = [
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), *scaler), numeric)
    ]
    if categorical:
        encode = make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
        )
        parts.append(("categorical", encode, categorical))
    for column in dataset.text:
        tfidf = TfidfVectorizer(min_df=3, ngram_range=(1, 2), sublinear_tf=True)
        parts.append(
            (f"text_{column}", make_pipeline(FunctionTransformer(_as_text), tfidf), column)
        )
    if dataset.dates:
        days = make_pipeline(FunctionTransformer(_as_days), SimpleImputer(strategy="median"))
        parts.append(("dates", make_pipeline(days, *scaler), list(dataset.dates)))
    return ColumnTransformer(parts)


def forest(task: str, seed: int) -> tuple[Any, dict[str, Any]]:
    """A random forest with the usual notebook search space."""
    from scipy.stats import randint
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    space: dict[str, Any] = {
        "n_estimators": randint(100, 501),
        "max_depth": [None, 4, 6, 8, 12, 16, 24],
        "min_samples_leaf": [1, 2, 4, 8, 16],
        "max_features": ["sqrt", "log2", 0.3, 0.5, 0.8, 1.0],
    }
    if task != "regression":
        space["class_weight"] = [None, "balanced"]
    return cls(n_jobs=1, random_state=seed), space


def linear(task: str, seed: int) -> tuple[Any, dict[str, Any]]:
    """A logistic regression (classification) or ridge regression, with its search space."""
    from scipy.stats import loguniform
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        return Ridge(random_state=seed), {"alpha": loguniform(1e-3, 1e3)}
    space = {"C": loguniform(1e-3, 1e2), "class_weight": [None, "balanced"]}
    return LogisticRegression(max_iter=2000, random_state=seed), space


BASELINES: dict[str, tuple[Callable[[str, int], tuple[Any, dict[str, Any]]], bool]] = {
    "one-hot + random forest": (forest, False),
    "logistic/ridge": (linear, True),
}
"""Baseline name: (model and search space, whether the inputs are scaled)."""


def scores_of(model: Any, x: Any, task: str) -> Any:
    """P(positive), class probabilities or predictions, as agileds scores a model."""
    if task == "binary":
        return model.predict_proba(x)[:, 1]
    return model.predict_proba(x) if task == "multiclass" else model.predict(x)


def evaluate(model: Any, x: Any, y: Any, dataset: Dataset) -> float:
    """The dataset's metric of a fitted model, by agileds' own metric code."""
    from agileds.evaluation import compute_metrics

    labels = tuple(model.classes_) if dataset.task != "regression" else None
    scores = scores_of(model, x, dataset.task)
    values = compute_metrics(
        dataset.task, y.to_numpy(), scores, labels=labels, metrics=[dataset.metric]
    )
    return values[dataset.metric]


def folds(y: Any, task: str, seed: int) -> list[tuple[Any, Any]]:
    """agileds' CV folds: 3-fold, shuffled with the split seed, stratified for classes."""
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = KFold if task == "regression" else StratifiedKFold
    return list(cls(n_splits=CV_FOLDS, shuffle=True, random_state=seed).split(y.to_frame(), y))


def candidates(space: dict[str, Any], seed: int) -> Iterator[dict[str, Any]]:
    """scikit-learn's defaults first, then random draws from ``space``."""
    from sklearn.model_selection import ParameterSampler

    yield {}
    yield from ParameterSampler(space, n_iter=MAX_TRIALS - 1, random_state=seed)


def cv_score(
    pipeline: Any, params: dict[str, Any], x: Any, y: Any, splits: Any, d: Dataset
) -> float:
    """Mean metric of one candidate over the folds."""
    from sklearn.base import clone

    values = []
    for fit, val in splits:
        model = clone(pipeline).set_params(**params)
        model.fit(x.iloc[fit], y.iloc[fit])
        values.append(evaluate(model, x.iloc[val], y.iloc[val], d))
    return statistics.fmean(values)


def run_baseline(
    name: str, dataset: Dataset, train: Any, holdout: Any, seed: int, budget: float
) -> Outcome:
    """Random search within ``budget`` seconds, refit of the best, holdout metric."""
    from sklearn.pipeline import Pipeline

    start = time.perf_counter()
    make, scale = BASELINES[name]
    x, y = train.drop(columns=[dataset.target]), train[dataset.target]
    estimator, space = make(dataset.task, seed)
    pipeline = Pipeline([("features", preprocessor(x, dataset, scale=scale)), ("model", estimator)])
    space = {f"model__{k}": v for k, v in space.items()}
    splits = folds(y, dataset.task, seed)
    sign = 1 if dataset.maximize else -1
    best: tuple[float, dict[str, Any]] | None = None
    tried = 0
    for params in candidates(space, seed):
        if time.perf_counter() - start >= budget:
            break
        value = sign * cv_score(pipeline, params, x, y, splits, dataset)
        tried += 1
        if best is None or value > best[0]:
            best = (value, params)
    search = time.perf_counter() - start
    assert best is not None
    model = pipeline.set_params(**best[1]).fit(x, y)
    score = evaluate(
        model, holdout.drop(columns=[dataset.target]), holdout[dataset.target], dataset
    )
    total = time.perf_counter() - start
    return Outcome(name, score, search, total, tried, cv=sign * best[0])


# --- FLAML ----------------------------------------------------------------------------


def flaml_available() -> bool:
    """Whether FLAML's AutoML can be imported (the optional ``bench`` extra)."""
    try:
        import flaml.automl  # noqa: F401
    except ImportError:
        return False
    return True


def run_flaml(dataset: Dataset, train: Any, holdout: Any, seed: int, budget: float) -> Outcome:
    """FLAML's AutoML with ``time_budget`` T on one thread and agileds' folds; holdout metric."""
    import pandas as pd
    from flaml import AutoML
    from sklearn.model_selection import KFold, StratifiedKFold

    def features(part: Any) -> Any:
        x = part.drop(columns=[dataset.target])
        for column in dataset.dates:
            x[column] = pd.to_datetime(x[column], errors="coerce")
        return x

    start = time.perf_counter()
    regression = dataset.task == "regression"
    splitter = (KFold if regression else StratifiedKFold)(
        n_splits=CV_FOLDS, shuffle=True, random_state=seed
    )
    automl = AutoML()
    automl.fit(
        features(train),
        train[dataset.target],
        task="regression" if regression else "classification",
        metric={"auroc": "roc_auc", "macro_f1": "macro_f1", "rmse": "rmse"}[dataset.metric],
        time_budget=budget,
        n_jobs=1,
        eval_method="cv",
        split_type=splitter,
        seed=seed,
        verbose=0,
    )
    search = time.perf_counter() - start
    score = evaluate(automl, features(holdout), holdout[dataset.target], dataset)
    total = time.perf_counter() - start
    trials = len(getattr(automl, "config_history", {}) or {})
    return Outcome("FLAML", score, search, total, trials, str(automl.best_estimator))


# --- agileds --------------------------------------------------------------------------


def write_experiment(root: Path, dataset: Dataset, seed: int, budget: float, ticket: str) -> Path:
    """Write the dataset's CSV, its spec and its ticket into the project; return the CSV."""
    csv = root / "experiments" / "data" / f"{dataset.name}-{seed}.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    dataset.make(seed).to_csv(csv, index=False)
    spec = SPEC_YAML.format(
        csv=csv.name,
        target=dataset.target,
        task=dataset.task,
        drop="[" + ", ".join(dataset.drop) + "]",
        holdout=HOLDOUT,
        seed=seed,
        metric=dataset.metric,
        folds=CV_FOLDS,
        trials=MAX_TRIALS,
        timeout=budget,
    )
    (root / "experiments" / f"{dataset.name}.yaml").write_text(spec, encoding="utf-8")
    text = TICKET_YAML.format(ticket=ticket, dataset=dataset.name)
    (root / "backlog" / f"{ticket}.yaml").write_text(text, encoding="utf-8")
    return csv


def run_agileds(project: Any, ticket: str, dataset: Dataset) -> tuple[Outcome, float]:
    """``run_ticket`` on a fresh study; the outcome and the leak flags it raised."""
    from agileds.runners import run_ticket

    start = time.perf_counter()
    result = run_ticket(ticket, project, fresh=True)
    total = time.perf_counter() - start
    q = result.quantities
    outcome = Outcome(
        "agileds",
        q[dataset.metric],
        q["sweep_seconds"],
        total,
        int(q["trials"]),
        str(result.best_config.get("family", "?")),
    )
    return outcome, q.get("leakage_flags", float("nan"))


def hand_split(csv: Path, dataset: Dataset, seed: int) -> tuple[Any, Any]:
    """The baselines' training part and holdout, split as agileds splits the same file."""
    from agileds.data import holdout_split, load_table

    frame = load_table(csv).drop(columns=list(dataset.drop))
    parts = holdout_split(frame, dataset.target, task=dataset.task, fraction=HOLDOUT, seed=seed)
    leak = list(dataset.hand_drop)  # what the data scientist knows; agileds must find it
    train, holdout = (part.reset_index(drop=True).drop(columns=leak) for part in parts)
    return train, holdout


def check_same_split(project: Any, ticket: str, holdout: Any) -> None:
    """Fail loudly unless agileds holds out the very rows the baselines hold out."""
    from agileds.sweeps import load_ticket_spec
    from agileds.sweeps._prepare import prepare_data

    spec, path, shown = load_ticket_spec(project, project.backlog().get(ticket))
    data = prepare_data(spec, path, shown)
    mine = holdout[data.holdout.columns.intersection(holdout.columns)]
    theirs = data.holdout[mine.columns]
    if not mine.equals(theirs):
        raise SystemExit(f"{ticket}: the baselines' holdout differs from agileds'; fix hand_split")


# --- the run --------------------------------------------------------------------------


def benchmark(
    root: Path, names: list[str], seeds: list[int], budget: float, flaml: bool = False
) -> Results:
    """Every dataset, seed and method; one progress line (a Markdown comment) per seed."""
    from agileds._scaffold import init_project
    from agileds.project import find_project
    from agileds.tracking import get_client, resolve_stores

    init_project(root / "project", model="bench")
    project = find_project(root / "project")
    settings = project.settings
    stores = resolve_stores(
        project.root, settings.tracking_uri, settings.artifact_location, settings.optuna_storage
    )
    get_client(stores.tracking_uri)  # create and migrate the MLflow store before any clock
    results = Results()
    for number, name in enumerate(names, start=1):
        dataset, ticket = DATASETS[name], f"STORY-{number}"
        for seed in seeds:
            csv = write_experiment(project.root, dataset, seed, budget, ticket)
            train, holdout = hand_split(csv, dataset, seed)
            check_same_split(project, ticket, holdout)
            outcome, flags = run_agileds(project, ticket, dataset)
            results.add(name, outcome)
            results.leak_flags.setdefault(name, []).append(flags)
            for baseline in BASELINES:
                results.add(name, run_baseline(baseline, dataset, train, holdout, seed, budget))
            if flaml:
                results.add(name, run_flaml(dataset, train, holdout, seed, budget))
            line = ", ".join(f"{m} {o[-1].score:.4f}" for m, o in results.outcomes[name].items())
            print(f"<!-- {name} seed {seed}: {line} -->", flush=True)
    return results


def mean_std(values: list[float]) -> str:
    """``mean ± std`` (sample std over seeds; 0 for one seed)."""
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.4f} ± {std:.4f}"


def gains(dataset: Dataset, ours: list[float], theirs: list[float]) -> list[float]:
    """Per-seed differences, signed so that positive means agileds is better."""
    sign = 1 if dataset.maximize else -1
    return [sign * (a - b) for a, b in zip(ours, theirs, strict=True)]


def interval(values: list[float]) -> tuple[float, float] | None:
    """The 95% t-interval of the mean of ``values``; None for fewer than two."""
    from scipy.stats import t

    if len(values) < 2:
        return None
    half = t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    mean = statistics.fmean(values)
    return mean - half, mean + half


def cv_picked(methods: dict[str, list[Outcome]], dataset: Dataset) -> list[Outcome]:
    """Per seed, the baseline with the better cross-validated score on the training part."""
    pick = max if dataset.maximize else min
    per_seed = zip(*(methods[name] for name in BASELINES), strict=True)
    return [pick(outcomes, key=lambda o: o.cv) for outcomes in per_seed]


def judged(dataset: Dataset, ours: list[float], theirs: list[float]) -> tuple[str, str]:
    """The paired 95% interval of (agileds − them) as text, and the verdict of issue 16:
    non-inferior when the lower end is above −0.005 (−1% of their RMSE), beats when above 0."""
    bounds = interval(gains(dataset, ours, theirs))
    if bounds is None:
        mean = statistics.fmean(gains(dataset, ours, theirs))
        return f"{mean:+.4f} (one seed)", "—"
    low, high = bounds
    margin = 0.01 * statistics.fmean(theirs) if dataset.metric == "rmse" else 0.005
    word = "beats" if low > 0 else "non-inferior" if low > -margin else "NOT non-inferior"
    return f"[{low:+.4f}, {high:+.4f}]", word


def quality_table(results: Results) -> list[str]:
    """The main table: agileds against the CV-picked baseline, the best one in hindsight and
    FLAML when it ran."""
    lines = [
        "| dataset | metric | agileds | CV-picked baseline (picks) | agileds − CV-picked, "
        "95% CI | verdict | best baseline in hindsight | FLAML | agileds − FLAML, 95% CI "
        "| verdict |",
        "|---|---|---:|---:|---|---|---:|---:|---|---|",
    ]
    for name, methods in results.outcomes.items():
        dataset = DATASETS[name]
        ours = [o.score for o in methods["agileds"]]
        picked = cv_picked(methods, dataset)
        picks = ", ".join(
            f"{m.split()[0]} ×{sum(o.method == m for o in picked)}"
            for m in BASELINES
            if any(o.method == m for o in picked)
        )
        scores = {m: [o.score for o in methods[m]] for m in BASELINES}
        pick = max if dataset.maximize else min
        hindsight = pick(scores, key=lambda m: statistics.fmean(scores[m]))
        against_cv = judged(dataset, ours, [o.score for o in picked])
        flaml = [o.score for o in methods.get("FLAML", [])]
        against_flaml = judged(dataset, ours, flaml) if flaml else ("—", "—")
        arrow = "↑" if dataset.maximize else "↓"
        lines.append(
            f"| {name} | {LABELS[dataset.metric]} ({arrow}) | {mean_std(ours)} "
            f"| {mean_std([o.score for o in picked])} ({picks}) | {against_cv[0]} "
            f"| {against_cv[1]} | {mean_std(scores[hindsight])} ({hindsight}) "
            f"| {mean_std(flaml) if flaml else '—'} | {against_flaml[0]} | {against_flaml[1]} |"
        )
    return lines


def timing_table(results: Results) -> list[str]:
    """Where the time went: search seconds, candidates tried, end-to-end seconds."""
    lines = [
        "| dataset | method | search s | trials/candidates | end to end s | per seed |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, methods in results.outcomes.items():
        for method, outs in methods.items():
            per_seed = ", ".join(
                f"{o.score:.4f}" + (f" {o.detail}" if o.detail else "") for o in outs
            )
            lines.append(
                f"| {name} | {method} | {statistics.fmean(o.search_seconds for o in outs):.1f} "
                f"| {statistics.fmean(o.candidates for o in outs):.1f} "
                f"| {statistics.fmean(o.total_seconds for o in outs):.1f} | {per_seed} |"
            )
    return lines


def sanity_table(names: list[str], seeds: list[int]) -> list[str]:
    """Every removal and suspect of agileds' sanity checks on each dataset's training part
    (split and seeded as ``agileds run`` splits it): on how many seeds, and the evidence on
    the first of them."""
    from agileds.automl import infer_column_kinds, sanity_check
    from agileds.data import check_target, holdout_split

    lines = [
        "| dataset | training rows | features | finding | seeds | evidence (first seed) |",
        "|---|---:|---:|---|---:|---|",
    ]
    for name in names:
        dataset = DATASETS[name]
        findings: dict[str, tuple[list[int], str]] = {}
        for seed in seeds:
            frame = dataset.make(seed).drop(columns=list(dataset.drop))
            task = check_target(frame, dataset.target, dataset.task, name)
            train, _ = holdout_split(frame, dataset.target, task=task, fraction=HOLDOUT, seed=seed)
            train = train.reset_index(drop=True)
            kinds = infer_column_kinds(train, target=dataset.target)
            report = sanity_check(train, target=dataset.target, kinds=kinds, task=task, seed=seed)
            found = [(f"`{r.column}` removed ({r.check})", r.reason) for r in report.removed]
            found += [(f"`{s.column}` kept, suspected", s.reason) for s in report.suspects]
            for key, reason in found:
                findings.setdefault(key, ([], reason.replace("|", "/")))[0].append(seed)
        head = f"| {name} | {len(train)} | {len(kinds)} "
        if not findings:
            lines.append(head + f"| nothing removed or suspected | 0/{len(seeds)} | — |")
        for key, (found_on, reason) in findings.items():
            lines.append(head + f"| {key} | {len(found_on)}/{len(seeds)} | {reason} |")
    return lines


def quiet() -> None:
    """Silence Optuna, MLflow and the warnings."""
    from agileds.sweeps._study import quiet_optuna

    quiet_optuna()
    for name in ("mlflow", "alembic", "optuna", "optuna_integration"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"  # also in any process agileds spawns


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    """Parse the options, run everything in a temporary folder, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0, help="seconds T per method")
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds start here")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="one seed, T = 8 s: a smoke check")
    parser.add_argument("--no-flaml", action="store_true", help="leave FLAML out")
    parser.add_argument(
        "--sanity-only", action="store_true", help="only list the sanity checks' findings"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; use {', '.join(DATASETS)}")
    first = args.first_seed
    seeds = [first] if args.quick else list(range(first, first + args.seeds))
    budget = 8.0 if args.quick else args.budget
    if args.sanity_only:
        print("\n".join(sanity_table(names, seeds)))
        return
    flaml = not args.no_flaml and flaml_available()
    print(f"<!-- load before: {load()} (1, 5, 15 min), {os.cpu_count()} cores -->")
    print(f"<!-- FLAML: {'on' if flaml else 'off (--no-flaml, or not installed)'} -->")
    quiet()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_quality_") as tmp:
        cwd = Path.cwd()
        os.chdir(tmp)  # anything written relative to the working directory stays here
        try:
            results = benchmark(Path(tmp), names, seeds, budget, flaml)
        finally:
            os.chdir(cwd)
    minutes = (time.perf_counter() - start) / 60
    print(
        f"\nHoldout metric, mean ± std over seeds {seeds[0]}..{seeds[-1]}; budget T = "
        f"{budget:g} s of search per method, {CV_FOLDS}-fold CV, holdout {HOLDOUT:.0%}.\n"
    )
    print("\n".join(quality_table(results)))
    print("\nTime per run (means over seeds) and the holdout metric per seed:\n")
    print("\n".join(timing_table(results)))
    if "crm" in results.leak_flags:
        flags = ", ".join(f"{f:g}" for f in results.leak_flags["crm"])
        print(f"\nagileds leakage_flags on crm per seed: {flags} (deal_stage_final planted)")
    print(f"\n<!-- {minutes:.1f} min in all; load after: {load()} -->")


if __name__ == "__main__":
    main()
