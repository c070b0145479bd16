"""File I/O shared by every package: YAML with line numbers, comment-keeping edits, the atomic writer.

YAML files are the user's: they load fast with line numbers for messages, and
edits splice new text into the exact span of the node they change, so the user's comments,
key order and formatting around it are untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

__all__ = [
    "YamlSyntaxError",
    "atomic_write",
    "dump_scalar",
    "key_lines",
    "load_yaml",
    "locate",
    "set_key",
]

if TYPE_CHECKING:  # the C loader, when built, has the same interface
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):
    """The safe loader, refusing aliases (a node built twice) and duplicate keys.

    Aliases are how a few lines expand to gigabytes (or loop forever); agileds files never
    need them. A duplicate key would otherwise silently keep the last value.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasError(node)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                first = seen.get((key.tag, key.value))
                if first is not None or key.value == "<<":
                    raise _duplicate(key, first)
                seen[key.tag, key.value] = key.start_mark.line + 1
        return super().construct_mapping(node, deep)


_Loader: Any = _StrictLoader


class _AliasError(yaml.constructor.ConstructorError):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__(
            None,
            None,
            "YAML anchors and aliases (&name, *name) are not allowed here; write the value out",
            node.start_mark,
        )


def _duplicate(key: yaml.ScalarNode, first: int | None) -> yaml.constructor.ConstructorError:
    if key.value == "<<":
        problem = "YAML merge keys ('<<') are not allowed here; write the keys out"
    else:
        problem = f"duplicate key {key.value!r} (first at line {first}); keep only one"
    return yaml.constructor.ConstructorError(None, None, problem, key.start_mark)


def _alias_line(text: str) -> int | None:
    """The 1-based line of the first alias in ``text`` (the composer only marks the anchor)."""
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return event.start_mark.line + 1
    except yaml.YAMLError:
        return None
    return None


class YamlSyntaxError(ValueError):
    """The text is not valid YAML; ``line`` is 1-based."""

    def __init__(self, line: int | None, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(problem)


def load_yaml(text: str) -> Any:
    """Parse YAML text with the safe (C when available) loader, refusing aliases and
    duplicate keys.

    Raises:
        YamlSyntaxError: with the line of the fault.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader
    except _AliasError as exc:
        raise YamlSyntaxError(_alias_line(text), str(exc.problem)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(line, f"{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, str(exc)) from None


def _top_mapping(text: str) -> yaml.MappingNode | None:
    node = yaml.compose(text, Loader=_Loader)  # compose only: no objects built
    return node if isinstance(node, yaml.MappingNode) else None


def key_lines(text: str) -> dict[str, Any]:
    """Map each top-level key to its 1-based line, and list items to theirs.

    Returns ``{"effort": 7, "acceptance": 9, "acceptance[0]": 10, ...}`` for error messages.
    """
    root = _top_mapping(text)
    lines: dict[str, Any] = {}
    if root is None:
        return lines
    for key, value in root.value:
        lines[str(key.value)] = key.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[f"{key.value}[{i}]"] = item.start_mark.line + 1
    return lines


def locate(text: str, loc: tuple[str | int, ...]) -> int | None:
    """Return the 1-based line of the node at ``loc`` (keys and list indexes), or of its
    deepest existing ancestor; None when the text is not a mapping."""
    try:
        node: yaml.Node | None = _top_mapping(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        line, node = child
    return line


def _child(node: yaml.Node | None, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None


def dump_scalar(value: Any) -> str:
    """Render one value as inline YAML (``todo``, ``3``, ``'a: b'``, ``{text: x}``)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def set_key(text: str, key: str, value: Any, *, after: str | None = None) -> str:
    """Return ``text`` with top-level ``key`` set to ``value``, everything else kept.

    An existing value is replaced in place; a missing key is added after the key ``after``
    (when present) or at the end of the mapping.
    """
    root = _top_mapping(text)
    if root is None:
        raise ValueError("not a YAML mapping")
    rendered = dump_scalar(value)
    for k, v in root.value:
        if k.value == key:
            return _splice(text, v.start_mark.index, v.end_mark.index, rendered, v)
    return _insert_key(text, root, key, rendered, after)


def replace_item(text: str, key: str, index: int, value: Any) -> str:
    """Return ``text`` with item ``index`` of the top-level list ``key`` replaced by ``value``."""
    root = _top_mapping(text)
    for k, v in root.value if root is not None else ():
        if k.value == key and isinstance(v, yaml.SequenceNode):
            item = v.value[index]
            return _splice(
                text, item.start_mark.index, item.end_mark.index, dump_scalar(value), item
            )
    raise KeyError(f"{key}[{index}]")


def _splice(text: str, start: int, end: int, new: str, node: yaml.Node) -> str:
    old = text[start:end]
    # Block scalars and nested collections end after their trailing newline: keep it.
    tail = old[len(old.rstrip("\n")) :] if isinstance(node, yaml.ScalarNode) else ""
    if not isinstance(node, yaml.ScalarNode) and old.endswith("\n"):
        tail = "\n"
    return text[:start] + new + tail + text[end:]


def _insert_key(
    text: str, root: yaml.MappingNode, key: str, rendered: str, after: str | None
) -> str:
    anchor = next((v for k, v in root.value if k.value == after), None)
    if anchor is None and root.value:
        anchor = root.value[-1][1]
    line = f"{key}: {rendered}\n"
    if anchor is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + line
    # Insert at the start of the line after the anchor value ends.
    pos = anchor.end_mark.index
    if pos > 0 and text[pos - 1] == "\n":
        return text[:pos] + line + text[pos:]
    nl = text.find("\n", pos)
    if nl == -1:
        return text + "\n" + line
    return text[: nl + 1] + line + text[nl + 1 :]


@contextmanager
def _temp_beside(path: Path) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _mode_for(path: Path) -> int:
    """The existing file's permissions, or what a new file gets under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: Path, content: str | bytes, *, exclusive: bool = False) -> Path:
    """Write ``content`` to ``path`` so that readers see the old or the new file, never half.

    The content goes to a temporary file beside ``path``, synced, then moved over it. An
    existing file keeps its permissions; a new one gets 0666 less the umask (not the
    owner-only ones of :func:`tempfile.mkstemp`). Text is written as UTF-8, unchanged.

    Args:
        path: Target file.
        content: Full new content.
        exclusive: Fail with FileExistsError instead of replacing an existing file (a hard
            link is atomic and refuses to overwrite, which makes ID allocation race-free).

    Returns:
        ``path``.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    with _temp_beside(path) as tmp:
        _write_synced(tmp, data)
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; keep the file's own mode
        if exclusive:
            os.link(tmp, path)
        else:
            os.replace(tmp, path)
    return path
