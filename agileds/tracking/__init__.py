"""agileds' MLflow bridge: stores, batched run logging, the ticket run context, models.

``agileds.tracking`` also names every tag agileds stores (``TICKET_TAG``, ``CONFIG_TAG``, ...).
Importing this package is cheap: MLflow, scikit-learn and pandas are imported inside the
functions that need them. ``TicketRunContext`` is the ``mlflow.run_context_provider`` entry
point named in ``pyproject.toml``.
"""

from __future__ import annotations

from agileds.tracking._bridge import RunLogger, mlflow_key
from agileds.tracking._context import (
    TICKET_ENV,
    TICKET_TAGS_ENV,
    TicketRunContext,
    active_ticket,
    ticket_tags,
    ticket_type_from_id,
)
from agileds.tracking._fastpath import LOADER_MODULE as FAST_LOADER_MODULE
from agileds.tracking._inputs import used_columns
from agileds.tracking._load_version import PRODUCTION_ALIAS, load_version
from agileds.tracking._models import (
    Task,
    get_alias_version,
    latest_ticket_version,
    load_model,
    log_model,
    register_model,
    resolve_model_uri,
    set_alias,
)
from agileds.tracking._reference import (
    REFERENCE_ARTIFACT,
    load_reference,
    log_reference,
    reference_tags,
)
from agileds.tracking._stores import (
    STORE_DIR,
    Stores,
    ensure_experiment,
    get_client,
    resolve_stores,
)
from agileds.tracking._tags import (
    AT_TAG,
    CONFIG_TAG,
    DATA_ROWS_TAG,
    DATA_WINDOW_TAG,
    DECISION_TAG,
    EFFORT_TAG,
    ERROR_TAG,
    GIT_COMMIT_TAG,
    GIT_DIRTY_TAG,
    KIND_TAG,
    METRIC_TAG,
    MODEL_TAG,
    PRODUCTION_TAG,
    PRODUCTION_VERSION_TAG,
    REASONS_TAG,
    REPORT_TAG,
    RUN_TAG,
    SCORING_KIND,
    SPEC_TAG,
    TARGET_TAG,
    TASK_TAG,
    THRESHOLD_TAG,
    TICKET_TAG,
    TICKET_TYPE_TAG,
    TITLE_TAG,
    TRAINING_RUN_TAG,
    VALUE_TAG,
    VERDICT_TAG,
    VERSION_TAG,
    criterion_tag,
    ticket_run_tags,
)
from agileds.tracking._version import ModelVersion

__all__ = [
    "AT_TAG",
    "CONFIG_TAG",
    "DATA_ROWS_TAG",
    "DATA_WINDOW_TAG",
    "DECISION_TAG",
    "EFFORT_TAG",
    "ERROR_TAG",
    "FAST_LOADER_MODULE",
    "GIT_COMMIT_TAG",
    "GIT_DIRTY_TAG",
    "KIND_TAG",
    "METRIC_TAG",
    "MODEL_TAG",
    "PRODUCTION_ALIAS",
    "PRODUCTION_TAG",
    "PRODUCTION_VERSION_TAG",
    "REASONS_TAG",
    "REFERENCE_ARTIFACT",
    "REPORT_TAG",
    "RUN_TAG",
    "SCORING_KIND",
    "SPEC_TAG",
    "STORE_DIR",
    "TARGET_TAG",
    "TASK_TAG",
    "THRESHOLD_TAG",
    "TICKET_ENV",
    "TICKET_TAG",
    "TICKET_TAGS_ENV",
    "TICKET_TYPE_TAG",
    "TITLE_TAG",
    "TRAINING_RUN_TAG",
    "VALUE_TAG",
    "VERDICT_TAG",
    "VERSION_TAG",
    "ModelVersion",
    "RunLogger",
    "Stores",
    "Task",
    "TicketRunContext",
    "active_ticket",
    "criterion_tag",
    "ensure_experiment",
    "get_alias_version",
    "get_client",
    "latest_ticket_version",
    "load_model",
    "load_reference",
    "load_version",
    "log_model",
    "log_reference",
    "mlflow_key",
    "reference_tags",
    "register_model",
    "resolve_model_uri",
    "resolve_stores",
    "set_alias",
    "ticket_run_tags",
    "ticket_tags",
    "ticket_type_from_id",
    "used_columns",
]
