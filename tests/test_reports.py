"""Tests of the report runner (leheranalysis.reports), the figure style and ``leher run``.

Fast tests parse parameters, build HTML from hand-made executed notebooks and index
pages from hand-made records. Tests marked ``slow`` start Jupyter kernels on the fixture
notebooks of ``tests/fixtures/notebooks`` (one succeeds, one fails on purpose) for two
fixture districts, once in a module-scoped run, plus one run on a Dask LocalCluster.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from leheranalysis import __version__, config, environment, plotting, reports
from leheranalysis.cli import main as cli_main
from leheranalysis.errors import ConfigError, DataNotAvailableError, ReportError, UnknownNameError
from leheranalysis.reports import batch, export, parameters, runner
from leheranalysis.reports.records import RunRecord, add_records, load_runs

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
GOOD = FIXTURES / "01-fixture-report.py"
BAD = FIXTURES / "02-fixture-fails.ipynb"
ARTIFACTS = Path(__file__).parent / "artifacts"
PNG_1PX = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e0a4b1"
        "d50000000049454e44ae426082"
    )
).decode()


def _manifest(district: str, synthetic: bool) -> dict:
    return {
        "district": district,
        "synthetic": synthetic,
        "inputs": [
            {
                "file": f"data/raw/dna/{district.lower()}/part1_village_tool.xlsx",
                "sha256": "0123456789abcdef" * 4,
                "synthetic": synthetic,
            }
        ],
        "codebook_version": "1.2.0",
        "package_version": __version__,
        "created": "2024-05-01T10:00:00+00:00",
        "parameters": {},
    }


def _make_project(root: Path) -> Path:
    """A project folder: notebooks, processed data of Madhubani (synthetic) and Morigaon."""
    (root / "notebooks").mkdir(parents=True)
    for nb in (GOOD, BAD):
        shutil.copy(nb, root / "notebooks" / nb.name)
    for name, synthetic in (("Madhubani", True), ("Morigaon", False)):
        folder = root / "data" / "processed" / name.lower()
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps(_manifest(name, synthetic)))
    return root


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = _make_project(tmp_path / "proj")
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    # decisions must not depend on whether public data happens to be present
    monkeypatch.setattr(parameters, "_gazetteer_resolve", lambda name: (None, []))
    return root


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel was started")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    monkeypatch.setattr(runner, "execute_job", boom)


# --------------------------------------------------------------- parameters


def test_notebook_parameters_from_jupytext_py():
    params = reports.notebook_parameters(GOOD)
    assert list(params) == ["district", "data_dir", "synthetic", "n_villages", "scale", "blocks"]
    assert params["district"] == ("str" and str, "Madhubani", "district name as in the gazetteer")
    assert params["n_villages"].type is int and params["n_villages"].default == 4
    assert params["scale"].type is float
    assert params["blocks"].type == list[str]
    assert params["blocks"].default == ["Bisfi", "Pandaul"]
    assert params["blocks"].comment == "blocks shown in the table"


def test_notebook_parameters_from_ipynb():
    params = reports.notebook_parameters(BAD)
    assert params == {
        "district": (str, "Madhubani", "district name as in the gazetteer"),
        "threshold": (int, 5, "smallest count shown"),
    }


def _nb_with_parameters(tmp_path: Path, source: str | None, name="x.ipynb") -> Path:
    nb = new_notebook()
    cell = new_code_cell(source or "a = 1")
    if source is not None:
        cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "has no cells tagged 'parameters'"),
        ("n: int = len('abc')  # count", "default of parameter 'n' must be a literal"),
        ("n: numpy.int64 = 3", "unsupported type annotation 'numpy.int64'"),
        ("for i in range(3): pass", "only `name: type = literal  # comment`"),
    ],
)
def test_notebook_parameters_errors(tmp_path, source, message):
    path = _nb_with_parameters(tmp_path, source)
    with pytest.raises(ReportError, match=re.escape(message)) as info:
        reports.notebook_parameters(path)
    assert "x.ipynb" in str(info.value)


def test_annotations_optional_and_untyped(tmp_path):
    path = _nb_with_parameters(
        tmp_path,
        "a: int | None = None  # optional\nb = 2.5\nc: Optional[list[int]] = [1]\n"
        "d: dict[str, float] = {'x': 1.0}\ne: Literal['map', 'table'] = 'map'",
    )
    p = reports.notebook_parameters(path)
    assert parameters.type_name(p["a"].type) == "int | None"
    assert p["b"].type is float and p["b"].comment == ""
    assert parameters.matches_type(None, p["c"].type)
    assert parameters.matches_type([1, 2], p["c"].type)
    assert not parameters.matches_type(["x"], p["c"].type)
    assert parameters.matches_type({"y": 2}, p["d"].type)
    assert not parameters.matches_type({"y": "2"}, p["d"].type)
    assert parameters.matches_type("table", p["e"].type)
    assert not parameters.matches_type("chart", p["e"].type)


def test_validate_parameters_accepts_and_canonicalises():
    out = reports.validate_parameters(
        GOOD,
        {"district": "  madhubani ", "n_villages": 3, "scale": 2, "blocks": ["Bisfi"]},
        known_districts=["Madhubani", "Morigaon"],
    )
    assert out == {"district": "Madhubani", "n_villages": 3, "scale": 2, "blocks": ["Bisfi"]}


def test_validate_unknown_parameter_named_with_suggestion():
    with pytest.raises(ConfigError) as info:
        reports.validate_parameters(GOOD, {"n_village": 3}, known_districts=["Madhubani"])
    msg = str(info.value)
    assert "01-fixture-report has no parameter 'n_village'" in msg
    assert "Did you mean: n_villages?" in msg


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("n_villages", "4", "parameter 'n_villages' must be int, got str '4'"),
        ("n_villages", True, "parameter 'n_villages' must be int, got bool True"),
        ("scale", "big", "parameter 'scale' must be float, got str 'big'"),
        ("blocks", ["Bisfi", 3], "parameter 'blocks' must be list[str]"),
    ],
)
def test_validate_wrong_type_named(name, value, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        reports.validate_parameters(GOOD, {name: value}, known_districts=["Madhubani"])


def test_validate_unknown_district_suggests_close_matches():
    with pytest.raises(UnknownNameError) as info:
        reports.validate_parameters(
            GOOD, {"district": "Madhubanni"}, known_districts=["Madhubani", "Morigaon", "Leh"]
        )
    assert info.value.suggestions == ["Madhubani"]
    assert "Unknown district 'Madhubanni'. Did you mean: Madhubani?" in str(info.value)


def test_resolve_district_uses_gazetteer(monkeypatch):
    from leheranalysis import gazetteer

    monkeypatch.setattr(
        gazetteer, "resolve_district", lambda name: ("Budgam", "Jammu And Kashmir", 90)
    )
    assert reports.resolve_district("Badgam", with_data=["Madhubani"]) == "Budgam"

    def unknown(name):
        raise UnknownNameError("district", name, ["Morigaon"])

    monkeypatch.setattr(gazetteer, "resolve_district", unknown)
    with pytest.raises(UnknownNameError) as info:
        reports.resolve_district("Morigon", with_data=["Madhubani"])
    assert info.value.suggestions == ["Morigaon"]


@pytest.mark.realdata
def test_resolve_district_alias_with_public_data(public_data):
    assert reports.resolve_district("Badgam", with_data=[]) == "Budgam"


def test_parse_cli_value_by_declared_type():
    assert reports.parse_cli_value("007", str) == "007"
    assert reports.parse_cli_value("7", int) == 7
    assert reports.parse_cli_value("[Bisfi, Rajnagar]", list[str]) == ["Bisfi", "Rajnagar"]
    assert reports.parse_cli_value("null", str | None) is None
    assert reports.parse_cli_value("yes", str | None) == "yes"


def test_find_notebooks_selection(project):
    nbdir = project / "notebooks"
    assert [p.name for p in reports.find_notebooks(nbdir)] == [GOOD.name, BAD.name]
    assert [p.stem for p in reports.find_notebooks(nbdir, ["02"])] == ["02-fixture-fails"]
    assert [p.stem for p in reports.find_notebooks(nbdir, ["fixture-report"])] == [
        "01-fixture-report"
    ]
    with pytest.raises(ConfigError, match="no notebook '05'.*available: 01-fixture-report"):
        reports.find_notebooks(nbdir, ["05"])


# ------------------------------------------------- validation before any kernel


def test_run_district_validates_before_any_kernel(project, no_kernel):
    nbdir = project / "notebooks"
    with pytest.raises(UnknownNameError, match="Did you mean: Madhubani"):
        reports.run_district("Madhubanni", notebooks_dir=nbdir)
    with pytest.raises(ConfigError, match="no parameter 'n_vilages'.*Did you mean: n_villages"):
        reports.run_district("Madhubani", notebooks_dir=nbdir, params={"n_vilages": 3})
    with pytest.raises(ConfigError, match="parameter 'n_villages' must be int"):
        reports.run_district("Madhubani", notebooks_dir=nbdir, params={"n_villages": "x"})
    with pytest.raises(ConfigError, match="'district' is set by the runner"):
        reports.run_district("Madhubani", notebooks_dir=nbdir, params={"district": "Leh"})
    with pytest.raises(DataNotAvailableError, match="no processed data for district 'Patna'"):
        reports.run_district("Patna", notebooks_dir=nbdir, known_districts=["Patna"])
    assert not (project / "reports" / "madhubani").exists()


def test_cli_errors_exit_2_without_kernel(project, no_kernel, capsys):
    nbdir = str(project / "notebooks")
    code = cli_main(["run", "--district", "Morigon", "--notebooks-dir", nbdir])
    assert code == 2
    assert "Unknown district 'Morigon'. Did you mean: Morigaon?" in capsys.readouterr().err
    code = cli_main(
        ["run", "--district", "Morigaon", "--notebooks-dir", nbdir, "-p", "n_villages=many"]
    )
    assert code == 2
    assert "parameter 'n_villages' must be int, got str 'many'" in capsys.readouterr().err


def test_plan_passes_runner_parameters_and_cache_key(project):
    opts = runner.RunOptions(out_dir=project / "reports", notebooks_dir=project / "notebooks")
    nbs = reports.find_notebooks(opts.notebooks_dir)
    (good, bad) = reports.plan_district("madhubani", nbs, opts, known_districts=["Madhubani"])
    data_dir = str((project / "data" / "processed" / "madhubani").resolve())
    assert good.parameters == {"district": "Madhubani", "data_dir": data_dir, "synthetic": True}
    assert bad.parameters == {"district": "Madhubani"}  # declares only district
    assert good.provenance["synthetic"] is True
    assert good.provenance["inputs"][0]["sha256"] == "0123456789ab"
    opts2 = runner.RunOptions(
        out_dir=opts.out_dir, notebooks_dir=opts.notebooks_dir, params={"n_villages": 2}
    )
    (good2, _) = reports.plan_district("Madhubani", nbs, opts2, known_districts=["Madhubani"])
    assert good2.parameters["n_villages"] == 2
    assert good2.cache_key != good.cache_key


# --------------------------------------------------------------- HTML export


def _executed_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    params = new_code_cell("district: str = 'X'  # district")
    params.metadata["tags"] = ["parameters"]
    code = new_code_cell("very_secret_source_line = plot()")
    code.outputs = [
        new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
        new_output("stream", name="stderr", text="UserWarning: noisy\n"),
        new_output(
            "display_data",
            data={
                reports.provenance.PROVENANCE_MIME: {
                    "sources": [{"name": "NFHS-5 fact sheets", "date": "2021-12"}],
                    "synthetic": False,
                },
                "text/plain": "",
            },
        ),
    ]
    hidden = new_code_cell("print('hidden')")
    hidden.metadata["tags"] = ["remove-cell"]
    hidden.outputs = [new_output("stream", name="stdout", text="should not appear\n")]
    nb.cells = [
        new_markdown_cell("# Baseline findings\n\nIntro."),
        params,
        new_markdown_cell("## Headline table"),
        code,
        new_markdown_cell("## Headline table\n### Details & notes"),
        hidden,
    ]
    return nb


def test_export_html_without_code_with_header_banner_and_toc(tmp_path):
    nb = _executed_notebook()
    prov = {
        "synthetic": True,
        "inputs": [{"file": "part1.xlsx", "sha256": "abcdef123456", "synthetic": True}],
        "sources": reports.provenance.collect_declarations(nb)["sources"],
        "created": "2024-05-01",
        "codebook_version": "1.2.0",
        "manifest_sha256": "f" * 64,
    }
    out = export.export_html(nb, tmp_path / "r.html", district="Madhubani", provenance=prov)
    text = out.read_text()
    body = text.split("<body", 1)[1]
    assert "very_secret_source_line" not in text
    assert "jp-CodeMirrorEditor" not in body and "In&nbsp;[" not in body
    assert 'class="jp-InputArea' not in body.split('class="jp-Cell jp-CodeCell')[1][:300]
    assert "should not appear" not in text and "noisy" not in text
    assert "district: str" not in text
    assert 'id="synthetic-banner"' in text and "SYNTHETIC DATA" in text
    assert "<title>[SYNTHETIC] Baseline findings - Madhubani</title>" in text
    for fragment in (
        "District Need Assessment · Madhubani",
        "<strong>NFHS-5 fact sheets</strong> (2021-12)",
        "part1.xlsx - sha256 <code>abcdef123456</code>",
        "codebook 1.2.0",
        f"leheranalysis {__version__}",
        "<dt>Generated</dt>",
    ):
        assert fragment in text
    assert f"data:image/png;base64,{PNG_1PX[:20]}" in text
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", text)
    nav = re.search(r'<nav class="leher-toc".*?</nav>', text, re.S).group(0)
    hrefs = re.findall(r'href="#([^"]+)"', nav)
    assert len(hrefs) == 4 and len(set(hrefs)) == 4  # duplicate heading made unique
    ids = set(re.findall(r'<h[1-4][^>]*\sid="([^"]+)"', text))
    assert set(hrefs) <= ids
    assert "Details &amp; notes" in nav


def test_header_analysts_section_shows_lock_hash_versions_and_differences(tmp_path):
    now = environment.describe()
    built = {**now, "libraries": {**now["libraries"], "pandas": "2.1.0"}}
    prov = {"synthetic": False, "environment": now, "data_environment": built}
    nb = _executed_notebook()
    text = export.export_html(nb, tmp_path / "r.html", district="Morigaon", provenance=prov)
    text = text.read_text()
    section = re.search(r'<details class="leher-analysts".*?</details>', text, re.S).group(0)
    assert "For analysts: how this report was built" in section
    assert f"requirements.lock sha256 {now['lock_sha256'][:12]}" in section
    assert f"pandas {now['libraries']['pandas']}" in section
    assert f"Python {now['python']}" in section
    assert f"<li>pandas 2.1.0 -&gt; {now['libraries']['pandas']}</li>" in section
    # the same software: said in words
    prov["data_environment"] = now
    text = export.export_html(nb, tmp_path / "s.html", district="Morigaon", provenance=prov)
    assert "the same software as this report" in text.read_text()


def test_export_html_without_synthetic(tmp_path):
    nb = _executed_notebook()
    out = export.export_html(
        nb, tmp_path / "r.html", district="Morigaon", provenance={"synthetic": False}
    )
    text = out.read_text()
    assert "synthetic-banner" not in text and "SYNTHETIC" not in text
    assert "<title>Baseline findings - Morigaon</title>" in text


def test_one_exporter_serves_report_after_report_and_keeps_nothing_of_the_last(tmp_path):
    from datetime import datetime

    first = _executed_notebook()
    second = _executed_notebook()
    second.cells[0].source = "# Village maps\n\nOther intro."
    second.cells[3].outputs = second.cells[3].outputs[1:]  # no figure
    kw = {"generated": datetime(2026, 1, 15)}
    a = export.export_html(
        first, tmp_path / "1" / "r.html", district="Madhubani", provenance={}, **kw
    )
    b = export.export_html(
        second, tmp_path / "2" / "r.html", district="Morigaon", provenance={"synthetic": True}, **kw
    )
    assert export._exporter() is export._exporter()  # templates compiled once per process
    text = b.read_text()
    assert "<title>[SYNTHETIC] Village maps - Morigaon</title>" in text
    assert "Madhubani" not in text and "Baseline findings" not in text
    assert "data:image/png" not in text and "Other intro." in text
    again = export.export_html(
        first, tmp_path / "3" / "r.html", district="Madhubani", provenance={}, **kw
    )
    assert again.read_text() == a.read_text()


def test_tables_kept_out_of_nbconvert_come_back_in_their_place(tmp_path, monkeypatch):
    exporter = export._exporter()
    given = []

    def convert(nb, **kw):
        given.append(nbformat.writes(nb))
        return type(exporter).from_notebook_node(exporter, nb, **kw)

    monkeypatch.setattr(exporter, "from_notebook_node", convert)
    nb = new_notebook()
    table = new_code_cell("show(table)")
    html_table = (
        "<style scoped>td {color: red}</style><table><thead><tr><th>Block</th></tr></thead>"
        "<tbody><tr><td>Bisfi &lt;b&gt;</td></tr></tbody></table>\n"
    )
    table.outputs = [new_output("display_data", data={"text/html": html_table, "text/plain": ""})]
    nb.cells = [
        new_markdown_cell("# Findings"),
        new_markdown_cell("## First"),
        table,
        new_markdown_cell("## Second\n\n<!--leher-table-0000000000000000-0--> stays text"),
    ]
    out = export.export_html(nb, tmp_path / "r.html", district="Leh", provenance={})
    assert len(given) == 1 and "<table" not in given[0]  # nbconvert never parses the table
    text = out.read_text()
    assert text.count("<table") == 1  # a look-alike placeholder is not one (random token)
    assert "<!--leher-table-0000000000000000-0--> stays text" in text
    first, cell, second = (
        text.index(s) for s in ('id="First"', 'data-label="Block"', 'id="Second"')
    )
    assert first < cell < second  # the table is back where the notebook showed it
    assert "Bisfi &lt;b&gt;</td>" in text
    csv = (tmp_path / "r-tables" / "01-first.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines() == ["Block", "Bisfi <b>"]


# --------------------------------------------------------------- index page


def _record(district, notebook, status, **kw) -> RunRecord:
    slug = district.lower()
    return RunRecord(
        district=district,
        slug=slug,
        notebook=notebook,
        source=f"notebooks/{notebook}.ipynb",
        status=status,
        html=f"{slug}/{notebook}.html" if status == "ok" else None,
        ipynb=f"{slug}/{notebook}.ipynb",
        duration_s=kw.pop("duration_s", 4.25),
        finished="2024-05-02T08:30:00+00:00",
        **kw,
    )


def _processed(root: Path, *districts: str) -> Path:
    for name in districts:
        folder = root / config.slugify(name)
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps(_manifest(name, False)))
    return root


def test_build_index_lists_runs_with_status_and_provenance(tmp_path):
    processed = _processed(tmp_path / "processed", "Madhubani", "Morigaon")
    recs = [
        _record("Madhubani", "01-data-quality", "ok", provenance={"synthetic": True}),
        _record(
            "Madhubani",
            "02-baseline-findings",
            "failed",
            message="notebook 02-baseline-findings.ipynb failed at cell 7: KeyError: 'x'",
        ),
        _record(
            "Morigaon",
            "01-data-quality",
            "ok",
            provenance={
                "synthetic": False,
                "codebook_version": "1.2.0",
                "inputs": [{"file": "a.xlsx", "sha256": "abcdef123456"}],
            },
            cached=True,
        ),
    ]
    add_records(tmp_path, recs)
    text = reports.build_index(tmp_path, data_roots=[processed]).read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "3 reports, 1 failed" in text
    assert '<a href="madhubani/01-data-quality.html">01 Data quality</a>' in text
    assert (
        '02 Baseline findings &middot; <a href="madhubani/02-baseline-findings.ipynb">'
        "executed notebook</a>"
    ) in text
    assert "failed at cell 7: KeyError: &#x27;x&#x27;" in text
    assert text.count('class="badge failed"') == 1 and text.count('class="badge ok"') == 2
    madhubani = text.split('id="madhubani"')[1].split("</section>")[0]
    assert "SYNTHETIC" in madhubani
    assert "SYNTHETIC" not in text.split('id="morigaon"')[1].split("</section>")[0]
    # the reader's section names the failed report; its error is for analysts
    assert "Not available" in madhubani and "KeyError" not in madhubani
    assert (
        text.index('id="madhubani"') < text.index('id="morigaon"') < text.index('id="for-analysts"')
    )
    morigaon = text.split('id="analysts-morigaon"')[1].split("</section>")[0]
    assert "codebook 1.2.0" in morigaon and "abcdef123456" in morigaon
    assert "unchanged" in morigaon and "4.2 s" in morigaon
    assert "http" not in text and "<script" not in text


def test_index_splits_dna_data_from_public_sources(tmp_path):
    processed = _processed(tmp_path / "processed", "Madhubani")
    dna_inputs = [
        {"file": "dna_part1_village_tool.xlsx", "sha256": "a" * 64, "synthetic": True},
        {"file": "data/raw/dna/dna_part2_block_tool.xlsx", "sha256": "b" * 12, "synthetic": True},
    ]

    def prov(*sources):
        return {"synthetic": True, "inputs": dna_inputs, "sources": list(sources)}

    recs = [
        _record(
            "Madhubani",
            "01-data-quality",
            "ok",
            provenance=prov(
                {"name": "District Need Assessment workbooks (SYNTHETIC demonstration data)"},
                {
                    "name": "PMGSY GeoSadak habitations (village list used for name matching)",
                    "date": "2022",
                },
            ),  # fmt: skip
        ),
        _record(
            "Madhubani",
            "02-baseline-findings",
            "ok",
            provenance=prov(
                {"name": "District Need Assessment (processed DNA data)"},
                {"name": "PMGSY GeoSadak habitations (village populations)", "date": "2022"},
                {"name": "Census of India 2011 age structure (denominators)", "date": "2011"},
                {
                    "name": "NFHS-5 (2019-21) district fact sheet: population below age 15",
                    "date": "2021-12",
                },
            ),  # fmt: skip
        ),
    ]
    add_records(tmp_path, recs)
    text = reports.build_index(tmp_path, data_roots=[processed]).read_text()
    section = text.split('id="analysts-madhubani"')[1].split("</section>")[0]
    dna, public = section.split("DNA data", 1)[1].split("Public sources:", 1)
    assert dna.startswith(" (SYNTHETIC demonstration data):")
    items = re.findall(r"<li>(.*?)</li>", dna)
    assert items == [
        f"dna_part1_village_tool.xlsx &middot; sha256 <code>{'a' * 12}</code> SYNTHETIC",
        f"dna_part2_block_tool.xlsx &middot; sha256 <code>{'b' * 12}</code> SYNTHETIC",
    ]  # one entry per file though both reports list them; file name and short hash only
    assert re.findall(r"<li>(.*?)</li>", public) == [
        "Census of India 2011 (2011)",
        "NFHS-5 district fact sheets (2021-12)",
        "PMGSY GeoSadak (2022)",
    ]
    assert "District Need Assessment" not in public and "a" * 13 not in section


def test_index_leaves_out_districts_without_processed_data(project):
    """A district of an earlier run on another data folder is not linked, but named."""
    out = project / "reports"
    recs = [
        _record("Madhubani", "01-data-quality", "ok"),
        _record("Madhubani", "02-baseline-findings", "failed", message="boom"),
        _record("Synthetic District", "01-data-quality", "ok"),
    ]
    recs[2].slug = "synthetic-district"
    recs[2].html = "synthetic-district/01-data-quality.html"
    for rec in recs:
        for rel in (rec.html, rec.ipynb):
            if rel:
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                (out / rel).write_text("<html></html>")
    add_records(out, recs)  # no data_roots recorded: config.processed_dir() is used
    text = reports.build_index(out).read_text()
    assert "1 districts, 2 reports, 1 failed" in text
    assert "synthetic-district/" not in text and 'id="synthetic-district"' not in text
    processed = str(project / "data" / "processed")
    assert (
        "Not listed: 1 report of Synthetic District, which no longer has processed data "
        f"in {processed} (the data folder of the latest run)."
    ) in text
    _check_links(out / "index.html", text)
    # a later run on another data folder, recorded in runs.json, decides instead
    other = _processed(project / "elsewhere", "Synthetic District")
    add_records(out, [], data_roots=[other])
    text = reports.build_index(out).read_text()
    assert '<a href="synthetic-district/01-data-quality.html">' in text
    assert "madhubani/" not in text and "Not listed: 2 reports of Madhubani" in text
    _check_links(out / "index.html", text)


def test_index_links_the_draft_plan_beside_the_pdf(tmp_path):
    processed = _processed(tmp_path / "processed", "Madhubani", "Morigaon")
    add_records(
        tmp_path,
        [
            _record("Madhubani", "01-data-quality", "ok"),
            _record("Morigaon", "01-data-quality", "ok"),
        ],
    )
    (tmp_path / "madhubani").mkdir(exist_ok=True)
    (tmp_path / "madhubani" / "madhubani-dcpp-plan.xlsx").write_bytes(b"PK")
    text = reports.build_index(tmp_path, data_roots=[processed]).read_text()
    madhubani = text.split('id="madhubani"')[1].split("</section>")[0]
    assert (
        '<a href="madhubani/madhubani-dcpp-plan.xlsx">Draft District Child Protection Plan '
        "(Excel)</a>: one row per key finding and block"
    ) in madhubani
    morigaon = text.split('id="morigaon"')[1].split("</section>")[0]
    assert "dcpp-plan" not in morigaon, "no link to a plan that was not written"


def test_runs_json_keeps_latest_and_history(tmp_path):
    add_records(tmp_path, [_record("Leh", "01-data-quality", "failed", message="boom")])
    add_records(tmp_path, [_record("Leh", "01-data-quality", "ok")])
    data = load_runs(tmp_path)
    assert [h["status"] for h in data["history"]] == ["failed", "ok"]
    assert data["latest"]["leh/01-data-quality"]["status"] == "ok"
    # a report found unchanged is the latest record, but not a run of the history
    cached = _record("Leh", "01-data-quality", "ok", cached=True)
    add_records(tmp_path, [cached])
    data = load_runs(tmp_path)
    assert len(data["history"]) == 2 and data["latest"]["leh/01-data-quality"]["cached"]
    # and recording the same again does not write the file
    stamp = (tmp_path / "runs.json").stat().st_mtime_ns
    add_records(tmp_path, [cached])
    assert (tmp_path / "runs.json").stat().st_mtime_ns == stamp


# --------------------------------------------------------------- plotting


def test_use_style_and_palettes():
    import matplotlib as mpl

    with plotting.style():
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][:2] == ["#0072B2", "#E69F00"]
        assert mpl.rcParams["image.cmap"] == "viridis"
        assert mpl.rcParams["axes.spines.top"] is False
    assert plotting.palette(3) == ["#0072B2", "#E69F00", "#009E73"]
    assert plotting.category_colors(["b", "a", "b"]) == {"b": "#0072B2", "a": "#E69F00"}
    assert plotting.sequential_cmap("cividis").name == "cividis"
    with pytest.raises(ConfigError, match="at most 8"):
        plotting.palette(9)
    with pytest.raises(ConfigError, match="not one of the safe maps"):
        plotting.sequential_cmap("jet")


def test_save_figure_writes_png_svg_with_caption(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    with plotting.style():
        fig, ax = plt.subplots()
        ax.plot([1, 2], [3, 4])
        plotting.title(ax, "Fewer children out of school in Bisfi", subtitle="2023-24")
        saved = plotting.save_figure(
            fig,
            "Madhubani",
            "oosc-trend",
            caption="Out-of-school children counted by the children's groups.",
            source="DNA village tool, Leher",
            svg=True,
            figures_dir=tmp_path / "figs",
            synthetic=True,
        )
        plt.close(fig)
    assert saved.png == tmp_path / "figs" / "oosc-trend.png" and saved.png.stat().st_size > 1000
    assert saved.caption.splitlines() == [
        "Out-of-school children counted by the children's groups.",
        "Source: DNA village tool, Leher",
        "SYNTHETIC DATA: generated for demonstration, not real observations.",
    ]
    meta = Image.open(saved.png).text
    assert meta["Title"] == "Fewer children out of school in Bisfi"
    assert "Source: DNA village tool, Leher" in meta["Description"]
    svg = saved.svg.read_text()
    assert "Source: DNA village tool, Leher" in svg
    assert 'id="leher-watermark"' in svg and svg.count("SYNTHETIC DATA") >= 2
    # saving again replaces the caption rather than stacking a second one
    plotting.save_figure(
        fig, "Madhubani", "oosc-trend", caption="New.", figures_dir=tmp_path, synthetic=False
    )
    assert [t.get_text() for t in fig.texts if t.get_gid() == "leher-caption"] == ["New."]
    assert not [t for t in fig.texts if t.get_gid() == "leher-watermark"]


def test_save_figure_default_folder_and_synthetic_from_manifest(project):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    saved = plotting.save_figure(fig, "Madhubani", "map", source="PMGSY GeoSadak")
    plt.close(fig)
    assert saved.png == project / "figures" / "madhubani" / "map.png"
    assert saved.svg is None and "SYNTHETIC DATA" in saved.caption
    fig, ax = plt.subplots()
    assert "SYNTHETIC" not in plotting.save_figure(fig, "Morigaon", "map").caption
    plt.close(fig)
    with pytest.raises(ConfigError, match="figure name '../x'"):
        plotting.save_figure(fig, "Morigaon", "../x")


def test_figures_dir_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_HOME", str(tmp_path / "proj"))
    monkeypatch.delenv("LEHER_FIGURES_DIR", raising=False)
    assert config.figures_dir("Leh (Ladakh)") == tmp_path / "proj" / "figures" / "leh-ladakh"
    monkeypatch.setenv("LEHER_FIGURES_DIR", str(tmp_path / "out" / "figures"))
    assert config.figures_dir() == tmp_path / "out" / "figures"
    assert config.figures_dir("Leh (Ladakh)") == tmp_path / "out" / "figures" / "leh-ladakh"


def test_plan_sets_figures_folder_from_out_dir(project, monkeypatch):
    monkeypatch.delenv("LEHER_FIGURES_DIR", raising=False)
    nbs = reports.find_notebooks(project / "notebooks", ["01"])
    default = runner.RunOptions(notebooks_dir=project / "notebooks")
    (job,) = reports.plan_district("Madhubani", nbs, default, known_districts=["Madhubani"])
    assert job.figures_dir == project / "figures"
    elsewhere = runner.RunOptions(out_dir=project / "x", notebooks_dir=project / "notebooks")
    (job,) = reports.plan_district("Madhubani", nbs, elsewhere, known_districts=["Madhubani"])
    assert job.figures_dir == (project / "x" / "figures").resolve()


def test_execute_job_clears_own_figures_and_sets_kernel_env(project, monkeypatch):
    """Before ``01-*`` runs, only its own old figures go; the kernel sees the folder."""
    import papermill

    out = project / "elsewhere"
    opts = runner.RunOptions(out_dir=out, notebooks_dir=project / "notebooks")
    nbs = reports.find_notebooks(project / "notebooks", ["01"])
    (job,) = reports.plan_district("Madhubani", nbs, opts, known_districts=["Madhubani"])
    figs = out / "figures" / "madhubani"
    figs.mkdir(parents=True)
    names = ["01-old.png", "01-old.svg", "01-notes.txt", "010-x.png", "02-keep.png", "keep.png"]
    for name in names:
        (figs / name).write_bytes(b"x")
    seen = {}

    def fake(input_path, output_path, **kwargs):
        seen["env"] = os.environ.get("LEHER_FIGURES_DIR")
        seen["left"] = sorted(p.name for p in figs.iterdir())
        raise RuntimeError("no kernel in this test")

    monkeypatch.setattr(papermill, "execute_notebook", fake)
    rec = runner.execute_job(job)
    assert rec.status == "failed" and "no kernel in this test" in rec.message
    assert seen["env"] == str(out.resolve() / "figures")
    assert seen["left"] == ["01-notes.txt", "010-x.png", "02-keep.png", "keep.png"]
    assert "LEHER_FIGURES_DIR" not in os.environ or os.environ["LEHER_FIGURES_DIR"] != seen["env"]
    assert not (project / "figures").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_dask_scheduler_is_a_config_error(project, no_kernel, monkeypatch, capsys):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", 2.0)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    nbdir = str(project / "notebooks")
    code = cli_main(["run", "--all", "--notebooks-dir", nbdir, "--dask", address, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: cannot connect to a Dask scheduler at {address} within 2 s" in err
    assert "use --dask local" in err and "Traceback" not in err


# --------------------------------------------------------------- kernels (slow)


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """``leher run --all --workers 2`` on two fixture districts x two notebooks."""
    root = _make_project(tmp_path_factory.mktemp("suite"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEHER_HOME", str(root))
        mp.setenv("LEHER_DATA_DIR", str(root / "data"))
        mp.setattr(parameters, "_gazetteer_resolve", lambda name: (None, []))
        code = cli_main(["run", "--all", "--workers", "2", "--no-progress"])
        yield root, code


def _latest(root: Path) -> dict:
    return load_runs(root / "reports")["latest"]


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_run_all_statuses_and_exit_code(suite):
    root, code = suite
    assert code == 1  # one notebook fails on purpose
    latest = _latest(root)
    assert {k: v["status"] for k, v in latest.items()} == {
        "madhubani/01-fixture-report": "ok",
        "madhubani/02-fixture-fails": "failed",
        "morigaon/01-fixture-report": "ok",
        "morigaon/02-fixture-fails": "failed",
    }
    for slug in ("madhubani", "morigaon"):
        assert (root / "reports" / slug / "01-fixture-report.html").is_file()
        assert (root / "figures" / slug / "01-fixture-bars.png").is_file()


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_failing_notebook_kept_and_named(suite):
    root, _ = suite
    rec = _latest(root)["madhubani/02-fixture-fails"]
    msg = rec["message"]
    assert "02-fixture-fails.ipynb for Madhubani failed at cell 4 (In [" in msg
    assert "`ratio = threshold / 0  # deliberate failure`" in msg
    assert "ZeroDivisionError: division by zero" in msg
    assert rec["error"]["cell"] == 4 and rec["error"]["ename"] == "ZeroDivisionError"
    kept = root / "reports" / "madhubani" / "02-fixture-fails.ipynb"
    nb = nbformat.read(kept, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.get("ename") == "ZeroDivisionError" for o in outputs)
    assert any("first cell ran for Madhubani" in o.get("text", "") for o in outputs)
    assert not any("never reached" in o.get("text", "") for o in outputs)
    assert nb.metadata["leheranalysis"]["status"] == "failed"
    assert not (root / "reports" / "madhubani" / "02-fixture-fails.html").exists()


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_report_html_end_to_end(suite):
    root, _ = suite
    text = (root / "reports" / "madhubani" / "01-fixture-report.html").read_text()
    body = text.split("<body", 1)[1]
    assert "hidden_code_token_q7" not in text and "plotting.save_figure" not in text
    assert "jp-CodeMirrorEditor" not in body and "In&nbsp;[" not in body
    assert "jp-InputArea-editor" not in body
    assert 'id="synthetic-banner"' in text
    assert "<strong>Fixture survey of villages</strong> (2024-01-15) - CC-BY-4.0" in text
    assert "part1_village_tool.xlsx" in text and "0123456789ab" in text
    assert "Report for Madhubani: 2 blocks" in text  # stdout of the last cell
    env = environment.describe()  # the lock of the checkout, the versions installed
    assert f"requirements.lock sha256 {env['lock_sha256'][:12]}" in text
    assert f"numpy {env['libraries']['numpy']}, pandas {env['libraries']['pandas']}" in text
    assert re.search(r'<img[^>]+src="data:image/png;base64,', text)
    nav = re.search(r'<nav class="leher-toc".*?</nav>', text, re.S).group(0)
    assert re.findall(r">([^<]+)</a></li>", nav) == [
        "Fixture baseline report",
        "Villages reporting child labour",
        "Blocks",
        "Block table",
    ]
    other = (root / "reports" / "morigaon" / "01-fixture-report.html").read_text()
    assert "synthetic-banner" not in other and "District Need Assessment · Morigaon" in other
    meta = nbformat.read(root / "reports" / "madhubani" / "01-fixture-report.ipynb", 4).metadata
    assert meta["leheranalysis"]["parameters"]["synthetic"] is True
    assert meta["leheranalysis"]["provenance"]["sources"][0]["name"] == "Fixture survey of villages"
    index = (root / "reports" / "index.html").read_text()
    assert "2 districts, 4 reports, 2 failed" in index
    assert '<a href="madhubani/01-fixture-report.html">' in index


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_unchanged_notebook_is_not_rerun(suite, monkeypatch, no_kernel):
    root, _ = suite
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    summary = reports.run_district("Morigaon", notebooks=["01"], known_districts=["Morigaon"])
    (rec,) = summary.records
    assert rec.ok and rec.cached and "not re-run" in rec.message
    assert summary.exit_code == 0
    runs = load_runs(root / "reports")
    assert runs["latest"]["morigaon/01-fixture-report"]["cached"] is True
    assert not any(h["cached"] for h in runs["history"])  # the history keeps what ran


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_a_missing_figure_means_the_report_runs_again(suite, monkeypatch):
    root, _ = suite
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    figure = root / "figures" / "morigaon" / "01-fixture-bars.png"
    assert _latest(root)["morigaon/01-fixture-report"]["figures"] == [
        "morigaon/01-fixture-bars.png"
    ]
    figure.unlink()  # as after a run killed between the figure and the record
    summary = reports.run_district("Morigaon", notebooks=["01"], known_districts=["Morigaon"])
    (rec,) = summary.records
    assert rec.ok and not rec.cached
    assert figure.is_file()


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        if config.require_data():
            pytest.fail(
                "chromium not installed but LEHER_REQUIRE_DATA=1 requires the browser check "
                "(apt-get install -y chromium; .ci/run installs it)"
            )
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return exe


def test_missing_chromium_fails_when_data_is_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("LEHER_REQUIRE_DATA", "1")
    with pytest.raises(BaseException) as info:  # pytest's skip and fail are BaseException
        _chromium()
    assert info.type is pytest.fail.Exception
    assert "chromium not installed but LEHER_REQUIRE_DATA=1" in str(info.value)
    monkeypatch.setenv("LEHER_REQUIRE_DATA", "0")
    with pytest.raises(pytest.skip.Exception, match="chromium not installed"):
        _chromium()


def _chromium_run(exe: str, profile: Path, *args: str) -> str:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _check_links(page: Path, dom: str) -> None:
    for src in re.findall(r'<img[^>]+src="([^"]*)"', dom):
        assert src.startswith("data:") or (page.parent / src).is_file(), src
    ids = set(re.findall(r'\sid="([^"]+)"', dom))
    for href in re.findall(r'<a[^>]+href="([^"]*)"', dom):
        if href.startswith("#"):
            assert href[1:] in ids, href
        elif not re.match(r"[a-z]+:", href):
            assert (page.parent / href).is_file(), href


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_chromium_loads_index_and_report(suite, tmp_path):
    exe = _chromium()
    root, _ = suite
    ARTIFACTS.mkdir(exist_ok=True)
    index = root / "reports" / "index.html"
    report = root / "reports" / "madhubani" / "01-fixture-report.html"
    for page, shot, size in (
        (index, "reports-index.png", "420,900"),
        (report, "reports-madhubani-01.png", "1000,1800"),
    ):
        dom = _chromium_run(exe, tmp_path / "profile", "--dump-dom", page.as_uri())
        assert "</html>" in dom
        _check_links(page, dom)
        out = ARTIFACTS / shot
        out.unlink(missing_ok=True)
        _chromium_run(
            exe, tmp_path / "profile", f"--screenshot={out}", f"--window-size={size}", page.as_uri()
        )
        assert out.stat().st_size > 5000
    dom = _chromium_run(exe, tmp_path / "profile", "--dump-dom", report.as_uri())
    assert dom.count("<img") >= 1 and "SYNTHETIC DATA" in dom


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_run_with_out_writes_figures_there_only(tmp_path, monkeypatch):
    """``--out DIR``: figures in ``DIR/figures``, old ones of the notebook cleared."""
    root = _make_project(tmp_path / "proj")
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    monkeypatch.delenv("LEHER_FIGURES_DIR", raising=False)
    monkeypatch.setattr(parameters, "_gazetteer_resolve", lambda name: (None, []))
    out = tmp_path / "out"
    stale = out / "figures" / "madhubani" / "01-from-an-earlier-run.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    args = ["run", "--district", "Madhubani", "--notebooks", "01", "--out", str(out)]
    assert cli_main([*args, "--no-progress"]) == 0
    assert (out / "madhubani" / "01-fixture-report.html").is_file()
    assert (out / "figures" / "madhubani" / "01-fixture-bars.png").stat().st_size > 1000
    assert not stale.exists()
    assert not (root / "figures").exists()
    assert "LEHER_FIGURES_DIR" not in os.environ


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_run_all_on_dask_local_cluster(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    root = _make_project(tmp_path / "proj")
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    summary = reports.run_all(notebooks=["01"], workers=2, progress=False, dask="local")
    assert [(r.district, r.status, r.cached) for r in summary.records] == [
        ("Madhubani", "ok", False),
        ("Morigaon", "ok", False),
    ]
    assert (root / "reports" / "morigaon" / "01-fixture-report.html").is_file()
    assert summary.exit_code == 0 and summary.index == root / "reports" / "index.html"


@pytest.mark.slow
@pytest.mark.xdist_group("reports-kernels")
def test_run_all_on_a_running_dask_scheduler_by_its_address(tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("dask.distributed")
    root = _make_project(tmp_path / "proj")
    monkeypatch.setenv("LEHER_HOME", str(root))
    monkeypatch.setenv("LEHER_DATA_DIR", str(root / "data"))
    nbdir = str(root / "notebooks")
    # a scheduler and a worker started beforehand, as `dask scheduler` and `dask worker`
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        code = cli_main(["run", "--all", "--notebooks-dir", nbdir, "--notebooks", "01",
                         "--dask", address, "--no-progress", "--no-pdf"])  # fmt: skip
        with distributed.Client(address) as client:
            assert len(client.scheduler_info()["workers"]) == 1  # still up: not ours to close
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 of 2 reports ok" in out
    assert (root / "reports" / "madhubani" / "01-fixture-report.html").is_file()


def test_the_batch_starts_the_reports_that_took_longest_first(tmp_path):
    from leheranalysis.reports.batch import longest_first
    from leheranalysis.reports.runner import Job

    add_records(
        tmp_path,
        [
            _record("Leh", "01-data-quality", "ok", duration_s=3.0),
            _record("Leh", "02-baseline-findings", "ok", duration_s=12.5),
            _record("Leh", "04-district-comparison", "ok", duration_s=5.0),
        ],
    )
    jobs = [
        Job("Leh", tmp_path / f"{nb}.ipynb", {}, tmp_path, tmp_path, "", {})
        for nb in ("01-data-quality", "02-baseline-findings", "03-village-maps",
                   "04-district-comparison")
    ]  # fmt: skip
    order = [j.notebook.stem for j in longest_first(jobs)]
    # never run (no time known) first, then by the time each took last
    assert order == [
        "03-village-maps", "02-baseline-findings", "04-district-comparison", "01-data-quality"
    ]  # fmt: skip


def test_reports_never_run_start_with_the_longest_notebook(tmp_path):
    from leheranalysis.reports.batch import longest_first
    from leheranalysis.reports.runner import Job

    sizes = {"01-short": 10, "02-long": 900, "03-middle": 300}
    for stem, n in sizes.items():
        (tmp_path / f"{stem}.py").write_text("#" * n)
    jobs = [
        Job(d, tmp_path / f"{stem}.py", {}, tmp_path, tmp_path / "new-reports", "", {})
        for d in ("Leh", "Rajouri")
        for stem in sizes
    ]
    order = [(j.district, j.notebook.stem) for j in longest_first(jobs)]
    assert order == [
        ("Leh", "02-long"), ("Rajouri", "02-long"), ("Leh", "03-middle"),
        ("Rajouri", "03-middle"), ("Leh", "01-short"), ("Rajouri", "01-short"),
    ]  # fmt: skip
