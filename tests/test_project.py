"""Project settings that several commands share: the MLflow UI address of report links."""

from __future__ import annotations

from agileds.project import DEFAULT_UI_URL, Project


def test_run_links_point_at_the_local_ui_by_default(project: Project) -> None:
    assert project.settings.ui_url == DEFAULT_UI_URL == "http://127.0.0.1:5000"
    assert project.run_url("3", "abc") == "http://127.0.0.1:5000/#/experiments/3/runs/abc"


def test_run_links_follow_the_ui_url_setting(project: Project) -> None:
    config = project.root / "agileds.yaml"
    config.write_text(config.read_text() + "ui_url: http://mlflow.team:8080/\n")
    assert (
        Project(project.root).run_url("3", "abc")
        == "http://mlflow.team:8080/#/experiments/3/runs/abc"
    )
