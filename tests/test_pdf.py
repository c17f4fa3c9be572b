"""District PDF: reports joined for print, Chromium's PDF with page numbers, no-Chromium notice."""

from __future__ import annotations

import pytest

from leheranalysis import config
from leheranalysis.reports.pdf import (
    INSTALL_HINT,
    chromium_path,
    key_path,
    pdf_name,
    print_document,
    print_pdf,
    write_pdfs,
)
from leheranalysis.reports.records import RunRecord

CSS = "<style>body{font-family:sans-serif}</style>"


def _report(path, title: str, extra: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<!DOCTYPE html><html><head><title>{title}</title>{CSS}</head><body><main>"
        '<nav class="leher-nav"><a href="../index.html">All reports</a></nav>'
        f'<nav class="leher-toc"><h2>Contents</h2></nav><h1>{title}</h1>'
        "<details><summary>Technical log</summary><table><thead><tr><th>Rule</th>"
        f"<th>Rows changed</th></tr></thead><tbody><tr><td>trim</td><td>3</td></tr></tbody>"
        f"</table></details>{extra}</main></body></html>",
        encoding="utf-8",
    )


def _record(slug: str, notebook: str, cached: bool = False) -> RunRecord:
    return RunRecord(
        district=slug.title(),
        slug=slug,
        notebook=notebook,
        source=f"{notebook}.ipynb",
        status="ok",
        cached=cached,
        html=f"{slug}/{notebook}.html",
    )


def test_print_document_joins_reports_without_navigation_and_opens_details(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    _report(a, "Data quality")
    _report(b, "Baseline findings")
    doc = print_document([a, b], "Madhubani <x>")
    assert doc.count('<section class="leher-report">') == 2
    assert doc.index("Data quality") < doc.index("Baseline findings")
    assert "All reports" not in doc and "Contents" not in doc
    assert doc.count("<details open>") == 2 and CSS in doc and "counter(pages)" in doc
    assert "Madhubani &lt;x&gt;" in doc


def test_without_chromium_html_stays_and_the_notice_says_how(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_CHROMIUM", str(tmp_path / "no-such-browser"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium_path() is None
    _report(tmp_path / "madhubani" / "01-data-quality.html", "Data quality")
    written, notices = write_pdfs(tmp_path, [_record("madhubani", "01-data-quality")])
    assert written == [] and notices == [f"PDF not written (Chromium not found): {INSTALL_HINT}"]
    assert "apt-get install chromium" in notices[0] and "LEHER_CHROMIUM" in notices[0]
    assert not (tmp_path / "madhubani" / pdf_name("madhubani")).exists()


needs_chromium = pytest.mark.skipif(
    chromium_path() is None and not config.require_data(), reason="chromium not installed"
)


@needs_chromium
def test_district_pdf_has_every_report_page_numbers_and_table_headers(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    long = "".join(f"<p>Paragraph {i} of the findings.</p>" for i in range(120))
    _report(tmp_path / "leh" / "01-data-quality.html", "Data quality")
    _report(tmp_path / "leh" / "02-baseline-findings.html", "Baseline findings", long)
    _report(tmp_path / "leh" / "03-village-maps.html", "Village maps")
    recs = [
        _record("leh", "01-data-quality"),
        _record("leh", "02-baseline-findings"),
        _record("leh", "03-village-maps"),
    ]
    written, notices = write_pdfs(tmp_path, recs, notebooks=["01", "02"])
    assert notices == [] and written == [tmp_path / "leh" / "leh-reports.pdf"]
    reader = pypdf.PdfReader(str(written[0]))
    text = [page.extract_text() for page in reader.pages]
    n = len(text)
    assert n >= 3  # each report from a new page, the long one over two
    assert all(f"Page {i + 1} of {n}" in t for i, t in enumerate(text))
    joined = "\n".join(text)
    assert "Data quality" in joined and "Baseline findings" in joined
    assert "Village maps" not in joined  # the reader's selection
    assert "Rows changed" in joined and "All reports" not in joined
    # the same reports (run again or not) and an existing PDF: nothing to print again
    cached = [_record(r.slug, r.notebook, cached=True) for r in recs]
    stamp = written[0].stat().st_mtime_ns
    assert write_pdfs(tmp_path, cached, notebooks=["01", "02"]) == ([], [])
    assert write_pdfs(tmp_path, recs, notebooks=["01", "02"]) == ([], [])
    assert written[0].stat().st_mtime_ns == stamp
    # a report whose content changed, even one the cache calls unchanged: printed again
    _report(tmp_path / "leh" / "01-data-quality.html", "Data quality, revised")
    again, _ = write_pdfs(tmp_path, cached, notebooks=["01", "02"])
    assert again == [written[0]]
    assert "Data quality, revised" in pypdf.PdfReader(str(again[0])).pages[0].extract_text()
    # a PDF whose key is lost (or that was printed by hand) is printed again
    key_path(written[0]).unlink()
    assert write_pdfs(tmp_path, cached, notebooks=["01", "02"])[0] == [written[0]]
    assert key_path(written[0]).name == ".leh-reports.pdf.key"


@needs_chromium
def test_print_pdf_names_the_district_when_chromium_fails(tmp_path):
    from leheranalysis.errors import ReportError

    page = tmp_path / "r.html"
    _report(page, "Data quality")
    with pytest.raises(ReportError, match="no PDF for Morigaon: .*false"):
        print_pdf([page], tmp_path / "out.pdf", "Morigaon", chromium="/bin/false")
    assert not (tmp_path / "out.pdf").exists()
