"""The model-version contract: a registered version loaded once, and what a batch must be.

Monitors, investigations, go-lives and scoring jobs all open a version with
:func:`agileds.tracking.load_version` and check their rows with
:meth:`ModelVersion.validate_batch` and :meth:`ModelVersion.check_labels`, so one rule set
decides what a batch must look like:

* every column the fitted pipeline reads must be there (extra columns are kept, and ignored
  by the model);
* a column the training data held as numbers must hold numbers (text that parses as a
  number is taken; blanks are missing values), and a column it held as text must not hold
  only numbers;
* labels must be classes the model knows, or numbers for a regression.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agileds.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ModelVersion"]

_SPEC_TAG = "agileds.spec"
_CONFIG_TAG = "agileds.config"
_SHOWN_VALUES = 3


@dataclass(frozen=True)
class ModelVersion:
    """A registered model version, as every command that scores with it sees it.

    Attributes:
        model: The registered model name.
        version: The version number, as a string.
        pipeline: The fitted scikit-learn pipeline (input: the raw feature columns).
        task: ``binary``, ``multiclass`` or ``regression`` (the run's ``agileds.task``
            tag, else what the pipeline predicts).
        metric: The primary metric (the run's ``agileds.metric`` tag, else the task's).
        direction: ``maximize`` or ``minimize``: which way ``metric`` gets better.
        target: The label column (``agileds.data.target``); empty for a version registered
            outside agileds.
        inputs: The columns the pipeline was fitted on, in order: the input schema.
        classes: The classes a classifier predicts (score columns' order); None for
            regression.
        reference: The training part the version was fitted on, target included; an empty
            frame when the version has none.
        run_id: The run that registered the version.
        experiment_id: That run's experiment (the model's).
        aliases: The aliases pointing at the version (``production``, ``previous``, ...).
        tags: The version's tags.
        metrics: The metrics its run logged (``auroc``, ``auroc.ci_low``, ...).
    """

    model: str
    version: str
    pipeline: Any
    task: str
    metric: str
    direction: str
    target: str
    inputs: tuple[str, ...]
    classes: tuple[Any, ...] | None
    reference: pd.DataFrame
    run_id: str = ""
    experiment_id: str = ""
    aliases: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``lead-scoring v3``: how messages name the version."""
        return f"{self.model} v{self.version}"

    @property
    def spec(self) -> str | None:
        """The experiment spec the version was trained from (``agileds.spec`` tag)."""
        return self.tags.get(_SPEC_TAG)

    @property
    def config(self) -> dict[str, Any]:
        """The model configuration the version was fitted with (empty when not recorded)."""
        try:
            value = json.loads(self.tags.get(_CONFIG_TAG) or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def evaluation(self) -> float | None:
        """The primary metric on the holdout when the version was registered, if logged."""
        value = self.metrics.get(self.metric)
        return None if value is None else float(value)

    @property
    def kinds(self) -> dict[str, str]:
        """Each input column's kind in the reference data: ``number``, ``text`` or
        ``other`` (dates, booleans, categories); empty without reference data."""
        return {c: _kind(self.reference[c]) for c in self.inputs if c in self.reference.columns}

    @property
    def used_inputs(self) -> tuple[str, ...]:
        """The input columns that reach a transformer of the pipeline (not those it drops:
        identifiers, columns the sanity checks removed), in order; drift and importance
        tables show only these (:func:`agileds.tracking.used_columns`)."""
        from agileds.tracking._inputs import used_columns

        return tuple(used_columns(self.pipeline, self.inputs))

    def inputs_of(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The pipeline's input columns of ``frame``, in the pipeline's order."""
        return frame[list(self.inputs)]

    def number_faults(self, frame: pd.DataFrame) -> dict[str, pd.Series]:
        """Where numbers are expected but a column was read as text: per such column, the
        mask of its present values that are no number (blanks are missing, not faults)."""
        faults = {}
        for name, kind in self.kinds.items():
            if kind == "number" and name in frame.columns and not _is_number(frame[name]):
                faults[name] = _parse_numbers(frame[name])[1]
        return faults

    def validate_batch(self, frame: pd.DataFrame, shown: str = "the batch") -> pd.DataFrame:
        """Return ``frame`` with the numbers the model expects parsed; raise on a bad batch.

        Columns the model does not read are kept as they are.

        Raises:
            DataError: An input column is missing, holds text where the model expects
                numbers, or holds only numbers where it expects text.
        """
        missing = [c for c in self.inputs if c not in frame.columns]
        if missing:
            raise DataError(
                f"{shown}: missing model input column(s) {', '.join(missing)}; "
                f"{self.name} needs every column it was trained on"
            )
        frame = frame.copy()
        texts: dict[str, Any] = {}
        numbers: list[str] = []
        for name, kind in self.kinds.items():
            column = frame[name]
            if kind == "number" and not _is_number(column):
                parsed, bad = _parse_numbers(column)
                if bad.any():
                    texts[name] = column[bad].iloc[0]
                frame[name] = parsed
            elif kind == "text" and _is_number(column) and column.notna().any():
                numbers.append(name)
        if texts:
            examples = ", ".join(f"{k} = {v!r}" for k, v in list(texts.items())[:_SHOWN_VALUES])
            raise DataError(
                f"{shown}: column(s) {', '.join(texts)} hold text where {self.name} "
                f"expects numbers (e.g. {examples}); fix those values or leave them empty"
            )
        if numbers:
            raise DataError(
                f"{shown}: column(s) {', '.join(numbers)} hold only numbers where "
                f"{self.name} expects text; check the export's columns"
            )
        return frame

    def check_labels(
        self,
        frame: pd.DataFrame,
        shown: str = "the batch",
        column: str | None = None,
        *,
        required: bool = True,
        complete: bool = False,
    ) -> pd.Series | None:
        """Return the labels (nulls where a row has no outcome yet), checked.

        Args:
            frame: The batch.
            shown: The batch as messages name it.
            column: The label column; the version's target by default.
            required: The caller measures a metric on the labels: the column must be there,
                not empty, and (for a classifier) hold two classes at least. Otherwise a
                batch without labels gives None.
            complete: Every row must have its label.

        Raises:
            DataError: A required column is missing, empty or of one class; a label is
                missing where ``complete``; a label is not a class the model predicts, or
                not a number for a regression.
        """
        column = column or self.target or ""
        if column not in frame.columns or frame[column].isna().all():
            if not required:
                return None
            if column not in frame.columns:
                raise DataError(
                    f"{shown}: labels column '{column}' is not in the batch; columns are: "
                    f"{', '.join(map(str, frame.columns))}"
                )
            raise DataError(
                f"{shown}: labels column '{column}' is empty; give a batch with outcomes"
            )
        labels = frame[column]
        if complete and labels.isna().any():
            raise DataError(
                f"{shown}: labels column '{column}' has missing labels; drop those rows"
            )
        if self.classes is None:
            return _regression_labels(labels, column, shown)
        self._check_classes(labels.dropna(), column, shown, required)
        return labels

    def _check_classes(self, known: pd.Series, column: str, shown: str, required: bool) -> None:
        classes = self.classes or ()
        strange = sorted((v for v in known.unique().tolist() if v not in set(classes)), key=str)
        if strange:
            values = ", ".join(repr(v) for v in strange[:_SHOWN_VALUES])
            raise DataError(
                f"{shown}: labels column '{column}' holds {values}, not the classes "
                f"{', '.join(map(str, classes))} that {self.name} predicts"
            )
        present = known.unique().tolist()
        if required and len(present) < 2:
            needs = (
                f"both classes {classes[0]} and {classes[1]}"
                if len(classes) == 2
                else "two classes at least"
            )
            raise DataError(
                f"{shown}: labels column '{column}' holds only class {present[0]}; "
                f"{self.metric} needs {needs}"
            )


def _regression_labels(labels: pd.Series, column: str, shown: str) -> pd.Series:
    if _is_number(labels):
        return labels.astype("float64")
    parsed, bad = _parse_numbers(labels)
    if bad.any():
        raise DataError(
            f"{shown}: labels column '{column}' must hold numbers for a regression "
            f"model, got {labels[bad].iloc[0]!r}"
        )
    return parsed


def _kind(column: pd.Series) -> str:
    if _is_number(column):
        return "number"
    return "text" if _is_text(column) else "other"


def _is_number(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _is_text(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return bool(pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype))


def _parse_numbers(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column as floats (blank strings as nulls), and the mask of values that are no
    number."""
    import pandas as pd

    text = column.astype("string").str.strip()
    present = column.notna() & text.ne("").fillna(False)
    parsed = pd.to_numeric(text.where(present), errors="coerce").astype("float64")
    return parsed, (present & parsed.isna()).astype(bool)
