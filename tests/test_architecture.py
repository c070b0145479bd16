"""The import graph holds the layers of docs/architecture.md.

Two rules, checked over every import in ``agileds/`` (function-local ones too):

* no package imports another package's private module (``agileds.sweeps._spec``): what
  other packages use is re-exported by the package's ``__init__``;
* no import goes up the layer order below, nor sideways between two units of one layer.
  Imports under ``if TYPE_CHECKING:`` are annotations only and may name any layer.

A new package or top-level module fails the test until it is placed in ``LAYERS``.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AGILEDS = Path(__file__).resolve().parent.parent / "agileds"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),
    ("__init__",),
    ("_scaffold",),
    ("golive",),
    ("scoring",),
    ("runners",),
    ("monitor",),
    ("reports",),
    ("backlog",),
    ("project",),
    ("tickets",),
    ("sweeps",),
    ("git",),
    ("tracking",),
    ("evaluation",),
    ("automl", "data"),
    ("_io", "_json", "errors"),
)
"""Top to bottom; a unit is a subpackage or a top-level module of ``agileds``."""


@dataclass(frozen=True)
class Import:
    """One import statement: where it is, the unit it is in, and the module it names."""

    file: Path
    line: int
    unit: str
    module: str
    names: tuple[str, ...]
    type_checking: bool


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return found


def imports(package: Path) -> Iterator[Import]:
    """Every import of an ``agileds`` module in the package at ``package``."""
    for file in sorted(package.rglob("*.py")):
        parts = file.relative_to(package).with_suffix("").parts
        unit = parts[0]
        here = ["agileds", *parts[:-1]]  # the package the file is in
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        checking = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                names = tuple(a.name for a in node.names)
                named = [module]
                if module == "agileds":  # ``from agileds import monitor, __version__``
                    named = [f"agileds.{_unit_named(package, n)}" for n in names]
            elif isinstance(node, ast.Import):
                named, names = [a.name for a in node.names], ()
            else:
                continue
            for name in named:
                if name.split(".")[0] == "agileds" and name != "agileds":
                    yield Import(file, node.lineno, unit, name, names, id(node) in checking)


def _unit_named(package: Path, name: str) -> str:
    """``name`` if it is a unit of ``package``, else ``__init__`` (a name the front door holds)."""
    is_unit = (package / name / "__init__.py").is_file() or (package / f"{name}.py").is_file()
    return name if is_unit else "__init__"


def _unit_of(module: str) -> str:
    return module.split(".")[1]


def violations(package: Path) -> list[str]:
    """The broken rules, one line each: ``file:line: what``; empty when the graph holds."""
    rank = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}
    found = []
    for imp in imports(package):
        where = f"{imp.file.relative_to(package.parent)}:{imp.line}"
        target = _unit_of(imp.module)
        parts = imp.module.split(".")
        private = [p for p in parts[2:] if p.startswith("_")]
        if target != imp.unit and (package / target).is_dir():
            private += [n for n in imp.names if n.startswith("_") and len(parts) == 2]
        if target != imp.unit and private:
            found.append(f"{where}: {imp.unit} imports {imp.module} ({private[0]} is private)")
        for unit in {imp.unit, target} - set(rank):
            found.append(f"{where}: {unit} is not in LAYERS (tests/test_architecture.py)")
        if imp.type_checking or target == imp.unit or not {imp.unit, target} <= set(rank):
            continue
        if rank[target] < rank[imp.unit]:
            found.append(f"{where}: {imp.unit} imports {imp.module}, a higher layer")
        elif rank[target] == rank[imp.unit]:
            found.append(f"{where}: {imp.unit} imports {imp.module}, the same layer")
    return found


def test_the_import_graph_holds_the_layers() -> None:
    assert violations(AGILEDS) == []


def test_every_unit_of_agileds_has_one_layer() -> None:
    units = {p.parent.name for p in AGILEDS.glob("*/__init__.py")}
    units |= {p.stem for p in AGILEDS.glob("*.py")}
    placed = [unit for layer in LAYERS for unit in layer]
    assert sorted(placed) == sorted(units)


def _planted_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "agileds"
    shutil.copytree(AGILEDS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "tracking" / "_tags.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _planted() -> None:\n    from agileds.golive import promote\n")
    with (copy / "tickets" / "_model.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom ..sweeps._spec import load_spec\n")
    (copy / "newpkg").mkdir()
    (copy / "newpkg" / "__init__.py").write_text("from agileds.errors import UsageError\n")
    return copy


def test_a_planted_violation_fails_the_check(tmp_path: Path) -> None:
    copy = _planted_copy(tmp_path)
    model = len((copy / "tickets" / "_model.py").read_text().splitlines())
    tags = len((copy / "tracking" / "_tags.py").read_text().splitlines())
    assert violations(copy) == [
        "agileds/newpkg/__init__.py:1: newpkg is not in LAYERS (tests/test_architecture.py)",
        f"agileds/tickets/_model.py:{model}: tickets imports agileds.sweeps._spec (_spec is private)",
        f"agileds/tracking/_tags.py:{tags}: tracking imports agileds.golive, a higher layer",
    ]


def test_a_private_name_imported_from_another_package_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "agileds"
    for unit in ("monitor", "sweeps"):
        (package / unit).mkdir(parents=True)
        (package / unit / "__init__.py").write_text("")
    (package / "monitor" / "_batch.py").write_text("from agileds.sweeps import _prepare\n")
    (package / "sweeps" / "_prepare.py").write_text("from agileds import monitor\n")
    assert violations(package) == [
        "agileds/monitor/_batch.py:1: monitor imports agileds.sweeps (_prepare is private)",
        "agileds/sweeps/_prepare.py:1: sweeps imports agileds.monitor, a higher layer",
    ]
