"""Helpers of the bad-input suite: a snapshot of a project's files, and the shape of a refusal."""

from __future__ import annotations

from pathlib import Path

# Derived data a command may rewrite while refusing: never a user's file.
DERIVED = frozenset({"mlruns/ticket-cache.json"})


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (but derived caches) with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and str(p.relative_to(root)) not in DERIVED
    }


def assert_refused(res: object, *needles: str, caret: bool = False) -> None:
    """Exit code 2, one ``error:`` line on stderr holding every needle, no traceback.

    ``caret``: a criterion error also shows the criterion and a caret under the fault.
    """
    code, out, err = res.code, res.out, res.err  # type: ignore[attr-defined]
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == (3 if caret else 1) and lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


BASE = "id: {id}\ntype: story\ntitle: A story\nvalue: 3\neffort: 2\n"


def story(n: int, extra: str = "") -> str:
    """A valid story ``STORY-n`` with ``extra`` YAML lines appended."""
    return BASE.format(id=f"STORY-{n}") + extra
