"""``agileds score`` through the real entry point: output lines, exit codes, one-line errors."""

from __future__ import annotations

import json

import pandas as pd

from tests.scoring.conftest import MODEL


def test_score_prints_the_job(scoring_project, batch, run_cli):
    result = run_cli("score", MODEL, "--data", "batch.csv", "--out", "scores")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"scored 600 rows of batch.csv with {MODEL} v2 in ")
    assert lines[1].startswith("scores:  scores/scored_date=")
    assert lines[2] == "rejects: none"
    assert "600 rows scored, 0 rejected" in result.err  # progress, plain lines off a terminal


def test_compare_previous_reports_the_flips(scoring_project, batch, run_cli):
    result = run_cli(
        "score", f"{MODEL}@production", "--data", "batch.csv", "--out", "s", "--compare", "previous"
    )

    assert result.code == 0, result.err
    (line,) = [x for x in result.out.splitlines() if x.startswith("compare:")]
    assert line.startswith("compare: v2 vs v1: ") and line.endswith("at threshold 0.5")


def test_json_and_id_columns(scoring_project, batch, run_cli):
    result = run_cli(
        "score",
        MODEL,
        "--data",
        "batch.csv",
        "--out",
        "s",
        "--id-columns",
        "lead_id,customer_id",
        "--json",
    )

    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["rows"] == 600 and data["id_columns"] == ["lead_id", "customer_id"]
    scored = pd.read_parquet(scoring_project.root / data["partition"])
    assert list(scored.columns[:3]) == ["lead_id", "customer_id", "score"]


def test_bad_input_is_one_line_and_exit_2(scoring_project, batch, run_cli):
    pd.read_csv(batch).drop(columns=["employees"]).to_csv(batch, index=False)

    missing = run_cli("score", MODEL, "--data", "batch.csv", "--out", "s")
    alias = run_cli("score", f"{MODEL}@nope", "--data", "batch.csv", "--out", "s")
    chunk = run_cli("score", MODEL, "--data", "batch.csv", "--out", "s", "--chunk-rows", "0")

    assert missing.code == alias.code == chunk.code == 2
    assert missing.err == (
        "error: batch.csv: missing model input column(s) employees; "
        f"{MODEL} v2 needs every column it was trained on\n"
    )
    assert alias.err.startswith(f"error: model '{MODEL}' has no alias 'nope'; ")
    assert alias.err.count("\n") == 1 and "Traceback" not in alias.err
    assert "--chunk-rows" in chunk.err


def test_help_and_import_stay_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import agileds.scoring; from agileds.cli import main\n"
        "try: main(['score', '--help'])\n"
        "except SystemExit: pass\n"
        "print('HEAVY', [m for m in ('mlflow', 'sklearn', 'pandas', 'pyarrow') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out
    assert "--compare ALIAS|VERSION" in out
