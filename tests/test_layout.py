"""Reader layout of exported reports: labelled table cells, palette PNGs, the stylesheet."""

from __future__ import annotations

import base64
import io
import re

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
    assert '<td data-label="Block">Bisfi</td>' in out and '<td data-label="Villages">21</td>' in out


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
