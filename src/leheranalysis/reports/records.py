"""The run record: one :class:`RunRecord` per notebook run, kept in ``reports/runs.json``.

``runs.json`` holds ``latest`` (the last record of each ``<slug>/<notebook>``, which the
index page shows and the cache consults) and ``history`` (every run, newest last,
capped at :data:`HISTORY_LIMIT`) and ``data_roots`` (the processed-data folders - folders
of district folders - that the latest run read; the index page lists only districts
with processed data there). Updates take an exclusive lock on ``runs.json.lock``
and replace the file atomically, so concurrent ``leher run`` commands do not lose runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leheranalysis.store import atomic_write

RUNS_FILE = "runs.json"
HISTORY_LIMIT = 2000


@dataclass
class RunRecord:
    """The outcome of one notebook run for one district.

    Paths (``html``, ``ipynb``) are relative to the reports folder; ``figures`` lists the
    figure files the run saved, relative to the figures folder (None: not recorded).
    """

    district: str
    slug: str
    notebook: str
    source: str
    status: str  # "ok" or "failed"
    message: str = ""
    error: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    cache_key: str = ""
    cached: bool = False
    started: str = ""
    finished: str = ""
    duration_s: float = 0.0
    html: str | None = None
    ipynb: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    figures: list[str] | None = None

    @property
    def key(self) -> str:
        """``<slug>/<notebook>``: the identity of a report."""
        return f"{self.slug}/{self.notebook}"

    @property
    def ok(self) -> bool:
        """True when the notebook ran (or was unchanged) and its HTML exists."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """Inverse of :meth:`to_dict`, ignoring unknown keys."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@contextlib.contextmanager
def _locked(reports_dir: Path):
    reports_dir.mkdir(parents=True, exist_ok=True)
    with open(reports_dir / f"{RUNS_FILE}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_runs(reports_dir: str | Path) -> dict[str, Any]:
    """Read ``runs.json`` (an empty structure when absent or unreadable)."""
    path = Path(reports_dir) / RUNS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data.setdefault("latest", {})
    data.setdefault("history", [])
    return data


@functools.lru_cache(maxsize=8)
def _latest_of(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """The ``latest`` records of a ``runs.json`` as it is at (mtime, size): parsed once."""
    return load_runs(Path(path).parent)["latest"]


def latest_record(reports_dir: str | Path, key: str) -> dict[str, Any] | None:
    """The latest record of one report (``<slug>/<notebook>``) as a plain dict, or None.

    ``runs.json`` is parsed once for all the reports of a run (again only when the file
    changed); the dict returned is shared, not to be modified.
    """
    path = Path(reports_dir) / RUNS_FILE
    try:
        st = path.stat()
    except OSError:
        return None
    return _latest_of(str(path), st.st_mtime_ns, st.st_size).get(key)


def latest_records(reports_dir: str | Path) -> list[RunRecord]:
    """The last record of every report, sorted by district then notebook."""
    latest = load_runs(reports_dir)["latest"]
    return [RunRecord.from_dict(latest[k]) for k in sorted(latest)]


def add_records(
    reports_dir: str | Path,
    records: list[RunRecord],
    data_roots: list[str | Path] | None = None,
) -> Path:
    """Record ``records`` in ``runs.json`` (under a lock) and return its path.

    Every record becomes the latest of its report; the history keeps the runs that
    executed (not the reports found unchanged). When nothing changes, the file is not
    written again. ``data_roots``, when given, replaces the recorded processed-data
    folders of the latest run.
    """
    reports_dir = Path(reports_dir)
    path = reports_dir / RUNS_FILE
    with _locked(reports_dir):
        data = load_runs(reports_dir)
        before = json.dumps([data["latest"], data.get("data_roots")], sort_keys=True, default=str)
        if data_roots is not None:
            data["data_roots"] = sorted({str(Path(r)) for r in data_roots})
        ran = [rec.to_dict() for rec in records if not rec.cached]
        for rec in records:
            data["latest"][rec.key] = rec.to_dict()
        after = json.dumps([data["latest"], data.get("data_roots")], sort_keys=True, default=str)
        if not ran and before == after and path.is_file():
            return path
        data["history"] = (data["history"] + ran)[-HISTORY_LIMIT:]
        data["version"] = 1
        text = json.dumps(data, indent=1, sort_keys=True, default=str)
        return atomic_write(path, text + "\n")
