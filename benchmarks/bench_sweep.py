"""Wall time of one sweep run four ways, as ratios to a raw Optuna loop (issue 3, "Speed").

The sweep: histogram gradient boosting on the demo CRM data (``agileds init --demo``),
3-fold CV, fixed seed, 40 trials. Measured in one run of this script:

(a) a raw Optuna loop without tracking, built from agileds' own pieces (``Objective``
    without a trial logger, ``make_sampler``/``make_pruner``, the family defaults enqueued
    as trial 0, in-memory storage), so (a) and (d) differ only by tracking and orchestration;
(b) the same loop with optuna-integration's ``MLflowCallback`` (trial runs nested under one
    parent run, ``mlflow_kwargs={"nested": True}``: 5.0 has no ``nest_trials``);
(c) scikit-learn's ``RandomizedSearchCV`` on the same pipeline, folds and HGB space (plus the
    top_k and hashing_size choices; feature groups and text stay on), with
    ``mlflow.sklearn.autolog()`` defaults (and with ``--autolog-no-models`` also
    ``log_models=False``);
(d) ``agileds.run_ticket`` on a demo project: its sweep phase (``sweep_seconds``) and end
    to end (refit, holdout bootstrap, model logging and registration, report).
Then the trials per minute of the agileds sweep phase with ``workers=2`` against ``workers=1``:
with the trials the sampler picks (their cost differs with the worker count), and with the
same configurations for both (the first of (a)'s, enqueued; more trials than (a) ran are
sampled).

Fairness: every variant gets the same seed, data and folds, and one BLAS/OpenMP thread per
process (``--threads``; on a shared 2-core machine HGB's two OpenMP threads run several times
slower as soon as another process wants a core). Pruning stays on: (a), (b) and (d) run the
same sampler and pruner, so they run identical trials with identical pruning decisions (the
table checks it); (c) cannot prune. One-time costs are excluded: each variant first runs
2 trials untimed (imports, autolog patching, MLflow's lazy imports), and every MLflow store
is created and migrated before its clock starts. Other load on the machine only ever adds
time, so (a) and (d) run alternately ``--repeat`` times and the table keeps the best of each;
the pairs are printed too, as a measure of the noise. The CPU column (this process, all its
threads) is less sensitive to other load than wall time, but not immune; it misses I/O waits
and worker processes. Last, (d)'s trials are logged once more through ``RunLogger`` to time
the logging part of agileds' per-trial overhead on its own.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--trials 40] [--repeat 2] [--quick]``
(``--quick``: 8 trials, one pair, a smoke check of a few minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import statistics
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

TICKET = "STORY-9"
MODEL = "bench-model"
WARM_UP_TRIALS = 2
TICKET_YAML = """\
# Written by benchmarks/bench_sweep.py: the demo sweep, histogram gradient boosting only.
id: {ticket}
type: story
title: Benchmark sweep
value: 1
effort: 1
model: {model}
experiment: experiments/lead_scoring.yaml
sweep:
  families: [hist_gradient_boosting]
  trials: {trials}
  cv_folds: 3
"""


@dataclass
class Row:
    """One line of the result table."""

    name: str
    wall: float
    cpu: float | None
    trials: int
    logged: str = "0"
    same_trials: str = "-"


@dataclass
class Clock:
    """Wall and CPU seconds (this process, all its threads) over a ``with`` block."""

    start: float = 0.0
    cpu_start: float = 0.0
    wall: float = 0.0
    cpu: float = 0.0
    marks: list[tuple[str, float, float]] = field(default_factory=list)

    @contextlib.contextmanager
    def running(self) -> Iterator[Clock]:
        """Time the block."""
        self.start, self.cpu_start = time.perf_counter(), _cpu()
        try:
            yield self
        finally:
            self.wall, self.cpu = time.perf_counter() - self.start, _cpu() - self.cpu_start

    def mark(self, text: str) -> None:
        """Record a message with its time (agileds' ``message`` callback)."""
        self.marks.append((text, time.perf_counter(), _cpu()))


def _cpu() -> float:
    """CPU seconds of this process, all its threads.

    Not its children: joblib's worker processes (permutation importance) end minutes later,
    so their CPU would land in whichever measurement runs then.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Bench:
    """The demo project with the benchmark ticket, and the sweep's resolved spec and data."""

    root: Path
    project: Any
    spec: Any
    data: Any


def import_everything() -> None:
    """Import what the variants use, so that no clock pays a first import."""
    import mlflow.sklearn
    import optuna_integration.mlflow
    import scipy.stats
    import sklearn.model_selection

    import agileds.reports
    import agileds.runners._sweep
    import agileds.sweeps._workers
    import agileds.tracking._models

    del mlflow, optuna_integration, scipy, sklearn, agileds


def quiet() -> None:
    """Silence Optuna's trial lines, MLflow's logs and the deprecation warnings."""
    from agileds.sweeps._study import quiet_optuna

    quiet_optuna()
    for name in ("mlflow", "alembic", "optuna_integration"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def make_bench(root: Path, trials: int) -> Bench:
    """Scaffold a demo project with the benchmark ticket; resolve its spec and data."""
    from agileds._scaffold import init_project
    from agileds.project import find_project
    from agileds.sweeps import load_ticket_spec
    from agileds.sweeps._prepare import prepare_data

    init_project(root, demo=True)
    text = TICKET_YAML.format(ticket=TICKET, model=MODEL, trials=trials)
    (root / "backlog" / f"{TICKET}.yaml").write_text(text, encoding="utf-8")
    project = find_project(root)
    spec, spec_path, shown = load_ticket_spec(project, project.backlog().get(TICKET))
    return Bench(root, project, spec, prepare_data(spec, spec_path, shown))


# --- (a) and (b): the raw Optuna loop ---------------------------------------------------


def raw_study(bench: Bench, trials: int, callbacks: list[Any] | None = None) -> Any:
    """agileds' objective, sampler, pruner and first trials; in memory, nothing logged."""
    import optuna

    from agileds.sweeps._objective import Objective, default_configs
    from agileds.sweeps._study import make_pruner, make_sampler

    study = optuna.create_study(
        study_name=TICKET,
        direction=bench.data.direction,
        sampler=make_sampler(bench.spec.seed),
        pruner=make_pruner(),
    )
    for config in default_configs(bench.spec, bench.data):
        study.enqueue_trial(config)
    study.optimize(
        Objective(bench.spec, bench.data),
        n_trials=trials,
        catch=(Exception,),
        callbacks=callbacks or [],
    )
    return study


Trials = list[tuple[str, dict[str, Any]]]


def trials_of(study: Any) -> Trials:
    """Each trial's state and parameters, read now (a later fresh run deletes the study)."""
    return [(t.state.name, t.params) for t in study.trials]


def same_trials(trials: Trials, reference: Trials) -> str:
    """``yes`` when two sweeps ran the same parameters with the same outcomes."""
    return "yes" if trials == reference else "NO"


def time_a(bench: Bench, trials: int) -> tuple[Clock, Any]:
    """(a) the raw Optuna loop, timed."""
    with Clock().running() as clock:
        study = raw_study(bench, trials)
    return clock, study


def fresh_mlflow_store(folder: Path) -> tuple[str, str]:
    """A migrated, empty SQLite store (as MLflow creates it) with the experiment ``TICKET``."""
    from mlflow import MlflowClient

    folder.mkdir(parents=True)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    artifacts = (folder / "artifacts").as_uri()
    return uri, MlflowClient(uri).create_experiment(TICKET, artifact_location=artifacts)


def nested_runs(uri: str, experiment_id: str, parent: str | None = None) -> int:
    """How many runs of the experiment have a parent run (``parent``, when given)."""
    from mlflow import MlflowClient

    runs = MlflowClient(uri).search_runs([experiment_id], max_results=5000)
    parents = [r.data.tags.get("mlflow.parentRunId") for r in runs]
    return sum(p is not None and parent in (None, p) for p in parents)


def run_b(bench: Bench, trials: int, folder: Path, reference: Trials) -> Row:
    """(b) the raw loop with ``MLflowCallback``, trial runs nested under a parent run.

    The callback calls ``mlflow.set_experiment(study_name)`` every trial; the store already
    holds that experiment (with its artifacts in ``folder``).
    """
    import mlflow
    from optuna_integration.mlflow import MLflowCallback

    for stage, n in (("b-warm-up", WARM_UP_TRIALS), ("b", trials)):
        uri, experiment_id = fresh_mlflow_store(folder / stage)
        mlflow.set_tracking_uri(uri)
        callback = MLflowCallback(
            tracking_uri=uri,
            metric_name=f"cv.{bench.data.metric}",
            mlflow_kwargs={"nested": True},
        )
        with Clock().running() as clock, mlflow.start_run(experiment_id=experiment_id):
            study = raw_study(bench, n, callbacks=[callback])
    mlflow.set_tracking_uri(None)
    logged = str(nested_runs(uri, experiment_id))
    name = "(b) + MLflowCallback, nested"
    return Row(
        name,
        clock.wall,
        clock.cpu,
        len(study.trials),
        logged,
        same_trials(trials_of(study), reference),
    )


# --- (c): RandomizedSearchCV with autolog ----------------------------------------------


@dataclass(frozen=True)
class LogUniformInt:
    """An integer drawn log-uniformly from [low, high] (scipy has no such distribution)."""

    low: int
    high: int

    def rvs(self, random_state: Any = None) -> int:
        """Draw one value."""
        from scipy.stats import loguniform

        value = loguniform(self.low, self.high + 1).rvs(random_state=random_state)
        return min(int(value), self.high)


def _distribution(dim: Any) -> Any:
    from scipy.stats import loguniform, randint, uniform

    from agileds.automl import Choice, FloatRange

    if isinstance(dim, Choice):
        return list(dim.choices)
    if isinstance(dim, FloatRange):
        return loguniform(dim.low, dim.high) if dim.log else uniform(dim.low, dim.high - dim.low)
    return LogUniformInt(dim.low, dim.high) if dim.log else randint(dim.low, dim.high + 1)


def hgb_distributions(task: str) -> dict[str, Any]:
    """agileds' HGB space with its top_k and hashing_size choices, for ``RandomizedSearchCV``."""
    from agileds.automl import FAMILIES, PREPROCESSING_SPACE

    space = FAMILIES["hist_gradient_boosting"].space(task)
    out = {f"model__{name}": _distribution(dim) for name, dim in space.items()}
    top_k = _distribution(PREPROCESSING_SPACE["top_k"])
    out["features__categorical__onehot__max_categories"] = [k + 1 for k in top_k]
    out["features__text__hash__n_features"] = _distribution(PREPROCESSING_SPACE["hashing_size"])
    return out


def run_c(bench: Bench, trials: int, folder: Path, log_models: bool | None) -> tuple[Row, str]:
    """(c) ``RandomizedSearchCV`` on agileds' start pipeline and folds, with ``autolog``."""
    import mlflow
    from sklearn.model_selection import RandomizedSearchCV

    from agileds.sweeps._objective import build_model, default_configs

    data = bench.data
    pipeline = build_model(default_configs(bench.spec, data)[0], bench.spec, data)
    options = {} if log_models is None else {"log_models": log_models}
    for stage, n in ((f"c-{log_models}-warm-up", WARM_UP_TRIALS), (f"c-{log_models}", trials)):
        uri, experiment_id = fresh_mlflow_store(folder / stage)
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(experiment_id=experiment_id)
        search = RandomizedSearchCV(
            pipeline,
            hgb_distributions(data.task),
            n_iter=n,
            scoring={"auroc": "roc_auc"}.get(data.metric),
            cv=data.folds,
            random_state=bench.spec.seed,
        )
        mlflow.sklearn.autolog(**options)
        try:
            with Clock().running() as clock:
                search.fit(data.x_train, data.y_train)
        finally:
            mlflow.sklearn.autolog(disable=True)
    models = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    mlflow.set_tracking_uri(None)
    name = "(c) RandomizedSearchCV + autolog" + (", no models" if log_models is False else "")
    logged = f"{nested_runs(uri, experiment_id)} +{len(models)} model"
    return Row(name, clock.wall, clock.cpu, len(search.cv_results_["params"]), logged), (
        f"  {name}: {search_compute(search, len(data.folds)):.1f} s of {clock.wall:.1f} s "
        "fitting and scoring candidates (cv_results_, refit_time_); the rest is autolog's"
    )


def search_compute(search: Any, folds: int) -> float:
    """Seconds a parameter search spent fitting and scoring, by its own account."""
    results = search.cv_results_
    per_candidate = results["mean_fit_time"] + results["mean_score_time"]
    return float(per_candidate.sum() * folds + getattr(search, "refit_time_", 0.0))


# --- (d): agileds run -------------------------------------------------------------------


def agileds_run(
    bench: Bench, trials: int, workers: int = 1, fresh: bool = True
) -> tuple[Any, Clock]:
    """Time ``run_ticket`` (on a fresh study), keeping its progress messages with times."""
    from agileds.runners import run_ticket

    clock = Clock()
    with clock.running():
        result = run_ticket(
            TICKET, bench.project, trials=trials, workers=workers, fresh=fresh, message=clock.mark
        )
    return result, clock


def agileds_stores(bench: Bench) -> Any:
    from agileds.tracking import resolve_stores

    settings = bench.project.settings
    return resolve_stores(
        bench.root, settings.tracking_uri, settings.artifact_location, settings.optuna_storage
    )


def prepare_agileds_store(bench: Bench) -> None:
    """Create the project's MLflow database and experiment (the one-time schema migration)."""
    from agileds.tracking import ensure_experiment, get_client

    stores = agileds_stores(bench)
    ensure_experiment(get_client(stores.tracking_uri), MODEL, stores.artifact_root)


def agileds_study(bench: Bench) -> Any:
    """The ticket's study as ``agileds run`` left it."""
    import optuna

    from agileds.sweeps._study import open_storage

    storage = open_storage(agileds_stores(bench).optuna_storage)
    return optuna.load_study(study_name=TICKET, storage=storage)


def phases(clock: Clock) -> list[tuple[str, float, float]]:
    """(message, wall, CPU) from each agileds message to the next (the last to the end)."""
    ends = [(w, c) for _, w, c in clock.marks[1:]]
    ends.append((clock.start + clock.wall, clock.cpu_start + clock.cpu))
    return [
        (text, w1 - w0, c1 - c0) for (text, w0, c0), (w1, c1) in zip(clock.marks, ends, strict=True)
    ]


@dataclass(frozen=True)
class AgileRun:
    """One timed ``run_ticket``: its result, clock, sweep phase and what it logged."""

    result: Any
    clock: Clock
    sweep_wall: float
    sweep_cpu: float
    logged: int
    trials: Trials


def time_d(bench: Bench, trials: int) -> AgileRun:
    """(d) ``agileds run`` on a fresh study, timed; its sweep phase from its quantities."""
    result, clock = agileds_run(bench, trials)
    uri = agileds_stores(bench).tracking_uri
    # The first message comes after loading the data, the second ("refitting ...") right
    # after the sweep: the CPU between them is the sweep phase (with opening the study and
    # the parent run, which sweep_seconds leaves out).
    return AgileRun(
        result,
        clock,
        result.quantities["sweep_seconds"],
        phases(clock)[0][2],
        nested_runs(uri, result.experiment_id, result.parent_run_id),
        trials_of(agileds_study(bench)),
    )


def compare_a_d(
    bench: Bench, trials: int, repeat: int
) -> tuple[list[Clock], list[AgileRun], Trials]:
    """Warm both up, then run (a) and (d) alternately ``repeat`` times."""
    raw_study(bench, WARM_UP_TRIALS)
    prepare_agileds_store(bench)
    agileds_run(bench, WARM_UP_TRIALS)
    a_runs: list[Clock] = []
    d_runs: list[AgileRun] = []
    reference: Trials = []
    for _ in range(repeat):
        clock, study = time_a(bench, trials)
        reference = reference or trials_of(study)
        a_runs.append(clock)
        d_runs.append(time_d(bench, trials))
    return a_runs, d_runs, reference


def a_d_rows(a_runs: list[Clock], d_runs: list[AgileRun], reference: Trials) -> list[Row]:
    """The best of the repeats of (a), of (d)'s sweep phase and of (d) end to end."""
    n = len(reference)
    best = f" (best of {len(a_runs)})" if len(a_runs) > 1 else ""
    match = "yes" if all(same_trials(d.trials, reference) == "yes" for d in d_runs) else "NO"
    logged = "/".join(sorted({str(d.logged) for d in d_runs}))
    return [
        Row(
            f"(a) raw Optuna loop{best}", min(c.wall for c in a_runs), min(c.cpu for c in a_runs), n
        ),
        Row(
            f"(d) agileds run: sweep phase{best}",
            min(d.sweep_wall for d in d_runs),
            min(d.sweep_cpu for d in d_runs),
            n,
            logged,
            match,
        ),
        Row(
            f"(d) agileds run: end to end{best}",
            min(d.clock.wall for d in d_runs),
            min(d.clock.cpu for d in d_runs),
            n,
            logged,
            match,
        ),
    ]


def a_d_notes(a_runs: list[Clock], d_runs: list[AgileRun]) -> list[str]:
    """Each (a)/(d) pair, and where (d)'s last end-to-end run spent its time."""
    lines = [
        f"  pair {i + 1}: (a) {a.wall:6.1f} s, (d) sweep {d.sweep_wall:6.1f} s = "
        f"{d.sweep_wall / a.wall:.3f}x wall; CPU {a.cpu:6.1f} s vs {d.sweep_cpu:6.1f} s = "
        f"{d.sweep_cpu / a.cpu:.3f}x"
        for i, (a, d) in enumerate(zip(a_runs, d_runs, strict=True))
    ]
    if len(a_runs) > 1:
        ratios = [d.sweep_wall / a.wall for a, d in zip(a_runs, d_runs, strict=True)]
        lines.append(
            f"  geometric mean of the pairs: {statistics.geometric_mean(ratios):.3f}x wall"
        )
    clock = d_runs[-1].clock
    lines.append("  (d) end to end, last run, by agileds' progress messages:")
    lines.append(f"  {clock.marks[0][1] - clock.start:6.1f} s  before the first (load data)")
    lines += [f"  {w:6.1f} s  from '{text[:60]}'" for text, w, _ in phases(clock)]
    return lines


def replay_logging(bench: Bench, result: Any) -> list[float]:
    """Log (d)'s trials again with ``RunLogger.log_trial``, timing each call."""
    from agileds.tracking import RunLogger, get_client

    client = get_client(agileds_stores(bench).tracking_uri)
    tags = client.get_run(result.parent_run_id).data.tags
    logger = RunLogger(client, tags={k: v for k, v in tags.items() if k.startswith("agileds.")})
    parent = logger.start_parent(result.experiment_id, "log_trial replay")
    metric, times = bench.data.metric, []
    for trial in agileds_study(bench).trials:
        start = time.perf_counter()
        logger.log_trial(
            parent,
            trial.number,
            trial.params,
            trial.user_attrs.get("cv", {}),
            {"COMPLETE": "complete", "PRUNED": "pruned"}.get(trial.state.name, "failed"),
            step_metrics={f"fold.{metric}": list(trial.intermediate_values.values())},
        )
        times.append(time.perf_counter() - start)
    logger.finish_parent(parent, "KILLED")
    return times


def enqueue_only(bench: Bench, configs: list[dict[str, Any]]) -> None:
    """Replace the ticket's study by one holding ``configs`` as waiting trials.

    ``agileds run`` without ``fresh`` then resumes it: its workers take the waiting trials
    before asking the sampler, so every worker count runs the same configurations.
    """
    from agileds.sweeps._study import open_storage, open_study

    storage = open_storage(agileds_stores(bench).optuna_storage)
    study = open_study(
        TICKET, storage, direction=bench.data.direction, seed=bench.spec.seed, fresh=True
    )
    for params in configs:
        study.enqueue_trial(params)


def run_workers(bench: Bench, trials: int, reference: Trials) -> list[str]:
    """Trials per minute of the sweep phase with ``workers=1`` and ``workers=2``.

    Twice: trials chosen by the sampler (each worker count samples other configurations,
    whose cost differs), then the first ``trials`` configurations of (a) for both.
    """
    lines = []
    for how in ("sampled", "same"):
        rates = {}
        for workers in (1, 2):
            if how == "same":
                enqueue_only(bench, [params for _, params in reference[:trials]])
            result, _ = agileds_run(bench, trials, workers=workers, fresh=how == "sampled")
            q = result.quantities
            rates[workers] = q["trials"] / q["sweep_seconds"] * 60
            lines.append(
                f"  {how:<8} workers={workers}: {q['trials']:.0f} trials "
                f"({q['trials_pruned']:.0f} pruned) in {q['sweep_seconds']:5.1f} s "
                f"= {rates[workers]:5.1f} trials/min"
            )
        lines.append(f"  {how:<8} workers 2 / workers 1: {rates[2] / rates[1]:.2f}x")
    return lines


# --- the run ----------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    """Print each variant with its ratios to (a), the first row."""
    base = rows[0]
    print(
        f"{'variant':<44} {'wall s':>7} {'x (a)':>6} {'CPU s':>7} {'x (a)':>6} "
        f"{'trials':>6}  {'nested runs':<13} same trials as (a)"
    )
    for r in rows:
        cpu = (
            f"{r.cpu:7.1f} {r.cpu / base.cpu:6.2f}"
            if r.cpu is not None and base.cpu
            else f"{'-':>7} {'-':>6}"
        )
        print(
            f"{r.name:<44} {r.wall:7.1f} {r.wall / base.wall:6.2f} {cpu} {r.trials:>6}  "
            f"{r.logged:<13} {r.same_trials}"
        )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def workers_only(root: Path, trials: int, workers_trials: int) -> None:
    """Only the workers comparison (the reference configurations come from one (a) run)."""
    bench = make_bench(root / "project", trials)
    _, study = time_a(bench, workers_trials)
    lines = run_workers(bench, workers_trials, trials_of(study))
    print(f"\nagileds sweep phase, {workers_trials} trials each (target >= 1.7x):")
    print("\n".join(lines))


def benchmark(
    root: Path, trials: int, workers_trials: int, repeat: int, autolog_no_models: bool
) -> None:
    """Run every variant in ``root`` and print the results."""
    bench = make_bench(root / "project", trials)
    print(
        f"{trials} trials, {bench.spec.cv_folds}-fold CV, families {bench.spec.families}, "
        f"feature groups swept {list(bench.spec.features.optional)}, seed {bench.spec.seed}, "
        f"{len(bench.data.train)} training rows"
    )
    a_runs, d_runs, reference = compare_a_d(bench, trials, repeat)
    rows = a_d_rows(a_runs, d_runs, reference)
    replay = sorted(replay_logging(bench, d_runs[-1].result))
    rows.insert(1, run_b(bench, trials, root, reference))
    workers = run_workers(bench, workers_trials, reference)
    searches = [run_c(bench, trials, root, None)]
    if autolog_no_models:
        searches.append(run_c(bench, trials, root, False))
    rows += [row for row, _ in searches]
    states = [state for state, _ in reference]
    print(
        f"(a) trials: {states.count('COMPLETE')} complete, {states.count('PRUNED')} pruned, "
        f"{states.count('FAIL')} failed\n"
    )
    print_table(rows)
    logging_line = (
        f"  RunLogger.log_trial, (d)'s {len(replay)} trials logged again: median "
        f"{replay[len(replay) // 2] * 1000:.1f} ms, total {sum(replay):.2f} s "
        f"= {sum(replay) / rows[0].wall:.1%} of (a)"
    )
    for title, lines in (
        ("(c) time inside the search itself:", [note for _, note in searches]),
        ("(a) and (d), run alternately:", a_d_notes(a_runs, d_runs)),
        ("(d) trial logging alone:", [logging_line]),
        (f"agileds sweep phase, {workers_trials} trials each (target >= 1.7x):", workers),
    ):
        print(f"\n{title}")
        print("\n".join(lines))


def main() -> None:
    """Parse the options, run the benchmark in a temporary folder, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--workers-trials", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads, 0 = all")
    parser.add_argument("--repeat", type=int, default=2, help="(a)/(d) pairs; the best counts")
    parser.add_argument(
        "--autolog-no-models", action="store_true", help="also (c) with log_models=False"
    )
    parser.add_argument("--quick", action="store_true", help="8 trials, once: a smoke check")
    parser.add_argument(
        "--workers-only", action="store_true", help="only --workers 2 against --workers 1"
    )
    args = parser.parse_args()
    trials, workers_trials = (8, 8) if args.quick else (args.trials, args.workers_trials)
    repeat = 1 if args.quick else args.repeat
    print(
        f"load before: {load()} (1, 5, 15 min), {os.cpu_count()} cores, threads {args.threads or 'all'}"
    )
    import_everything()
    quiet()
    from threadpoolctl import threadpool_limits

    limit = threadpool_limits(args.threads) if args.threads else contextlib.nullcontext()
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp, limit:
        cwd = Path.cwd()
        os.chdir(tmp)  # anything MLflow writes relative to the working directory stays here
        try:
            if args.workers_only:
                workers_only(Path(tmp), trials, workers_trials)
            else:
                benchmark(Path(tmp), trials, workers_trials, repeat, args.autolog_no_models)
        finally:
            os.chdir(cwd)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
