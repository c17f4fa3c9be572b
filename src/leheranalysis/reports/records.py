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


def latest_records(reports_dir: str | Path) -> list[RunRecord]:
    """The last record of every report, sorted by district then notebook."""
    latest = load_runs(reports_dir)["latest"]
    return [RunRecord.from_dict(latest[k]) for k in sorted(latest)]


def add_records(
    reports_dir: str | Path,
    records: list[RunRecord],
    data_roots: list[str | Path] | None = None,
) -> Path:
    """Append ``records`` to ``runs.json`` (under a lock) and return its path.

    ``data_roots``, when given, replaces the recorded processed-data folders of the
    latest run.
    """
    reports_dir = Path(reports_dir)
    with _locked(reports_dir):
        data = load_runs(reports_dir)
        if data_roots is not None:
            data["data_roots"] = sorted({str(Path(r)) for r in data_roots})
        for rec in records:
            data["latest"][rec.key] = rec.to_dict()
            data["history"].append(rec.to_dict())
        data["history"] = data["history"][-HISTORY_LIMIT:]
        data["version"] = 1
        text = json.dumps(data, indent=1, sort_keys=True, default=str)
        return atomic_write(reports_dir / RUNS_FILE, text + "\n")
