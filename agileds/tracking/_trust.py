"""Where models may be unpickled from: the project's own store, or stores the user trusts.

Loading a scikit-learn model unpickles it, which can run any code. ``agileds.yaml`` chooses
the tracking URI and the artifact location, and a repository can commit it; so a model is
loaded only from the store's own folder (a local SQLite database and its artifacts beside
it, as ``agileds init`` sets up), from the ``mlruns/`` of an agileds project on this
machine, or from a location the user named outside the repository:
``$AGILEDS_TRUSTED_STORES`` (separated by commas) or one line each in
``~/.config/agileds/trusted-stores`` (``$XDG_CONFIG_HOME`` respected). See docs/security.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from agileds.errors import ConfigError

__all__ = ["check_model_source", "trusted_stores_file"]

_SQLITE = "sqlite:///"


def trusted_stores_file() -> Path:
    """The user-level list of trusted stores (outside any repository)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "agileds" / "trusted-stores"


def _user_entries() -> list[str]:
    entries = [e.strip() for e in os.environ.get("AGILEDS_TRUSTED_STORES", "").split(",")]
    try:
        lines = trusted_stores_file().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    entries += [ln.strip() for ln in lines if not ln.startswith("#")]
    return [e for e in entries if e]


def _local_path(location: str) -> Path | None:
    """The local path of a plain path or ``file:`` URI, else None (a remote location)."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).resolve()
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return Path(location).resolve()
    return None


def _own_store(location: str, tracking_uri: str) -> bool:
    """Whether ``location`` lies in the folder of the local SQLite tracking database, or in
    the ``mlruns/`` of an agileds project on this machine (a copied project's database can
    still point at the original's artifacts)."""
    path = _local_path(location)
    if path is None:
        return False
    if tracking_uri.startswith(_SQLITE):
        store = Path(tracking_uri[len(_SQLITE) :].partition("?")[0]).resolve().parent
        if path.is_relative_to(store):
            return True
    return any(
        folder.name == "mlruns" and (folder.parent / "agileds.yaml").is_file()
        for folder in path.parents
    )


def _listed(location: str, tracking_uri: str) -> bool:
    for entry in _user_entries():
        if tracking_uri == entry or location == entry:
            return True
        mine, theirs = _local_path(location), _local_path(entry)
        if mine is not None and theirs is not None and mine.is_relative_to(theirs):
            return True
        if mine is None and location.startswith(entry.rstrip("/") + "/"):
            return True
    return False


def check_model_source(uri: str, location: str, tracking_uri: str) -> None:
    """Refuse to load the model at ``location`` unless the project's own store or the user
    trusts it.

    Args:
        uri: The model as asked for, e.g. ``models:/lead-scoring/3`` (for the message).
        location: Its resolved artifact location (a path or a URI).
        tracking_uri: The tracking URI of the client that resolved it.

    Raises:
        ConfigError: The location is outside the project's store and not trusted.
    """
    if _own_store(location, tracking_uri) or _listed(location, tracking_uri):
        return
    raise ConfigError(
        f"not loading {uri} from {location!r}: it is outside the project's own store "
        "(agileds.yaml, which a repository can commit, chose it) and loading a model runs its "
        f"code; if you trust it, add it to $AGILEDS_TRUSTED_STORES or as a line of "
        f"{trusted_stores_file()} (see docs/security.md)"
    )
