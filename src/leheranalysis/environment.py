"""The software a table or report was built with, and how it differs from the lock.

A baseline is the reference that a midline and an endline are measured against years
later, often on another machine. So every processed manifest and every report records
the environment that built it (:func:`describe`): the package version, the Python
version, the sha256 of ``requirements.lock`` (exact versions and hashes of every package,
see README "One locked environment") and the versions of the libraries that compute or
read the numbers. :func:`differences` names what changed between two such records - the
first thing to look at when a rebuilt table is not identical (``leher verify``).

Examples
--------
>>> env = describe()
>>> sorted(env)[:4]
['libraries', 'lock_differences', 'lock_sha256', 'package_version']
>>> differences({"python": "3.11.7", "libraries": {"pandas": "2.3.3"}},
...             {"python": "3.11.7", "libraries": {"pandas": "3.0.1"}})
['pandas 2.3.3 -> 3.0.1']
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import platform
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leheranalysis import __version__, config

__all__ = [
    "LOCK_FILE",
    "KEY_LIBRARIES",
    "lock_path",
    "read_lock",
    "describe",
    "differences",
    "summary",
]

#: the lock file at the project root (made by ``make lock``)
LOCK_FILE = "requirements.lock"

#: the libraries that compute, read or draw the numbers, recorded by name and version
KEY_LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "pyarrow",
    "openpyxl",
    "python-calamine",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
)

_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)==([^\s;\\]+)\s*(?:;\s*([^\\#]+))?", re.M)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_path(root: str | Path | None = None) -> Path:
    """Where the lock file is: ``requirements.lock`` at the project root.

    Without ``root``: the project root's lock (``config.project_root()``), else - when the
    project root is a data folder elsewhere (``LEHER_HOME``) - the lock of the source
    checkout the package runs from.
    """
    if root is not None:
        return Path(root) / LOCK_FILE
    project = config.project_root() / LOCK_FILE
    checkout = Path(__file__).resolve().parents[2] / LOCK_FILE
    return project if project.is_file() or not checkout.is_file() else checkout


def read_lock(path: str | Path | None = None) -> dict[str, str]:
    """The exact versions the lock gives this platform and Python: ``{name: version}``.

    Entries whose environment marker does not apply here (``sys_platform == 'win32'``,
    another Python) are left out. Names are canonical (lower case, ``-``).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The lock file (default :func:`lock_path`).

    Returns
    -------
    dict of str to str
        Empty when the file does not exist.
    """
    path = Path(path) if path is not None else lock_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    from packaging.markers import Marker

    out: dict[str, str] = {}
    for name, version, marker in _ENTRY.findall(text):
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        out[_canonical(name)] = version
    return out


def _installed() -> dict[str, str]:
    """Installed distributions by canonical name, the first on ``sys.path`` winning.

    A ``.dist-info`` folder is named ``<name>-<version>.dist-info`` (the name escaped
    without ``-``), so one directory listing per path entry gives both without reading
    any metadata file; other kinds (``.egg-info``) are read through
    :mod:`importlib.metadata`.
    """
    out: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in sorted(names):
            stem = folder[: -len(".dist-info")]
            if folder.endswith(".dist-info") and stem.count("-") == 1:
                name, version = stem.split("-")
                out.setdefault(_canonical(name), version)
            elif folder.endswith(".egg-info"):
                dist = importlib.metadata.PathDistribution(Path(entry or ".") / folder)
                if dist.metadata["Name"]:
                    out.setdefault(_canonical(dist.metadata["Name"]), dist.version)
    return out


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=4)
def _describe(lock: str) -> dict[str, Any]:
    path = Path(lock)
    installed = _installed()
    locked = read_lock(path)
    if locked:
        lock_differences = [
            f"{name} {installed[name] + ' installed' if name in installed else 'not installed'}, "
            f"{version} locked"
            for name, version in sorted(locked.items())
            if installed.get(name) != version
        ]
    else:
        lock_differences = [f"no {LOCK_FILE} found"]
    return {
        "package_version": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "lock_sha256": _sha256(path),
        "libraries": {name: installed.get(name) for name in KEY_LIBRARIES},
        "lock_differences": lock_differences,
    }


def describe(root: str | Path | None = None) -> dict[str, Any]:
    """The software running now, as recorded in manifests and reports.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        The project root holding ``requirements.lock`` (default: see :func:`lock_path`).

    Returns
    -------
    dict
        ``package_version``; ``python`` (e.g. ``"3.11.7"``); ``platform``
        (``"Linux x86_64"``); ``lock_sha256`` (hex, None without a lock file);
        ``libraries`` (``{name: version}`` of :data:`KEY_LIBRARIES`, None when one is
        not installed); ``lock_differences`` (one line per locked package whose installed
        version is not the locked one - empty when the environment is the locked one).
    """
    env = _describe(str(lock_path(root).resolve()))
    return {
        **env,
        "libraries": dict(env["libraries"]),
        "lock_differences": list(env["lock_differences"]),
    }


def differences(recorded: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[str]:
    """What differs between a recorded environment and another one, one line each.

    Parameters
    ----------
    recorded : mapping or None
        An environment as :func:`describe` returns it, read from a manifest or a report;
        None or empty when the record has none (built before environments were recorded).
    current : mapping
        The environment to compare with (usually :func:`describe`).

    Returns
    -------
    list of str
        ``"python 3.11.7 -> 3.12.1"``, ``"pandas 2.3.3 -> 3.0.1"``, ``"lock file
        1a2b3c4d5e6f -> 0f9e8d7c6b5a"``, ...; empty when nothing recorded differs.
    """
    if not recorded:
        return ["the stored run records no environment (built before environments were recorded)"]
    out = []
    for key, label in (
        ("package_version", "leheranalysis"),
        ("python", "python"),
        ("platform", "platform"),
    ):
        if recorded.get(key) != current.get(key):
            out.append(f"{label} {recorded.get(key)} -> {current.get(key)}")
    before = recorded.get("libraries") or {}
    after = current.get("libraries") or {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            out.append(f"{name} {before.get(name)} -> {after.get(name)}")
    if recorded.get("lock_sha256") != current.get("lock_sha256"):
        out.append(
            f"lock file {str(recorded.get('lock_sha256'))[:12]} -> "
            f"{str(current.get('lock_sha256'))[:12]}"
        )
    return out


def summary(env: Mapping[str, Any] | None) -> str:
    """One line for a report header: package, Python, lock hash and key libraries.

    Examples
    --------
    >>> summary({"package_version": "0.1.0", "python": "3.11.7", "lock_sha256": "ab" * 32,
    ...          "libraries": {"pandas": "2.3.3", "numpy": "2.4.6"}, "lock_differences": []})
    'leheranalysis 0.1.0, Python 3.11.7, requirements.lock sha256 abababababab (installed as locked); pandas 2.3.3, numpy 2.4.6'
    """
    if not env:
        return "not recorded"
    lock = env.get("lock_sha256")
    diffs = env.get("lock_differences") or []
    if not lock:
        lock_text = "no lock file"
    elif diffs:
        lock_text = f"requirements.lock sha256 {lock[:12]} ({len(diffs)} package(s) not as locked)"
    else:
        lock_text = f"requirements.lock sha256 {lock[:12]} (installed as locked)"
    libs = ", ".join(f"{k} {v}" for k, v in (env.get("libraries") or {}).items() if v)
    return (
        f"leheranalysis {env.get('package_version')}, Python {env.get('python')}, "
        f"{lock_text}; {libs}"
    )
