"""Village maps of Madhubani: catchments, distances, drawing and saving.

Run with ``python benchmarks/bench_geo.py``. Uses the public data in
``config.public_data_dir()`` (``$LEHER_PUBLIC_DATA``); prints a notice and returns when it
is not there. The scenario is the one of notebook 03: the three programme blocks of
Madhubani (Bisfi, Pandaul, Rajnagar; 371 habitations), 63 programme villages coloured
by a value (3 without), facilities of the whole district, and a 2 x 2 small multiple.
Each step prints its wall time and its CPU time (the latter is steadier on a shared
machine); the last line gives the peak resident memory of the process.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

BLOCKS = ("Bisfi", "Pandaul", "Rajnagar")


def _timed(label: str, func: Callable[[], Any], repeat: int = 1) -> Any:
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = func()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"  {label:<44s} {best_wall:7.3f} s wall {best_cpu:7.3f} s CPU", flush=True)
    return result


def main() -> None:
    """Print the time of each step of a Madhubani village map."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from leheranalysis import config, gazetteer, geo
    from leheranalysis.errors import DataNotAvailableError

    root = config.public_data_dir()
    try:
        d = _timed("load_district(Madhubani)", lambda: gazetteer.load_district("Madhubani", root))
    except DataNotAvailableError as exc:
        print(f"  public data not available ({exc}); nothing measured")
        return
    blocks = d.blocks[d.blocks["block_name"].isin(BLOCKS)]
    villages = d.villages[d.villages["block_id"].isin(blocks["block_id"])]
    programme = [
        int(v)
        for b in blocks["block_id"]
        for v in villages.loc[villages["block_id"] == b, "village_id"].iloc[:21]
    ]
    rng = np.random.default_rng(1)
    values = pd.Series(rng.uniform(0, 100, 60), index=programme[:60])
    print(f"  ({len(villages)} habitations, {len(programme)} programme villages)")

    cells = _timed("catchments (3 blocks)", lambda: geo.catchments(villages, blocks), 3)
    dist = _timed(
        "nearest_facility_distances (district)",
        lambda: geo.nearest_facility_distances(villages, d.facilities),
        3,
    )

    def one_map():
        fig, ax = plt.subplots(figsize=(10, 7))
        geo.draw_village_map(
            ax, blocks, cells, programme, values=values, facilities=d.facilities,
            title="Madhubani", value_label="index",
        )  # fmt: skip
        fig.canvas.draw()
        return fig

    def four_panels():
        four = dist.set_index("village_id").iloc[:, :3].copy()
        four["index"] = values
        fig = geo.small_multiples(blocks, cells, programme, four.loc[programme], ncols=2)
        fig.canvas.draw()
        return fig

    def close(fig):
        plt.close(fig)

    close(_timed("draw_village_map (+ canvas draw)", one_map, 3))
    fig = _timed("small_multiples, 4 panels (+ canvas draw)", four_panels, 3)
    with tempfile.TemporaryDirectory() as tmp:
        _timed(
            "save_figure PNG + SVG (4 panels)",
            lambda: geo.save_figure(fig, Path(tmp) / "multi", dpi=200),
            2,
        )
    close(fig)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
