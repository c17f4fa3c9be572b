"""Paths and environment overrides; knows nothing of the rest of the package.

Environment variables
---------------------
LEHER_HOME
    Project root (default: the repository root when run from a checkout, else the
    current directory).
LEHER_DATA_DIR
    Folder holding ``raw/`` and ``processed/`` (default ``<root>/data``).
LEHER_PUBLIC_DATA
    Folder holding the public datasets at their upstream relative paths
    (default ``<data>/raw/public``).
LEHER_REQUIRE_DATA
    ``1`` turns "public data not available" test skips into failures (set in CI).
LEHER_OFFLINE
    ``1`` forbids downloads; fetch uses a mirror or fails with a clear message.
LEHER_FIGURES_DIR
    Folder of generated figures (default ``<root>/figures``); ``leher run --out DIR``
    sets it to ``DIR/figures`` for its notebooks.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

_PKG_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """Return the project root folder.

    Returns
    -------
    pathlib.Path
        ``$LEHER_HOME`` if set; the checkout root when the package is installed in
        editable mode from a checkout; otherwise the current working directory.
    """
    env = os.environ.get("LEHER_HOME")
    if env:
        return Path(env).expanduser().resolve()
    candidate = _PKG_DIR.parent.parent
    if (candidate / "pyproject.toml").exists() and (candidate / "src").is_dir():
        return candidate
    return Path.cwd()


def data_dir() -> Path:
    """Folder with ``raw/`` and ``processed/`` (``$LEHER_DATA_DIR`` or ``<root>/data``)."""
    env = os.environ.get("LEHER_DATA_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "data"


def raw_dir() -> Path:
    """Immutable inputs: ``<data>/raw``. Code never writes here except ``leher data fetch``."""
    return data_dir() / "raw"


def public_data_dir() -> Path:
    """Public datasets at their upstream relative paths (``$LEHER_PUBLIC_DATA`` or ``<raw>/public``)."""
    env = os.environ.get("LEHER_PUBLIC_DATA")
    return Path(env).expanduser().resolve() if env else raw_dir() / "public"


def processed_dir(district: str | None = None) -> Path:
    """Processed tables, optionally for one district slug (``<data>/processed/<slug>``)."""
    base = data_dir() / "processed"
    return base / slugify(district) if district else base


def reports_dir() -> Path:
    """HTML reports and executed notebooks (``<root>/reports``)."""
    return project_root() / "reports"


def figures_dir(district: str | None = None) -> Path:
    """Generated figures (``$LEHER_FIGURES_DIR`` or ``<root>/figures``, then ``[/<slug>]``)."""
    env = os.environ.get("LEHER_FIGURES_DIR")
    base = Path(env).expanduser().resolve() if env else project_root() / "figures"
    return base / slugify(district) if district else base


def package_data(name: str) -> Path:
    """Path of a file shipped inside the package (``leheranalysis/data/<name>``)."""
    return _PKG_DIR / "data" / name


def require_data() -> bool:
    """True when missing public data must fail rather than skip (``LEHER_REQUIRE_DATA=1``)."""
    return os.environ.get("LEHER_REQUIRE_DATA", "") not in ("", "0", "false", "no")


def offline() -> bool:
    """True when downloads are forbidden (``LEHER_OFFLINE=1``)."""
    return os.environ.get("LEHER_OFFLINE", "") not in ("", "0", "false", "no")


def slugify(name: str) -> str:
    """File-system slug of a district or block name.

    Examples
    --------
    >>> slugify("Leh (Ladakh)")
    'leh-ladakh'
    >>> slugify("  Madhubani ")
    'madhubani'
    """
    out = []
    for ch in name.strip().lower():
        out.append(ch if ch.isalnum() else "-")
    slug = "-".join(part for part in "".join(out).split("-") if part)
    return slug or "unnamed"


@contextlib.contextmanager
def environ(values: Mapping[str, str], keep: Iterable[str] = ()) -> Iterator[None]:
    """Set environment variables for the length of a block, then give them back.

    Parameters
    ----------
    values : mapping
        Variables to set.
    keep : iterable of str
        More variables the block may change: they are given back too (a variable that
        was not set is removed again).
    """
    saved = {k: os.environ.get(k) for k in (*values, *keep)}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
