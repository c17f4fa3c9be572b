"""Benchmark the change analysis between two rounds (:mod:`leheranalysis.monitoring`).

Two sizes: the 63 Madhubani programme villages, and every habitation of Bihar's 38
districts in the PMGSY data (real village ids, blocks and populations; observation
tables generated like a DNA of two rounds, about 5 % of villages not revisited).
Prints the time of each step and the peak memory; never asserts.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from leheranalysis import gazetteer, monitoring
from leheranalysis.codebook import load_codebook


def bihar_villages() -> pd.DataFrame:
    """Every habitation of Bihar's districts: ``village_id``, names, block, population."""
    frames = []
    for name in gazetteer.list_districts("Bihar")["district"]:
        v = gazetteer.load_district(name).villages
        frames.append(pd.DataFrame(v.drop(columns="geometry")))
    v = pd.concat(frames, ignore_index=True).drop_duplicates("village_id")
    v = v.rename(columns={"name": "village_name"})
    v["population"] = v["population"].fillna(v["population"].median())
    return v[["village_id", "village_name", "block_id", "block_name", "population"]]


def rounds_for(villages: pd.DataFrame, seed: int = 0):
    """Observations of a baseline and a follow-up (effect on counts, 5 % not revisited)."""
    cb = load_codebook()
    rng = np.random.default_rng(seed)
    n = len(villages)
    out = []
    for r, keep in enumerate((np.ones(n, bool), rng.random(n) >= 0.05)):
        v = villages[keep].reset_index(drop=True)
        frames = []
        for code in cb.indicators_for("village"):
            unit = cb.indicators.at[code, "unit"]
            for group in cb.groups_for(code):
                if cb.groups.at[group, "kind"] not in ("children", "adults", "duty_bearer"):
                    continue
                m = len(v)
                if unit == "count":
                    vals = rng.poisson(5 * (0.8 if r else 1.0), m)
                elif unit == "yesno":
                    vals = rng.integers(0, 2, m)
                elif unit == "score":
                    vals = rng.integers(1, 6, m)
                else:
                    vals = rng.integers(0, 101, m)
                frames.append(
                    pd.DataFrame(
                        {
                            "block_id": v["block_id"].to_numpy(),
                            "block_name": v["block_name"].to_numpy(),
                            "village_id": v["village_id"].to_numpy(),
                            "village_name": v["village_name"].to_numpy(),
                            "instrument": "village",
                            "group": group,
                            "indicator": code,
                            "value": vals.astype(float),
                            "response": None,
                        }
                    )
                )
        obs = pd.concat(frames, ignore_index=True)
        out.append(monitoring.RoundData(("baseline", "midline")[r], obs, v))
    return out


def _timed(label: str, fn, *args, **kwargs):
    t0 = time.perf_counter()
    res = fn(*args, **kwargs)
    print(f"  {label:<46} {time.perf_counter() - t0:8.2f} s", flush=True)
    return res


def main() -> None:
    t0 = time.perf_counter()
    bihar = bihar_villages()
    print(f"Bihar: {len(bihar):,} habitations in 38 districts (loaded in "
          f"{time.perf_counter() - t0:.1f} s)")  # fmt: skip
    madhubani = gazetteer.load_district("Madhubani").villages
    ids = madhubani.sort_values("village_id")["village_id"].head(2000)
    small = bihar[bihar["village_id"].isin(ids)].head(63)
    for label, villages in (("63 villages", small), ("all of Bihar", bihar)):
        base, mid = rounds_for(villages)
        print(f"{label}: {len(villages):,} villages, {len(base.observations):,} + "
              f"{len(mid.observations):,} observations")  # fmt: skip
        pairs = _timed("paired_values (village values of both rounds)",
                       monitoring.paired_values, base, mid)  # fmt: skip
        _timed("change_table (19 indicators, paired tests)", monitoring.change_table, base, mid,
               pairs=pairs)  # fmt: skip
        _timed("block_changes (every block)", monitoring.block_changes, base, mid, pairs=pairs)
        _timed("triangulation_change", monitoring.triangulation_change, base, mid)
        if len(villages) <= 100:
            _timed("index_across_rounds (n=200)", monitoring.index_across_rounds, base, mid, n=200)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
