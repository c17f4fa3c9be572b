"""Benchmark: the report suite with ``run_all`` against the plain way.

The plain way is what one would do by hand: for each district and notebook, one after
another, ``papermill`` then ``jupyter nbconvert --to html --no-input``. ``run_all`` runs
the same notebooks in parallel processes (``os.cpu_count()``), with validation,
provenance header and index page, ``force=True`` so that nothing is skipped as unchanged,
and without the district PDFs (the plain way makes none; they are timed after it).

The notebooks are those of ``notebooks/`` and the districts those with processed data
(``data/processed/<slug>/manifest.json``). Before the real suite exists (no notebooks or
no processed data) the fixture notebooks of ``tests/fixtures/notebooks`` run on two
fixture districts in a temporary project.

Run: ``.venv/bin/python benchmarks/bench_reports.py`` (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leheranalysis import config, reports
from leheranalysis.reports.pdf import write_pdfs

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
BIN = Path(sys.executable).parent


def _fixture_project(tmp: Path) -> tuple[Path, Path]:
    """Notebooks folder and processed root of a two-district fixture project."""
    nbdir = tmp / "notebooks"
    shutil.copytree(FIXTURES, nbdir)
    processed = tmp / "data" / "processed"
    for name, synthetic in (("Madhubani", True), ("Morigaon", True)):
        folder = processed / config.slugify(name)
        folder.mkdir(parents=True)
        manifest = {"district": name, "synthetic": synthetic, "inputs": [], "created": "fixture"}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return nbdir, processed


def _suite(tmp: Path) -> tuple[Path, Path, str]:
    nbdir = ROOT / "notebooks"
    processed = config.processed_dir()
    has_notebooks = any(nbdir.glob("[0-9]*.ipynb")) or any(nbdir.glob("[0-9]*.py"))
    if has_notebooks and reports.processed_districts(processed):
        return nbdir, processed, "real suite"
    nbdir, processed = _fixture_project(tmp)
    os.environ["LEHER_HOME"] = str(tmp)
    os.environ["LEHER_DATA_DIR"] = str(tmp / "data")
    return nbdir, processed, "fixture notebooks (the real suite is not there yet)"


def _plain(jobs, out: Path) -> tuple[float, int]:
    """papermill then nbconvert, one notebook after another; returns (seconds, failures)."""
    import yaml

    failures = 0
    t0 = time.perf_counter()
    for job in jobs:
        folder = out / job.slug
        folder.mkdir(parents=True, exist_ok=True)
        source = job.notebook
        if source.suffix != ".ipynb":  # jupytext text notebook: convert first
            converted = folder / f"{source.stem}.input.ipynb"
            subprocess.run(
                [BIN / "jupytext", "--to", "ipynb", "-o", converted, source],
                check=True,
                capture_output=True,
            )
            source = converted
        executed = folder / f"{job.notebook.stem}.ipynb"
        ran = subprocess.run(
            [
                BIN / "papermill",
                source,
                executed,
                "-y",
                yaml.safe_dump(job.parameters),
                "--cwd",
                job.notebook.parent,
                "-k",
                job.kernel_name,
                "--no-progress-bar",
            ],
            capture_output=True,
        )
        if ran.returncode != 0:
            failures += 1
            continue
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t0, failures


def main() -> None:
    """Time ``run_all`` and the plain way on the same notebooks and districts."""
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmpdir:
        tmp = Path(tmpdir)
        saved_env = {k: os.environ.get(k) for k in ("LEHER_HOME", "LEHER_DATA_DIR")}
        try:
            nbdir, processed, label = _suite(tmp)
            districts = list(reports.processed_districts(processed))
            notebooks = reports.find_notebooks(nbdir)
            workers = os.cpu_count() or 1
            print(f"suite: {label}: {len(districts)} districts x {len(notebooks)} notebooks")

            t0 = time.perf_counter()
            summary = reports.run_all(
                workers=workers,
                progress=False,
                force=True,
                data_dir=processed,
                notebooks_dir=nbdir,
                out_dir=tmp / "reports-run-all",
                pdf=False,  # like for like: the plain way prints no PDF (timed below)
            )
            t_run_all = time.perf_counter() - t0
            print(
                f"run_all ({workers} workers): {t_run_all:7.1f} s  "
                f"({len(summary.records) - len(summary.failed)} ok, {len(summary.failed)} failed)"
            )
            t0 = time.perf_counter()
            pdfs, notices = write_pdfs(tmp / "reports-run-all", summary.records)
            print(
                f"then the district PDFs (not made by the plain way): "
                f"{time.perf_counter() - t0:7.1f} s  ({len(pdfs)} printed{', ' if notices else ''}"
                f"{'; '.join(notices)})"
            )

            opts = reports.RunOptions(out_dir=tmp / "unused", notebooks_dir=nbdir)
            jobs = [
                job
                for d, folder in reports.processed_districts(processed).items()
                for job in reports.plan_district(d, notebooks, opts, folder, known_districts=[d])
            ]
            t_plain, failed = _plain(jobs, tmp / "reports-plain")
            print(f"plain (papermill + nbconvert, sequential): {t_plain:7.1f} s  ({failed} failed)")
            print(f"ratio plain / run_all: {t_plain / t_run_all:.2f}x")
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"peak RSS of a child process (kernel or worker): {peak:.0f} MiB")
        finally:
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


if __name__ == "__main__":
    main()
