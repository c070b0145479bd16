"""Which registered versions a go-live compares: the ticket's candidate and production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agileds.errors import UsageError

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["candidate_version"]

_MISSING = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")


def candidate_version(
    client: MlflowClient, name: str, ticket_id: str, requested: str | int | None
) -> str:
    """The version to judge: ``requested``, else the newest one ``ticket_id`` registered.

    Raises:
        UsageError: The ticket registered no version yet, or ``requested`` is not a version
            of ``name``.
    """
    from mlflow.exceptions import MlflowException

    from agileds.tracking import latest_ticket_version

    if requested is None:
        found = latest_ticket_version(client, name, ticket_id)
        if found is None:
            raise UsageError(
                f"{ticket_id} has no registered version of {name} yet; "
                f"run 'agileds run {ticket_id}' first"
            )
        return found
    version = str(requested).strip()
    try:
        return str(client.get_model_version(name, version).version)
    except MlflowException as error:
        if error.error_code not in _MISSING:
            raise
    raise UsageError(
        f"--candidate {version}: {name} has no such version; "
        "pass a version number registered by 'agileds run' (see 'agileds ui')"
    )
