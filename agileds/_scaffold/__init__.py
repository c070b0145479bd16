"""Scaffolding a project: ``agileds init [--demo]`` writes these files, never overwriting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from agileds.project import CONFIG_NAME

__all__ = ["InitResult", "init_project"]

FOLDERS = ("backlog", "experiments", "mlruns", "docs/reports")
MLRUNS_GITIGNORE = "# Embedded MLflow and Optuna stores: not for git.\n*\n!.gitignore\n"
DEMO_MODEL = "lead-scoring"


@dataclass
class InitResult:
    """What ``init_project`` created and what it found already there (and kept)."""

    root: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _files(kind: str) -> dict[str, str]:
    base = resources.files("agileds._scaffold").joinpath("files", kind)
    out: dict[str, str] = {}
    stack = [(base, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            rel = f"{prefix}{entry.name}"
            if entry.is_dir():
                stack.append((entry, rel + "/"))
            else:
                out[rel] = entry.read_text(encoding="utf-8")
    return out


def init_project(root: Path, *, demo: bool = False, model: str | None = None) -> InitResult:
    """Scaffold a project in ``root``; existing files are kept, never overwritten.

    Args:
        root: The project folder (created when missing).
        demo: Also write the demo tickets, the lead-scoring experiment and its data.
        model: Registered model name for ``agileds.yaml``. Default: the demo's ``lead-scoring``
            with ``demo``, else the folder's name as a slug (``My Churn`` gives ``my-churn``).

    Example:
        >>> result = agileds.init_project(Path("my-project"), demo=True)  # doctest: +SKIP
        >>> result.root  # doctest: +SKIP
    """
    from agileds._io import atomic_write

    root = root.resolve()
    result = InitResult(root)
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    files = {
        f"{CONFIG_NAME}": _files("base")[CONFIG_NAME].format(
            name=root.name, model=model or (DEMO_MODEL if demo else model_slug(root.name))
        ),
        "mlruns/.gitignore": MLRUNS_GITIGNORE,
    }
    if demo:
        files.update(_files("demo"))
    for rel, text in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            atomic_write(path, text, exclusive=True)
            result.created.append(path)
        except FileExistsError:
            result.kept.append(path)
    if demo:
        _write_demo_data(root / "experiments" / "data", result)
    return result


def model_slug(folder_name: str) -> str:
    """A registered model name from a folder name: lower case, runs of other characters as ``-``.

    >>> model_slug("My Churn_Model (v2)")
    'my-churn-model-v2'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", folder_name.lower()).strip("-")
    return slug or "model"


def _write_demo_data(folder: Path, result: InitResult) -> None:
    from agileds.data import write_demo_data

    if (folder / "leads.csv").is_file():
        result.kept.append(folder / "leads.csv")
        return
    result.created.extend(write_demo_data(folder).values())
