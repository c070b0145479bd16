"""Forecast from history: status changes from a synthetic git repo, seeded Monte Carlo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agileds.backlog._forecast import forecast, status_history, weekly_throughput

TICKET = "id: STORY-{n}\ntype: story\ntitle: t\nstatus: {status}\nvalue: 1\neffort: {effort}\n"


def _commit(repo, root: Path, files: dict[int, tuple[str, float]], when: str) -> None:
    for n, (status, effort) in files.items():
        path = root / "backlog" / f"STORY-{n}.yaml"
        path.write_text(TICKET.format(n=n, status=status, effort=effort), encoding="utf-8")
        repo.index.add([str(path)])
    stamp = f"{when}T12:00:00"
    repo.index.commit(f"tickets on {when}", author_date=stamp, commit_date=stamp)


@pytest.fixture
def history_repo(tmp_path: Path) -> Path:
    """Tickets done in weeks of 2026-01-05 (3 + 2 points), none the next, 5 the week after."""
    import git

    repo = git.Repo.init(tmp_path)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    (tmp_path / "backlog").mkdir()
    _commit(
        repo,
        tmp_path,
        {1: ("todo", 3), 2: ("todo", 2), 3: ("done", 8), 4: ("todo", 5)},
        "2026-01-02",
    )
    _commit(repo, tmp_path, {1: ("in_progress", 3)}, "2026-01-05")
    _commit(repo, tmp_path, {1: ("done", 3)}, "2026-01-06")
    _commit(repo, tmp_path, {2: ("done", 2)}, "2026-01-11")  # a Sunday: same week
    _commit(repo, tmp_path, {4: ("done", 5)}, "2026-01-20")
    return tmp_path


def test_status_history_and_weekly_throughput(history_repo: Path) -> None:
    changes = status_history(history_repo, history_repo / "backlog")
    assert [(c.ticket, str(c.date), c.old, c.new) for c in changes] == [
        ("STORY-1", "2026-01-02", None, "todo"),
        ("STORY-2", "2026-01-02", None, "todo"),
        ("STORY-3", "2026-01-02", None, "done"),  # created done: not throughput
        ("STORY-4", "2026-01-02", None, "todo"),
        ("STORY-1", "2026-01-05", "todo", "in_progress"),
        ("STORY-1", "2026-01-06", "in_progress", "done"),
        ("STORY-2", "2026-01-11", "todo", "done"),
        ("STORY-4", "2026-01-20", "todo", "done"),
    ]
    assert weekly_throughput(changes) == {
        dt.date(2026, 1, 5): 5.0,
        dt.date(2026, 1, 12): 0.0,
        dt.date(2026, 1, 19): 5.0,
    }


def test_no_repository_means_no_history(tmp_path: Path) -> None:
    assert status_history(tmp_path, tmp_path / "backlog") == []
    assert weekly_throughput([]) == {}


def test_forecast_is_deterministic_and_hand_checkable() -> None:
    # Two weeks drawn from {0, 10}: totals 0, 10, 20 with chances 1/4, 1/2, 1/4.
    f = forecast([0.0, 10.0], committed_points=10, weeks=2, seed=3)
    assert f.probability == pytest.approx(0.75, abs=0.02)
    assert (f.p50, f.p85) == (10.0, 0.0)
    assert forecast([0.0, 10.0], 10, 2, seed=3) == f
    steady = forecast([5.0, 5.0, 5.0], committed_points=12, weeks=2)
    assert (steady.probability, steady.p50, steady.p85) == (0.0, 10.0, 10.0)


def test_forecast_from_synthetic_history(history_repo: Path) -> None:
    samples = list(
        weekly_throughput(status_history(history_repo, history_repo / "backlog")).values()
    )
    f = forecast(samples, committed_points=5, weeks=2, seed=0)
    # Two draws from {5, 0, 5}: totals 10 (4/9), 5 (4/9), 0 (1/9); P(>= 5) = 8/9 >= 0.85.
    assert f.probability == pytest.approx(8 / 9, abs=0.02)
    assert (f.p50, f.p85) == (5.0, 5.0)


def test_forecast_refuses_empty_samples() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        forecast([], 5, 2)
