"""pytest set-up for running the report notebooks with nbval.

``pytest --nbval-lax notebooks/`` executes every stored notebook cell by cell with its
own default parameters and fails on the first error. Two things make that work:

- the jupytext pairs (``*.py``) are not collected: ``--doctest-modules`` would import
  them, which runs the whole notebook at collection time;
- before the first notebook's kernel starts, a small processed fixture district is
  built in a temporary folder (SYNTHETIC workbooks for a few villages of the default
  district, ingested as ``leher ingest`` does) and the kernel's environment points the
  data, reports and figures folders there. Nothing is written into the checkout; the
  public data folder is read as configured.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leheranalysis.config import environ

collect_ignore_glob = ["*.py"]

#: District of the notebooks' ``parameters`` cells, and villages of its fixture DNA.
FIXTURE_DISTRICT = "Madhubani"
FIXTURE_VILLAGES = 12
FIXTURE_SEED = 3

_state: dict[str, object] = {}


def build_fixture_district(root: Path) -> Path:
    """Write and ingest the fixture district under ``root``; return its processed folder."""
    from leheranalysis import config, gazetteer, ingest, synth

    district, _notice = gazetteer.load_district_or_synthetic(FIXTURE_DISTRICT)
    slug = config.slugify(FIXTURE_DISTRICT)
    raw = root / "data" / "raw" / "demo" / slug
    dna, _ = synth.demo_data(district, raw, seed=FIXTURE_SEED, villages=FIXTURE_VILLAGES)
    out = root / "data" / "processed" / slug
    ingest.ingest_district(district, [raw], out_dir=out, reference_date="2025-01-15")
    # a follow-up round, so that the monitoring notebook has two rounds to compare
    from leheranalysis.synth import followup

    mid = root / "data" / "raw" / "demo" / f"{slug}-midline"
    followup.write_followup(followup.generate_followup(dna, "midline", seed=1), mid, district)
    ingest.ingest_district(
        district,
        [mid],
        out_dir=out / "rounds" / "midline",
        round_name="midline",
        reference_date="2027-01-15",
    )
    return out


def _is_notebook_item(item: pytest.Item) -> bool:
    return str(getattr(item, "path", "")).endswith(".ipynb")


def _fixture_environment() -> dict[str, str]:
    """The kernel environment of the fixture district (built on first use)."""
    if "env" not in _state:
        from leheranalysis import config

        root = Path(tempfile.mkdtemp(prefix="leher-nbval-"))
        _state["root"] = root
        _state["env"] = {
            "LEHER_HOME": str(root),
            "LEHER_DATA_DIR": str(root / "data"),
            "LEHER_PUBLIC_DATA": str(config.public_data_dir()),
            "LEHER_FIGURES_DIR": str(root / "figures"),
            "MPLBACKEND": "Agg",
        }
        with environ(_state["env"]):
            build_fixture_district(root)
    return _state["env"]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item):
    """Start each notebook's kernel (in the set-up of its first cell) on the fixture district.

    The environment is changed only while the kernel starts, so the other tests of the
    same session see it unchanged.
    """
    if not _is_notebook_item(item):
        yield
        return
    with environ(_fixture_environment()):
        yield


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the fixture folder."""
    root = _state.pop("root", None)
    _state.pop("env", None)
    if isinstance(root, Path):
        shutil.rmtree(root, ignore_errors=True)
