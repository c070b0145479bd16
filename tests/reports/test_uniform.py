"""Every report is a frozen dataclass whose ``to_dict()`` is plain JSON data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

import agileds.reports as reports
from agileds._json import fields_dict, json_ready
from agileds.backlog._forecast import Forecast
from agileds.golive import ChangeList, Guardrails, Reason, SegmentResult
from agileds.reports import (
    BatchRow,
    BurndownDay,
    CriterionRow,
    GoLiveReport,
    InvestigationData,
    InvestigationMeasurements,
    InvestigationSubject,
    MetricRow,
    MonitorDashboard,
    Provenance,
    RunLink,
    RunReport,
    SprintCommit,
    SprintReport,
    SprintTicket,
    build_investigation_report,
    build_monitor_dashboard,
)
from agileds.reports._investigation import DriftRow

REPORTS = (RunReport, reports.InvestigationReport, SprintReport, GoLiveReport, MonitorDashboard)
DAY = dt.date(2026, 1, 5)
AT = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
CRITERION = CriterionRow(1, "auroc >= 0.8", "pass", {"auroc": 0.85}, False)


def _run() -> RunReport:
    return RunReport(
        "STORY-1", "Lead model", "story", "pass", "auroc", "maximize", [CRITERION],
        {"auroc": 0.85}, {}, {}, {}, {"trials_completed": 4.0}, {"C": 1.0},
        [], [(0, 0.8, "complete")], {}, "m", "1", None, "abc1234", "2026-01-05T09:30:00+00:00",
    )  # fmt: skip


def _investigation() -> Any:
    return build_investigation_report(
        InvestigationSubject("INV-1", "Drop", "m", "2", "binary", "auroc", "maximize"),
        InvestigationData("b.csv", 100, True, 400),
        InvestigationMeasurements(
            evaluation={"auroc": 0.86},
            current={"auroc": 0.79},
            metric_drop=0.07,
            drift=[DriftRow("x", "numeric", 0.6, "major")],
            worst=[{"row": 3, "y": 1}],
        ),
        Provenance(AT, git_commit="abc1234"),
    )


def _sprint() -> SprintReport:
    link = RunLink("r1", "0", "http://127.0.0.1:5000/#/experiments/0/runs/r1")
    ticket = SprintTicket(
        "STORY-1", "story", "Lead model", "done", 5, 3, "quick win", 2, False,
        "pass", (CRITERION,), link, "auroc", 0.85, link, 1,
    )  # fmt: skip
    return SprintReport(
        number=2, goal="First model", start=DAY, end=DAY + dt.timedelta(days=13), capacity=12,
        committed_points=3, done_points=3, tickets=(ticket,),
        commits=(SprintCommit("a" * 40, "aaaaaaa", "Test", DAY, "STORY-1: start", ("STORY-1",)),),
        burndown=(BurndownDay(DAY, 3.0, 3.0), BurndownDay(DAY, 0.0, None)),
        forecast=Forecast(3.0, 2, (1.0, 2.0), 0.5, 2.0, 3.0, 1000, 0), forecast_note="",
        created="2026-01-05T09:30:00+00:00",
    )  # fmt: skip


def _golive() -> GoLiveReport:
    return GoLiveReport(
        "STORY-1", "Lead model", "GO", [Reason("pass", "criterion", "criterion 1 passed")],
        "m", "2", "1", "holdout", 100, "binary", "auroc", "maximize", 0.95, [CRITERION],
        [MetricRow("auroc", 0.85, 0.8, 0.9, 0.84)], [], None, "customer",
        [SegmentResult("C1", 50, 0.9, 0.8, 0.1)], [SegmentResult("C2", 3, skipped="too few rows")],
        ChangeList(), Guardrails(), None, {"auroc": 0.85}, path="docs/reports/STORY-1/golive.md",
    )  # fmt: skip


def _dashboard() -> MonitorDashboard:
    row = BatchRow("2", 0, AT, "b.csv", 100, 0.8, 0.7, 0.9, 0.85, 0.02, 0.3, "x", "", "")
    return build_monitor_dashboard(
        model="m",
        metric="auroc",
        direction="maximize",
        batches=[row],
        latest_psi={"x": 0.3, "y": 0.01},
        band=lambda psi: "major" if psi > 0.25 else "stable",
        experiment_id="1",
        created=AT,
    )


MAKERS = {
    RunReport: _run,
    reports.InvestigationReport: _investigation,
    SprintReport: _sprint,
    GoLiveReport: _golive,
    MonitorDashboard: _dashboard,
}


def test_every_report_and_its_rows_are_frozen_dataclasses() -> None:
    exported = [getattr(reports, name) for name in reports.__all__]
    classes = [c for c in exported if isinstance(c, type) and dataclasses.is_dataclass(c)]
    assert set(REPORTS) <= set(classes)
    for cls in classes:
        assert cls.__dataclass_params__.frozen, cls.__name__  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", REPORTS, ids=lambda c: c.__name__)
def test_report_is_frozen_and_to_dict_round_trips_json(cls: type) -> None:
    report = MAKERS[cls]()
    assert type(report) is cls
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.created = "changed"
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # plain JSON, no default=


def test_to_dict_keys() -> None:
    """The ``--json`` keys of each report (the CLI prints ``to_dict()``)."""
    assert list(_sprint().to_dict())[-3:] == ["plots", "carried_over", "carried_over_points"]
    assert _sprint().to_dict()["start"] == "2026-01-05"
    assert list(_golive().to_dict()) == [
        "ticket", "decision", "reasons", "model", "candidate_version", "production_version",
        "first_deployment", "data", "rows", "metric", "quantities", "criteria",
        "segments_worse", "report", "run_id",
    ]  # fmt: skip
    assert _dashboard().to_dict() == {"model": "m", "report": None, "batches": 1}
    assert _dashboard().drift == (("x", 0.3, "major"), ("y", 0.01, "stable"))
    assert _investigation().to_dict()["created"] == "2026-01-05T09:30:00+00:00"
    assert set(_run().to_dict()) == {f.name for f in dataclasses.fields(RunReport)}


def test_json_ready_matches_what_echo_json_printed() -> None:
    """``json_ready`` writes what ``json.dumps(..., default=str)`` wrote for the same data."""
    data = {1: AT, "d": DAY, "t": (1, 2.5, None, True), "r": RunLink("r", "0", "u")}
    plain = json.dumps(dataclasses.asdict(RunLink("r", "0", "u")))
    assert json.dumps(json_ready(data)) == json.dumps(
        {1: AT, "d": DAY, "t": [1, 2.5, None, True], "r": json.loads(plain)}, default=str
    )
    assert fields_dict(RunLink("r", "0", "u"), extra=DAY) == {
        "run_id": "r",
        "experiment_id": "0",
        "url": "u",
        "extra": "2026-01-05",
    }
