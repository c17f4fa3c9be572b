"""Fine-grained re-runs: a report re-runs exactly when something it read changed."""

from __future__ import annotations

import pytest

from leheranalysis import config, derive, ingest, store
from leheranalysis.reports import runner
from tests._suite import NOTEBOOKS, build_processed, sandbox

pytestmark = pytest.mark.realdata
DISTRICTS = ("Leh", "Budgam", "Rajouri")


def _keys(options) -> dict[str, str]:
    """Cache key of every report of every district, as `leher run --all` plans them."""
    notebooks = runner.find_notebooks(NOTEBOOKS)
    available = store.processed_districts()
    keys = {}
    for name, folder in available.items():
        for job in runner.plan_district(
            name, notebooks, options, folder, known_districts=list(available)
        ):
            keys[f"{job.slug}/{job.notebook.stem}"] = job.cache_key
    return keys


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert set(before) == set(after)
    return {k for k in before if before[k] != after[k]}


def test_reingesting_one_district_reruns_its_reports_and_every_comparison(public_data, tmp_path):
    with sandbox(tmp_path):
        for name in DISTRICTS:
            build_processed(name, tmp_path, seed=5, villages=10)
        options = runner.RunOptions(out_dir=tmp_path / "reports", params={"cpvi_n": 0})
        first = _keys(options)
        assert {k.split("/")[1] for k in first} == {
            "01-data-quality",
            "02-baseline-findings",
            "03-village-maps",
            "04-district-comparison",
        }
        # the same workbooks ingested again: identical bytes, nothing to re-run
        raw = tmp_path / "data" / "raw" / "demo" / "budgam"
        ingest.ingest_district("Budgam", [raw], out_dir=config.processed_dir("Budgam"))
        assert _changed(first, _keys(options)) == set()
        # Budgam's data change: its reports and every comparison showing it re-run
        build_processed("Budgam", tmp_path, seed=6, villages=10)
        assert derive.stale(config.processed_dir("Budgam"))  # derived again when planned
        second = _keys(options)
        assert _changed(first, second) == {
            "budgam/01-data-quality",
            "budgam/02-baseline-findings",
            "budgam/03-village-maps",
            "budgam/04-district-comparison",
            "leh/04-district-comparison",
            "rajouri/04-district-comparison",
        }
        # a parameter of one report re-runs that report only
        more = runner.RunOptions(
            out_dir=tmp_path / "reports", params={"cpvi_n": 0, "top_discrepancies": 5}
        )
        assert {k.split("/")[1] for k in _changed(second, _keys(more))} == {"02-baseline-findings"}
