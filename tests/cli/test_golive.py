"""``agileds golive`` on bad input: one line on stderr, exit code 2, nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from agileds.project import Project
from tests.golive.conftest import MODEL, client_of

REPORT = "docs/reports/STORY-3/golive.md"


def _golive_runs(project: Project) -> list:
    client = client_of(project)
    experiment = client.get_experiment_by_name(MODEL)
    if experiment is None:
        return []
    query = "tags.`agileds.kind` = 'golive'"
    return client.search_runs([experiment.experiment_id], filter_string=query)


def test_unknown_ticket(golive_project: Project, run_cli) -> None:
    result = run_cli("golive", "STORY-99")
    assert result.code == 2
    assert result.err.startswith("error: no ticket STORY-99 in backlog")
    assert result.err.count("\n") == 1


def test_no_candidate_says_to_run_the_ticket_first(golive_project: Project, run_cli) -> None:
    result = run_cli("golive", "STORY-3")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: STORY-3 has no registered version of lead-scoring yet; "
        "run 'agileds run STORY-3' first\n"
    )


def test_unknown_candidate_version(
    golive_project: Project, register: Callable[..., str], run_cli
) -> None:
    register()
    result = run_cli("golive", "STORY-3", "--candidate", "7")
    assert result.code == 2
    assert result.err == (
        "error: --candidate 7: lead-scoring has no such version; pass a version number "
        "registered by 'agileds run' (see 'agileds ui')\n"
    )


@pytest.mark.parametrize(
    ("name", "frame", "message"),
    [
        (
            "labelled.csv",
            lambda f: f.drop(columns=["title", "is_closed"]),
            "error: labelled.csv: missing model input column(s) title; lead-scoring v1 needs "
            "every column it was trained on\n",
        ),
        (
            "one_class.csv",
            lambda f: f.assign(is_closed=1),
            "error: one_class.csv: labels column 'is_closed' holds only class 1; auroc needs "
            "both classes 0 and 1\n",
        ),
        (
            "text.csv",
            lambda f: f.astype({"employees": object}).assign(employees="many"),
            "error: text.csv: column(s) employees hold text where lead-scoring v1 expects "
            "numbers (e.g. employees = 'many'); fix those values or leave them empty\n",
        ),
        ("absent.csv", None, "error: absent.csv: file not found; check the --data path\n"),
        (
            "labelled.json",
            lambda f: f,
            "error: labelled.json: --data takes a .csv or .parquet file, got '.json'\n",
        ),
    ],
)
def test_bad_data_is_one_line_exit_2_and_writes_nothing(
    golive_project: Project, register: Callable[..., str], run_cli, name, frame, message
) -> None:
    from agileds.data import make_leads

    version = register()
    if frame is not None:
        frame(make_leads(60, seed=5)).to_csv(golive_project.root / name, index=False)

    result = run_cli("golive", "STORY-3", "--data", name)

    assert result.code == 2
    assert result.err.endswith(message)
    assert result.err.count("error:") == 1
    assert not (golive_project.root / REPORT).exists()
    assert _golive_runs(golive_project) == []
    assert (
        "agileds.golive.decision"
        not in client_of(golive_project).get_model_version(MODEL, version).tags
    )


def test_a_ticket_without_an_experiment(golive_project: Project, run_cli) -> None:
    golive_project.backlog().create("story", "No experiment", value=1, effort=1)
    result = run_cli("golive", "STORY-4")
    assert result.code == 2
    assert result.err == (
        "error: STORY-4 names no experiment; add 'experiment: experiments/<name>.yaml' "
        "to backlog/STORY-4.yaml\n"
    )


def test_invalid_guardrails_name_the_line(golive_project: Project, run_cli) -> None:
    config = golive_project.root / "agileds.yaml"
    text = config.read_text().replace("  n_boot: 200", "  n_boot: lots")
    config.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "n_boot" in t)
    result = run_cli("golive", "STORY-3")
    assert result.code == 2
    assert result.err == (
        f"error: agileds.yaml:{line}: guardrails.n_boot: input should be a valid integer, "
        "unable to parse string as an integer, got 'lots'\n"
    )


def test_help_names_the_options(run_cli) -> None:
    result = run_cli("golive", "--help")
    assert result.code == 0
    for option in ("--candidate VERSION", "--data FILE", "--json"):
        assert option in result.out
    assert pd.__name__  # pandas stays importable next to the CLI
