"""The README's tour runs top to bottom as written, on a fresh ``init --demo`` project.

The commands are read from the README's code block, so the tour and this test cannot
drift. The only step that is not the README's: after ``init``, the sweep's budget is cut
to two trials, so the walk stays cheap.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
STEP_TIMEOUT = 900  # seconds for one command, the sweep and the investigation included


def tour_commands() -> list[str]:
    """The tour's commands: the first code block under '## A tour', comments stripped."""
    section = README.read_text(encoding="utf-8").split("## A tour", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README.md: no code block under '## A tour'"
    lines = [re.split(r"\s{2,}#", line)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def _cheap(project: Path) -> None:
    """Fewer trials than the scaffold's, for a test."""
    spec = project / "experiments" / "lead_scoring.yaml"
    text = spec.read_text()
    assert "trials: 30" in text
    spec.write_text(text.replace("trials: 30", "trials: 2"))


def test_the_tour_parses_into_agileds_commands() -> None:
    commands = tour_commands()
    assert commands[0] == "source .venv/bin/activate"
    assert commands[-1] == "agileds sprint report 1"
    assert all(c.startswith("agileds ") for c in commands[1:])
    assert "agileds ui" not in commands  # a server that never returns is not a tour step


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("AGILEDS_PROJECT", None)
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env.pop("MLFLOW_TRACKING_URI", None)
    cwd, outputs = tmp_path, {}
    (tmp_path / ".venv").symlink_to(bin_dir.parent)  # what 'source .venv/bin/activate' needs
    for line in tour_commands():
        for part in (p.strip() for p in line.split("&&")):
            args = shlex.split(part)
            if args[0] == "source":
                assert (cwd / args[1]).is_file(), part
                continue
            if args[0] == "cd":
                cwd = cwd / args[1]
                continue
            done = subprocess.run(
                args, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
            )
            assert done.returncode == 0, f"{part}: exit {done.returncode}\n{done.stderr[-3000:]}"
            outputs[part] = done.stdout + done.stderr
            if args[:2] == ["agileds", "init"]:
                _cheap(cwd / args[2])
    assert "decision: GO" in outputs["agileds golive STORY-1"]
    scored = outputs["agileds score lead-scoring --data experiments/data/batch_1.csv --out scores"]
    assert "scored 1,500 rows of experiments/data/batch_1.csv with lead-scoring v1" in scored
    report = outputs["agileds sprint report 1"]
    assert "sprint 1: 5 of 9 points done" in report
    assert "STORY-1 done (pass)" in report
    text = (cwd / "docs" / "reports" / "sprint-1.md").read_text(encoding="utf-8")
    assert "| 9 | 5 | 4 | 9 | 56% |" in text
    assert (cwd / "docs" / "reports" / "sprint-1-burndown.png").is_file()


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
