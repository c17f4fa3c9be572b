"""Every report notebook executes (papermill, as in batch runs) on a small fixture district.

The fixture is the built-in SYNTHETIC geography with a small synthetic DNA, so this test
needs no public data; the real-data run of the whole suite is in
``test_report_suite.py``.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from leheranalysis import gazetteer, reports
from tests._suite import NOTEBOOK_STEMS, NOTEBOOKS, build_processed, code_inputs, sandbox

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notebooks-fixture")]


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture-suite")
    with sandbox(root):
        district = gazetteer.synthetic_district("Synthetic District")
        name = build_processed(district, root, seed=3, villages=12)
        summary = reports.run_district(
            name,
            data_dir=root / "data" / "processed",
            out_dir=root / "reports",
            notebooks_dir=NOTEBOOKS,
            workers=2,
            force=True,
        )
        yield root, name, summary


def test_notebooks_are_stored_without_outputs():
    for stem in NOTEBOOK_STEMS:
        nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code, stem
        assert all(not c.outputs and c.execution_count is None for c in code), stem
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{stem}: exactly one parameters cell"
        assert (NOTEBOOKS / f"{stem}.py").is_file(), f"{stem}: paired jupytext file missing"


def test_every_notebook_runs_on_the_fixture_district(fixture_run):
    root, name, summary = fixture_run
    assert [r.notebook for r in summary.records] == list(NOTEBOOK_STEMS)
    failed = {r.notebook: r.message for r in summary.records if not r.ok}
    assert not failed, failed
    for rec in summary.records:
        html = (root / "reports" / rec.html).read_text(encoding="utf-8")
        assert not code_inputs(html), f"{rec.notebook}: code cells in the report"
        assert "SYNTHETIC" in html, f"{rec.notebook}: no SYNTHETIC banner"
        assert name in html


def test_runs_are_recorded_for_the_index(fixture_run):
    root, name, _ = fixture_run
    runs = json.loads((root / "reports" / "runs.json").read_text())
    assert runs, "runs.json is empty"
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    for stem in NOTEBOOK_STEMS:
        assert stem in index


def test_a_district_without_village_data_renders_with_located_sentences(tmp_path):
    """Only the departments' block figures and the Part II tool: every section of the
    baseline and map reports still renders, saying what is missing instead of a table."""
    import pandas as pd

    from leheranalysis import store
    from leheranalysis.present import baseline as pb

    with sandbox(tmp_path):
        district = gazetteer.synthetic_district("Synthetic Dryland")
        name = build_processed(district, tmp_path, seed=5, villages=6)
        folder = store.district_folder(name)
        obs = pd.read_parquet(folder / "observations.parquet")
        store.write_parquet(obs[obs["instrument"] != "village"], folder / "observations.parquet")
        rankings = pd.read_parquet(folder / "rankings.parquet")
        store.write_parquet(rankings.iloc[:0], folder / "rankings.parquet")
        summary = reports.run_district(
            name,
            notebooks=["02-baseline-findings", "03-village-maps"],
            data_dir=tmp_path / "data" / "processed",
            out_dir=tmp_path / "reports",
            notebooks_dir=NOTEBOOKS,
            force=True,
        )
    failed = {r.notebook: r.message for r in summary.records if not r.ok}
    assert not failed, failed
    baseline, maps = (
        _text((tmp_path / "reports" / r.html).read_text(encoding="utf-8")) for r in summary.records
    )
    for sentence in (pb.NO_VILLAGE_DATA, pb.NO_RANKING_DATA, pb.NO_TRIANGULATION_DATA):
        assert " ".join(sentence.split()) in baseline
    assert "The index could not be computed:" in baseline
    assert "without the index there is no village profile" in maps


def _text(page: str) -> str:
    """The words of an HTML page, one space between them (scripts and styles left out)."""
    import html
    import re

    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
