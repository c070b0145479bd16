"""One way to turn results and reports into JSON-ready data: the helper behind every ``--json``.

It imports nothing of agileds, so every package (backlog, runners, scoring, reports) may use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["fields_dict", "json_ready"]

_PLAIN = (str, int, float, bool, type(None))


def json_ready(value: Any) -> Any:
    """``value`` as plain data ``json.dumps`` takes as it is: dicts, lists, str, numbers.

    Dataclasses become dicts of their fields, tuples and lists become lists, mapping keys
    become strings; anything else (dates, enums, paths) becomes its ``str()``, the text
    ``echo_json`` printed for it before.

    Example:
        >>> import datetime as dt
        >>> json_ready({"day": dt.date(2026, 1, 2), "rows": (1, 2)})
        {'day': '2026-01-02', 'rows': [1, 2]}
    """
    if isinstance(value, _PLAIN):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_ready(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {_key(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return str(value)


def _key(key: Any) -> Any:
    """A mapping key as ``json.dumps`` writes it (str, numbers, bools and None stay)."""
    return key if isinstance(key, _PLAIN) else str(key)


def fields_dict(report: Any, **extra: Any) -> dict[str, Any]:
    """A dataclass as a JSON-ready dict of its fields, then ``extra`` (also made JSON-ready).

    Example:
        >>> from agileds.reports import RunLink  # any dataclass
        >>> fields_dict(RunLink("r1", "0", "http://ui/r1"), shown=True)
        {'run_id': 'r1', 'experiment_id': '0', 'url': 'http://ui/r1', 'shown': True}
    """
    data = {f.name: json_ready(getattr(report, f.name)) for f in dataclasses.fields(report)}
    return data | {key: json_ready(value) for key, value in extra.items()}
