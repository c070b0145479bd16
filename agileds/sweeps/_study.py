"""The Optuna study of a ticket: storage, sampler, pruner, resume and fresh starts."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import ConfigError

if TYPE_CHECKING:
    import optuna

__all__ = [
    "FINISHED_STATES",
    "PRUNERS",
    "fail_stale_trials",
    "finished_trials",
    "make_pruner",
    "make_sampler",
    "open_storage",
    "open_study",
    "quiet_optuna",
]


def open_storage(url: str, say: Callable[[str], None] | None = None) -> Any:
    """Return an Optuna storage for ``url``.

    A plain path (``mlruns/optuna.journal``) is Optuna's journal file, safe for several
    processes on one machine (measured faster than SQLite under parallel workers, which
    hits "database is locked"); any ``dialect://`` URL (PostgreSQL, MySQL, SQLite) is an
    RDB storage, so workers on many machines can share one sweep.

    A journal record torn by a crash or a full disk is dropped (see
    :mod:`agileds.sweeps._journal`), and ``say`` is told so.

    Raises:
        ConfigError: The URL cannot be opened, or the journal is damaged beyond a torn record.
    """
    import optuna

    if "://" in url:
        try:
            return optuna.storages.RDBStorage(
                url, heartbeat_interval=None, engine_kwargs=_engine_kwargs(url)
            )
        except Exception as exc:  # any driver error means the user's URL is wrong
            raise ConfigError(
                f"cannot open Optuna storage {url!r}: {_driver_reason(exc)}; check --storage"
            ) from None
    from optuna.storages.journal import JournalFileSymlinkLock

    path = Path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A lock is held for milliseconds; one left by a killed process is broken after 5 s
    # (Optuna's default waits 30 s before a resumed run can start).
    lock = JournalFileSymlinkLock(str(path), grace_period=5)
    return _journal_storage(path, lock, say or (lambda _: None))


# Seconds to wait for a database server to accept the connection (a firewalled host would
# otherwise hang for the operating system's TCP timeout, minutes).
CONNECT_TIMEOUT = 10


def _engine_kwargs(url: str) -> dict[str, Any]:
    """A bounded connect wait for a PostgreSQL or MySQL server, unless the URL sets one."""
    scheme = url.split("://", 1)[0].lower()
    if scheme.startswith(("postgresql", "mysql")) and "connect_timeout" not in url:
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}
    return {}


def _driver_reason(exc: BaseException) -> str:
    """The database driver's own message in one line, without SQLAlchemy's wrapping."""
    error = getattr(exc, "orig", None) or exc
    lines = [
        line.strip()
        for line in str(error).splitlines()
        if line.strip() and not line.startswith("(Background on this error")
    ]
    return " ".join(lines) or type(error).__name__


def _journal_storage(path: Path, lock: Any, say: Callable[[str], None]) -> Any:
    """Open the journal at ``path``, first dropping a torn last record (and saying so)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    from agileds.sweeps._journal import drop_torn_tail, last_line_parses

    dropped = drop_torn_tail(path, lock)
    if dropped:
        say(f"{path}: dropped a torn last record ({dropped} bytes) left by a crash or a full disk")
    if not last_line_parses(path):
        _salvage(path, lock, say)
    try:
        return optuna.storages.JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    except ValueError:  # a torn record with complete ones appended after it
        _salvage(path, lock, say)
        return optuna.storages.JournalStorage(JournalFileBackend(str(path), lock_obj=lock))


def _salvage(path: Path, lock: Any, say: Callable[[str], None]) -> None:
    from agileds.sweeps._journal import salvage_torn_lines

    fixed = salvage_torn_lines(path, lock, str(path))
    say(f"{path}: dropped {fixed} torn record(s) left by a crash or a full disk")


def quiet_optuna() -> None:
    """Keep Optuna's per-trial log lines off the terminal (agileds shows progress itself)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").propagate = False


def open_study(
    name: str,
    storage: Any,
    *,
    direction: str,
    seed: int,
    fresh: bool = False,
    pruning: str = "patient",
) -> optuna.Study:
    """Create or resume the study ``name`` (``fresh`` deletes an existing one first)."""
    import optuna

    quiet_optuna()
    if fresh:
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=name, storage=storage)
    return optuna.create_study(
        study_name=name,
        storage=storage,
        direction="maximize" if direction == "maximize" else "minimize",
        sampler=make_sampler(seed),
        pruner=make_pruner(pruning),
        load_if_exists=True,
    )


PRUNERS = ("median", "patient", "none")


def make_pruner(kind: str = "patient") -> optuna.pruners.BasePruner:
    """The pruner judging the running mean of a trial's CV folds (the spec's ``pruning``).

    ``patient`` (the default): stop a trial below the median of the earlier trials at the
    same fold, from the second fold on, after ten complete trials. ``median``: the same rule
    from the first fold on, after five (the default before issue 19: one noisy fold threw
    good trials away). ``none``: every trial runs all its folds.
    """
    import optuna

    if kind == "none":
        return optuna.pruners.NopPruner()
    if kind == "patient":
        return optuna.pruners.MedianPruner(n_startup_trials=10, n_warmup_steps=1)
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)


def make_sampler(seed: int) -> optuna.samplers.BaseSampler:
    """TPE with a fixed seed (workers pass seed + their index).

    ``constant_liar``: TPE treats the trials other workers are still running as if they had
    the worst value seen, so parallel workers (on this machine or joined with ``agileds
    worker``) do not all propose the same point. With one worker it changes nothing.
    """
    import optuna

    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=8, constant_liar=True)


FINISHED_STATES = ("COMPLETE", "PRUNED", "FAIL")


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """Trials that ended, whatever their outcome."""
    from optuna.trial import TrialState

    states = tuple(TrialState[s] for s in FINISHED_STATES)
    return study.get_trials(deepcopy=False, states=states)


def fail_stale_trials(study: optuna.Study) -> int:
    """Mark trials left RUNNING by a killed process as failed; return how many.

    Called when ``agileds run`` starts (not by ``agileds worker``, which joins a sweep
    whose other workers may be running).
    """
    from optuna.trial import TrialState

    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial in stale:
        study._storage.set_trial_user_attr(
            trial._trial_id, "error", "interrupted: its process stopped"
        )
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    return len(stale)
