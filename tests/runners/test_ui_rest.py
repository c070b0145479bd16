"""``agileds ui``: the real MLflow server on the project's stores, checked through its REST API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from agileds.project import Project
from agileds.runners import run_ticket

API = "/api/2.0/mlflow"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_ui(project: Project, port: int) -> subprocess.Popen[bytes]:
    """``python -m agileds ui`` in its own process group (the server starts workers)."""
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("AGILEDS_PROJECT", None)
    with (project.root / "ui.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "agileds", "ui", "--port", str(port)],
            cwd=project.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_ui(server: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: politely, then for good."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # workers that outlived the server
        server.wait(timeout=10)


def _wait_for_health(
    base: str, server: subprocess.Popen[bytes], project: Project, timeout: float = 90
) -> None:
    """Poll ``/health`` until it answers OK; fail when the server exits or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        # refused or reset while the server starts
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/health", timeout=5) as r:
            if r.read().decode().strip() == "OK":
                return
        log = (project.root / "ui.log").read_text()
        if server.poll() is not None:
            pytest.fail(f"agileds ui exited ({server.returncode}):\n{log}")
        if time.monotonic() > deadline:
            pytest.fail(f"agileds ui not healthy after {timeout:.0f} s:\n{log}")
        time.sleep(0.2)


def _get(base: str, endpoint: str, /, **query: str) -> Any:
    url = f"{base}{endpoint}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _post(base: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _tags(entity: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in entity.get("tags", [])}


def test_the_mlflow_ui_shows_the_ticket_run_its_trials_report_and_model(
    sweep_project: Project,
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start_ui(sweep_project, port)  # starts while the sweep runs, as a user's would
    try:
        result = run_ticket("STORY-1", sweep_project, trials=3)
        _wait_for_health(base, server, sweep_project)

        experiment = _get(base, f"{API}/experiments/get-by-name", experiment_name="lead-scoring")
        experiment_id = experiment["experiment"]["experiment_id"]
        assert experiment_id == result.experiment_id
        found = _post(
            base,
            f"{API}/runs/search",
            {"experiment_ids": [experiment_id], "filter": "tags.`agileds.ticket` = 'STORY-1'"},
        )
        runs = {r["info"]["run_id"]: r for r in found["runs"]}
        parents = [i for i, r in runs.items() if "mlflow.parentRunId" not in _tags(r["data"])]
        assert parents == [result.parent_run_id]
        parent = runs.pop(result.parent_run_id)
        tags = _tags(parent["data"])
        assert parent["info"]["status"] == "FINISHED"
        assert tags["agileds.ticket"] == "STORY-1"
        assert tags["agileds.ticket_type"] == "story"
        assert tags["agileds.verdict"] == result.verdict.value
        assert {r["info"]["status"] for r in runs.values()} <= {"FINISHED", "KILLED", "FAILED"}
        children = [_tags(r["data"]) for r in runs.values()]
        assert [c["mlflow.parentRunId"] for c in children] == [result.parent_run_id] * 3
        assert sorted(c["agileds.trial_number"] for c in children) == ["0", "1", "2"]

        listed = _get(base, f"{API}/artifacts/list", run_id=result.parent_run_id, path="report")
        assert "report/run.md" in {f["path"] for f in listed["files"]}
        query = urllib.parse.urlencode({"path": "report/run.md", "run_uuid": result.parent_run_id})
        with urllib.request.urlopen(f"{base}/get-artifact?{query}", timeout=30) as response:
            assert response.read().decode().startswith("# STORY-1")

        model = _get(base, f"{API}/registered-models/get", name="lead-scoring")
        versions = [v["version"] for v in model["registered_model"]["latest_versions"]]
        assert versions == [result.model_version] == ["1"]
        version = _get(base, f"{API}/model-versions/get", name="lead-scoring", version="1")
        version = version["model_version"]
        assert version["run_id"] == result.parent_run_id
        assert _tags(version)["agileds.ticket"] == "STORY-1"
        assert _tags(version)["agileds.verdict"] == result.verdict.value
    finally:
        _stop_ui(server)
