"""Batch scoring with a registered model: ``agileds score MODEL --data FILE --out DIR``.

:func:`score` reads a CSV or Parquet batch in chunks (bounded memory), checks it as the
monitor does, scores it with ``models:/MODEL@ALIAS`` (or a version), writes Parquet
partitioned by scoring date and model version, puts rows it cannot score in a rejects file
with the reason, and logs the job as an MLflow run in the model's experiment
(``agileds.kind = scoring``). ``compare=`` rescores the rows with another version (e.g.
the ``previous`` alias) and counts the decisions that flip.

Importing this package is cheap: pandas, pyarrow, scikit-learn and MLflow load when a
batch is scored.
"""

from __future__ import annotations

from agileds.scoring._batch import DEFAULT_CHUNK_ROWS, score
from agileds.scoring._compare import OLD_ROWS, OldPredictions, old_predictions
from agileds.scoring._model import DEFAULT_THRESHOLD, THRESHOLD_TAG, parse_model_ref
from agileds.scoring._output import MARKER
from agileds.scoring._result import Comparison, Progress, ScoreResult
from agileds.scoring._runs import KIND, find_scoring_runs

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_THRESHOLD",
    "KIND",
    "MARKER",
    "OLD_ROWS",
    "THRESHOLD_TAG",
    "Comparison",
    "OldPredictions",
    "Progress",
    "ScoreResult",
    "find_scoring_runs",
    "old_predictions",
    "parse_model_ref",
    "score",
]
