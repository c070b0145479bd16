"""The change list between two registered versions, from their tags and input columns."""

from __future__ import annotations

import json

from agileds.golive import ParamChange, VersionInfo, change_list


def version(
    number: str,
    config: dict,
    columns: tuple[str, ...],
    rows: str,
    window: str = "",
    commit: str = "",
) -> VersionInfo:
    tags = {"agileds.config": json.dumps(config), "agileds.data.rows": rows}
    if window:
        tags["agileds.data.window"] = window
    if commit:
        tags["agileds.git_commit"] = commit  # as agileds.git.GitState.tags() names it
    return VersionInfo("lead-scoring", number, tags, f"run-{number}", columns)


def test_features_hyperparameters_data_and_commits() -> None:
    old = version(
        "1",
        {"family": "logistic", "logistic.C": 1.0, "features.text": True, "features.source": True},
        ("title", "description", "lead_source"),
        rows="720",
        window="2023-01-01..2024-06-30",
        commit="aaa",
    )
    new = version(
        "2",
        {"family": "hist_gradient_boosting", "hist_gradient_boosting.max_iter": 60,
         "features.text": False, "features.source": True, "features.customer": True},
        ("title", "lead_source", "customer_id"),
        rows="900",
        window="2023-01-01..2024-12-30",
        commit="bbb",
    )  # fmt: skip
    changes = change_list(new, old)
    assert (changes.groups_added, changes.groups_removed) == (["customer"], ["text"])
    assert (changes.columns_added, changes.columns_removed) == (["customer_id"], ["description"])
    assert changes.family == ("logistic", "hist_gradient_boosting")
    assert changes.hyperparameters == [
        ParamChange("logistic.C", 1.0, None),
        ParamChange("hist_gradient_boosting.max_iter", None, 60),
    ]
    assert changes.rows == ("720", "900")
    assert changes.window == ("2023-01-01..2024-06-30", "2023-01-01..2024-12-30")
    assert changes.commit == ("aaa", "bbb")
    assert changes.features_changed


def test_first_deployment_lists_the_candidates_facts_only() -> None:
    new = version("1", {"family": "logistic"}, ("a",), rows="10")
    changes = change_list(new, None)
    assert changes.family == (None, "logistic") and changes.rows == (None, "10")
    assert not changes.features_changed and changes.hyperparameters == []


def test_missing_or_broken_tags_mean_unknown() -> None:
    broken = VersionInfo("m", "3", {"agileds.config": "{not json", "agileds.git_dirty": "true"})
    assert broken.config == {} and broken.commit is None and broken.dirty is True


def test_an_ensemble_candidate_lists_its_members_settings() -> None:
    old = version("1", {"family": "logistic", "logistic.C": 1.0, "features.text": True}, (), "9")
    members = [
        {"family": "logistic", "logistic.C": 0.5, "features.text": True},
        {"family": "random_forest", "random_forest.max_depth": 8, "features.text": False,
         "features.customer": True},
    ]  # fmt: skip
    new = version("2", {"family": "ensemble", "members": members, "weights": [2, 1]}, (), "9")
    assert new.feature_groups == ("text", "customer")
    changes = change_list(new, old)
    assert changes.family == ("logistic", "ensemble")
    assert changes.groups_added == ["customer"] and changes.groups_removed == []
    assert ParamChange("m1.logistic.C", None, 0.5) in changes.hyperparameters
    assert ParamChange("m2.weight", None, 1) in changes.hyperparameters
    assert not any("features." in c.name for c in changes.hyperparameters)
