"""Benchmark of the synthetic DNA generator (``leher demo-data``).

Times, with the public data in ``config.public_data_dir()`` (or ``LEHER_PUBLIC_DATA``):

1. Madhubani with its default programme (63 villages), generation and writing;
2. Madhubani with ``--all-villages``;
3. every PMGSY district of Bihar with default settings, generated and written one after
   the other (the target: under a minute), the state's layers read once.

Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    """Print the timings."""
    from leheranalysis import config, gazetteer, synth

    root = config.public_data_dir()
    if not (root / "pmgsy-geosadak/data/Habitation/Bihar.zip").is_file():
        print(f"public data not found in {root}; run `leher data fetch` (skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        mdb = gazetteer.load_district("Madhubani")
        t_load = time.perf_counter() - t0
        synth.generate(mdb, seed=0)  # warm-up: NFHS tables and codebook read once

        t0 = time.perf_counter()
        dna = synth.generate(mdb, seed=0)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        synth.write(dna, out / "madhubani", district=mdb)
        t_write = time.perf_counter() - t0
        print(
            f"Madhubani default programme ({len(dna.villages)} villages): generate "
            f"{t_gen:.2f} s + write {t_write:.2f} s = {t_gen + t_write:.2f} s "
            f"(gazetteer load {t_load:.1f} s, first in process)"
        )

        t0 = time.perf_counter()
        dna = synth.generate(mdb, seed=0, all_villages=True)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        synth.write(dna, out / "madhubani_all", district=mdb)
        t_write = time.perf_counter() - t0
        rows = sum(len(df) for df in dna.sheets.values())
        print(
            f"Madhubani --all-villages ({len(dna.villages)} villages, {rows:,} sheet rows): "
            f"generate {t_gen:.2f} s + write {t_write:.2f} s = {t_gen + t_write:.2f} s"
        )

        table = gazetteer.list_districts("Bihar")
        t_all = time.perf_counter()
        n_villages = 0
        t_io = 0.0
        done = 0
        for name in table["district"]:
            t0 = time.perf_counter()
            dist = gazetteer.load_district(name, state="Bihar")
            t_io += time.perf_counter() - t0
            if dist.villages.empty:
                continue
            dna, _ = synth.demo_data(dist, out / "bihar" / config.slugify(name), seed=0)
            n_villages += len(dna.villages)
            done += 1
        total = time.perf_counter() - t_all
        print(
            f"All Bihar, default settings: {done} of {len(table)} PMGSY districts, "
            f"{n_villages:,} villages, {total:.1f} s ({t_io:.1f} s of it loading the "
            f"gazetteer), {total / max(done, 1):.2f} s per district"
        )
        print(f"peak resident memory {_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
