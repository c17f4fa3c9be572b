"""Reader layout of exported reports: labelled table cells, palette PNGs, the stylesheet."""

from __future__ import annotations

import base64
import contextlib
import io
import re

import numpy as np
import pandas as pd

from leheranalysis import config
from leheranalysis.reports.layout import (
    PAN_HINT,
    READABLE_SCALE,
    compact_images,
    compact_png,
    label_tables,
)


def _styler_html() -> str:
    cols = pd.MultiIndex.from_tuples(
        [
            ("Children's groups", "Share"),
            ("Children's groups", "Villages"),
            ("Duty bearers", "Share"),
        ]
    )
    idx = pd.MultiIndex.from_tuples(
        [("Education", "Out-of-school children"), ("Education", "Child labour")],
        names=["Domain", "Issue"],
    )
    df = pd.DataFrame([["97 %", "61 of 63", "<5"], ["95 %", "60 of 63", "75 %"]], idx, cols)
    return df.style.to_html()


def test_every_body_cell_is_labelled_with_its_column_headers():
    out = label_tables(_styler_html())
    assert out.count('<div class="leher-table-wrap"><table') == 1 and "</table></div>" in out
    cells = re.findall(r'<td[^>]*data-label="([^"]*)"[^>]*>([^<]*)</td>', out)
    assert cells == [
        ("Children's groups - Share", "97 %"),
        ("Children's groups - Villages", "61 of 63"),
        ("Duty bearers - Share", "&lt;5"),
        ("Children's groups - Share", "95 %"),
        ("Children's groups - Villages", "60 of 63"),
        ("Duty bearers - Share", "75 %"),
    ]
    # row headers carry the index names, also under a rowspan of the outer level
    heads = re.findall(r'<th[^>]*data-label="([^"]*)"[^>]*>([^<]*)</th>', out)
    assert ("Domain", "Education") in heads
    assert ("Issue", "Out-of-school children") in heads and ("Issue", "Child labour") in heads


def test_table_without_thead_uses_its_first_row_as_header():
    out = label_tables(
        "<table><tr><th>Block</th><th>Villages</th></tr><tr><td>Bisfi</td><td>21</td></tr></table>"
    )
    assert (
        '<td data-label="Block">Bisfi</td>' in out
        and '<td class="leher-num" data-label="Villages">21</td>' in out
    )


def _figure_png(width_in: float = 6.0) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 3), dpi=100)
    for k in range(6):
        ax.plot(range(50), [(i * (k + 1)) % 17 for i in range(50)], label=f"series {k}")
    ax.legend()
    ax.set_title("Villages reporting child labour")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def test_compact_png_is_smaller_and_keeps_size():
    from PIL import Image

    raw = _figure_png()
    out, width = compact_png(raw)
    assert len(out) < 0.7 * len(raw)
    with Image.open(io.BytesIO(out)) as im:
        assert im.mode == "P" and im.size == (600, 300) and width == 600
        got = np.asarray(im.convert("RGB"), dtype=int)
    with Image.open(io.BytesIO(raw)) as im:
        want = np.asarray(im.convert("RGB"), dtype=int)
    err = np.abs(got - want).max(axis=2)
    # colours within a few levels (the palette is made for the picture): on average and
    # for 99 % of the pixels; the rest are anti-aliased edges of lines
    assert err.mean() <= 3 and np.percentile(err, 99) <= 16, (err.mean(), np.percentile(err, 99))


def test_a_figure_is_drawn_as_the_palette_png_the_export_would_make_of_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from leheranalysis.present import kit

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.bar(["Bisfi", "Pandaul"], [0.4, 0.7], label="share")
    ax.set_title("Villages reporting child labour")
    rgba = io.BytesIO()
    fig.savefig(rgba, format="png", dpi=100, bbox_inches="tight")
    shown = kit._png(fig, 100)
    plt.close(fig)
    assert shown == compact_png(rgba.getvalue())[0]  # the same bytes as before, made once
    assert compact_png(shown) == (shown, compact_png(rgba.getvalue())[1])  # kept as it is


def test_compact_images_gives_a_readable_pannable_figure():
    raw = _figure_png()
    tag = (
        f'<img src="data:image/png;base64,{base64.b64encode(raw).decode()}" alt="A &lt;5 figure" />'
    )
    out = compact_images(f"<p>before</p>{tag}<p>after</p>")
    assert out.startswith('<p>before</p><div class="leher-pan"><img width="480"')
    assert 'alt="A &lt;5 figure"' in out and PAN_HINT in out and out.endswith("<p>after</p>")
    assert round(600 * READABLE_SCALE) == 480
    b64 = re.search(r"base64,([^\"]+)", out).group(1)
    assert len(base64.b64decode(b64)) < len(raw)


def test_stylesheet_prints_every_column_and_stacks_tables_on_phones():
    css = (config.package_data("report_template") / "leher" / "report.css").read_text("utf-8")
    assert "jp-" in css and len(css) < 20_000  # the report's own, small stylesheet
    printing = css[css.index("@media print") :]
    assert (
        "overflow: visible !important" in printing and "white-space: normal !important" in printing
    )
    assert 'counter(page) " of " counter(pages)' in css
    phone = css[css.index("@media (max-width: 40rem)") : css.index("@page")]
    assert "content: attr(data-label)" in phone and "display: block" in phone


def test_tables_get_a_csv_download_named_after_their_heading():
    from leheranalysis.reports.layout import table_cells, tables_with_downloads

    html = (
        '<h2 id="x">Headline table<a class="anchor-link" href="#x">\u00b6</a></h2>'
        + _styler_html()
        + "<h3>Blocks</h3><table><tr><th>Block</th><th>Note</th></tr>"
        "<tr><td>Bisfi</td><td>=1+1</td></tr></table>"
    )
    out, files = tables_with_downloads(html, "02-baseline-findings-tables")
    assert list(files) == ["01-headline-table.csv", "02-blocks.csv"]
    assert out.count('class="leher-downloads"') == 2
    assert 'href="02-baseline-findings-tables/01-headline-table.csv" download' in out
    head = files["01-headline-table.csv"].splitlines()
    assert head[0] == (
        "Domain,Issue,Children's groups - Share,Children's groups - Villages,Duty bearers - Share"
    )
    assert head[2] == "Education,Child labour,95 %,60 of 63,75 %"  # row span repeated
    assert "<5" in head[1]  # suppressed stays suppressed, unescaped for the spreadsheet
    assert files["02-blocks.csv"].splitlines()[1] == "Bisfi,'=1+1"  # no formula runs
    columns, rows = table_cells(_styler_html())
    assert columns[:2] == ["Domain", "Issue"] and rows[1][:2] == ["Education", "Child labour"]


def test_navigation_bar_lists_the_reports_beside_it(tmp_path):
    from leheranalysis.reports.export import refresh_navigation

    for stem in ("01-data-quality", "03-village-maps"):
        # attributes in the order nbconvert's re-serialisation leaves them
        (tmp_path / f"{stem}.html").write_text(
            '<body><nav aria-label="Reports" class="leher-nav"><a href="x.html">X</a></nav>'
            f"<h1>{stem}</h1></body>",
            encoding="utf-8",
        )
    changed = refresh_navigation(tmp_path, "Madhubani <B>")
    assert len(changed) == 2
    text = (tmp_path / "03-village-maps.html").read_text(encoding="utf-8")
    assert text.count("<nav") == 1 and 'href="x.html"' not in text
    assert '<a href="../index.html">All districts</a><strong>Madhubani &lt;B&gt;:</strong>' in text
    assert '<a href="01-data-quality.html">Data quality</a>' in text
    assert '<a href="03-village-maps.html" aria-current="page">Village maps</a>' in text
    assert refresh_navigation(tmp_path, "Madhubani <B>") == []  # nothing to change


def test_table_downloads_have_distinct_whole_readable_names():
    from leheranalysis.reports.index import table_label
    from leheranalysis.reports.layout import tables_with_downloads

    table = "<table><tr><th>A</th></tr><tr><td>1</td></tr></table>"
    long = "Distance to the nearest secondary school, health centre and panchayat office"
    html = f"<h2>The rounds</h2>{table}{table}<h2>{long}</h2>{table}<h2>Rates per 1,000</h2>{table}"
    _, files = tables_with_downloads(html, "05-monitoring-tables")
    assert list(files) == [
        "01-the-rounds.csv",
        "02-the-rounds-table-2.csv",
        "03-distance-to-the-nearest-secondary-school-health-centre-and-panchayat-office.csv",
        "04-rates-per-1000.csv",
    ]
    labels = [table_label(name.removesuffix(".csv")) for name in files]
    assert labels == [
        "The rounds",
        "The rounds, table 2",
        "Distance to the nearest secondary school health centre and panchayat office",
        "Rates per 1000",
    ]
    assert len(set(labels)) == len(labels)


def test_numbers_and_wide_tables_are_marked_for_print():
    out = label_tables(_styler_html())
    nums = re.findall(r'<td[^>]*class="([^"]*)"[^>]*>([^<]*)</td>', out)
    assert {text for cls, text in nums if "leher-num" in cls.split()} == {
        "97 %", "61 of 63", "&lt;5", "95 %", "60 of 63", "75 %"
    }  # fmt: skip
    assert "leher-wide" not in out  # 2 + 3 columns
    head = "".join(f"<th>Column {i}</th>" for i in range(9))
    body = "".join(f"<td>{i} %</td>" for i in range(8))
    wide = label_tables(f"<table><tr>{head}</tr><tr><th>Bisfi</th>{body}</tr></table>")
    assert '<table class="leher-wide">' in wide and "leher-xwide" not in wide
    head = "".join(f"<th>Column {i}</th>" for i in range(12))
    assert 'class="leher-xwide"' in label_tables(f"<table><tr>{head}</tr></table>")
    words = label_tables("<table><tr><th>Block</th></tr><tr><td>Bisfi 12</td></tr></table>")
    assert "leher-num" not in words


def test_a_figure_with_a_phone_version_fits_the_phone_and_prints_the_desktop_png():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from leheranalysis.present.kit import PHONE_WIDTH_IN, figure_bundle

    fig, ax = plt.subplots(figsize=(10, 3), dpi=100)
    ax.barh(["Out-of-school children aged 6-14", "Child labour"], [0.97, 0.95])
    ax.set_title("Share of villages reporting each issue")
    data, _ = figure_bundle(fig, "Two <bars>")
    assert tuple(fig.get_size_inches()) == (10, 3)  # the figure keeps its size
    plt.close(fig)
    picture = data["text/html"]
    assert picture.startswith('<picture><source media="screen and (max-width: 40rem)" srcset=')
    assert 'alt="Two &lt;bars&gt;"' in picture and picture.endswith("</picture>")
    pngs = re.findall(r"base64,([^\"]+)", picture)
    assert len(pngs) == 2 and pngs[1] == data["image/png"]  # <img> (paper): the desktop PNG
    sizes = []
    for b64 in pngs:
        with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
            sizes.append(im.size)
            assert im.mode == "P"  # drawn with a palette, as the report shows it
    (phone_w, phone_h), (desk_w, desk_h) = sizes
    # phone version: about 4.2 inches wide at 144 dpi, at most twice a 359 px screen
    assert 0.8 * PHONE_WIDTH_IN * 144 <= phone_w <= 1.1 * PHONE_WIDTH_IN * 144 <= 2 * 359
    assert desk_w > 900 and phone_h > desk_h  # same height in inches, drawn at 144 dpi
    out = compact_images(f"<p>before</p>{picture}<p>after</p>")
    assert out.startswith('<p>before</p><div class="leher-fig"><picture><source media=')
    assert PAN_HINT not in out and out.endswith("</picture></div><p>after</p>")
    assert re.search(r'<img width="\d+" src="data:image/png;base64,', out)
    # palette PNGs already: the export keeps them byte for byte (it does not decode them)
    assert re.findall(r"base64,([^\"]+)", out) == pngs


def test_split_header_words_finds_words_broken_across_lines():
    from tests._suite import split_header_words

    html = "Share Villages 61 of 63 Share of villages"
    assert split_header_words(["Share", "Villages"], "Shar 95 % Villag\ne es", html) == [
        "Share",
        "Villages",
    ]
    assert split_header_words(["Share", "Villages"], "Share\nVillages of 63", html) == []


def test_long_snake_case_headers_may_break_after_underscores():
    out = label_tables(
        "<table><thead><tr><th>free_text_removed</th><th>trim</th></tr></thead>"
        "<tbody><tr><td>3</td><td>4</td></tr></tbody></table>"
    )
    assert "<th>free_<wbr/>text_<wbr/>removed</th><th>trim</th>" in out
    assert 'data-label="free_text_removed"' in out  # the label keeps the plain text
    from leheranalysis.reports.layout import table_cells

    assert table_cells(out)[0] == ["free_text_removed", "trim"]  # the CSV's header


def test_text_that_names_a_picture_element_is_left_alone():
    html = "<style>/* a phone version (<picture>) fills the screen */</style><p>x</p>"
    assert compact_images(html) == html


def test_shared_text_metrics_measure_each_text_once_and_draw_the_same_images(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import RendererAgg

    from leheranalysis import plotting
    from leheranalysis.present.kit import figure_bundle

    calls = []
    measure = RendererAgg.get_text_width_height_descent

    def counted(self, s, prop, ismath):
        calls.append(s)
        return measure(self, s, prop, ismath)

    monkeypatch.setattr(RendererAgg, "get_text_width_height_descent", counted)

    def bundle(shared: bool):
        fig, ax = plt.subplots(figsize=(10, 3), dpi=100)
        ax.barh(["Out-of-school children aged 6-14", "Child labour"], [0.97, 0.95])
        ax.set_title("Share of villages reporting each issue, by how often it was reported")
        calls.clear()
        with plotting.shared_text_metrics() if shared else contextlib.nullcontext():
            data, _ = figure_bundle(fig, "Two bars")
        plt.close(fig)
        return data, len(calls), len(set(calls))

    plain, n_plain, _ = bundle(False)
    shared, n_shared, distinct = bundle(True)
    assert shared == plain  # the same desktop and phone PNGs, byte for byte
    assert "<picture>" in shared["text/html"]  # a phone version was drawn (wrapped texts)
    assert n_shared < n_plain / 2, (n_shared, n_plain)
    assert n_shared <= 2 * distinct  # about once per text and resolution
    import matplotlib.text as mtext

    assert mtext._get_text_metrics_function.__module__ == "matplotlib.text"  # given back
