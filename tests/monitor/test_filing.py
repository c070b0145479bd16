"""Filing investigations from breaches: the ticket's fields, and updating instead of duplicating."""

from __future__ import annotations

from agileds.backlog._evidence import monitor_severity
from agileds.monitor import Thresholds, check_thresholds, file_investigation
from agileds.project import Project
from agileds.tickets import evaluate_ticket
from tests.monitor.conftest import make_result


def _file(project: Project, **fields):  # type: ignore[no-untyped-def]
    result = make_result(**fields)
    return file_investigation(project, result, check_thresholds(result, Thresholds()))


def test_no_breach_files_nothing(project: Project) -> None:
    metrics = {"auroc": 0.84, "auroc.ci_low": 0.82, "auroc.ci_high": 0.86}
    assert _file(project, metrics=metrics, drift=()) == ()
    assert project.backlog().tickets() == []


def test_a_breach_files_one_investigation_about_the_metric(project: Project) -> None:
    (filing,) = _file(project)
    assert (filing.ticket_id, filing.action, filing.signal) == ("INV-1", "filed", "auroc_drop")
    ticket = project.backlog().get("INV-1")
    assert ticket.title == "Drop in auroc for model lead-scoring"
    assert ticket.type.value == "investigation"
    assert (ticket.model, ticket.experiment) == ("lead-scoring", "experiments/lead_scoring.yaml")
    assert ticket.value == 13  # severity 0.08 / 0.03 = 2.67 -> 5 x 2.67 = 13.3
    assert ticket.effort == 3
    assert ticket.monitor == {
        "signal": "auroc_drop",
        "model": "lead-scoring",
        "version": "1",
        "batch": "experiments/data/batch_2.csv",
        "at": "2025-07-01T00:00:00+00:00",
        "run_id": "run2",
        "step": 2,
        "evidence": {
            "auroc": 0.76,
            "auroc.ci_low": 0.735,
            "auroc.ci_high": 0.785,
            "evaluation.auroc": 0.84,
            "drop": 0.08,
            "labelled_rows": 1500,
        },
        "severity": 2.667,
        "also": ["feature_drift"],
        "occurrences": 1,
    }
    assert monitor_severity(ticket) == "high"
    assert "batch experiments/data/batch_2.csv (1500 scores, 2025-07-01 00:00 UTC)" in (
        ticket.description
    )
    assert "Also feature_drift: psi.lead_source 1.000 (major)" in ticket.description
    assert "http://127.0.0.1:5000/#/experiments/1/runs/run2" in ticket.description
    criteria = evaluate_ticket(ticket, {"followups": 2.0})
    assert [c.verdict.value for c in criteria] == ["pass", "pending"]


def test_the_same_breach_again_updates_the_open_ticket(project: Project) -> None:
    _file(project)
    (again,) = _file(project, index=3, run_id="run2", batch="experiments/data/batch_3.csv")
    assert (again.ticket_id, again.action) == ("INV-1", "updated")
    tickets = project.backlog().tickets()
    assert [t.id for t in tickets] == ["INV-1"]
    ticket = tickets[0]
    assert ticket.monitor["batch"] == "experiments/data/batch_3.csv"
    assert ticket.monitor["occurrences"] == 2
    assert ticket.description.startswith("Updated by `agileds monitor`")
    assert ticket.value == 13  # the value a team may have re-ranked is kept


def test_drift_alone_updates_an_open_investigation_that_lists_it(project: Project) -> None:
    _file(project)  # auroc_drop, also feature_drift
    (drift_only,) = _file(project, labels=None, labelled=0, metrics={})
    assert (drift_only.ticket_id, drift_only.action) == ("INV-1", "updated")
    ticket = project.backlog().get("INV-1")
    assert ticket.monitor["signal"] == "auroc_drop"  # the ticket keeps what it is about
    assert ticket.monitor["evidence"]["column"] == "lead_source"
    assert ticket.monitor["also"] == []


def test_drift_without_labels_files_a_drift_investigation(project: Project) -> None:
    (filing,) = _file(project, labels=None, labelled=0, metrics={})
    assert (filing.ticket_id, filing.signal) == ("INV-1", "feature_drift")
    ticket = project.backlog().get("INV-1")
    assert ticket.title == "Feature drift in lead_source for model lead-scoring"
    assert ticket.value == 3  # severity 1.0 / 0.25 x 0.15 = 0.6
    assert monitor_severity(ticket) == "low"


def test_a_done_investigation_is_not_reopened(project: Project) -> None:
    _file(project)
    project.backlog().move("INV-1", "done")
    (filing,) = _file(project)
    assert (filing.ticket_id, filing.action) == ("INV-2", "filed")


def test_another_models_investigation_is_left_alone(project: Project) -> None:
    _file(project, model="churn")
    (filing,) = _file(project)
    assert (filing.ticket_id, filing.action) == ("INV-2", "filed")


def test_an_open_investigation_with_the_same_title_in_another_case_is_updated(
    project: Project,
) -> None:
    text = (
        "id: INV-1\ntype: investigation\ntitle: Drop in auROC for model lead-scoring\n"
        "description: |\n  Written by a person.\nvalue: 8\neffort: 3\nmodel: lead-scoring\n"
        "acceptance:\n  - followups >= 1\n"
    )
    (project.backlog_dir / "INV-1.yaml").write_text(text)
    (filing,) = _file(project)
    assert (filing.ticket_id, filing.action) == ("INV-1", "updated")
    (ticket,) = project.backlog().tickets()
    assert ticket.description == "Written by a person.\n"  # a person's text is kept
    assert ticket.monitor["signal"] == "auroc_drop"
    assert ticket.monitor["batch"] == "experiments/data/batch_2.csv"
    (again,) = _file(project, index=3, run_id="run2", batch="experiments/data/batch_3.csv")
    assert (again.ticket_id, again.action) == ("INV-1", "updated")
    assert project.backlog().get("INV-1").monitor["batch"] == "experiments/data/batch_3.csv"


def test_the_ticket_links_the_run_in_the_ui_at_the_ui_url_setting(project: Project) -> None:
    config = project.root / "agileds.yaml"
    config.write_text(config.read_text() + "ui_url: https://mlflow.example.com:8443/\n")
    _file(Project(project.root))
    description = project.backlog().get("INV-1").description
    assert "https://mlflow.example.com:8443/#/experiments/1/runs/run2" in description
    assert "127.0.0.1" not in description
