"""``agileds score``: score a batch file in chunks with a registered version, log the job."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError, UsageError
from agileds.scoring._chunk import ChunkScores, score_chunk
from agileds.scoring._compare import Comparer, score_and_label
from agileds.scoring._output import JobFolder, check_output, mark_output
from agileds.scoring._result import Progress, ScoreResult
from agileds.scoring._sample import ScoreSample

if TYPE_CHECKING:
    import pandas as pd

    from agileds.project import Project
    from agileds.tracking import ModelVersion

__all__ = ["DEFAULT_CHUNK_ROWS", "score"]

DEFAULT_CHUNK_ROWS = 100_000
"""Rows read and scored at once: the job's memory grows with this, not with the file."""

OUTPUT_COLUMNS = (
    "score",
    "label",
    "model",
    "model_version",
    "scored_date",
    "job",
    "model_run_id",
    "scoring_run_id",
    "scored_at",
)
_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def score(
    project: Project,
    model: str,
    data: str | Path,
    out: str | Path,
    *,
    id_columns: Sequence[str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    compare: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ScoreResult:
    """Score a CSV or Parquet batch with a registered version, in chunks of ``chunk_rows``.

    Writes ``OUT/scored_date=D/model_version=V/job=J/part-00000.parquet`` (the id columns,
    ``score``, ``label``, model name, the model's run, the scoring run and the time; the
    date, version and job are Hive partition keys, columns when ``OUT`` is read as a
    dataset) and the rows that could not be scored, with their reason, to
    ``OUT/_rejects/scored_date=D/model_version=V/job=J.csv``; both appear only when the
    job completes. The job is an MLflow run in the model's experiment
    (:mod:`agileds.scoring._runs`).

    Args:
        project: The project.
        model: ``MODEL`` (its ``production`` alias), ``MODEL@ALIAS`` or ``MODEL:VERSION``.
        data: The batch, ``.csv`` or ``.parquet``, with the model's input columns.
        out: The output folder: new, empty, or an earlier scoring output.
        id_columns: Columns copied to the output (default: the spec's ``data.drop``
            columns that the batch has).
        chunk_rows: Rows read and scored at once.
        compare: An alias (``previous``) or version number of the same model: score the
            same rows with it too and count the decisions that flip.
        progress: Called after each chunk.

    Raises:
        UsageError: A bad model reference, unknown alias or version, bad ``chunk_rows``,
            unknown id columns, or an output folder with other content.
        DataError: The batch is missing, not CSV or Parquet, empty, lacks input columns or
            has a column of the wrong type.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> job = agileds.score(project, "lead-scoring", "batch.csv", "scores/")  # doctest: +SKIP
        >>> job.rows, job.partition  # doctest: +SKIP
    """
    from agileds.monitor import check_batch_file
    from agileds.scoring._model import open_version, parse_model_ref
    from agileds.scoring._read import header_of
    from agileds.tracking import get_client, load_version, resolve_stores

    if chunk_rows < 1:
        raise UsageError(f"chunk rows must be at least 1, got {chunk_rows}")
    path, out_path = Path(data), Path(out)
    shown, shown_out = project.relative(path.resolve()), project.relative(out_path.resolve())
    parse_model_ref(model)
    check_batch_file(path, shown)
    check_output(out_path, shown_out)
    header = header_of(path, shown)
    client = get_client(resolve_stores(project.root, project.settings.tracking_uri).tracking_uri)
    production = open_version(client, model)
    other = None
    if compare:
        alias, version = (None, compare) if compare.isdigit() else (compare, None)
        other = load_version(client, production.model, alias=alias or "", version=version)
    job = _Job(project, client, production, other, path, shown, header, id_columns)
    return job.run(out_path, chunk_rows, progress)


class _Job:
    """The state of one scoring job (its checks done before anything is written)."""

    def __init__(
        self,
        project: Project,
        client: Any,
        production: ModelVersion,
        other: ModelVersion | None,
        path: Path,
        shown: str,
        header: list[str],
        ids: Sequence[str] | None,
    ) -> None:
        import pandas as pd

        from agileds.scoring._model import threshold_of

        for version in (production, other):
            if version is not None:
                version.validate_batch(pd.DataFrame(columns=header), shown)
        self.project, self.client, self.production, self.other = project, client, production, other
        self.path, self.shown, self.header = path, shown, header
        self.ids = _checked_ids(ids, header, shown, production, project)
        self.threshold = threshold_of(client, production) if production.task == "binary" else None
        self.ignored = tuple(c for c in header if c not in production.inputs and c not in self.ids)
        self.comparer = (
            None if other is None else Comparer(production, other, self.threshold, shown)
        )
        self.scores = ScoreSample()
        self.rows = self.rejected = 0

    def run(
        self, out: Path, chunk_rows: int, progress: Callable[[Progress], None] | None
    ) -> ScoreResult:
        from agileds.scoring._read import read_chunks
        from agileds.scoring._runs import finish_run, start_run

        texts = [c for c in self.ids if c not in self.production.inputs]
        chunks = read_chunks(self.path, self.shown, chunk_rows, texts)
        first = next(chunks, None)
        if first is None or first[0].empty:
            raise DataError(f"{self.shown}: the batch has no rows; nothing to score")
        started, now = time.perf_counter(), dt.datetime.now(dt.UTC)
        created = not out.exists()
        mark_output(out)
        folder = JobFolder(
            out,
            f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
            f"{now:%Y-%m-%d}",
            self.production.version,
        )
        tags = {"agileds.scoring.data": self.shown, "agileds.scoring.job": folder.job}
        self.run_id = start_run(self.client, self.production, tags)
        writer = None
        try:
            folder.start()
            for chunk, share in _chain(first, chunks):
                writer = self._chunk(chunk, folder, writer)
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    progress(Progress(self.rows, self.rejected, share, elapsed))
            if writer is not None:
                writer.close()
            writer = None
            duration = time.perf_counter() - started
            result = self._result(folder, duration)
            folder.commit()
            self.client.set_tag(self.run_id, "agileds.scoring.partition", result.partition)
            finish_run(self.client, self.run_id, result.metrics(), int(now.timestamp() * 1000))
        except BaseException:
            if writer is not None:
                writer.close()
            folder.abandon(remove_out=created)
            self.client.delete_run(self.run_id)
            raise
        return result

    def _chunk(self, chunk: pd.DataFrame, folder: JobFolder, writer: Any) -> Any:
        import pyarrow as pa
        import pyarrow.parquet as pq

        scored = score_chunk(chunk, self.production, self.shown)
        if len(scored.rejected):
            _append_rejects(chunk, scored, self.rows + self.rejected, folder.rejects)
        frame = self._frame(chunk, scored)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(folder.scores, table.schema)
        elif table.schema != writer.schema:
            table = table.cast(writer.schema)
        writer.write_table(table)
        if self.comparer is not None and len(scored.kept):
            assert self.comparer is not None
            self.comparer.add(chunk.iloc[scored.kept], scored.scores)
        self.rows += len(scored.kept)
        self.rejected += len(scored.rejected)
        return writer

    def _frame(self, chunk: pd.DataFrame, scored: ChunkScores) -> pd.DataFrame:
        import pandas as pd

        p, n = self.production, len(scored.kept)
        frame = chunk.iloc[scored.kept][list(self.ids)].reset_index(drop=True)
        value, label = score_and_label(p, scored.scores, self.threshold)
        self.scores.add(value)
        frame["score"] = value
        if label is not None:
            frame["label"] = label
        for name, text in (
            ("model", p.model),
            ("model_run_id", p.run_id),
            ("scoring_run_id", self.run_id),
        ):
            frame[name] = pd.Series([text] * n, dtype="string")
        when = pd.Timestamp.now(tz="UTC").floor("ms")
        frame["scored_at"] = pd.Series([when] * n, dtype="datetime64[ms, UTC]")
        return frame

    def _result(self, folder: JobFolder, duration: float) -> ScoreResult:
        p = self.production
        comparison = None if self.comparer is None else self.comparer.result()
        rejects = folder.rejects_file if folder.rejects.is_file() else None
        return ScoreResult(
            model=p.model,
            version=p.version,
            task=p.task,
            run_id=self.run_id,
            experiment_id=p.experiment_id,
            job=folder.job,
            data=self.shown,
            partition=self.project.relative(folder.partition.resolve()),
            rejects_file=None if rejects is None else self.project.relative(rejects.resolve()),
            rows=self.rows,
            rejected=self.rejected,
            duration_s=duration,
            threshold=self.threshold,
            id_columns=tuple(self.ids),
            ignored_columns=self.ignored,
            score_mean=self.scores.mean,
            quantiles={f"p{round(q * 100):02d}": self.scores.quantile(q) for q in _QUANTILES},
            comparison=comparison,
        )


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


def _append_rejects(chunk: pd.DataFrame, scored: ChunkScores, before: int, path: Path) -> None:
    """Append the chunk's rejected rows (file row number, reason, values) to ``path``."""
    import pandas as pd

    rows = chunk.iloc[scored.rejected].astype("string").reset_index(drop=True)
    frame = pd.concat(
        [pd.DataFrame({"row": before + scored.rejected + 1, "reason": scored.reasons}), rows],
        axis=1,
    )
    frame.to_csv(path, mode="a", header=not path.is_file(), index=False)


def _checked_ids(
    ids: Sequence[str] | None,
    header: list[str],
    shown: str,
    production: ModelVersion,
    project: Project,
) -> list[str]:
    from agileds.scoring._model import id_columns

    if ids is None:
        return id_columns(project, production, header)
    unknown = [c for c in ids if c not in header]
    if unknown:
        raise UsageError(
            f"{shown}: id column(s) {', '.join(unknown)} not in the batch (--id-columns); "
            f"its columns are: {', '.join(header)}"
        )
    clash = [c for c in ids if c in OUTPUT_COLUMNS]
    if clash:
        raise UsageError(
            f"id column(s) {', '.join(clash)} clash with the output's own columns "
            f"({', '.join(OUTPUT_COLUMNS)}); leave them out of --id-columns"
        )
    return list(dict.fromkeys(ids))
