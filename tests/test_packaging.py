"""pyproject.toml: metadata that installs without setuptools deprecation warnings."""

from __future__ import annotations

import tomllib
from pathlib import Path


def test_license_is_an_spdx_string_for_a_setuptools_that_reads_it() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    # A TOML table ({text = ...}) makes setuptools >= 77 warn three times per install.
    assert pyproject["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
