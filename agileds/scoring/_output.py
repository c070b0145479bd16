"""The output folder of scoring jobs: partitions, rejects, and writing them all or nothing.

A job writes into ``DIR/.tmp-<job>/`` and, once every chunk is scored, renames its files
into place: the rejects to ``DIR/_rejects/scored_date=D/model_version=V/job=<job>.csv``,
then the scores to ``DIR/scored_date=D/model_version=V/job=<job>/part-00000.parquet``. The
partition appears in one rename, so a partial job is never mistaken for a complete one.
Readers of ``DIR`` as a Parquet dataset skip ``_rejects``, ``.tmp-*`` and the marker file
``_agileds_scoring.json`` (names starting with ``_`` or ``.``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agileds._io import atomic_write
from agileds.errors import UsageError

__all__ = ["MARKER", "JobFolder", "check_output", "mark_output"]

MARKER = "_agileds_scoring.json"


def check_output(out: Path, shown: str) -> None:
    """Check that ``out`` is new, empty, or an earlier scoring output.

    Raises:
        UsageError: ``out`` is a file, or a folder with other content.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{shown}: is a file; give --out a folder for the scored partitions")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"{shown}: folder exists with other content (not an agileds scoring output); "
            "give --out a new or empty folder"
        )


def mark_output(out: Path) -> None:
    """Create ``out`` and its marker file (which says: an agileds scoring output)."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / MARKER
    if not marker.is_file():
        atomic_write(marker, json.dumps({"format": "agileds-scoring", "version": 1}) + "\n")


@dataclass(frozen=True)
class JobFolder:
    """Where one job writes (``tmp``) and where its files go when it completes."""

    out: Path
    job: str
    date: str
    version: str

    @property
    def tmp(self) -> Path:
        """The job's temporary folder inside the output folder."""
        return self.out / f".tmp-{self.job}"

    @property
    def scores(self) -> Path:
        """The scores file being written."""
        return self.tmp / "part-00000.parquet"

    @property
    def rejects(self) -> Path:
        """The rejects file being written (created only when a row is rejected)."""
        return self.tmp / "rejects.csv"

    @property
    def partition(self) -> Path:
        """The job's final folder of scores."""
        return (
            self.out
            / f"scored_date={self.date}"
            / f"model_version={self.version}"
            / f"job={self.job}"
        )

    @property
    def rejects_file(self) -> Path:
        """The job's final rejects file."""
        return (
            self.out
            / "_rejects"
            / f"scored_date={self.date}"
            / f"model_version={self.version}"
            / f"job={self.job}.csv"
        )

    def start(self) -> None:
        """Create the temporary folder."""
        self.tmp.mkdir()

    def commit(self) -> None:
        """Move the rejects, then the scores into place; remove the temporary folder."""
        if self.rejects.is_file():
            self.rejects_file.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.rejects, self.rejects_file)
        self.partition.parent.mkdir(parents=True, exist_ok=True)
        part = self.tmp / "part"
        part.mkdir()
        os.replace(self.scores, part / self.scores.name)
        os.rename(part, self.partition)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def abandon(self, remove_out: bool = False) -> None:
        """Remove everything the job wrote (after an error or Ctrl-C); with ``remove_out``,
        the output folder too when the job created it and it holds only the marker."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.rejects_file.is_file() and not self.partition.exists():
            self.rejects_file.unlink()
        for folder in (self.rejects_file.parent, self.rejects_file.parent.parent):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        with contextlib.suppress(OSError):
            (self.out / "_rejects").rmdir()
        if remove_out and [p.name for p in self.out.iterdir()] == [MARKER]:
            (self.out / MARKER).unlink()
            self.out.rmdir()
