"""Composite index: Monte Carlo uncertainty + sensitivity analysis at three sizes.

Prints, for each size: build time of the nominal index, wall and CPU time of
``uncertainty`` (1,000 Monte Carlo replications and the extra Saltelli ``AB_i`` runs),
time per replication and per model run, and peak memory (tracemalloc for Python/numpy allocations, and the
process's peak RSS).

Sizes (issue 5): 63 villages x 20 indicators; 51 units x 49 indicators in a 4-level tree
(the shape of COINr's ASEM example; the R reference takes about 0.2 s per replication);
100,000 villages x 20 indicators.

Run: ``.venv/bin/python benchmarks/bench_composite.py`` (or ``make bench``).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from leheranalysis.composite import Settings, build_index, uncertainty


def synthetic(n_units: int, pillars: list[int], sub_index: list[int] | None, seed: int = 1):
    """Random indicator table and metadata: ``pillars[i]`` indicators in pillar i; optional
    sub-indices grouping pillars (``sub_index[i]`` pillars in sub-index i)."""
    rng = np.random.default_rng(seed)
    rows = []
    cols = {}
    j = 0
    for p, k in enumerate(pillars):
        pillar = f"P{p + 1}"
        for _ in range(k):
            code = f"i{j + 1:02d}"
            kind = j % 4
            if kind == 0:
                x = rng.lognormal(0.0, 1.0, n_units)  # skewed: gets treated
            elif kind == 1:
                x = rng.normal(50, 10, n_units)
            elif kind == 2:
                x = rng.uniform(0, 1, n_units)
            else:
                x = rng.poisson(3, n_units).astype(float)
            cols[code] = x
            rows.append((code, pillar, 1, 1 if j % 3 else -1))
            j += 1
    top = 3
    if sub_index:
        p = 0
        for s, k in enumerate(sub_index):
            for _ in range(k):
                rows.append((f"P{p + 1}", f"S{s + 1}", 2, None))
                p += 1
            rows.append((f"S{s + 1}", "INDEX", 3, None))
        top = 4
    else:
        for p in range(len(pillars)):
            rows.append((f"P{p + 1}", "INDEX", 2, None))
    rows.append(("INDEX", None, top, None))
    meta = pd.DataFrame(rows, columns=["code", "parent", "level", "direction"])
    data = pd.DataFrame(cols, index=[f"u{i:06d}" for i in range(n_units)])
    return data, meta


def run(label: str, data, meta, n: int = 1000, sensitivity: bool = True) -> None:
    settings = Settings()
    t0 = time.perf_counter()
    build_index(data, meta, settings)
    t_build = time.perf_counter() - t0
    tracemalloc.start()
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = uncertainty(data, meta, settings, n=n, seed=1, sensitivity=sensitivity)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    k = len(res.parameters["inputs"])
    print(
        f"{label}: {data.shape[0]:,} units x {data.shape[1]} indicators, {n:,} replications "
        f"({res.n_model_runs:,} model runs, k={k} uncertain inputs, sensitivity={sensitivity})",
        flush=True,
    )
    print(f"  nominal index        {t_build:8.3f} s")
    print(
        f"  uncertainty          {elapsed:8.3f} s  = {elapsed / n * 1e3:.3f} ms per replication, "
        f"{elapsed / res.n_model_runs * 1e3:.3f} ms per model run"
    )
    print(f"  uncertainty CPU time {cpu:8.3f} s  (wall > CPU when the machine is shared)")
    print(f"  peak traced memory   {peak / 2**30:8.3f} GiB   (process peak RSS {rss:.2f} GiB)")
    if sensitivity:
        print(
            "  sensitivity (S1, ST): "
            + ", ".join(f"{i}={r.S1:.2f}/{r.ST:.2f}" for i, r in res.sensitivity.iterrows())
        )
    print(f"  priority units: {len(res.priority)}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark numbers (``--quick`` skips the national size)."""
    argv = sys.argv[1:] if argv is None else argv
    data, meta = synthetic(63, [5, 5, 5, 5], None)
    run("villages", data, meta)
    data, meta = synthetic(51, [5, 7, 6, 6, 6, 6, 6, 7], [3, 5])
    run("ASEM-sized", data, meta)
    if "--quick" in argv:
        return
    data, meta = synthetic(100_000, [5, 5, 5, 5], None)
    run("national", data, meta, sensitivity=False)
    run("national", data, meta, sensitivity=True)


if __name__ == "__main__":
    main()
