"""Reading a batch in chunks: CSV through pandas, Parquet by record batches (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agileds.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["header_of", "read_chunks", "total_rows"]

_FIX = "check the batch given to --data"


def header_of(path: Path, shown: str) -> list[str]:
    """The batch's column names, read without its rows.

    Raises:
        DataError: The file is empty or cannot be read as CSV or Parquet.
    """
    import pandas as pd

    try:
        if _is_parquet(path):
            import pyarrow.parquet as pq

            return [str(c) for c in pq.ParquetFile(path).schema_arrow.names]
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown}: file is empty; {_FIX}") from None
    except (pd.errors.ParserError, OSError, ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{shown}: cannot read the batch ({_first(error)}); {_FIX}") from None


def total_rows(path: Path) -> int | None:
    """Rows of a Parquet file from its footer; None for CSV (unknown without reading it)."""
    if not _is_parquet(path):
        return None
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def read_chunks(
    path: Path, shown: str, rows: int, text_columns: Sequence[str] = ()
) -> Iterator[tuple[pd.DataFrame, float]]:
    """Yield ``(chunk, share of the file read)`` of at most ``rows`` rows each.

    ``text_columns`` of a CSV are read as text (identifiers keep leading zeros and one
    type in every chunk).

    Raises:
        DataError: The file cannot be parsed (the row count so far is in the message).
    """
    import pandas as pd

    try:
        if _is_parquet(path):
            yield from _parquet_chunks(path, rows)
            return
        size = max(path.stat().st_size, 1)
        with open(path, "rb") as handle:
            dtype = dict.fromkeys(text_columns, "string")
            for chunk in pd.read_csv(handle, chunksize=rows, dtype=dtype or None):
                yield chunk, min(handle.tell() / size, 1.0)
    except (pd.errors.ParserError, OSError, ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{shown}: cannot read the batch ({_first(error)}); {_FIX}") from None


def _parquet_chunks(path: Path, rows: int) -> Iterator[tuple[pd.DataFrame, float]]:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    total, done = max(file.metadata.num_rows, 1), 0
    for batch in file.iter_batches(batch_size=rows):
        done += batch.num_rows
        yield batch.to_pandas(), min(done / total, 1.0)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def _first(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
