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


def _lock() -> dict[str, tuple[str, str, list[str]]]:
    """``{name: (version, marker, hashes)}`` of requirements.lock."""
    text = (config.project_root() / "requirements.lock").read_text()
    out: dict[str, tuple[str, str, list[str]]] = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.splitlines()[0]
        if first.startswith("#"):
            continue
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+))?", first)
        assert m, f"requirements.lock: entry without an exact version: {first!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        out[m.group(1).lower().replace("_", "-")] = (m.group(2), (m.group(3) or "").strip(), hashes)
    return out


def test_lock_pins_every_dependency_with_hashes():
    from packaging.requirements import Requirement

    root = config.project_root()
    lock = _lock()
    assert len(lock) > 100
    assert all(hashes for _, _, hashes in lock.values())
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    specs = (
        pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["test"]
    )
    specs += [
        s for s in (root / "requirements-tools.in").read_text().splitlines() if s and s[0] != "#"
    ]
    for spec in specs:
        req = Requirement(spec)
        name = req.name.lower().replace("_", "-")
        assert name in lock, f"{name} is declared but not in requirements.lock (run `make lock`)"
        version = lock[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, outside {spec!r} (run `make lock`)"
        )
    # the set-up's own tools are locked too: the installers and the build backend
    for name in ("uv", "pip", "setuptools", "wheel"):
        assert name in lock


def test_environment_yml_admits_the_locked_versions():
    from packaging.specifiers import SpecifierSet

    lock = _lock()
    env = yaml.safe_load((config.project_root() / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if not isinstance(dep, str) or _name(dep) in ("python", "pip"):
            continue
        name = _name(dep)
        spec = dep[len(name) :].strip()
        version = lock[name][0]
        assert SpecifierSet(spec).contains(version, prereleases=True), (
            f"environment.yml asks {dep!r}, the lock has {name}=={version}"
        )
