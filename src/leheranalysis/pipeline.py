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
DEMO_BASELINE_DATE = "2024-01-15"

#: Districts whose demonstration has a SYNTHETIC follow-up round, so that the monitoring
#: report is in the demo suite: round name and reference date (two years on).
DEMO_FOLLOWUPS: dict[str, tuple[str, str]] = {"Madhubani": ("midline", "2026-01-15")}


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

    Nothing is generated or ingested again when the district's demo stamp
    (:func:`demo_stamp_path`) says that the same seed, settings, package code and public
    data made the workbooks and processed folders that are there now, byte for byte:
    a second ``make demo`` then reuses them (and the reports see unchanged inputs).

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
    key = demo_key(district, seed)
    stamp = store.read_json(demo_stamp_path(district.name), missing_ok=True)
    if _stamp_holds(stamp, key, district.name):
        echo(
            f"  {district.name}: SYNTHETIC workbooks and processed data up to date (same "
            "seed, settings, code and public data); not generated again"
        )
        for note in stamp.get("notes", []):
            echo(f"  NOTE: {note}")
        return district.name
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
    key["notes"] = list(dna.notes)
    key["files"] = _demo_files(district.name)
    store.write_json(key, demo_stamp_path(district.name))
    return district.name


def demo_stamp_path(district: str) -> Path:
    """The stamp of a district's demo data: ``data/raw/demo/<slug>.demo.json``.

    Beside (not inside) the workbook folder, so that ingestion never sees it.
    """
    return demo_raw_dir(district).with_name(f"{config.slugify(district)}.demo.json")


def demo_key(district, seed: int) -> dict:
    """What makes a district's demo data: district, seed, settings, code and public data.

    The code is :func:`leheranalysis.derive.code_fingerprint` (every source and data file
    of the package); the public data is the registry's sha256 of every file, which
    :func:`fetch_public_data` verified (or the built-in synthetic geography).
    """
    import hashlib
    import json

    from leheranalysis import derive, sources

    public = {f.path: f.sha256 for f in sources.files()}
    return {
        "district": district.name,
        "synthetic_geography": bool(getattr(district, "synthetic", False)),
        "seed": int(seed),
        "dirt": DEMO_DIRT,
        "baseline_date": DEMO_BASELINE_DATE,
        "followup": list(DEMO_FOLLOWUPS.get(district.name, ())),
        "code": derive.code_fingerprint(),
        "public": hashlib.sha256(json.dumps(public, sort_keys=True).encode()).hexdigest(),
    }


def _demo_folders(district: str) -> list[Path]:
    """The demo's workbook folders and processed folders of a district."""
    from leheranalysis import rounds

    folders = [demo_raw_dir(district), config.processed_dir(district)]
    if district in DEMO_FOLLOWUPS:
        name = DEMO_FOLLOWUPS[district][0]
        folders += [
            config.raw_dir() / "demo" / f"{config.slugify(district)}-{name}",
            rounds.round_dir(district, name),
        ]
    return folders


def _demo_files(district: str) -> dict[str, str]:
    """sha256 of every workbook and processed file the demo made for a district."""
    out: dict[str, str] = {}
    for folder in _demo_folders(district):
        processed = store.has_manifest(folder)
        names = store.PROCESSED_FILES if processed else None
        paths = (
            [folder / n for n in names]
            if names
            else sorted(p for p in folder.glob("*") if p.is_file())
        )
        for path in paths:
            if path.is_file():
                out[str(path.relative_to(config.data_dir()))] = store.file_sha256(path)
    return out


def _stamp_holds(stamp, key: dict, district: str) -> bool:
    """True when the stamp was made with ``key`` and every file it lists is unchanged."""
    if not isinstance(stamp, dict) or not stamp.get("files"):
        return False
    if any(stamp.get(k) != v for k, v in key.items()):
        return False
    try:
        return _demo_files(district) == stamp["files"]
    except OSError:
        return False


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
    # the comparison report compares the demo's districts; when they are all the folder
    # holds, that is its default, so a later `leher run --all` finds every report unchanged
    held = set(store.processed_districts(config.processed_dir()))
    params = {} if held == set(names) else {"districts": names}
    summary = reports.run_all(districts=names, workers=workers, progress=True, params=params)
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
