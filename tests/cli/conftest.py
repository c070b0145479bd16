"""The CLI tests reuse the projects the library tests build: the go-live project and its
registered models, the monitored demo project, the sweep project and the scoring project.

Each fixture is defined once, in its package's conftest; importing it here makes it visible
to ``tests/cli``. The session-scoped templates (trained, scoring) are built once per session either way.
"""

from __future__ import annotations

from tests.golive.conftest import golive_project, register
from tests.monitor.conftest import monitored, trained_template
from tests.runners.conftest import sweep_project
from tests.scoring.conftest import batch, leads, scoring_project, scoring_template

__all__ = [
    "batch",
    "golive_project",
    "leads",
    "monitored",
    "register",
    "scoring_project",
    "scoring_template",
    "sweep_project",
    "trained_template",
]
