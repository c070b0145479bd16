"""``backlog/sprints.yaml``: the sprints of a project, validated with file:line errors.

The file holds one list::

    sprints:
      - number: 1
        start: 2026-01-05
        end: 2026-01-16
        capacity: 20
        goal: Lead scoring v2 in production

Updating a sprint that is already listed edits only its values, keeping comments and key
order; a new sprint is appended as a block. Every write is atomic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agileds._io import YamlSyntaxError, atomic_write, dump_scalar, load_yaml, locate
from agileds.errors import ConfigError

__all__ = ["Sprint", "SprintsError", "load_sprints", "save_sprint", "sprint_weeks"]

SPRINTS_FILE = "sprints.yaml"
_KEYS = ("number", "start", "end", "capacity", "goal")
_EXPECT = {
    "number": "a sprint number >= 1",
    "start": "a date like 2026-01-05",
    "end": "a date like 2026-01-16",
    "capacity": "a positive number",
    "goal": "a string",
}


class SprintsError(ConfigError):
    """``backlog/sprints.yaml`` is invalid; the message starts with ``file:line``."""


class Sprint(BaseModel):
    """One sprint: its number, dates, capacity in points and goal."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    number: Annotated[int, Field(ge=1)]
    start: dt.date | None = None
    end: dt.date | None = None
    capacity: Annotated[float, Field(gt=0)] | None = None
    goal: str = ""

    @model_validator(mode="after")
    def _end_after_start(self) -> Sprint:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


def sprint_weeks(sprint: Sprint | None, default: int = 2) -> int:
    """Return the sprint length in whole weeks (start and end inclusive), at least 1."""
    if sprint is None or sprint.start is None or sprint.end is None:
        return default
    return max(1, round(((sprint.end - sprint.start).days + 1) / 7))


def _fail(shown: str, line: int | None, message: str) -> SprintsError:
    return SprintsError(f"{shown}:{line or 1}: {message}")


def _items(data: Any, text: str, shown: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"sprints"}:
        raise _fail(shown, 1, "expected one key 'sprints:' holding a list of sprints")
    items = data.get("sprints") or []
    if not isinstance(items, list):
        raise _fail(shown, locate(text, ("sprints",)), "sprints: must be a list of sprints")
    return items


def _error(exc: ValidationError, text: str, shown: str, index: int) -> SprintsError:
    err = exc.errors()[0]
    loc = [p for p in err["loc"] if isinstance(p, str)]
    line = locate(text, ("sprints", index, *loc[:1]))
    if not loc:
        return _fail(shown, line, err["msg"].removeprefix("Value error, "))
    name, got = loc[0], err.get("input")
    if err["type"] == "extra_forbidden":
        return _fail(shown, line, f"{name}: unknown key; known keys: {', '.join(_KEYS)}")
    if err["type"] == "missing":
        return _fail(shown, line, f"{name}: required; add '{name}: <{_EXPECT[name]}>'")
    shown_got = repr(got) if isinstance(got, str) else got
    return _fail(shown, line, f"{name}: must be {_EXPECT.get(name, 'valid')}, got {shown_got}")


def parse_sprints(text: str, shown: str = f"backlog/{SPRINTS_FILE}") -> dict[int, Sprint]:
    """Validate the text of a sprints file; return the sprints by number.

    Raises:
        SprintsError: the first problem, as ``file:line: what; the fix``.
    """
    try:
        data = load_yaml(text)
    except YamlSyntaxError as exc:
        raise _fail(shown, exc.line, f"invalid YAML: {exc.problem}") from None
    sprints: dict[int, Sprint] = {}
    for i, item in enumerate(_items(data, text, shown)):
        if not isinstance(item, dict):
            raise _fail(shown, locate(text, ("sprints", i)), "each sprint must be a mapping")
        try:
            sprint = Sprint.model_validate(item)
        except ValidationError as exc:
            raise _error(exc, text, shown, i) from None
        if sprint.number in sprints:
            line = locate(text, ("sprints", i, "number"))
            raise _fail(shown, line, f"number: sprint {sprint.number} is listed twice")
        sprints[sprint.number] = sprint
    return sprints


def load_sprints(backlog_dir: Path) -> dict[int, Sprint]:
    """Read ``<backlog_dir>/sprints.yaml`` (no file: no sprints)."""
    path = backlog_dir / SPRINTS_FILE
    if not path.is_file():
        return {}
    return parse_sprints(path.read_text(encoding="utf-8"), f"{backlog_dir.name}/{SPRINTS_FILE}")


def save_sprint(backlog_dir: Path, number: int, **values: Any) -> Sprint:
    """Record sprint ``number`` with ``values`` (None values are left as they are).

    Raises:
        SprintsError: the file, or the result, is invalid (nothing is written).
    """
    path = backlog_dir / SPRINTS_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    shown = f"{backlog_dir.name}/{SPRINTS_FILE}"
    current = parse_sprints(text, shown)
    values = {k: v for k, v in values.items() if v is not None}
    if number in current:
        index = next(i for i, n in enumerate(_numbers(text)) if n == number)
        text = _edit_item(text, index, values)
    else:
        text = _append_item(text, {"number": number, **values})
    sprint = parse_sprints(text, shown)[number]
    backlog_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)
    return sprint


def _numbers(text: str) -> list[Any]:
    data = load_yaml(text) or {}
    return [item.get("number") for item in data.get("sprints") or []]


def _item_node(text: str, index: int) -> yaml.MappingNode:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)  # parse_sprints checked the shape
    seq = next(v for k, v in root.value if k.value == "sprints")
    node = seq.value[index]
    assert isinstance(node, yaml.MappingNode)
    return node


def _edit_item(text: str, index: int, values: dict[str, Any]) -> str:
    """Set keys of sprint ``index`` in place, one at a time, so spans stay valid."""
    for key, value in values.items():
        node = _item_node(text, index)
        if node.flow_style:  # ``- {number: 1}``: re-render the item inline
            data = load_yaml(text)["sprints"][index] | values
            start, end = node.start_mark.index, node.end_mark.index
            return text[:start] + dump_scalar(data) + text[end:]
        found = next((v for k, v in node.value if k.value == key), None)
        if found is not None:
            text = (
                text[: found.start_mark.index] + dump_scalar(value) + text[found.end_mark.index :]
            )
            continue
        last = node.value[-1][1]
        indent = " " * node.value[0][0].start_mark.column
        end = last.end_mark.index - (1 if last.end_mark.column == 0 else 0)
        nl = text.find("\n", end)
        pos = len(text) if nl == -1 else nl + 1
        prefix = "" if nl != -1 else "\n"
        text = text[:pos] + f"{prefix}{indent}{key}: {dump_scalar(value)}\n" + text[pos:]
    return text


def _append_item(text: str, values: dict[str, Any]) -> str:
    """Append a sprint block at the end of the list (or start the list)."""
    data = load_yaml(text) if text.strip() else None
    items = (data or {}).get("sprints") or []
    if items:
        indent = _item_node(text, len(items) - 1).value[0][0].start_mark.column
    else:
        indent = 4
        text = _without_empty_list(text) + "sprints:\n"
    lines = [f"{k}: {dump_scalar(v)}" for k, v in values.items()]
    block = " " * (indent - 2) + "- " + f"\n{' ' * indent}".join(lines) + "\n"
    out: str = text + ("" if text.endswith("\n") or not text else "\n") + block
    return out


def _without_empty_list(text: str) -> str:
    """Drop a ``sprints:`` / ``sprints: []`` line so a block list can start fresh."""
    kept = [ln for ln in text.splitlines(keepends=True) if not ln.startswith("sprints:")]
    body = "".join(kept)
    return body if not body or body.endswith("\n") else body + "\n"
