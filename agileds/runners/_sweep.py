"""The story and spike runner: an Optuna sweep logged to MLflow, then the holdout verdict."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agileds.errors import AgileDSError, DiskFullError, UsageError, disk_full_reason, is_disk_full
from agileds.project import Project
from agileds.runners._base import RunOptions, RunResult, TicketRunner
from agileds.sweeps import (
    LOCK_DIR,
    DiskReserve,
    ExperimentSpec,
    OofStore,
    default_configs,
    fail_stale_trials,
    finished_trials,
    flat_config,
    load_ticket_spec,
    members_of,
    oof_folder,
    open_storage,
    open_study,
    plan_threads,
    prepare_data,
    run_lock,
    thread_limits,
)
from agileds.tickets import Ticket, criterion_bound, evaluate_ticket, overall_verdict
from agileds.tracking import (
    CONFIG_TAG,
    ERROR_TAG,
    METRIC_TAG,
    PRODUCTION_VERSION_TAG,
    SPEC_TAG,
    TASK_TAG,
    VERDICT_TAG,
    VERSION_TAG,
    RunLogger,
    active_ticket,
    criterion_tag,
    ensure_experiment,
    get_alias_version,
    get_client,
    log_model,
    log_reference,
    reference_tags,
    register_model,
    resolve_stores,
    ticket_run_tags,
)

__all__ = [
    "Execution",
    "SweepFailedError",
    "SweepRunner",
    "sanity_findings",
    "say_sanity",
]


class SweepFailedError(AgileDSError):
    """Every trial of the sweep failed; the message carries the first error."""

    exit_code = 1


def _with_budget(spec: ExperimentSpec, options: RunOptions) -> ExperimentSpec:
    budget = spec.budget.model_copy(
        update={k: v for k, v in (("trials", options.trials), ("timeout", options.timeout)) if v}
    )
    return spec.model_copy(update={"budget": budget})


def sanity_findings(sanity: Any) -> dict[str, list[dict[str, Any]]]:
    """The sanity checks' removals and suspects as rows (empty when the checks are off)."""
    if sanity is None:
        return {"removed": [], "suspects": []}
    return {"removed": sanity.to_rows(), "suspects": sanity.suspect_rows()}


def say_sanity(sanity: Any, options: RunOptions) -> None:
    """Tell the user, before any model is fitted, which columns the sanity checks removed
    and which they kept under suspicion, with the reasons."""
    findings = sanity_findings(sanity)
    for row in findings["removed"]:
        options.say(f"sanity check removed {row['column']} ({row['check']}): {row['reason']}")
    for row in findings["suspects"]:
        options.say(f"sanity check kept {row['column']} under suspicion: {row['reason']}")


class SweepRunner(TicketRunner):
    """Runs a story or spike: sweep, refit, holdout, production comparison, verdict."""

    def run(self, project: Project, ticket: Ticket, options: RunOptions) -> RunResult:

        if options.workers < 1:
            raise UsageError(f"--workers must be at least 1, got {options.workers}")
        spec, spec_path, shown = load_ticket_spec(project, ticket)
        spec = _with_budget(spec, options)
        data = prepare_data(spec, spec_path, shown)
        options.say(
            f"{ticket.id}: {data.task} on {len(data.train)} training rows "
            f"({len(data.holdout)} held out), metric {data.metric}, "
            f"{spec.budget.trials} trials, families {', '.join(spec.families)}"
        )
        say_sanity(data.sanity, options)
        return Execution(project, ticket, spec, spec_path, shown, data, options).run()


class Execution:
    """One execution of a sweep ticket (holds the stores, the study and the parent run)."""

    def __init__(
        self,
        project: Project,
        ticket: Ticket,
        spec: ExperimentSpec,
        spec_path: Path,
        shown: str,
        data: Any,
        options: RunOptions,
    ) -> None:
        from agileds.git import git_state

        settings = project.settings
        self.project, self.ticket, self.spec, self.data, self.options = (
            project,
            ticket,
            spec,
            data,
            options,
        )
        self.spec_path, self.shown = spec_path, shown
        self.stores = resolve_stores(
            project.root,
            settings.tracking_uri,
            settings.artifact_location,
            options.storage or settings.optuna_storage,
        )
        self.model_name = ticket.model or settings.model
        self.client = get_client(self.stores.tracking_uri)
        self.experiment_id = ensure_experiment(
            self.client, self.model_name, self.stores.artifact_root
        )
        self.git = git_state(project.root)
        self.tags = {**ticket_run_tags(ticket, self.model_name), **self.git.tags()}
        self.production_version: str | None = None
        self.parent: str | None = None  # the parent run, once started
        self.parent_closed = True  # False when a failed run's parent could not be closed
        self.registered: str | None = None  # the version this execution registered
        self.left_behind: str | None = None  # a failed run's version that could not be removed
        self.oof = OofStore(oof_folder(project.root, ticket.id))
        self.reserve: Any = None  # room freed for the clean-up when the disk fills
        self.study: Any = None
        self.lost = 0  # trials a full disk stopped in earlier runs (run again)

        self.threads = plan_threads(options.workers)

    def run(self) -> RunResult:

        # Held for the whole run: failing stale trials and closing abandoned parent runs
        # is right only when no other run of this ticket is alive.
        try:
            with run_lock(
                self.project.root,
                self.ticket.id,
                self.options.say,
                storage=self.stores.optuna_storage,
            ):
                self.reserve = self._take_room(
                    DiskReserve(self.project.root / LOCK_DIR / f"{self.ticket.id}.reserve")
                )
                try:
                    return self._run()
                finally:
                    self.reserve.release()
        except Exception as exc:
            if isinstance(exc, AgileDSError) or not is_disk_full(exc):
                raise
            closed = (
                "no MLflow run was started"
                if self.parent is None
                else "its MLflow run is marked FAILED"
                if self.parent_closed
                else "its MLflow run could not be closed (the next run closes it)"
            )
            left = (
                ""
                if self.left_behind is None
                else f"; {self.model_name} v{self.left_behind} (verdict fail) could not be "
                "removed: do not promote it"
            )
            raise DiskFullError(
                f"{self.ticket.id} stopped: the disk is full ({disk_full_reason(exc)}); "
                f"{closed}{left}; free space, then run it again (the study resumes)"
            ) from exc

    def _take_room(self, reserve: Any) -> Any:
        """Take the clean-up room; a disk without it refuses the run before anything."""
        try:
            return reserve.take()
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            raise DiskFullError(
                f"{self.ticket.id} not started: the disk is full ({disk_full_reason(exc)}); "
                f"a run needs {reserve.size // 2**20} MB free at least to end cleanly; free "
                "space and try again"
            ) from exc

    def _run(self) -> RunResult:
        study = self.study = self._open_study()
        self._close_abandoned_runs()

        def sweep(logger: Any, parent: str) -> RunResult:
            study.set_user_attr("parent_run_id", parent)
            self._log_sanity(parent)
            start = time.monotonic()
            self._sweep(study, parent)
            return self._finish(study, logger, parent, time.monotonic() - start)

        return self._in_parent_run(sweep)

    def _in_parent_run(self, body: Callable[[Any, str], RunResult]) -> RunResult:
        """Start the ticket's parent run, call ``body(logger, parent_run_id)`` with the
        ticket active, and finish the run KILLED or FAILED when ``body`` does not return."""

        logger = RunLogger(self.client, tags=self.tags)
        parent = logger.start_parent(
            self.experiment_id, self.ticket.id, tags=self._parent_tags(), params=self._params()
        )
        self.parent = parent
        try:
            with active_ticket(self.tags):
                return body(logger, parent)
        except KeyboardInterrupt:
            logger.abandon_parent(parent, "KILLED", tags={VERDICT_TAG: "killed"})
            raise
        except BaseException as exc:
            if is_disk_full(exc) and self.reserve is not None:
                self.reserve.release()  # room for closing the run and removing the version
                self._fail_running_trials(f"stopped by a full disk: {disk_full_reason(exc)}")
            self._unregister()
            self.parent_closed = logger.abandon_parent(
                parent, "FAILED", tags={ERROR_TAG: str(exc)[:5000]}
            )
            raise

    def _open_study(self) -> Any:

        storage = open_storage(self.stores.optuna_storage, self.options.say)
        study = open_study(
            self.ticket.id,
            storage,
            direction=self.data.direction,
            seed=self.spec.seed,
            fresh=self.options.fresh,
            pruning=self.spec.pruning,
        )
        stale = fail_stale_trials(study)
        if stale:
            self.options.say(f"marked {stale} trial(s) of an interrupted run as failed")
        self.lost = _retry_disk_full_trials(study)
        if self.lost:
            self.options.say(
                f"running again {self.lost} trial(s) that a full disk stopped (they do not "
                "count against the budget)"
            )
        done = len(finished_trials(study))
        if study.trials:
            self.options.say(f"resuming study {self.ticket.id}: {done} trial(s) so far")
        else:
            self.oof.clear()  # a deleted study's predictions; trial numbers restart at 0
            for config in self._start_configs():
                study.enqueue_trial(config, skip_if_exists=True)
        return study

    def _fail_running_trials(self, error: str) -> None:
        """Mark this run's trials in flight as failed by ``error`` (the workers stopped; the
        run lock says no other run is alive), so the next run runs them again."""
        from optuna.trial import TrialState

        study = self.study
        with contextlib.suppress(Exception):  # the storage failing: the next run marks them
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                study._storage.set_trial_user_attr(trial._trial_id, "error", error)
                study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)

    def _close_abandoned_runs(self) -> None:
        """Mark parent runs of this ticket left RUNNING by a killed process as KILLED."""
        query = f"tags.`agileds.ticket` = '{self.ticket.id}' and attributes.status = 'RUNNING'"
        runs = self.client.search_runs([self.experiment_id], filter_string=query)
        for run in runs:
            if "mlflow.parentRunId" not in run.data.tags:
                self.client.set_terminated(run.info.run_id, status="KILLED")

    def _start_configs(self) -> list[dict[str, Any]]:
        """Trial 0: production's configuration when there is one, else family defaults."""
        from agileds.automl import canonical_config

        defaults = default_configs(self.spec, self.data)
        version = get_alias_version(self.client, self.model_name, "production")
        if version is None:
            return defaults
        raw = self.client.get_model_version(self.model_name, version).tags.get(CONFIG_TAG)
        known = {k for d in defaults for k in d}
        families = {d["family"] for d in defaults}
        stored = [  # a configuration stored under an old family name reads as today's
            canonical_config(c, self.data.task) for c in members_of(json.loads(raw) if raw else {})
        ]
        starts = [
            {k: v for k, v in config.items() if k in known or k.startswith(config["family"] + ".")}
            for config in stored
            if config.get("family") in families
        ]
        return [*starts, *defaults]

    def _parent_tags(self) -> dict[str, str]:
        return {
            SPEC_TAG: self.shown,
            METRIC_TAG: self.data.metric,
            TASK_TAG: self.data.task,
            "agileds.workers": str(self.options.workers),
        }

    def _params(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "data.path": spec.data.path,
            "data.target": spec.data.target,
            "task": self.data.task,
            "split.holdout": spec.split.holdout,
            "split.seed": spec.split.seed,
            "cv_folds": spec.cv_folds,
            "cv_repeats": len(self.data.folds) // spec.cv_folds,
            "ensemble": spec.ensemble,
            "families": ",".join(spec.families),
            "feature_groups": ",".join(spec.features.optional),
            "metric": self.data.metric,
            "direction": self.data.direction,
            "budget.trials": spec.budget.trials,
            "budget.timeout": spec.budget.timeout,
            "pruning": spec.pruning,
            "seed": spec.seed,
            "threads.per_worker": self.threads.per_worker,
            "threads.refit": self.threads.refit,
        }

    def _sweep(self, study: Any, parent: str) -> None:
        from agileds.sweeps import SweepJob, finished_trials, run_workers

        timeout = self.spec.budget.timeout
        deadline = time.time() + timeout if timeout else None
        self.options.say(self.threads.describe())
        job = SweepJob(
            study_name=self.ticket.id,
            storage=self.stores.optuna_storage,
            spec=self.spec,
            spec_path=self.spec_path,
            shown=self.shown,
            tracking_uri=self.stores.tracking_uri,
            parent_run_id=parent,
            tags=self.tags,
            trials=self.spec.budget.trials + self.lost,
            timeout=self.spec.budget.timeout,
            seed=self.spec.seed,
            threads=self.threads.per_worker,
            oof_dir=self.oof.folder,
            deadline=deadline,
        )
        ended = {t.number for t in study.trials if t.state.is_finished()}
        with _quiet_disk_full_trials():  # the run ends in one line about the disk instead
            run_workers(job, self.options.workers, self.data, self.options.progress)
        _raise_if_a_trial_met_a_full_disk([t for t in study.trials if t.number not in ended])
        done, budget = len(finished_trials(study)), self.spec.budget.trials
        if deadline is not None and done < budget and time.time() >= deadline:
            option = "--timeout" if self.options.timeout else "budget.timeout"
            self.options.say(
                f"stopped by {option} after {done} of {budget} trials "
                f"(limit {timeout:g} s; a trial running at the limit stops after its fold)"
            )

    def _finish(self, study: Any, logger: Any, parent: str, sweep_seconds: float) -> RunResult:
        from agileds.runners._holdout import final_config, fit_candidate

        counts = _trial_counts(study)
        if counts["trials_completed"] == 0:
            raise SweepFailedError(_all_failed_message(study))

        bound = criterion_bound(self.ticket, "latency_p95_ms")
        config, ensemble = final_config(
            study, self.spec, self.data, self.oof, latency_bound_ms=bound
        )
        self.options.say(_refit_message(study, ensemble, self.data.metric))
        with thread_limits(self.threads.refit):
            candidate = fit_candidate(config, self.spec, self.data)
        quantities = {**candidate.quantities, **counts, "sweep_seconds": sweep_seconds}
        quantities.update(study.best_trial.user_attrs.get("cv", {}))
        quantities["ensemble_members"] = float(len(ensemble.trials) if ensemble else 1)
        quantities.update(self._data_quality())
        self._compare_with_production(candidate, quantities)
        criteria = evaluate_ticket(self.ticket, quantities)
        verdict = overall_verdict(criteria)
        version = self._register(candidate, parent, verdict.value)
        explained = self._explain(candidate, logger, parent)
        report = self._report(
            study,
            quantities,
            criteria,
            verdict.value,
            parent,
            version,
            explained,
            sanity_findings(self.data.sanity),
            candidate.config,
            ensemble,
        )
        return self._close(logger, parent, candidate, quantities, criteria, version, report)

    def _close(
        self,
        logger: Any,
        parent: str,
        candidate: Any,
        quantities: dict[str, float],
        criteria: list[Any],
        version: str,
        report: Path | None,
    ) -> RunResult:
        """Tag the parent run with the verdicts, finish it, and return the result."""
        verdict = overall_verdict(criteria)
        tags = {
            VERDICT_TAG: verdict.value,
            VERSION_TAG: version,
            PRODUCTION_VERSION_TAG: self.production_version or "",
            **{criterion_tag(c.number): c.verdict.value for c in criteria},
        }
        logger.finish_parent(parent, "FINISHED", metrics=quantities, tags=tags)
        return RunResult(
            self.ticket,
            verdict,
            criteria,
            quantities,
            parent,
            self.experiment_id,
            self.model_name,
            version,
            candidate.config,
            report,
            unmeasured=self._unmeasured(),
            sanity=sanity_findings(getattr(self.data, "sanity", None)),
        )

    def _unmeasured(self) -> dict[str, str]:
        """Why quantities a criterion may name were not measured by this run."""
        why: dict[str, str] = {}
        # Sweeps and bug runs prepare data with a ``sanity`` field (None when switched off);
        # an investigation's subject has none and measures no sanity quantities.
        if hasattr(self.data, "sanity") and self.data.sanity is None:
            off = "the sanity checks are off (sanity: {enabled: false} in the spec)"
            why.update({"leakage_flags": off, "leakage_suspects": off, "features_removed": off})
        if self.production_version is None:
            none = f"there is no production model of {self.model_name} yet"
            why.update({"production.": none, "delta.": none})
        return why

    def _data_quality(self) -> dict[str, float]:
        """Null and blank-text rates of the training part as the pipeline sees it, and the
        sanity checks' counts (``leakage_flags``, ``leakage_suspects``, ``features_removed``)."""
        from agileds.evaluation import data_quality

        blank_as_null = bool(self.spec.preprocessing.get("blank_as_null", True))
        quality = data_quality(self.data.x_train, blank_as_null=blank_as_null)
        sanity = self.data.sanity
        if sanity is not None:
            quality["leakage_flags"] = float(sanity.leakage_flags)
            quality["leakage_suspects"] = float(sanity.leakage_suspects)
            quality["features_removed"] = float(sanity.features_removed)
        return quality

    def _log_sanity(self, parent: str) -> None:
        """Log the sanity checks' removals and suspects as MLflow tables."""
        import pandas as pd

        if self.data.sanity is None:
            return
        findings = sanity_findings(self.data.sanity)
        columns = ["column", "check", "reason", "value"]
        removed = pd.DataFrame(findings["removed"], columns=columns)
        self.client.log_table(parent, data=removed, artifact_file="sanity/removed_features.json")
        columns += ["cv_measure", "cv_alone", "cv_with", "cv_without"]
        suspects = pd.DataFrame(findings["suspects"], columns=columns)
        self.client.log_table(parent, data=suspects, artifact_file="sanity/suspected_leaks.json")

    def _compare_with_production(self, candidate: Any, quantities: dict[str, float]) -> str | None:
        from agileds.runners._holdout import score_production
        from agileds.tracking import get_alias_version, load_model

        version = get_alias_version(self.client, self.model_name, "production")
        self.production_version = version
        if version is None:
            self.options.say(
                f"no production model for {self.model_name} yet: production.* criteria stay unknown"
            )
            return None
        self.options.say(f"scoring production ({self.model_name} v{version}) on the same holdout")
        production = load_model(self.client, f"models:/{self.model_name}/{version}")
        quantities.update(score_production(production, candidate, self.spec, self.data))
        return version

    def _register(self, candidate: Any, parent: str, verdict: str) -> str:

        self.options.say(f"logging and registering the model as a new version of {self.model_name}")
        uri = log_model(
            self.client,
            parent,
            candidate.model,
            self.data.x_holdout.head(5),
            self.data.task,
            params=flat_config(candidate.config),
        )
        data = self.data
        log_reference(self.client, parent, data.train)
        tags = {
            **self.tags,
            **reference_tags(data.train, data.target, self.spec.data.time_column),
            VERDICT_TAG: verdict,
            SPEC_TAG: self.shown,
            CONFIG_TAG: json.dumps(candidate.config, default=str),
        }
        self.registered = register_model(self.client, self.model_name, uri, parent, tags=tags)
        return self.registered

    def _unregister(self) -> None:
        """Remove the version this run registered before it failed: a version whose run
        did not finish must not reach go-live (its logged model stays with the run)."""
        if self.registered is None:
            return
        try:
            self.client.delete_model_version(self.model_name, self.registered)
        except Exception:  # the store is failing: the error that stopped the run says more
            self.left_behind = self.registered
            return
        self.options.say(f"removed {self.model_name} v{self.registered}: its run failed")

    def _explain(self, candidate: Any, logger: Any, parent: str) -> dict[str, float]:
        """Permutation importance of each raw input column on the holdout, logged as JSON."""
        from agileds.evaluation import permutation_importances

        self.options.say("explaining the model: permutation importance on the holdout")
        data = self.data
        importances = permutation_importances(
            candidate.model,
            data.x_holdout,
            data.y_holdout.to_numpy(),
            task=data.task,
            metric=data.metric,
            seed=self.spec.seed,
        )
        used = {k: v for k, v in importances.items() if k in data.kinds}  # not removed ones
        logger.log_dict_artifact(parent, used, "explanations/feature_importance.json")
        return used

    def _report(
        self,
        study: Any,
        quantities: dict[str, float],
        criteria: Any,
        verdict: str,
        parent: str,
        version: str,
        explained: dict[str, float],
        sanity: dict[str, list[dict[str, Any]]],
        config: dict[str, Any],
        ensemble: Any,
    ) -> Path | None:
        from agileds.runners._report import write_report

        return write_report(
            self,
            study,
            quantities,
            criteria,
            verdict,
            parent,
            version,
            explained,
            sanity,
            config,
            ensemble,
        )


def _refit_message(study: Any, ensemble: Any, metric: str) -> str:
    """What is refitted, with the best trial's CV score as the progress line showed it.

    An ensemble is chosen on the pooled out-of-fold predictions, whose metric differs from
    the mean of the per-fold metrics the sweep ranks by: both are named. When a latency
    criterion bounded the selection, the budget and what it refused are named too.
    """
    best = study.best_trial
    budget = _budget_note(ensemble)
    if ensemble is None or len(ensemble.trials) == 1:
        return (
            f"refitting the best configuration (trial-{best.number}, CV {metric} "
            f"{best.value:.4f}) on the whole training part{budget}"
        )
    trials = ", ".join(
        f"trial-{n}×{w}" for n, w in zip(ensemble.trials, ensemble.weights, strict=True)
    )
    return (
        f"refitting an ensemble of {len(ensemble.trials)} trials ({trials}) on the whole "
        f"training part: pooled out-of-fold {metric} {ensemble.score:.4f} against "
        f"{ensemble.best_score:.4f} for trial-{best.number} alone (its CV {metric}, the "
        f"mean over folds: {best.value:.4f}){budget}"
    )


def _budget_note(ensemble: Any) -> str:
    """How the latency budget shaped the selection, for the refit message."""
    if ensemble is None or ensemble.budget_ms is None:
        return ""
    refused = sum(w.status == "over budget" for w in ensemble.weighed)
    cost = "unknown" if ensemble.cost_ms is None else f"{ensemble.cost_ms:.3g} ms"
    return (
        f"; one-row cost {cost} within the latency budget of {ensemble.budget_ms:.3g} ms"
        f" ({refused} larger ensemble(s) refused)"
    )


class _DiskFullTrialFilter(logging.Filter):
    """Drops Optuna's "Trial N failed" warning (with its traceback) for a full disk."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or not is_disk_full(error)


@contextlib.contextmanager
def _quiet_disk_full_trials() -> Iterator[None]:
    logger = logging.getLogger("optuna.study._optimize")
    quiet = _DiskFullTrialFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _met_a_full_disk(trial: Any) -> bool:
    error = str(trial.user_attrs.get("error") or "")
    return trial.state.name == "FAIL" and disk_full_reason(Exception(error)) is not None


def _retry_disk_full_trials(study: Any) -> int:
    """Queue again the configurations of trials a full disk stopped; return how many such
    trials the study holds (the budget grows by as many: they measured nothing)."""
    lost = [t for t in study.trials if _met_a_full_disk(t)]
    tried = [t.params for t in study.trials if t.state.name != "FAIL"]
    for trial in lost:
        if trial.params and trial.params not in tried:
            study.enqueue_trial(trial.params)
            tried.append(trial.params)
    return len(lost)


def _raise_if_a_trial_met_a_full_disk(trials: list[Any]) -> None:
    """A trial of this run failed because the disk is full (its predictions, its MLflow
    run): the run stops there, as a full disk, rather than as "every trial failed"."""
    for trial in trials:
        if _met_a_full_disk(trial):
            error = str(trial.user_attrs["error"]).strip().splitlines()[-1]
            raise OSError(errno.ENOSPC, f"trial-{trial.number}: {error}")


def _trial_counts(study: Any) -> dict[str, float]:
    states = [t.state.name for t in study.trials]
    return {
        "trials": float(sum(s in ("COMPLETE", "PRUNED", "FAIL") for s in states)),
        "trials_completed": float(states.count("COMPLETE")),
        "trials_pruned": float(states.count("PRUNED")),
        "trials_failed": float(states.count("FAIL")),
    }


def _all_failed_message(study: Any) -> str:
    failed = [t for t in study.trials if t.state.name == "FAIL"]
    first = next((t.user_attrs.get("error") for t in failed if t.user_attrs.get("error")), None)
    summary = (first or "no error recorded").strip().splitlines()[-1]
    return (
        f"every trial failed ({len(failed)}); the first error: {summary}; "
        "fix it, then run again (the study resumes) or pass --fresh"
    )
