"""Public data layer: fetch from a mirror, verify, and load the NFHS-5 fact sheets.

Uses the mirror ``../shared/data`` beside the checkout (or ``$LEHER_MIRROR``) and a
temporary destination; prints wall times and peak Python memory (tracemalloc).
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from leheranalysis import config, nfhs, sources


def _mirror() -> Path | None:
    env = os.environ.get("LEHER_MIRROR")
    root = Path(env) if env else config.project_root().parent / "shared" / "data"
    return root if (root / sources.files()[0].path).is_file() else None


def _timed(label: str, func):
    tracemalloc.start()
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<52} {seconds:7.3f} s   peak {peak / 2**20:6.1f} MiB", flush=True)
    return result


def main() -> None:
    """Print fetch, check and NFHS load timings."""
    mirror = _mirror()
    if mirror is None:
        print("mirror not found (set LEHER_MIRROR); skipped")
        return
    total = sum(f.size for f in sources.files())
    print(f"registry: {len(sources.files())} files, {total / 2**20:.1f} MiB, mirror {mirror}")
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "public"
        _timed("fetch --mirror, all files (copy + sha256)", lambda: sources.fetch(dest, mirror))
        _timed("fetch again (idempotent: verify only)", lambda: sources.fetch(dest, mirror))
        _timed("check (sha256 of every file)", lambda: sources.check(dest))
        nfhs._load_cached.cache_clear()
        _timed("nfhs.load_districts (parse + repair, cold)", lambda: nfhs.load_districts(dest))
        _timed("nfhs.load_districts (cached)", lambda: nfhs.load_districts(dest))
        _timed(
            "nfhs.load_states + load_india (cold)",
            lambda: (nfhs.load_states(dest), nfhs.load_india(dest)),
        )
        _timed(
            "nfhs.compare(5 DNA districts, 8 indicators)",
            lambda: nfhs.compare(["Madhubani", "Morigaon", "Budgam", "Leh", "Rajouri"], root=dest),
        )
        _timed(
            "nfhs.district_value x 100 (cached)",
            lambda: [
                nfhs.district_value("Madhubani", "child_marriage", root=dest) for _ in range(100)
            ],
        )


if __name__ == "__main__":
    main()
