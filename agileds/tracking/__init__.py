"""agileds' MLflow bridge: stores, batched run logging, the ticket run context, models.

Importing this package is cheap: MLflow, scikit-learn and pandas are imported inside the
functions that need them. ``TicketRunContext`` is the ``mlflow.run_context_provider`` entry
point named in ``pyproject.toml``.
"""

from __future__ import annotations

from agileds.tracking._bridge import RunLogger
from agileds.tracking._context import (
    TICKET_ENV,
    TICKET_TAGS_ENV,
    TicketRunContext,
    active_ticket,
    ticket_tags,
    ticket_type_from_id,
)
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
from agileds.tracking._stores import Stores, ensure_experiment, get_client, resolve_stores
from agileds.tracking._version import ModelVersion

__all__ = [
    "PRODUCTION_ALIAS",
    "REFERENCE_ARTIFACT",
    "TICKET_ENV",
    "TICKET_TAGS_ENV",
    "ModelVersion",
    "RunLogger",
    "Stores",
    "Task",
    "TicketRunContext",
    "active_ticket",
    "ensure_experiment",
    "get_alias_version",
    "get_client",
    "latest_ticket_version",
    "load_model",
    "load_reference",
    "load_version",
    "log_model",
    "log_reference",
    "reference_tags",
    "register_model",
    "resolve_model_uri",
    "resolve_stores",
    "set_alias",
    "ticket_tags",
    "ticket_type_from_id",
    "used_columns",
]
