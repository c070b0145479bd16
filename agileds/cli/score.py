"""``agileds score``: score a batch file with a registered model, Parquet out."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from agileds.cli._options import echo_json, get_project, json_option

if TYPE_CHECKING:
    from agileds.scoring import Progress, ScoreResult


class _ProgressLine:
    """Rows scored, rows/s and time left: one redrawn line on a terminal, else a log line
    per chunk."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, p: Progress) -> None:
        left = "" if p.seconds_left is None else f", ~{p.seconds_left:.0f}s left"
        text = (
            f"{p.rows:,} rows scored, {p.rejected:,} rejected "
            f"({p.rows_per_second:,.0f} rows/s{left}, {p.share:.0%} read)"
        )
        if self.tty:
            click.echo(f"\r{text} ", nl=p.share >= 1.0, err=True)
        else:
            click.echo(text, err=True)


@click.command()
@click.argument("model", metavar="MODEL[@ALIAS|:VERSION]")
@click.option(
    "--data",
    required=True,
    metavar="FILE",
    help="The batch to score: a .csv or .parquet file with the model's input columns.",
)
@click.option(
    "--out",
    required=True,
    metavar="DIR",
    help="Output folder: new, empty, or an earlier 'agileds score' output.",
)
@click.option(
    "--id-columns",
    metavar="A,B",
    help="Columns copied to the output, comma-separated (default: the spec's data.drop "
    "columns the batch has).",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Rows read and scored at once (memory grows with this, not with the file).",
)
@click.option(
    "--compare",
    metavar="ALIAS|VERSION",
    help="Also score the rows with this version of the model (e.g. previous) and count "
    "the decisions that flip.",
)
@json_option
def score(
    model: str,
    data: str,
    out: str,
    id_columns: str | None,
    chunk_rows: int,
    compare: str | None,
    as_json: bool,
) -> None:
    """Score batch FILE with MODEL (default alias: production); Parquet in DIR.

    Reads the batch in chunks, checks it as 'agileds monitor' does (a missing input column
    or a column of the wrong type stops the job), and writes
    DIR/scored_date=D/model_version=V/job=J/part-00000.parquet: the id columns, score
    (binary: probability of the positive class; multiclass: the top probability;
    regression: the prediction), label, model, model_run_id, scoring_run_id and
    scored_at; scored_date, model_version and job are partition keys (columns when DIR
    is read as a dataset, e.g. pandas.read_parquet(DIR)). Rows that cannot be scored go to
    DIR/_rejects/.../job=J.csv with the reason. Output appears only when the job
    completes. The job is an MLflow run in the model's experiment (agileds.kind =
    scoring). Exit code 0 on success (rejects included), 2 on bad input.
    """
    from agileds.scoring import score as run_score

    ids = None if id_columns is None else [c.strip() for c in id_columns.split(",") if c.strip()]
    result = run_score(
        get_project(),
        model,
        data,
        out,
        id_columns=ids,
        chunk_rows=chunk_rows,
        compare=compare,
        progress=None if as_json else _ProgressLine(),
    )
    if as_json:
        echo_json(result.to_dict())
    else:
        print_score(result)


def print_score(r: ScoreResult) -> None:
    """The job in a few lines: rows, where the scores are, rejects, scores, comparison."""
    click.echo(
        f"scored {r.rows:,} rows of {r.data} with {r.model} v{r.version} "
        f"in {r.duration_s:.1f}s ({r.rows_per_second:,.0f} rows/s)"
    )
    click.echo(f"scores:  {r.partition}")
    if r.rejects_file:
        click.echo(f"rejects: {r.rejected:,} rows in {r.rejects_file}")
    else:
        click.echo("rejects: none")
    if r.score_mean is not None:
        q = r.quantiles
        click.echo(
            f"score:   mean {r.score_mean:.4g}, p05 {q['p05']:.4g}, p50 {q['p50']:.4g}, "
            f"p95 {q['p95']:.4g}"
        )
    if r.ignored_columns:
        click.echo(f"ignored: column(s) {', '.join(r.ignored_columns)} (not model inputs)")
    c = r.comparison
    if c is not None:
        flips = "n/a (regression)" if c.flips is None else f"{c.flips:,} of {c.rows:,}"
        rate = "" if c.flip_rate is None else f" ({c.flip_rate:.2%})"
        at = "" if c.threshold is None else f" at threshold {c.threshold:g}"
        click.echo(f"compare: v{r.version} vs v{c.version}: {flips} decisions flip{rate}{at}")
        if c.mean_shift is not None and c.p95_abs_shift is not None:
            click.echo(
                f"         score shift mean {c.mean_shift:+.4f}, p95 |shift| {c.p95_abs_shift:.4f}"
            )
    click.echo(f"mlflow:  run {r.run_id} (agileds ui to browse)")
