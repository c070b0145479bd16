"""Loading a dataset from delimited text (CSV, TSV, ...) or Parquet and checking its target."""

from __future__ import annotations

import csv
import difflib
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from agileds.errors import ConfigError, DataError

__all__ = ["TASKS", "check_target", "load_table"]

TASKS = ("binary", "multiclass", "regression")
"""The tasks a target can define."""

_MAX_CLASSES = 50
_SHOWN = 20
DELIMITERS = ",\t;|"
"""The delimiters :func:`load_table` recognises in text files."""
_NOT_TEXT = frozenset(
    [
        ".xlsx",
        ".xls",
        ".xlsm",
        ".ods",
        ".json",
        ".jsonl",
        ".feather",
        ".arrow",
        ".pkl",
        ".pickle",
        ".h5",
        ".hdf5",
        ".zip",
        ".gz",
        ".bz2",
        ".xz",
        ".zst",
        ".npy",
        ".npz",
        ".sav",
        ".dta",
        ".sas7bdat",
    ]
)


def load_table(
    path: str | Path, *, shown: str | None = None, fix: str | None = None, allow_empty: bool = False
) -> pd.DataFrame:
    """Read a ``.parquet`` file, or delimited text whatever its extension, into a DataFrame.

    Text (``.csv``, ``.tsv``, ``.txt``, ``.data``, ...) goes through :func:`pandas.read_csv`
    with its defaults, so an empty field (and the usual markers such as ``NA`` or ``null``)
    becomes NaN, while a whitespace-only value such as ``"   "`` stays a string. Its
    delimiter (one of :data:`DELIMITERS`) is sniffed from the first KB: a ``.csv`` whose
    header has a comma stays comma-separated, a ``.tsv`` defaults to tabs. Parquet keeps its
    values as written, empty strings included. Turning blank strings into nulls is left to
    feature engineering. Spreadsheets, JSON, pickles and compressed files are refused.

    Args:
        path: The file; ``.parquet`` (case-insensitive) picks the Parquet reader.
        shown: The file as named in messages (default: ``path``).
        fix: What the user should do, ending every message (default: advice about
            ``data.path`` of the experiment spec; monitors and go-live name ``--data``).
        allow_empty: Return a table of columns without rows instead of raising (the caller
            says what an empty table means).

    Returns:
        The table, with at least one row unless ``allow_empty``.

    Raises:
        DataError: The file is missing, is not text or Parquet, cannot be parsed, or has no
            rows.
    """
    source = Path(path)
    where = shown or str(source)

    def error(what: str, advice: str) -> DataError:
        return DataError(f"{where}: {what}; {fix or advice}")

    suffix = source.suffix.lower()
    if source.is_dir():
        raise error("is a directory, not a file", "check data.path in the experiment spec")
    if suffix in _NOT_TEXT:
        raise error(
            f"unsupported file type '{source.suffix or '(none)'}'",
            "save the data as .csv or .parquet and point data.path at it",
        )
    if not source.is_file():
        raise error("file not found", "check data.path in the experiment spec")
    text = suffix != ".parquet"
    kind = "CSV" if suffix == ".csv" else "delimited text" if text else "Parquet"
    try:
        frame = _read_text(source, suffix) if text else _read_parquet(source)
    except (pd.errors.ParserError, pd.errors.ParserWarning, OSError, ValueError) as exc:
        advice = (
            "save it as UTF-8, comma-separated, with one header line"
            if text
            else "write it again with pandas.DataFrame.to_parquet"
        )
        raise error(f"cannot read as {kind} ({_first_line(exc)})", advice) from None
    if frame is None and allow_empty:
        return pd.DataFrame()
    if frame is None:
        wanted = f"a {kind} file with a header and rows" if text else "a Parquet file with rows"
        raise error("file is empty", f"point data.path at {wanted}")
    if frame.empty and not allow_empty:
        raise error(
            f"no rows (columns: {_names(frame.columns)})", "point data.path at a file with data"
        )
    header: list[object] = [*_text_header(source, suffix)] if text else list(frame.columns)
    twice = _duplicated(header)
    if twice:
        raise error(
            f"column {twice!r} appears more than once in the header",
            "give every column its own name",
        )
    infinite = _infinite(frame)
    if infinite is not None:
        name, rows = infinite
        raise error(
            f"column {name!r} has an infinite value in {rows} row(s)",
            "replace them with finite numbers, or leave the cells empty (missing)",
        )
    return frame


def _text_header(source: Path, suffix: str) -> list[str]:
    """The header of delimited text as written (pandas renames a repeated ``a`` to ``a.1``)."""
    with open(source, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh, delimiter=sniff_delimiter(source, suffix)), [])


def _duplicated(names: list[object]) -> object | None:
    """The first name that appears twice, else None."""
    seen: set[object] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _infinite(frame: pd.DataFrame) -> tuple[str, int] | None:
    """The first float column holding ``inf`` or ``-inf``, and in how many rows."""
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            rows = int(np.isinf(column.to_numpy(dtype="float64", na_value=np.nan)).sum())
            if rows:
                return str(name), rows
    return None


def _read_text(source: Path, suffix: str) -> pd.DataFrame | None:
    """Read delimited text; ``index_col=False`` keeps every field a column (a row longer
    than the header is an error, not a silent index). None for a file without a header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(source, sep=sniff_delimiter(source, suffix), index_col=False)
    except pd.errors.EmptyDataError:
        return None


def sniff_delimiter(source: Path, suffix: str = "") -> str:
    """The delimiter of a text file, sniffed with :class:`csv.Sniffer` on its first KB.

    A ``.csv`` whose header line has a comma is comma-separated whatever the sniffer says
    (free text in the first rows could fool it); a delimiter the header does not contain
    is not believed; without a verdict, a ``.tsv`` is tab-separated and anything else
    comma-separated.

    Raises:
        ValueError: The file holds binary data (a NUL byte), not text.
    """
    with source.open("rb") as handle:
        head = handle.read(1024)
    if b"\0" in head:
        raise ValueError("binary content, not delimited text")
    sample = head.decode("utf-8", errors="replace")
    if len(head) == 1024 and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # no cut-off last line
    header = sample.splitlines()[0] if sample.strip() else ""
    default = "\t" if suffix == ".tsv" else ","
    if suffix == ".csv" and "," in header:
        return ","
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return default
    return found if found in header else default


def _read_parquet(source: Path) -> pd.DataFrame | None:
    """Read a Parquet file; None for a file of no bytes."""
    return pd.read_parquet(source) if source.stat().st_size else None


def check_target(
    frame: pd.DataFrame,
    target: str,
    task: str | None,
    source: str,
    *,
    spec: str | None = None,
) -> str:
    """Check that ``target`` can be learned and return its task.

    When ``task`` is None it is inferred: two distinct values make ``binary``; a numeric
    target with non-integer values or more than 50 distinct values makes ``regression``;
    otherwise up to 50 classes make ``multiclass``.

    Args:
        frame: The loaded data.
        target: Name of the label column.
        task: ``binary``, ``multiclass``, ``regression``, or None to infer it.
        source: The data file, as shown to the user, e.g. ``experiments/data/leads.csv``.
        spec: The experiment spec that names the target, for the fix in messages.

    Returns:
        The task, given or inferred.

    Raises:
        ConfigError: ``task`` is not one of :data:`TASKS`.
        DataError: The target is missing, has nulls, has a single value, or does not fit
            the task.

    Example:
        >>> frame = pd.DataFrame({"is_closed": [0, 1, 1, 0]})
        >>> check_target(frame, "is_closed", None, "leads.csv")
        'binary'
    """
    where = spec or "the experiment spec"
    if task is not None and task not in TASKS:
        prefix = f"{spec}: " if spec else ""
        raise ConfigError(
            f"{prefix}unknown task '{task}' for target '{target}'; use one of "
            f"{', '.join(TASKS)}, or leave task out to infer it"
        )
    column = _target_column(frame, target, source, where)
    if column.nunique() < 2:
        raise DataError(
            f"{source}: target column '{target}' has {_single(column)}; a model needs at "
            "least two classes or values; check data.path and data.target"
        )
    found = _infer_task(column, source, target) if task is None else task
    _check_fits(column, target, found, source, where)
    return found


def _target_column(frame: pd.DataFrame, target: str, source: str, where: str) -> pd.Series:
    """Return the target column, or raise DataError if it is missing or has nulls."""
    if target not in frame.columns:
        names = [str(name) for name in frame.columns]
        close = difflib.get_close_matches(target, names, n=3)
        hint = f" (did you mean {' or '.join(repr(name) for name in close)}?)" if close else ""
        raise DataError(
            f"{source}: target column '{target}' not found{hint}; "
            f"columns are: {_names(names)}; set data.target in {where}"
        )
    column = frame[target]
    nulls = int(column.isna().sum())
    if nulls:
        raise DataError(
            f"{source}: target column '{target}' is null in {nulls} of {len(column)} rows; "
            f"drop or fill those rows, or set data.unlabelled: drop in {where}"
        )
    return column


def _infer_task(column: pd.Series, source: str, target: str) -> str:
    """Infer the task of a target with at least two distinct values and no nulls."""
    distinct = column.nunique()
    if distinct == 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric and (distinct > _MAX_CLASSES or not _integral(column)):
        return "regression"
    if distinct > _MAX_CLASSES:
        raise DataError(
            f"{source}: target column '{target}' has {distinct} distinct non-numeric values, "
            f"too many classes (at most {_MAX_CLASSES}); choose another target or group them"
        )
    return "multiclass"


def _check_fits(column: pd.Series, target: str, task: str, source: str, where: str) -> None:
    """Raise DataError when the target cannot serve the given task."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if task == "regression" and not numeric:
        raise DataError(
            f"{source}: target column '{target}' is not numeric (dtype {column.dtype}, "
            f"e.g. {_show(column.iloc[0])}) but the task is regression; "
            f"set task: binary or multiclass in {where}, or convert the column to numbers"
        )
    classes = column.unique()
    if task == "binary" and len(classes) > 2:
        raise DataError(
            f"{source}: target column '{target}' has {len(classes)} classes "
            f"({_names(sorted(map(str, classes)))}) but the task is binary; "
            f"set task: multiclass in {where}, or map the classes to two"
        )


def _single(column: pd.Series) -> str:
    """Describe a target column with fewer than two distinct values."""
    if column.empty:
        return "no rows"
    return f"the single value {_show(column.iloc[0])} in all {len(column)} rows"


def _show(value: object) -> str:
    """Repr of a value as the user wrote it (``1``, not ``np.int64(1)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _integral(column: pd.Series) -> bool:
    """Whether every value of a numeric column is a whole number."""
    values = column.to_numpy(dtype="float64")
    return bool(((values % 1) == 0).all())


def _names(names: Iterable[object]) -> str:
    """Join column or class names for a message, eliding after the first few."""
    shown = [str(name) for name in names]
    more = f", ... ({len(shown) - _SHOWN} more)" if len(shown) > _SHOWN else ""
    return ", ".join(shown[:_SHOWN]) + more


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
