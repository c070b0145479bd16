"""Promotion and rollback: move a registered model's ``production`` alias, with an audit trail.

Aliases: ``production`` is the version serving; ``previous`` is the version it replaced, the
one ``rollback`` returns to. Both moves are recorded as tags on the versions involved (who,
when, which ticket, which go-live report). MLflow moves one alias per call, so every step
is ordered so that an error halfway never leaves the model without a ``production`` alias,
and every step is undone when a later one fails (:mod:`agileds.golive._steps`). Promotes
and rollbacks of one model run one at a time (:mod:`agileds.golive._aliaslock`), and an
alias only moves to a version whose model files exist.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agileds._json import fields_dict
from agileds.errors import UsageError
from agileds.golive._aliaslock import alias_lock
from agileds.golive._steps import Undo, all_or_nothing, check_artifacts
from agileds.golive._tags import AT_TAG, DECISION_TAG, PRODUCTION_TAG, REASONS_TAG, REPORT_TAG
from agileds.tracking import GIT_DIRTY_TAG, STORE_DIR, get_alias_version, get_client, resolve_stores

if TYPE_CHECKING:
    from pathlib import Path

    from mlflow import MlflowClient

    from agileds.project import Project

__all__ = ["PREVIOUS", "PRODUCTION", "Promotion", "Rollback", "promote", "rollback"]

PRODUCTION = "production"
"""The alias of the version in production."""
PREVIOUS = "previous"
"""The alias of the version the last promotion replaced: where a rollback goes."""
ROLLED_BACK_TAG = "agileds.rolled_back_at"
"""When a version was rolled back; promoting it again needs a later go-live decision."""


@dataclass(frozen=True)
class Promotion:
    """What ``promote`` did.

    Attributes:
        model: Registered model name.
        ticket: The ticket whose candidate went live (now ``done``).
        version: The new production version.
        replaced: The version that was in production before (now ``previous``), or None on
            the first deployment.
        decision: The go-live decision of ``version``: ``GO`` or ``NO-GO``.
        forced_reason: Why a NO-GO was overridden; None unless forced.
        dirty: Whether ``version`` was trained from a git tree with uncommitted changes.
        report: The go-live report, relative to the project root.
        by: Who promoted.
        at: When, ISO 8601 in UTC.
    """

    model: str
    ticket: str
    version: str
    replaced: str | None
    decision: str
    forced_reason: str | None
    dirty: bool
    report: str | None
    by: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        """What ``agileds promote --json`` prints: every field."""
        return fields_dict(self)


@dataclass(frozen=True)
class Rollback:
    """What ``rollback`` did.

    Attributes:
        model: Registered model name.
        version: The version back in production (it was ``previous``).
        rolled_back: The version taken out of production.
        reason: Why, as given.
        by: Who rolled back.
        at: When, ISO 8601 in UTC.
    """

    model: str
    version: str
    rolled_back: str
    reason: str | None
    by: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        """What ``agileds rollback --json`` prints: every field."""
        return fields_dict(self)


def promote(
    project: Project,
    ticket_id: str,
    *,
    candidate: str | int | None = None,
    force_reason: str | None = None,
    allow_dirty: bool = False,
    user: str | None = None,
) -> Promotion:
    """Move ``production`` to the ticket's candidate after its go-live decision.

    The candidate is ``candidate``, else the newest version the ticket registered. It must
    carry a go-live decision (``agileds golive``) made against the version still in
    production, the decision must be GO unless ``force_reason`` says why not, and it must
    come from a clean git tree unless ``allow_dirty``; a version once rolled back needs a
    decision made after its rollback. Then ``previous`` moves to the
    version in production (none on a first deployment: ``previous`` is removed),
    ``production`` moves to the candidate, both versions are tagged, and the ticket is
    moved to ``done``.

    Args:
        project: The project (its settings name the model unless the ticket does).
        ticket_id: The ticket whose candidate goes live.
        candidate: A version number to promote instead of the ticket's newest.
        force_reason: Promote despite a NO-GO, recording this reason on the version.
        allow_dirty: Promote a version trained from uncommitted code.
        user: Who promotes (default: the login name).

    Returns:
        The promotion: versions, decision and audit facts.

    Raises:
        UsageError: No go-live decision, a stale one, a NO-GO without ``force_reason``, a
            dirty candidate without ``allow_dirty``, a candidate already in production, or
            one whose model files are missing.
        TicketNotFoundError: No such ticket.
        AliasLockedError: Another promote or rollback of the model kept its lock a minute.
        DiskFullError: The disk filled up; the message says the change was undone (or
            where the aliases stand if even that failed).
        ChangeFailedError: Another store error halfway, likewise undone.

    Example:
        >>> promotion = agileds.promote(agileds.find_project(), "STORY-1")  # doctest: +SKIP
        >>> promotion.version  # doctest: +SKIP
    """
    from agileds.golive._versions import candidate_version

    ticket = project.backlog().get(ticket_id)
    model = ticket.model or project.settings.model
    client = _client(project)
    with alias_lock(client, model, _lock_folder(project)):
        version = candidate_version(client, model, ticket.id, candidate)
        tags = dict(client.get_model_version(model, version).tags)
        current = _alias(client, model, PRODUCTION)
        _check_candidate(model, version, ticket.id, tags, current, force_reason, allow_dirty)
        check_artifacts(client, model, version, "promote")
        by, at = _user(user), _now()
        done = Promotion(
            model=model,
            ticket=ticket.id,
            version=version,
            replaced=current,
            decision=tags[DECISION_TAG],
            forced_reason=force_reason if tags[DECISION_TAG] != "GO" else None,
            dirty=_is_dirty(tags),
            report=tags.get(REPORT_TAG) or None,
            by=by,
            at=at,
        )
        with all_or_nothing(client, model, f"promote {model} v{version}") as undo:
            _move_to(version, current, undo)
            _tag_promotion(done, undo)
            project.backlog().move(ticket.id, "done")
    return done


def rollback(
    project: Project, model: str, *, reason: str | None = None, user: str | None = None
) -> Rollback:
    """Move ``production`` of ``model`` back to its ``previous`` version.

    ``previous`` is removed afterwards, so a second rollback is refused instead of putting
    the version just rolled away from back into production; promote again (after a fresh
    ``agileds golive``) to go forward. Promoting a candidate, rolling back and promoting
    it again (after a fresh go-live) ends with the aliases the first promotion set.

    Args:
        project: The project holding the registry.
        model: Registered model name.
        reason: Why, recorded on the version rolled back.
        user: Who rolls back (default: the login name).

    Raises:
        UsageError: No production version, no ``previous`` one to return to, or its model
            files are missing.
        AliasLockedError, DiskFullError, ChangeFailedError: As for :func:`promote`.

    Example:
        >>> project = agileds.find_project()  # doctest: +SKIP
        >>> agileds.rollback(project, "lead-scoring", reason="p95 latency doubled")  # doctest: +SKIP
    """
    client = _client(project)
    with alias_lock(client, model, _lock_folder(project)):
        current = _alias(client, model, PRODUCTION)
        if current is None:
            raise UsageError(f"{model} has no production version; nothing to roll back")
        previous = _alias(client, model, PREVIOUS)
        if previous is None or previous == current:
            raise UsageError(
                f"{model} has no 'previous' version to roll back to (production is "
                f"v{current}); set one in the MLflow UI (agileds ui) or promote another "
                "candidate"
            )
        check_artifacts(client, model, previous, "rollback")
        done = Rollback(model, previous, current, reason, _user(user), _now())
        with all_or_nothing(client, model, f"rollback of {model} to v{previous}") as undo:
            undo.set_alias(PRODUCTION, previous)
            undo.delete_alias(PREVIOUS)
            rolled_back = {
                ROLLED_BACK_TAG: done.at,
                "agileds.rolled_back_by": done.by,
                "agileds.rolled_back_reason": reason or "",
                "agileds.rolled_back_to": previous,
            }
            undo.set_tags(current, rolled_back)
            restored = {
                "agileds.restored_at": done.at,
                "agileds.restored_by": done.by,
                "agileds.restored_from": current,
            }
            undo.set_tags(previous, restored)
    return done


def _check_candidate(
    model: str,
    version: str,
    ticket: str,
    tags: dict[str, str],
    current: str | None,
    force_reason: str | None,
    allow_dirty: bool,
) -> None:
    """Refuse a candidate that may not go live, with the fix in the message."""
    name = f"{model} v{version}"
    decision = tags.get(DECISION_TAG)
    if not decision:
        raise UsageError(f"{name} has no go-live decision; run 'agileds golive {ticket}' first")
    if current == version:
        raise UsageError(f"{name} is already in production; nothing to promote")
    compared = tags.get(PRODUCTION_TAG) or None
    if compared != current:
        raise UsageError(
            f"the go-live decision on {name} was made against production {_shown(compared)}, "
            f"but production is now {_shown(current)}; rerun 'agileds golive {ticket}'"
        )
    rolled_back = tags.get(ROLLED_BACK_TAG)
    if rolled_back and not _not_before(tags.get(AT_TAG), rolled_back):
        why = tags.get("agileds.rolled_back_reason") or "no reason given"
        raise UsageError(
            f"{name} was rolled back at {rolled_back} ({why}) after its go-live decision; "
            f"rerun 'agileds golive {ticket}' for a fresh one"
        )
    if force_reason is not None and not force_reason.strip():
        raise UsageError(
            "--force needs a reason, e.g. --force 'hotfix for INC-12, approved by CTO'"
        )
    if decision != "GO" and force_reason is None:
        raise UsageError(
            f"{name} has a {decision} go-live decision; what blocks it:\n{_reasons(tags)}\n"
            f"fix it and rerun 'agileds golive {ticket}', or override with --force REASON"
        )
    if _is_dirty(tags) and not allow_dirty:
        raise UsageError(
            f"{name} was trained from a git tree with uncommitted changes; commit them and "
            f"rerun 'agileds run {ticket}', or promote anyway with --allow-dirty"
        )


def _move_to(version: str, current: str | None, undo: Undo) -> None:
    """Point ``previous`` at ``current`` (or remove it), then ``production`` at ``version``.

    ``previous`` moves first, and ``production`` is never removed, only moved; ``undo``
    puts both back if a later step fails.
    """
    if current is None:
        undo.delete_alias(PREVIOUS)  # a first deployment has nothing to return to
    else:
        undo.set_alias(PREVIOUS, current)
    undo.set_alias(PRODUCTION, version)


def _tag_promotion(done: Promotion, undo: Undo) -> None:
    """Record the promotion on the new production version and on the one it replaced."""
    tags = {
        "agileds.promoted_at": done.at,
        "agileds.promoted_by": done.by,
        "agileds.promoted_by_ticket": done.ticket,
        "agileds.promotion.report": done.report or "",
        "agileds.promotion.from": done.replaced or "",
        "agileds.promotion.decision": done.decision,
    }
    if done.forced_reason is not None:
        tags["agileds.promotion.forced_reason"] = done.forced_reason
    if done.dirty:
        tags["agileds.promotion.allow_dirty"] = "true"
    undo.set_tags(done.version, tags)
    if done.replaced is not None:
        replaced = {
            "agileds.replaced_by": done.version,
            "agileds.replaced_at": done.at,
            "agileds.replaced_by_user": done.by,
            "agileds.replaced_by_ticket": done.ticket,
            "agileds.replacement.report": done.report or "",
        }
        undo.set_tags(done.replaced, replaced)


def _lock_folder(project: Project) -> Path | None:
    """The folder of the local alias lock: the project's, when the registry is its SQLite."""

    settings = project.settings
    uri = settings.tracking_uri or ""
    return project.root / STORE_DIR / "locks" if not uri or uri.startswith("sqlite:") else None


def _client(project: Project) -> MlflowClient:

    settings = project.settings
    stores = resolve_stores(project.root, settings.tracking_uri, settings.artifact_location)
    return get_client(stores.tracking_uri)


def _alias(client: MlflowClient, model: str, alias: str) -> str | None:

    return get_alias_version(client, model, alias)


def _is_dirty(tags: dict[str, str]) -> bool:
    return tags.get(GIT_DIRTY_TAG, "").lower() == "true"


def _shown(version: str | None) -> str:
    return f"v{version}" if version else "none"


_NOT_BLOCKING = re.compile(
    r"^(criterion \d+ (passed|signed off|not signed off \(not required\)|not applicable)"
    r"|guardrail .*?( passed:|: off \(|: not applicable))"
)
"""The texts :mod:`agileds.golive._gate` gives passing and not-applicable reasons."""


def _reasons(tags: dict[str, str]) -> str:
    """The reasons that block, one ``  - `` line each, from the JSON list the go-live
    recorded: passes and not-applicable ones are left out (all shown if none is left)."""
    raw = tags.get(REASONS_TAG) or "[]"
    try:
        reasons: Any = json.loads(raw)
    except json.JSONDecodeError:
        reasons = [raw]
    if not isinstance(reasons, list) or not reasons:
        reasons = ["no reasons recorded"]
    texts = [str(reason) for reason in reasons]
    blocking = [text for text in texts if not _NOT_BLOCKING.search(text)] or texts
    return "\n".join(f"  - {text}" for text in blocking)


def _user(user: str | None) -> str:
    """``user``, else the login name (``unknown`` where the system cannot tell)."""
    if user:
        return user
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"


def _not_before(first: str | None, second: str) -> bool:
    """Whether ISO time ``first`` is at or after ``second`` (False when unreadable).

    Times have whole seconds; a go-live takes longer than one, so a decision stamped with
    the second of the rollback came after it.
    """
    if not first:
        return False
    try:
        return _parse(first) >= _parse(second)
    except ValueError:
        return False


def _parse(moment: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(moment)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
