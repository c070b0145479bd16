"""The tags a go-live sets on the candidate model version: what ``agileds promote`` reads.

The names are defined in :mod:`agileds.tracking` with every other stored name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from agileds.tracking import (
    AT_TAG,
    DECISION_TAG,
    KIND_TAG,
    PRODUCTION_TAG,
    REASONS_TAG,
    REPORT_TAG,
    RUN_TAG,
)

__all__ = [
    "AT_TAG",
    "DECISION_TAG",
    "KIND_TAG",
    "PRODUCTION_TAG",
    "REASONS_TAG",
    "REPORT_TAG",
    "RUN_TAG",
    "golive_tags",
]

MAX_REASONS_CHARS = 5000
"""Room for the reasons' JSON in one tag value (MLflow's registry limits tag values)."""


def golive_tags(
    decision: str,
    reasons: Sequence[str],
    report: str,
    at: str,
    production_version: str | None,
    run_id: str,
) -> dict[str, str]:
    """The version tags of one go-live decision.

    >>> golive_tags("GO", ["criterion 1 passed"], "r.md", "t", None, "abc")[PRODUCTION_TAG]
    ''
    """
    return {
        DECISION_TAG: decision,
        REASONS_TAG: reasons_json(reasons),
        REPORT_TAG: report,
        AT_TAG: at,
        PRODUCTION_TAG: production_version or "",
        RUN_TAG: run_id,
    }


def reasons_json(reasons: Sequence[str], limit: int = MAX_REASONS_CHARS) -> str:
    """The reasons as a JSON list within ``limit`` characters: when too long, the last
    reasons give way to one saying how many more the report lists.

    >>> reasons_json(["a" * 10, "b" * 40], limit=50)
    '["aaaaaaaaaa", "1 more reason(s) in the report"]'
    """
    kept = list(reasons)
    text = json.dumps(kept, ensure_ascii=False)
    while len(text) > limit and kept:
        kept.pop()
        more = [f"{len(reasons) - len(kept)} more reason(s) in the report"]
        text = json.dumps([*kept, *more], ensure_ascii=False)
    return text
