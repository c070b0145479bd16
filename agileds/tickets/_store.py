"""The ticket store: every ``backlog/*.yaml`` file, validated, with atomic comment-keeping edits."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from agileds._io import (
    YamlSyntaxError,
    atomic_write,
    key_lines,
    load_yaml,
    replace_item,
    set_key,
)
from agileds.errors import (
    BacklogInvalidError,
    CriterionError,
    TicketError,
    TicketNotFoundError,
    UsageError,
)
from agileds.tickets._cache import TicketCache, default_cache_file, identity, paused_gc
from agileds.tickets._criteria import is_plain_words, parse_criterion
from agileds.tickets._model import (
    EXPECTATIONS,
    FIELD_ORDER,
    PREFIXES,
    AcceptanceItem,
    Status,
    Ticket,
    TicketType,
    type_of_id,
)

__all__ = ["Backlog", "LoadResult", "check_ticket_id", "criterion_errors", "parse_ticket"]

NON_TICKET_FILES = frozenset({"sprints.yaml"})
_NUMBER = re.compile(r"-(\d+)$")
_ID_LINE = re.compile(r"^id:\s*['\"]?([A-Za-z]+)-([0-9]+)", re.MULTILINE)


def check_ticket_id(ticket_id: str) -> str:
    """Return ``ticket_id`` upper-cased when it follows the ID grammar (``STORY-12``).

    An ID becomes a file name, so nothing else (``../x``, ``a/b``) may reach a path.

    Raises:
        UsageError: not a ticket ID.
    """
    upper = ticket_id.strip().upper()
    if type_of_id(upper) is None:
        raise UsageError(
            f"not a ticket ID: {ticket_id!r}; IDs look like STORY-12 (INV-n, STORY-n, SPIKE-n or BUG-n)"
        )
    return upper


def name_mismatch(path: Path, ticket: Ticket) -> str | None:
    """The problem when a file named like a ticket ID holds another ID, else None."""
    name = path.name
    stem = name.rpartition(".")[0].upper()
    if stem == ticket.id or type_of_id(stem) is None:  # the usual case first: it is cheap
        return None
    return (
        f"id: {ticket.id!r} does not match the file name {name}; "
        f"rename the file to {ticket.id}.yaml or set 'id: {stem}'"
    )


@dataclass
class LoadResult:
    """Every valid ticket of a backlog, and one error per invalid file (or criterion)."""

    tickets: list[Ticket] = field(default_factory=list)
    errors: list[TicketError] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)


def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _error_line(err: Any, lines: dict[str, int]) -> tuple[str, int | None]:
    loc = [p for p in err["loc"] if isinstance(p, str | int)]
    name = str(loc[0]) if loc else ""
    where = f"{name}[{loc[1]}]" if len(loc) > 1 and isinstance(loc[1], int) else name
    if not name:  # a whole-model rule: the ID prefix against the type
        return where, lines.get("id")
    return where, lines.get(where, lines.get(name, 1))


def _message(err: Any, where: str) -> str:
    name = where.split("[", 1)[0]
    kind = err["type"]
    if kind == "missing":
        return (
            f"{name}: required field is missing; add '{name}: <{EXPECTATIONS.get(name, 'value')}>'"
        )
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, FIELD_ORDER, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(FIELD_ORDER)}"
        return f"{name}: unknown key; {hint}"
    if not where:  # a whole-model rule, e.g. the ID prefix
        return f"id: {err['msg'].removeprefix('Value error, ')}"
    if name == "acceptance" and where != name:
        return f"{where}: must be a criterion string or {{text: ..., manual: true}}, got {_describe(err['input'])}"
    return f"{where}: must be {EXPECTATIONS.get(name, 'valid')}, got {_describe(err['input'])}"


def _first_errors(exc: ValidationError) -> list[Any]:
    """One pydantic error per field: a union reports each branch, keep the first."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for err in exc.errors():
        key = tuple(err["loc"][:2])
        if key not in seen:
            seen.add(key)
            out.append(err)
    return out


def criterion_errors(
    ticket: Ticket,
    shown: str,
    lines: dict[str, int] | None,
    *,
    known_good: set[str] | None = None,
) -> list[TicketError]:
    """Parse every non-manual criterion of a ticket; one TicketError per bad criterion.

    Args:
        known_good: Criterion texts already parsed without error (skipped); each text that
            parses is added. Share one set across the files of one load: backlogs repeat
            their criteria.
    """
    errors = []
    for i, item in enumerate(ticket.criteria()):
        if item.manual or (known_good is not None and item.text in known_good):
            continue
        if is_plain_words(item.text):
            continue
        try:
            parse_criterion(item.text)
        except CriterionError as exc:
            line = lines.get(f"acceptance[{i}]") if lines is not None else None
            errors.append(
                TicketError(shown, line, f"acceptance[{i}]: {exc.message}\n    {_caret(exc)}")
            )
        else:
            if known_good is not None:
                known_good.add(item.text)
    return errors


def _caret(exc: CriterionError) -> str:
    return exc.caret().replace("\n", "\n    ")


def parse_ticket(
    text: str, shown: str, *, check_criteria: bool = True, known_good: set[str] | None = None
) -> Ticket:
    """Validate the text of one ticket file.

    Args:
        text: The YAML text.
        shown: The file name used in messages, e.g. ``backlog/STORY-3.yaml``.
        check_criteria: Also parse the acceptance criteria (listing can skip it).
        known_good: Criterion texts known to parse, skipped (see :func:`criterion_errors`).

    Raises:
        BacklogInvalidError: every problem of the file, each with its line.
    """
    try:
        data = load_yaml(text)
    except YamlSyntaxError as exc:
        raise BacklogInvalidError(
            [TicketError(shown, exc.line, f"invalid YAML: {exc.problem}")]
        ) from None
    if data is None:
        raise BacklogInvalidError(
            [
                TicketError(
                    shown,
                    None,
                    "empty file; a ticket needs at least id, type, title, value and effort (see 'agileds ticket new --help')",
                )
            ]
        )
    if not isinstance(data, dict):
        raise BacklogInvalidError(
            [
                TicketError(
                    shown, 1, f"a ticket must be a mapping of fields, got {type(data).__name__}"
                )
            ]
        )
    try:
        ticket = Ticket.model_validate(data)
    except ValidationError as exc:
        lines = key_lines(text)
        errors = [
            TicketError(shown, line, _message(err, where))
            for err in _first_errors(exc)
            for where, line in [_error_line(err, lines)]
        ]
        raise BacklogInvalidError(errors) from None
    bad = (
        criterion_errors(ticket, shown, None, known_good=known_good)
        if check_criteria and ticket.acceptance
        else []
    )
    if bad:  # rare: only now pay for the line numbers
        raise BacklogInvalidError(criterion_errors(ticket, shown, key_lines(text)))
    return ticket


class Backlog:
    """The tickets of one project, stored as ``<directory>/<ID>.yaml``.

    Args:
        directory: The backlog folder.
        display_root: Paths in messages are shown relative to this folder.
        cache_file: Where valid tickets of unchanged files are cached (default
            ``mlruns/ticket-cache.json`` beside the backlog; None: no cache).
    """

    def __init__(
        self,
        directory: Path,
        display_root: Path | None = None,
        *,
        cache_file: Path | Literal["default"] | None = "default",
    ) -> None:
        self.directory = directory
        self.display_root = display_root if display_root is not None else directory.parent
        self.cache_file = default_cache_file(directory) if cache_file == "default" else cache_file

    # -- reading -----------------------------------------------------------------------
    def files(self) -> list[Path]:
        """Return the ticket files, sorted by name."""
        return [self.directory / name for name, _ in self._listing()]

    def _listing(self) -> list[tuple[str, str]]:
        """``(name, path)`` of each ticket file, sorted by name; strings, since a backlog of
        thousands of files pays for every ``Path`` made."""
        if not self.directory.is_dir():
            return []
        with os.scandir(self.directory) as entries:
            found = [
                (e.name, e.path)
                for e in entries
                if e.name.endswith((".yaml", ".yml"))
                and e.name not in NON_TICKET_FILES
                and not e.name.startswith(".")
            ]
        return sorted(found)

    def shown(self, path: Path) -> str:
        """Return ``path`` as shown to the user (relative to the project)."""
        try:
            return str(path.relative_to(self.display_root))
        except ValueError:
            return str(path)

    def load(self, *, check_criteria: bool = True) -> LoadResult:
        """Load every ticket; invalid files are collected as errors, never hide the others.

        Args:
            check_criteria: Also parse every acceptance criterion (``validate`` does;
                listing skips it for speed).
        """
        with paused_gc():
            return self._load(check_criteria)

    def _load(self, check_criteria: bool) -> LoadResult:
        result = LoadResult()
        cache = TicketCache(self.cache_file)
        listing = self._listing()
        checked: set[str] = set()  # criteria texts that parsed, shared by every file
        folder = self.shown(self.directory)  # as self.shown(path), without a Path per file
        for name, full in listing:
            try:
                file_id = identity(full)
            except OSError:  # gone since the listing, or unreadable: reported below
                file_id = []
            path = self.directory / name
            cached = cache.get(name, file_id, need_criteria=check_criteria)
            if cached is not None:
                self._add(result, cached, path)
                continue
            shown = name if folder == "." else os.path.join(folder, name)
            try:
                text = path.read_text(encoding="utf-8")
                ticket = parse_ticket(
                    text, shown, check_criteria=check_criteria, known_good=checked
                )
            except BacklogInvalidError as exc:
                result.errors.extend(exc.errors)
                continue
            except UnicodeDecodeError:
                result.errors.append(
                    TicketError(shown, None, "not UTF-8 text; save the file as UTF-8")
                )
                continue
            except OSError as exc:
                result.errors.append(TicketError(shown, None, _unreadable(path, exc)))
                continue
            cache.put(name, file_id, ticket, criteria_ok=check_criteria)
            self._add(result, ticket, path)
        cache.forget_missing({name for name, _ in listing})
        cache.save()
        return result

    def _add(self, result: LoadResult, ticket: Ticket, path: Path) -> None:
        first = result.paths.get(ticket.id)
        msg: str | None
        if first is not None:
            msg = f"id: duplicate ID {ticket.id!r}, also in {self.shown(first)}; give one of them a new ID"
        else:
            msg = name_mismatch(path, ticket)
        if msg is not None:
            line = key_lines(path.read_text(encoding="utf-8")).get("id")
            result.errors.append(TicketError(self.shown(path), line, msg))
            return
        result.tickets.append(ticket)
        result.paths[ticket.id] = path

    def link_errors(self, result: LoadResult, *, open_only: bool = False) -> list[TicketError]:
        """Dependencies and parents naming no ticket, and dependency cycles, in ``result``
        (see :func:`agileds.tickets._links.link_errors`)."""
        from agileds.tickets._links import link_errors

        shown = {i: self.shown(p) for i, p in result.paths.items()}
        return link_errors(result.tickets, result.paths, shown, open_only=open_only)

    def tickets(self) -> list[Ticket]:
        """Return every ticket; raise BacklogInvalidError when any file is invalid."""
        result = self.load()
        if result.errors:
            raise BacklogInvalidError(result.errors)
        return result.tickets

    def path_of(self, ticket_id: str) -> Path:
        """Return the file of a ticket (``<ID>.yaml`` first, else a scan of every file).

        Raises:
            UsageError: ``ticket_id`` is not a ticket ID (it never reaches a path).
            TicketNotFoundError: no file holds that ID.
        """
        ticket_id = check_ticket_id(ticket_id)
        direct = self.directory / f"{ticket_id}.yaml"
        if direct.is_file():
            return direct
        for path in self.files():
            try:
                data = load_yaml(path.read_text(encoding="utf-8"))
            except (YamlSyntaxError, UnicodeDecodeError, OSError):
                continue
            if isinstance(data, dict) and str(data.get("id", "")).upper() == ticket_id:
                return path
        known = [p.stem for p in self.files()]
        close = difflib.get_close_matches(ticket_id, known, n=1)
        hint = f"did you mean {close[0]}?" if close else "see 'agileds ticket list'"
        raise TicketNotFoundError(f"no ticket {ticket_id} in {self.shown(self.directory)}; {hint}")

    def get(self, ticket_id: str) -> Ticket:
        """Return one ticket, validated."""
        path = self.path_of(ticket_id)
        return self._parse_file(path, path.read_text(encoding="utf-8"))

    def _parse_file(self, path: Path, text: str) -> Ticket:
        """Validate one file's text, its ID against the file name included."""
        shown = self.shown(path)
        ticket = parse_ticket(text, shown)
        mismatch = name_mismatch(path, ticket)
        if mismatch is not None:
            raise BacklogInvalidError([TicketError(shown, key_lines(text).get("id"), mismatch)])
        return ticket

    # -- writing -----------------------------------------------------------------------
    def next_number(self, ticket_type: TicketType) -> int:
        """Return one more than the highest number used by tickets of ``ticket_type``, in
        file names or in ``id:`` lines (they can disagree while a file is being fixed)."""
        prefix = PREFIXES[ticket_type]
        numbers = [0]
        for path in self.files():
            if path.stem.upper().startswith(prefix + "-"):
                match = _NUMBER.search(path.stem)
                if match:
                    numbers.append(int(match.group(1)))
            numbers.extend(_id_numbers(path, prefix))
        return max(numbers) + 1

    def create(self, ticket_type: TicketType | str, title: str, **fields: Any) -> Ticket:
        """Create a ticket file with a fresh ID, safely when several processes create at once.

        Args:
            ticket_type: investigation, story, spike or bug.
            title: One line.
            **fields: Any other ticket field (value, effort, acceptance, ...).

        Raises:
            BacklogInvalidError: the fields do not make a valid ticket (nothing is written).
        """
        ticket_type = _coerce_type(ticket_type)
        fields.setdefault("created", dt.date.today())
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(1000):
            ticket_id = f"{PREFIXES[ticket_type]}-{self.next_number(ticket_type)}"
            text = render_ticket(
                {"id": ticket_id, "type": ticket_type.value, "title": title, **fields}
            )
            path = self.directory / f"{ticket_id}.yaml"
            ticket = parse_ticket(text, self.shown(path))
            try:
                atomic_write(path, text, exclusive=True)
            except FileExistsError:
                continue  # another process took this number first
            return ticket
        raise UsageError(
            f"could not allocate a new {ticket_type.value} ID in {self.shown(self.directory)}"
        )

    def update(self, ticket_id: str, **values: Any) -> Ticket:
        """Set top-level fields of a ticket, keeping comments and key order; atomic."""
        path = self.path_of(ticket_id)
        text = path.read_text(encoding="utf-8")
        for key, value in values.items():
            text = set_key(text, key, _plain(value), after=_previous_field(key, text))
        ticket = self._parse_file(path, text)
        atomic_write(path, text)
        return ticket

    def move(self, ticket_id: str, status: Status | str) -> Ticket:
        """Set a ticket's status."""
        return self.update(ticket_id, status=_coerce_status(status))

    def accept(self, ticket_id: str, number: int, who: str) -> Ticket:
        """Sign off manual criterion ``number`` (1-based) of a ticket."""
        path = self.path_of(ticket_id)
        text = path.read_text(encoding="utf-8")
        ticket = self._parse_file(path, text)
        items = ticket.criteria()
        if not 1 <= number <= len(items):
            raise UsageError(
                f"{ticket.id} has {len(items)} criteria; pick N from 1 to {len(items)}"
            )
        item = items[number - 1]
        if not (item.manual or is_plain_words(item.text)) or _is_measured(item.text):
            raise UsageError(
                f"criterion {number} of {ticket.id} is measured, not manual: '{item.text}'; 'agileds run {ticket.id}' decides it"
            )
        signed = AcceptanceItem(
            text=item.text, manual=True, accepted_by=who, accepted_at=dt.date.today()
        )
        text = replace_item(
            text, "acceptance", number - 1, _plain(signed.model_dump(exclude_none=True))
        )
        ticket = parse_ticket(text, self.shown(path))
        atomic_write(path, text)
        return ticket


def _is_measured(text: str) -> bool:
    """Whether ``text`` reads as a measured criterion (even where marked ``manual: true``)."""
    try:
        parse_criterion(text)
    except CriterionError:
        return False
    return True


def _id_numbers(path: Path, prefix: str) -> list[int]:
    """The numbers of ``prefix`` IDs on a file's ``id:`` lines (no YAML parse: the file
    may be invalid, its ID still taken)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [int(n) for p, n in _ID_LINE.findall(text) if p.upper() == prefix]


def _unreadable(path: Path, exc: OSError) -> str:
    if path.is_dir():
        return "a folder named like a ticket file; rename or move it out of backlog/"
    return f"cannot read the file ({exc.strerror or exc}); check its permissions"


def _coerce_type(value: TicketType | str) -> TicketType:
    try:
        return TicketType(value)
    except ValueError:
        raise UsageError(
            f"unknown ticket type {value!r}; use one of {', '.join(t.value for t in TicketType)}"
        ) from None


def _coerce_status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise UsageError(
            f"unknown status {value!r}; use one of {', '.join(s.value for s in Status)}"
        ) from None


def _plain(value: Any) -> Any:
    """Turn enums and dates into plain YAML values."""
    if isinstance(value, Status | TicketType):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _previous_field(key: str, text: str) -> str | None:
    """The field just before ``key`` in the canonical order, to place a new key sensibly."""
    if key not in FIELD_ORDER:
        return None
    present = set(key_lines(text))
    earlier = [f for f in FIELD_ORDER[: FIELD_ORDER.index(key)] if f in present]
    return earlier[-1] if earlier else None


def render_ticket(fields: dict[str, Any]) -> str:
    """Render a new ticket file in the canonical key order."""
    import yaml

    ordered = {k: _plain(fields[k]) for k in FIELD_ORDER if fields.get(k) not in (None, [], {}, "")}
    extra = {k: v for k, v in fields.items() if k not in FIELD_ORDER}
    ordered.update(extra)  # unknown keys are left in so validation names them
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
