"""The conda environment and pyproject.toml declare the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from leheranalysis import config

# conda names that differ from the PyPI names
_CONDA_TO_PYPI = {"dask": "dask", "distributed": "dask"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!\[ ]", spec.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    root = config.project_root()
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    declared = {_name(d) for d in pyproject["project"]["dependencies"]}
    declared |= {_name(d) for d in pyproject["project"]["optional-dependencies"]["test"]}
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = {
        _CONDA_TO_PYPI.get(_name(d), _name(d))
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in ("python", "pip")
    }
    assert declared == conda, (
        f"only in pyproject: {sorted(declared - conda)}; only in environment.yml: {sorted(conda - declared)}"
    )
