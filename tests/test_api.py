"""The library's front door: every command's function importable from ``agileds``, each
with an example, and ``import agileds`` still cheap."""

from __future__ import annotations

import inspect
import subprocess
import sys

import agileds


def test_every_command_has_its_library_function_at_the_front_door() -> None:
    for name in (
        "init_project",
        "rank_backlog",
        "plan_sprint",
        "build_sprint_report",
        "run_ticket",
        "run_golive",
        "promote",
        "rollback",
        "check_batch",
        "build_dashboard",
        "score",
        "Backlog",
    ):
        assert name in agileds.__all__, name
    assert set(agileds.__all__) == {"AgileDSError", "__version__", *agileds._LAZY}


def test_every_exported_function_has_a_docstring_example() -> None:
    for name in agileds.__all__:
        obj = getattr(agileds, name)
        assert inspect.getdoc(obj), name
        if inspect.isfunction(obj):
            assert "\nExample:\n    >>> " in inspect.getdoc(obj), name


def test_importing_agileds_loads_no_heavy_module() -> None:
    code = (
        "import sys, agileds\n"
        "heavy = ('mlflow', 'sklearn', 'optuna', 'pandas', 'numpy', 'scipy', 'pydantic')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        agileds.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert str(exc) == "module 'agileds' has no attribute 'no_such_name'"
    else:
        raise AssertionError("no AttributeError")
