"""``agileds worker``: join a running sweep from another process or machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agileds.errors import UsageError
from agileds.project import Project

__all__ = ["join_sweep"]


def join_sweep(
    project: Project,
    ticket_id: str,
    *,
    storage: str | None = None,
    index: int = 1,
    progress: Callable[[Any], None] | None = None,
) -> int:
    """Run trials of the ticket's existing study until its budget is spent.

    Returns:
        The number of finished trials in the study when this worker stops.

    Raises:
        UsageError: the study does not exist in that storage yet.
    """
    import optuna

    from agileds.sweeps import (
        SweepJob,
        finished_trials,
        load_ticket_spec,
        oof_folder,
        open_storage,
        prepare_data,
        work,
    )
    from agileds.tracking import active_ticket, resolve_stores, ticket_run_tags

    ticket = project.backlog().get(ticket_id)
    spec, spec_path, shown = load_ticket_spec(project, ticket)
    settings = project.settings
    stores = resolve_stores(
        project.root,
        settings.tracking_uri,
        settings.artifact_location,
        storage or settings.optuna_storage,
    )
    try:
        study = optuna.load_study(study_name=ticket.id, storage=open_storage(stores.optuna_storage))
    except KeyError:
        raise UsageError(
            f"no sweep of {ticket.id} in {stores.optuna_storage}; start it with "
            f"'agileds run {ticket.id} --storage URL', then join with the same URL"
        ) from None
    tags = ticket_run_tags(ticket, ticket.model or settings.model)
    job = SweepJob(
        study_name=ticket.id,
        storage=stores.optuna_storage,
        spec=spec,
        spec_path=spec_path,
        shown=shown,
        tracking_uri=stores.tracking_uri,
        parent_run_id=study.user_attrs.get("parent_run_id"),
        tags=tags,
        trials=spec.budget.trials,
        timeout=spec.budget.timeout,
        seed=spec.seed,
        # A journal file means this machine: save predictions where the runner reads them.
        oof_dir=None if "://" in stores.optuna_storage else oof_folder(project.root, ticket.id),
    )
    with active_ticket(tags):
        work(job, index, prepare_data(spec, spec_path, shown), progress)
    return len(finished_trials(study))
