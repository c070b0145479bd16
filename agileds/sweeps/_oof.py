"""Out-of-fold predictions of finished trials, kept on disk for ensemble selection.

Each completed trial's cross-validation predicts every training row from models that did
not see it (averaged over the repeats of a repeated k-fold). The objective saves them here,
one ``.npy`` file per trial, so the runner can choose an ensemble after the sweep without
refitting anything. Worker processes on the same machine write to the same folder; a
trial whose file is missing (a worker on another machine) is simply not a candidate.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from agileds._io import atomic_write

if TYPE_CHECKING:
    import numpy as np

__all__ = ["OofStore", "OutOfFold", "oof_folder"]


def oof_folder(root: Path, study: str) -> Path:
    """Where the study ``study`` of the project at ``root`` keeps its predictions."""
    from agileds.tracking import STORE_DIR

    return root / STORE_DIR / "oof" / study


class OutOfFold:
    """Accumulates one trial's fold predictions into one prediction per training row."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self._sum: np.ndarray | None = None
        self._count: np.ndarray | None = None

    def add(self, index: np.ndarray, scores: np.ndarray) -> None:
        """Add the predictions ``scores`` of the validation rows ``index``."""
        import numpy as np

        scores = np.asarray(scores, dtype=np.float64)
        if self._sum is None or self._count is None:
            self._sum = np.zeros((self.rows, *scores.shape[1:]))
            self._count = np.zeros(self.rows)
        self._sum[index] += scores
        self._count[index] += 1

    def result(self) -> np.ndarray | None:
        """The mean prediction per row; None unless every row was validated."""
        if self._sum is None or self._count is None or not self._count.all():
            return None
        shape = (-1,) + (1,) * (self._sum.ndim - 1)
        out: np.ndarray | None = self._sum / self._count.reshape(shape)
        return out


class OofStore:
    """The folder of one study's out-of-fold predictions (``<trial number>.npy``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, number: int) -> Path:
        return self.folder / f"{number}.npy"

    def save(self, number: int, predictions: np.ndarray) -> None:
        """Write trial ``number``'s predictions atomically (float32)."""
        import numpy as np

        self.folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(predictions, dtype=np.float32))
        atomic_write(self._path(number), buffer.getvalue())

    def load(self, number: int) -> np.ndarray | None:
        """Trial ``number``'s predictions as float64, or None when they were not saved."""
        import numpy as np

        try:
            out: np.ndarray | None = np.load(self._path(number)).astype(np.float64)
            return out
        except (OSError, ValueError):
            return None

    def clear(self) -> None:
        """Remove every saved prediction (a fresh study starts its trial numbers at 0)."""
        shutil.rmtree(self.folder, ignore_errors=True)
