"""Benchmark the indicator layer and the CPVI on generated observation tables.

Prints the time of each step for a district of 63 villages (the Madhubani programme),
2,000 villages and 10,000 villages (a state-wide programme), and the CPVI with 1,000
Monte Carlo replications. Numbers are printed, never asserted.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from leheranalysis import cpvi
from leheranalysis import indicators as ind
from leheranalysis.codebook import load_codebook


def make_tables(n_villages: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Observations, villages and rankings for ``n_villages`` in blocks of 21."""
    cb = load_codebook()
    rng = np.random.default_rng(seed)
    codes = cb.indicators_for("village")
    vid = np.arange(1, n_villages + 1)
    bid = (vid - 1) // 21 + 1
    frames = []
    for code in codes:
        row = cb.indicator(code)
        for group in cb.groups_for(code):
            if cb.groups.at[group, "kind"] not in ("children", "adults", "duty_bearer"):
                continue
            unit = row["unit"]
            if unit == "count":
                v = rng.poisson(5, n_villages).astype(float)
            elif unit == "yesno":
                v = rng.integers(0, 2, n_villages).astype(float)
            elif unit == "score":
                v = rng.integers(1, 6, n_villages).astype(float)
            else:
                v = rng.integers(0, 101, n_villages).astype(float)
            duty = cb.groups.at[group, "kind"] == "duty_bearer"
            resp = rng.choice(["agree", "partly agree", "dispute"], n_villages) if duty else None
            frames.append(
                pd.DataFrame(
                    {
                        "block_id": bid,
                        "village_id": vid,
                        "group": group,
                        "indicator": code,
                        "value": v,
                        "response": resp,
                    }  # fmt: skip
                )
            )
    obs = pd.concat(frames, ignore_index=True)
    obs["block_name"] = "B" + obs["block_id"].astype(str)
    obs["village_name"] = "V" + obs["village_id"].astype(str)
    obs["instrument"] = "village"
    villages = pd.DataFrame(
        {
            "village_id": vid,
            "village_name": "V" + pd.Series(vid).astype(str),
            "block_id": bid,
            "block_name": "B" + pd.Series(bid).astype(str),
            "population": rng.integers(300, 5000, n_villages).astype(float),
        }  # fmt: skip
    )
    issues = cb.ranking_issues["code"].tolist()
    ranks = np.argsort(rng.random((n_villages * 2, len(issues))), axis=1) + 1
    rk = pd.DataFrame(
        {
            "block_id": np.repeat(np.repeat(bid, 2), len(issues)),
            "village_id": np.repeat(np.repeat(vid, 2), len(issues)),
            "group": np.repeat(np.tile(["cg_girls_10_14", "ag_women"], n_villages), len(issues)),
            "issue": np.tile(issues, n_villages * 2),
            "rank": ranks.ravel(),
        }
    )
    return obs, villages, rk


def _timed(label: str, fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"  {label:<34} {time.perf_counter() - t0:8.3f} s", flush=True)
    return out


def main() -> None:
    for n in (63, 2_000, 10_000):
        obs, villages, rk = make_tables(n)
        print(f"{n} villages, {len(obs):,} observations, {len(rk):,} ranking rows")
        _timed("village_group_indicators", ind.village_group_indicators, obs, villages)
        _timed("share_of_villages_reporting", ind.share_of_villages_reporting, obs)
        _timed("population_weighted_rates", ind.population_weighted_rates, obs, villages)
        _timed("issue_ranking", ind.issue_ranking, rk)
        tri = _timed("triangulate", ind.triangulate, obs)
        _timed("discrepancy_rates", ind.discrepancy_rates, tri)
        if n <= 2_000:
            _timed("compute_cpvi (n=1000 replications)", cpvi.compute_cpvi, obs, villages, n=1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
