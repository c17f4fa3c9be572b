"""Benchmark: ingesting a 63-village district's workbooks (Madhubani, 3 blocks x 21).

The four workbooks are the SYNTHETIC demonstration data of :mod:`leheranalysis.synth`
(the same templates field teams fill), written to a temporary folder. Timed: reading and
validating every cell (``read_district``), then writing the processed folder. Peak memory
of the Python heap by tracemalloc, and the process's peak resident size.
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from pathlib import Path


def _run(district, folder: Path, out: Path, trace: bool = False) -> dict:
    from leheranalysis import ingest

    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = ingest.read_district(district, [folder])
    t1 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    ok = result.ok
    if ok:
        ingest.write_result(result, out)
    t2 = time.perf_counter()
    return {
        "read": t1 - t0,
        "write": t2 - t1,
        "peak_mb": peak / 2**20,
        "ok": ok,
        "errors": len(result.errors),
        "observations": len(result.observations),
        "rankings": len(result.rankings),
        "villages": len(result.villages),
        "changes": len(result.cleaning_log),
    }


def main() -> None:
    """Print time and peak memory of ingesting Madhubani's 63-village demo workbooks."""
    from leheranalysis import gazetteer, synth

    try:
        district = gazetteer.load_district("Madhubani")
    except Exception as exc:  # no public data: say so and stop
        print(f"skipped: Madhubani gazetteer not available ({exc})")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "dna"
        dna, paths = synth.demo_data(district, folder, villages=63, seed=1)
        sizes = sum(p.stat().st_size for p in folder.glob("*.xlsx"))
        print(f"inputs: {len(list(folder.glob('*.xlsx')))} workbooks, {sizes / 1024:.0f} KiB")
        _run(district, folder, Path(tmp) / "warm")  # warm caches (codebook, imports)
        runs = [_run(district, folder, Path(tmp) / f"out{i}") for i in range(3)]
        best = min(runs, key=lambda r: r["read"] + r["write"])
        best["peak_mb"] = _run(district, folder, Path(tmp) / "traced", trace=True)["peak_mb"]
        print(
            f"rows: {best['observations']} observations, {best['rankings']} ranks, "
            f"{best['villages']} villages, {best['changes']} cleaning-log rows, "
            f"errors {best['errors']}"
        )
        print(
            f"read + validate + match: {best['read']:.2f} s (best of 3); "
            f"write processed folder: {best['write']:.2f} s"
        )
        print(
            f"peak Python heap during read (tracemalloc, separate run): {best['peak_mb']:.1f} MiB"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident size of the process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
