"""``agileds run`` and ``agileds worker``: execute a ticket, join a running sweep."""

from __future__ import annotations

import sys
from typing import Any

import click

from agileds.cli._options import (
    TICKET_ID,
    FiniteFloat,
    cap_workers,
    echo_json,
    get_project,
    json_option,
    storage_path,
    table,
)

_storage_option = click.option(
    "--storage",
    default=None,
    callback=storage_path,
    help="Optuna storage: a journal file path or a database URL such as "
    "postgresql://host/db, so workers on many machines share one sweep "
    "(default: agileds.yaml's optuna_storage, mlruns/optuna.journal).",
)


class _ProgressLine:
    """Trials done of N, best so far, time left: one redrawn line on a terminal, else a log
    line per trial naming it as its MLflow run is named (``trial-<number>``, from 0)."""

    def __init__(self, metric: str = "score") -> None:
        self.tty = sys.stderr.isatty()
        self.metric = metric

    def __call__(self, p: Any) -> None:
        best = f"{p.best:.4f}" if p.best is not None else "-"
        left = p.elapsed / p.finished * (p.budget - p.finished) if p.finished else 0.0
        if self.tty:
            width = 24
            filled = int(width * min(p.finished, p.budget) / max(p.budget, 1))
            bar = "#" * filled + "." * (width - filled)
            click.echo(
                f"\r[{bar}] {p.finished}/{p.budget} trials done  best {best}  "
                f"{p.elapsed:.0f}s elapsed, ~{left:.0f}s left ",
                nl=p.finished >= p.budget,
                err=True,
            )
        else:
            click.echo(
                f"trial-{p.number} {p.last_state}  {p.finished}/{p.budget} done  best {best}  "
                f"elapsed {p.elapsed:.0f}s",
                err=True,
            )


def _say(text: str) -> None:
    click.echo(text, err=True)


@click.command()
@click.argument("ticket_id", type=TICKET_ID)
@click.option(
    "--trials", type=click.IntRange(min=1), help="Trials in the study (default: the spec's budget)."
)
@click.option(
    "--timeout",
    type=FiniteFloat(),
    help="Stop the sweep after this many seconds (a finite number > 0).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    callback=cap_workers,
    help="Worker processes on this machine (at most one per core).",
)
@_storage_option
@click.option("--fresh", is_flag=True, help="Delete the ticket's study and start over.")
@click.option(
    "--data",
    metavar="FILE",
    help="Investigations: the batch to investigate (CSV or Parquet; default: the "
    "monitor's batch named in the ticket).",
)
@click.option(
    "--file-followups",
    is_flag=True,
    help="Investigations: write the proposed follow-up tickets to backlog/ (once each).",
)
@click.option(
    "--allow-unknown",
    is_flag=True,
    help="Exit 0 although a measured criterion is unknown (a quantity it names was not "
    "measured, e.g. leakage_flags with the sanity checks off, production.* before the first "
    "promotion). Without it such a run exits 1 and says which criterion and why.",
)
@json_option
def run(ticket_id: str, as_json: bool, allow_unknown: bool, **options: Any) -> None:
    """Run a ticket: an Optuna sweep logged to MLflow, then the acceptance verdict.

    A story or spike sweeps model families, their hyperparameters, preprocessing and
    optional feature groups, cross-validating on the training part. The best
    configuration (or an ensemble of the best trials, chosen on their out-of-fold
    predictions) is refitted, scored on the holdout (with 95% intervals), compared with
    the production model, registered, and its criteria decided. A second run resumes the
    study. An investigation deep-dives the production model on a batch and proposes
    follow-up tickets (see docs/investigations.md). Exit code 0 when every measured
    criterion passes, 1 when one fails or is unknown (see --allow-unknown).
    """
    from agileds.runners import run_ticket

    shown = {} if as_json else print_run.options()
    result = run_ticket(ticket_id, get_project(), **shown, **options)
    if as_json:
        echo_json(result.to_dict())
    else:
        print_run(result)
    unknown = [] if allow_unknown else result.unknown
    for c in unknown:
        click.echo(
            f"criterion {c.number} '{c.text}' is unknown: {result.why_unknown(c)}; "
            "pass --allow-unknown to accept the run without it",
            err=True,
        )
    sys.exit(1 if result.failed or unknown else 0)


def _measured(values: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:.4g}" for k, v in values.items())


class _RunPrinter:
    """Prints a run's progress while it goes, and its verdict table at the end."""

    def options(self) -> dict[str, Any]:
        """The run options that route progress and messages to the terminal."""
        return {"progress": _ProgressLine(), "message": _say}

    def __call__(self, result: Any) -> None:
        _print_verdicts(result)


print_run = _RunPrinter()


def _print_verdicts(result: Any) -> None:
    rows = [
        {
            "#": c.number,
            "verdict": c.verdict.value,
            "criterion": c.text,
            "measured": _measured(c.values)
            if c.values
            else ("manual" if c.manual else "not measured"),
        }
        for c in result.criteria
    ]
    click.echo(f"\n{result.ticket.id}  {result.ticket.title}")
    click.echo(
        table(rows, ["#", "verdict", "criterion", "measured"]) if rows else "no acceptance criteria"
    )
    pending = sum(c.verdict.value == "pending" for c in result.criteria)
    extra = f" ({pending} manual check(s) pending: agileds ticket accept)" if pending else ""
    click.echo(f"\nverdict: {result.verdict.value.upper()}{extra}")
    if result.model_version:
        click.echo(f"model:   {result.model_name} version {result.model_version}")
    if result.report_path:
        click.echo(f"report:  {result.report_path}")
    for f in result.followups:
        click.echo(f"follow-up: {f.filed_as or 'draft'}  {f.type}  {f.title}")
    if result.parent_run_id:
        click.echo(f"mlflow:  run {result.parent_run_id} (agileds ui to browse)")


@click.command()
@click.argument("ticket_id", type=TICKET_ID)
@_storage_option
@click.option(
    "--index",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker number (seeds its sampler).",
)
def worker(ticket_id: str, storage: str | None, index: int) -> None:
    """Join the running sweep of TICKET_ID from this machine (same storage URL)."""
    from agileds.runners import join_sweep

    done = join_sweep(
        get_project(), ticket_id, storage=storage, index=index, progress=_ProgressLine()
    )
    click.echo(f"worker {index} finished: {done} trial(s) in the study")
