"""The names of what agileds stores in MLflow: run, model-version and registered-model tags.

Every tag that more than one module writes or reads is named here once; a module keeps a
name of its own only when it alone writes and reads it. The values are part of the stored
format: renaming one orphans the tags already written, so they never change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "AT_TAG",
    "CONFIG_TAG",
    "DATA_ROWS_TAG",
    "DATA_WINDOW_TAG",
    "DECISION_TAG",
    "EFFORT_TAG",
    "ERROR_TAG",
    "GIT_COMMIT_TAG",
    "GIT_DIRTY_TAG",
    "KIND_TAG",
    "METRIC_TAG",
    "MODEL_TAG",
    "PRODUCTION_TAG",
    "PRODUCTION_VERSION_TAG",
    "REASONS_TAG",
    "REPORT_TAG",
    "RUN_TAG",
    "SPEC_TAG",
    "TARGET_TAG",
    "TASK_TAG",
    "THRESHOLD_TAG",
    "TICKET_TAG",
    "TICKET_TYPE_TAG",
    "TITLE_TAG",
    "TRAINING_RUN_TAG",
    "VALUE_TAG",
    "VERDICT_TAG",
    "VERSION_TAG",
    "criterion_tag",
    "ticket_run_tags",
]

if TYPE_CHECKING:
    from agileds.tickets import Ticket

# What a run or version is about.
TICKET_TAG = "agileds.ticket"
"""The ticket ID (``STORY-12``) a run or model version belongs to."""
TICKET_TYPE_TAG = "agileds.ticket_type"
"""The ticket's type (``story``, ``bug``, ``spike``, ...)."""
TITLE_TAG = "agileds.title"
"""The ticket's title."""
VALUE_TAG = "agileds.value"
"""The ticket's business value."""
EFFORT_TAG = "agileds.effort"
"""The ticket's effort estimate."""
KIND_TAG = "agileds.kind"
"""What kind of run: ``golive``, ``monitor``, ``scoring``, ``investigation``."""
SCORING_KIND = "scoring"
"""The ``agileds.kind`` of a scoring job (``agileds score``)."""

# The model and how it was trained.
MODEL_TAG = "agileds.model"
"""The registered model's name."""
VERSION_TAG = "agileds.model_version"
"""The model version a run produced or looked at."""
PRODUCTION_VERSION_TAG = "agileds.production_version"
"""The production version a candidate was compared with (empty: none)."""
TRAINING_RUN_TAG = "agileds.training_run"
"""The run that trained the version being monitored or scored."""
TASK_TAG = "agileds.task"
"""``classification`` or ``regression``."""
METRIC_TAG = "agileds.metric"
"""The primary metric the sweep optimised."""
SPEC_TAG = "agileds.spec"
"""The experiment spec's path, as shown to the user."""
CONFIG_TAG = "agileds.config"
"""On a model version: the chosen configuration, JSON."""
THRESHOLD_TAG = "agileds.threshold"
"""On a model version or its run: the decision threshold for scoring."""
VERDICT_TAG = "agileds.verdict"
"""The run's verdict: ``pass``, ``fail``, ``killed`` ..."""
ERROR_TAG = "agileds.error"
"""Why a run failed, truncated."""

# The data it saw.
TARGET_TAG = "agileds.data.target"
"""The target column of the reference data."""
DATA_ROWS_TAG = "agileds.data.rows"
"""How many rows the reference data has."""
DATA_WINDOW_TAG = "agileds.data.window"
"""The reference data's time window, ``YYYY-MM-DD..YYYY-MM-DD``."""

# The code it ran.
GIT_COMMIT_TAG = "agileds.git_commit"
"""The commit the run's code stood at."""
GIT_DIRTY_TAG = "agileds.git_dirty"
"""``true`` when the working tree had uncommitted changes."""

# A go-live decision, on the candidate model version (what ``agileds promote`` reads).
DECISION_TAG = "agileds.golive.decision"
"""``GO`` or ``NO-GO``; promotion refuses anything but ``GO``."""
REASONS_TAG = "agileds.golive.reasons"
"""A JSON list of the decision's reasons, one sentence each."""
REPORT_TAG = "agileds.golive.report"
"""The report's path relative to the project root, e.g. ``docs/reports/STORY-1/golive.md``."""
AT_TAG = "agileds.golive.at"
"""When the gate decided, ISO 8601 in UTC."""
PRODUCTION_TAG = "agileds.golive.production_version"
"""The production version compared against; empty on a first deployment."""
RUN_TAG = "agileds.golive.run"
"""The go-live MLflow run."""


def criterion_tag(number: int) -> str:
    """The tag holding acceptance criterion ``number``'s verdict.

    >>> criterion_tag(2)
    'agileds.ac.2'
    """
    return f"agileds.ac.{number}"


def ticket_run_tags(ticket: Ticket, model_name: str) -> dict[str, str]:
    """The ``agileds.*`` tags of every run made for ``ticket``."""
    return {
        TICKET_TAG: ticket.id,
        TICKET_TYPE_TAG: ticket.type.value,
        TITLE_TAG: ticket.title,
        VALUE_TAG: f"{ticket.value:g}",
        EFFORT_TAG: f"{ticket.effort:g}",
        MODEL_TAG: model_name,
    }
