"""The demonstration pipeline behind ``make demo`` / ``leher demo``.

Steps, each a call into the package:

1. fetch the public data (:func:`leheranalysis.sources.fetch`, from a mirror folder or the
   pinned upstream URLs); when it cannot be had, fall back to the built-in SYNTHETIC
   geography (:func:`leheranalysis.gazetteer.synthetic_district`) and say so;
2. generate SYNTHETIC DNA workbooks for each DNA district (:mod:`leheranalysis.synth`),
   with a little cleanable dirt (:data:`DEMO_DIRT`), into ``data/raw/demo/<district>/`` - never into ``data/raw/dna/``, where field data
   belongs;
3. ingest them (:func:`leheranalysis.ingest.ingest_district`) into
   ``data/processed/<district>/``; a processed folder built from real (not synthetic)
   data is never overwritten by the demo; Madhubani also gets a SYNTHETIC follow-up
   round (:data:`DEMO_FOLLOWUPS`), so the monitoring report is in the suite;
4. run the report notebooks for every district in parallel and build
   ``reports/index.html`` (:mod:`leheranalysis.reports`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from leheranalysis import config, store
from leheranalysis.errors import ConfigError, DataNotAvailableError, SourceError

#: The five districts where the DNA was carried out, as the organisation names them.
DNA_DISTRICTS: tuple[str, ...] = ("Madhubani", "Morigaon", "Leh", "Budgam", "Rajouri")

#: Seed of the demonstration data (same seed, same workbooks).
DEMO_SEED = 2026

#: Rate of cleanable human errors in the demonstration workbooks (re-cased, spaced and
#: misspelt names, numbers typed as text, "NA"/"-" tokens), so that the data-quality
#: report shows the cleaning log and the village matching at work. No error that
#: ingestion must reject is added.
DEMO_DIRT = 0.02

#: Reference date of the demonstration baseline (SYNTHETIC, like its data).
DEMO_BASELINE_DATE = "2025-01-15"

#: Districts whose demonstration has a SYNTHETIC follow-up round, so that the monitoring
#: report is in the demo suite: round name and reference date (two years on).
DEMO_FOLLOWUPS: dict[str, tuple[str, str]] = {"Madhubani": ("midline", "2027-01-15")}


@dataclass
class DemoResult:
    """What the demo produced."""

    index: Path | None
    districts: list[str]
    synthetic_geography: bool
    notices: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every report was built, 1 otherwise."""
        return 1 if self.failed or self.index is None else 0


def demo_raw_dir(district: str) -> Path:
    """Folder of a district's SYNTHETIC demonstration workbooks (``data/raw/demo/<slug>``)."""
    return config.raw_dir() / "demo" / config.slugify(district)


def _guard_real_data(out_dir: Path) -> None:
    if not store.has_manifest(out_dir):
        return
    if not store.is_synthetic(store.read_manifest(out_dir, missing_ok=True)):
        raise ConfigError(
            f"{out_dir} holds processed REAL data; the demo does not overwrite it. Move it "
            "away or set LEHER_DATA_DIR to another folder for the demo."
        )


def fetch_public_data(mirror: str | Path | None, echo: Callable[[str], None]) -> str | None:
    """Fetch the public data; return a notice (str) when it is not available, else None."""
    from leheranalysis import sources

    try:
        report = sources.fetch(mirror=mirror)
    except (SourceError, DataNotAvailableError) as exc:
        return f"public data could not be fetched: {exc}"
    echo(report.summary())
    return None


def prepare_district(name, seed: int, echo: Callable[[str], None]) -> str:
    """Generate, write and ingest the demonstration data of one district.

    Parameters
    ----------
    name : str or gazetteer.District
        District name, or a loaded (possibly synthetic) district.
    seed : int
        Random seed of the synthetic data.
    echo : callable
        Prints progress.

    Returns
    -------
    str
        The canonical district name (the processed folder's name).
    """
    from leheranalysis import gazetteer, ingest, synth

    district = gazetteer.load_district(name) if isinstance(name, str) else name
    out_dir = config.processed_dir(district.name)
    _guard_real_data(out_dir)
    raw = demo_raw_dir(district.name)
    t0 = time.perf_counter()
    dna, files = synth.demo_data(district, raw, seed=seed, dirt=DEMO_DIRT, dirt_errors=False)
    result = ingest.ingest_district(
        district, [raw], out_dir=out_dir, reference_date=DEMO_BASELINE_DATE
    )
    n_books = sum(str(p).endswith(".xlsx") for p in files.values())
    echo(
        f"  {district.name}: {n_books} SYNTHETIC workbooks in {raw}; ingested "
        f"{len(result.observations):,} observations of {len(result.villages)} villages "
        f"into {out_dir} ({time.perf_counter() - t0:.1f} s)"
    )
    for note in dna.notes:
        echo(f"  NOTE: {note}")
    if district.name in DEMO_FOLLOWUPS:
        prepare_followup(district, dna, seed, echo)
    return district.name


def prepare_followup(district, baseline, seed: int, echo: Callable[[str], None]) -> Path:
    """Write and ingest the SYNTHETIC follow-up round of a demo district (:data:`DEMO_FOLLOWUPS`).

    The workbooks go to ``data/raw/demo/<slug>-<round>/`` (beside, not inside, the
    baseline's folder), the processed round to ``data/processed/<slug>/rounds/<round>/``.
    """
    from leheranalysis import ingest, rounds
    from leheranalysis.synth import followup

    name, date = DEMO_FOLLOWUPS[district.name]
    t0 = time.perf_counter()
    raw = config.raw_dir() / "demo" / f"{config.slugify(district.name)}-{name}"
    dna = followup.generate_followup(
        baseline, name, seed=seed, dirt=DEMO_DIRT, dirt_errors=False, district=district
    )
    followup.write_followup(dna, raw, district=district)
    out = rounds.round_dir(district.name, name)
    result = ingest.ingest_district(
        district, [raw], out_dir=out, round_name=name, reference_date=date
    )
    echo(
        f"  {district.name}: SYNTHETIC {name} round of {len(result.villages)} villages in "
        f"{raw}; ingested into {out} ({time.perf_counter() - t0:.1f} s)"
    )
    return out


def run_demo(
    mirror: str | Path | None = None,
    districts: Sequence[str] = DNA_DISTRICTS,
    workers: int | None = None,
    seed: int = DEMO_SEED,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Run the whole demonstration: data, synthetic workbooks, ingestion, reports.

    Parameters
    ----------
    mirror : path, optional
        Local mirror of the public data (same relative paths as upstream).
    districts : sequence of str
        Districts to build (default: the five DNA districts).
    workers : int, optional
        Parallel report processes (default: number of cores).
    seed : int
        Seed of the synthetic data.
    echo : callable
        Prints progress (default ``print``).

    Returns
    -------
    DemoResult
    """
    from leheranalysis import gazetteer, reports

    t0 = time.perf_counter()
    notices: list[str] = []
    echo("1/4 public data")
    notice = fetch_public_data(mirror, echo)
    synthetic_geo = notice is not None
    if synthetic_geo:
        notices.append(
            f"NOTICE: {notice}. The demo continues OFFLINE on the built-in SYNTHETIC "
            "geography (invented blocks and villages); NFHS-5 comparisons are omitted."
        )
        echo(notices[-1])
        targets: list = [gazetteer.synthetic_district("Synthetic District")]
    else:
        targets = list(districts)
    echo("2/4 SYNTHETIC demonstration workbooks and 3/4 ingestion")
    names = [prepare_district(t, seed, echo) for t in targets]
    echo("4/4 reports")
    summary = reports.run_all(
        districts=names, workers=workers, progress=True, params={"districts": names}
    )
    echo(summary.describe())
    index = summary.index or reports.build_index()
    failed = [r.message for r in summary.failed]
    return DemoResult(
        index=index,
        districts=names,
        synthetic_geography=synthetic_geo,
        notices=notices,
        failed=failed,
        seconds=time.perf_counter() - t0,
    )
