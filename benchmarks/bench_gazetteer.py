"""Gazetteer load time and peak memory: Madhubani, then every district of Bihar.

Run with ``python benchmarks/bench_gazetteer.py`` (or ``make bench``). Uses the public data
in ``config.public_data_dir()`` (``$LEHER_PUBLIC_DATA``); prints a notice and returns when
it is not there.
"""

from __future__ import annotations

import resource
import time
import tracemalloc

from leheranalysis import config, gazetteer
from leheranalysis.errors import DataNotAvailableError


def _clear_caches() -> None:
    gazetteer._read_layer_cached.cache_clear()
    gazetteer._read_master_cached.cache_clear()


def _timed(label: str, func) -> object:
    tracemalloc.start()
    t0 = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<58} {elapsed:8.2f} s   peak traced memory {peak / 2**20:7.1f} MiB", flush=True)
    return result


def main() -> None:
    """Print load times and peak memory of the gazetteer."""
    root = config.public_data_dir()
    try:
        gazetteer.list_districts(data_dir=root)
    except DataNotAvailableError as exc:
        print(f"skipped: {exc}")
        return
    _clear_caches()
    print(f"public data: {root}")
    d = _timed(
        "Madhubani, cold (reads the Bihar layers + MasterData)",
        lambda: gazetteer.load_district("Madhubani"),
    )
    print(f"    -> {d}")
    _timed(
        "Madhubani, warm (state layers cached in the process)",
        lambda: gazetteer.load_district("Madhubani"),
    )
    _timed("summary(Madhubani)", lambda: gazetteer.summary(d))
    names = gazetteer.list_districts("Bihar")["district"].tolist()
    _clear_caches()

    def all_bihar():
        return [gazetteer.load_district(n) for n in names]

    districts = _timed(f"all {len(names)} Bihar districts, cold", all_bihar)
    habs = sum(len(x.villages) for x in districts)
    facs = sum(len(x.facilities) for x in districts)
    print(f"    -> {habs:,} habitations, {facs:,} facilities")
    _timed(f"all {len(names)} Bihar districts, warm", all_bihar)

    import pandas as pd

    df = pd.DataFrame(
        {
            "block": ["Rajnagar", "Bisfi", "Pandaul"] * 21,
            "village": ["Laxmipur", "Singhiya Tol", "Balha"] * 21,
        }
    )
    _timed("match_villages, 63 rows (Madhubani)", lambda: gazetteer.match_villages(df, d))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory (ru_maxrss)                   {rss:8.1f} MiB")


if __name__ == "__main__":
    main()
