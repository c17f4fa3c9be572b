"""Reader layout of an exported report: tables that survive phones and paper, light figures.

Two passes over the HTML that nbconvert wrote, so that every table and figure of every
report gets the same treatment whatever presenter made it:

- :func:`label_tables` wraps each ``<table>`` in ``<div class="leher-table-wrap">`` and
  gives every body cell a ``data-label`` naming its column (the column headers of all
  header rows joined, ``"Children - Girls 10-14"``). On a phone the stylesheet turns each
  row into a card whose cells show that label, so no column is lost; on paper the table
  keeps all its columns and wraps its cells between words, never inside a word or inside
  a number (cells that are numbers get the class ``leher-num``; tables of 8 or more
  columns the class ``leher-wide``, of 12 or more ``leher-xwide``: a smaller print font,
  and on a wide screen the whole window before they scroll). Long ``snake_case`` headers
  may break after their underscores.
- :func:`compact_images` re-encodes each inline PNG with an adaptive palette of at most
  256 colours (figures are flat colours and anti-aliased text: about a third of the
  bytes, no visible change) and gives it a readable width. A figure with a phone version
  (a ``<picture>``, see :func:`leheranalysis.present.kit.figure_bundle`) shows it on a
  phone at the screen's width; a figure without one keeps its readable width there and
  pans sideways (``<div class="leher-pan">``) instead of shrinking its text to a few
  pixels.
- :func:`tables_with_downloads` does the same as :func:`label_tables` and links, under
  each table, a CSV of exactly the cells shown (so suppressed counts stay suppressed).
"""

from __future__ import annotations

import base64
import io
import re

#: displayed width of a figure as a share of its pixel width (figures are drawn at
#: 100 dpi, so 11 pt text stays about 12 px high)
READABLE_SCALE = 0.8
#: images smaller than this (bytes of PNG) are left alone (icons, tiny marks)
_MIN_PNG = 4_000
PAN_HINT = "Swipe sideways to see the whole figure."
#: (at least this many columns, class of the table): printed in a smaller font
WIDE_TABLES = ((12, "leher-xwide"), (8, "leher-wide"))
#: a cell that is a number, a share, an interval or a count "k of n" (kept on one line
#: in print): at most 24 characters starting with a digit, "<digit" or a lone dash
_WBR = re.compile(r"<wbr\s*/?>", re.I)
_NUMBER = re.compile(r"^(?=.{1,24}$)(?:[<>~(+-]?\d.*|-)$", re.S)

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"data:image/png;base64,([A-Za-z0-9+/=\s]+)\"[^>]*>", re.S)
#: a figure with a phone version, as the report kit writes it (one <source>, one <img>)
_PICTURE_OR_IMG = re.compile(
    r"<picture>\s*<source\b[^<>]*>\s*<img\b[^<>]*>\s*</picture>|" + _IMG.pattern, re.S | re.I
)
_SRCSET = re.compile(r"\bsrcset=\"data:image/png;base64,([A-Za-z0-9+/=\s]+)\"")
#: a figure at most this wide (CSS px) fits a phone screen and needs no panning
PHONE_FIT = 360


def _span(cell, name: str) -> int:
    try:
        return max(1, int(cell.get(name, 1) or 1))
    except (TypeError, ValueError):
        return 1


def _grid(rows) -> list[list]:
    """Cells of ``rows`` laid out on a grid (``colspan``/``rowspan`` expanded)."""
    taken: dict[tuple[int, int], object] = {}
    placed: list[list] = []
    for r, tr in enumerate(rows):
        c = 0
        here = []
        for cell in tr.find_all(["th", "td"], recursive=False):
            while (r, c) in taken:
                c += 1
            cols, spans = _span(cell, "colspan"), _span(cell, "rowspan")
            for dr in range(spans):
                for dc in range(cols):
                    taken[(r + dr, c + dc)] = cell
            here.append((c, cell))
            c += cols
        placed.append(here)
    return placed


def _column_labels(head_rows) -> dict[int, str]:
    """Column position -> the texts of its header cells, top to bottom, joined."""
    labels: dict[int, list[str]] = {}
    for row in _grid(head_rows):
        for c, cell in row:
            text = " ".join(cell.get_text(" ", strip=True).split())
            for dc in range(_span(cell, "colspan")):
                parts = labels.setdefault(c + dc, [])
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
    return {c: " - ".join(parts) for c, parts in labels.items()}


def _split_rows(table) -> tuple[list, list]:
    """Header rows (``<thead>``, else a first row of ``<th>`` only) and body rows."""
    thead = table.find("thead")
    head_rows = thead.find_all("tr", recursive=False) if thead else []
    body_rows = [tr for tr in table.find_all("tr") if tr.find_parent("thead") is None]
    if not head_rows and body_rows and not body_rows[0].find("td"):
        head_rows, body_rows = body_rows[:1], body_rows[1:]
    return head_rows, body_rows


def _break_after_underscores(soup, cell) -> None:
    """Let a long ``snake_case`` header break after its underscores (``<wbr>``)."""
    for text in list(cell.find_all(string=True)):
        if "_" not in text or len(text) <= 12:
            continue
        parts = str(text).split("_")
        nodes: list = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nodes.append(soup.new_string(part if last else f"{part}_"))
            if not last:
                nodes.append(soup.new_tag("wbr"))
        text.replace_with(*nodes)


def _label_table(fragment: str, soup=None) -> str:
    from bs4 import BeautifulSoup

    soup = soup if soup is not None else BeautifulSoup(fragment, "html.parser")
    table = soup.find("table")
    if table is None:
        return fragment
    head_rows, body_rows = _split_rows(table)
    labels = _column_labels(head_rows)
    ncols = 0
    for row in _grid(body_rows):
        for c, cell in row:
            ncols = max(ncols, c + _span(cell, "colspan"))
            label = labels.get(c, "")
            if label and not cell.has_attr("data-label"):
                cell["data-label"] = label
            if cell.name == "td" and _NUMBER.match(cell.get_text(" ", strip=True)):
                cell["class"] = [*cell.get("class", []), "leher-num"]
    ncols = max(ncols, len(labels))
    for row in head_rows:
        for cell in row.find_all("th"):
            _break_after_underscores(soup, cell)
    width = next((name for cols, name in WIDE_TABLES if ncols >= cols), None)
    if width:
        table["class"] = [*table.get("class", []), width]
    return f'<div class="leher-table-wrap">{soup.decode(formatter="minimal")}</div>'


#: column name in a downloaded table for a row-header column that has no name
ROW_HEADER = "Item"
_HEAD_OR_TABLE = re.compile(r"<h([1-4])\b[^>]*>(.*?)</h\1>|<table\b.*?</table>", re.S | re.I)


def table_cells(fragment: str) -> tuple[list[str], list[list[str]]]:
    """``(columns, rows)`` of an HTML table as a reader sees it.

    Columns are the header texts of each column joined over the header rows (a row
    header column without a name is called :data:`ROW_HEADER`); a cell spanning rows is
    repeated in each of them.

    Examples
    --------
    >>> table_cells("<table><thead><tr><th>Block</th><th>Share</th></tr></thead>"
    ...             "<tbody><tr><td>Bisfi</td><td>&lt;5</td></tr></tbody></table>")
    (['Block', 'Share'], [['Bisfi', '<5']])
    """
    from bs4 import BeautifulSoup

    fragment = _WBR.sub("", fragment)  # a line-break hint is no text
    table = BeautifulSoup(fragment, "html.parser").find("table")
    if table is None:
        return [], []
    return _cells_of(table)


def _cells_of(table) -> tuple[list[str], list[list[str]]]:
    """:func:`table_cells` of a parsed ``<table>`` (line-break hints are no text)."""
    head_rows, body_rows = _split_rows(table)
    labels = _column_labels(head_rows)
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(_grid(body_rows)):
        for c, cell in row:
            text = " ".join(cell.get_text(" ", strip=True).split())
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    grid[(r + dr, c + dc)] = text
    ncols = max([c + 1 for _, c in grid] + [c + 1 for c in labels] + [0])
    columns = [labels.get(c) or ROW_HEADER for c in range(ncols)]
    rows = [[grid.get((r, c), "") for c in range(ncols)] for r in range(len(body_rows))]
    return columns, rows


def table_csv(fragment: str) -> str:
    """The table as CSV text (formula-like cells neutralised by
    :func:`leheranalysis.textsafe.neutralise`; write it as UTF-8 with BOM)."""
    return _csv_text(*table_cells(fragment))


def _csv_text(columns: list[str], rows: list[list[str]]) -> str:
    """CSV text of a table's columns and rows, each cell neutralised."""
    import csv
    import io as io_mod

    from leheranalysis.textsafe import neutralise

    buf = io_mod.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    writer.writerows([neutralise(c) for c in row] for row in rows)
    return buf.getvalue()


def _slug(text: str, limit: int = 90) -> str:
    """A file-name slug of a heading, cut at a word (never inside one) within ``limit``.

    Examples
    --------
    >>> _slug("Rates per 1,000 by block (table)")
    'rates-per-1000-by-block-table'
    >>> _slug("Distance to the nearest secondary school, health centre and panchayat office")
    'distance-to-the-nearest-secondary-school-health-centre-and-panchayat-office'
    >>> _slug("Do the duty bearers' registers agree with the community", limit=30)
    'do-the-duty-bearers-registers'
    """
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text.casefold())
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:limit]
    return slug or "table"


def tables_with_downloads(html: str, folder: str) -> tuple[str, dict[str, str]]:
    """Label every table (see :func:`label_tables`) and link a CSV download under it.

    Each table is named after the heading above it (``03-headline-table.csv``, numbered in
    page order; a second table under the same heading ``04-headline-table-table-2.csv``;
    a long heading cut at a word). Returns the new HTML and ``{file name: CSV text}``; the links point to
    ``<folder>/<file name>``. The CSV holds exactly the cells the table shows, so
    suppressed counts stay suppressed.
    """
    from bs4 import BeautifulSoup

    files: dict[str, str] = {}
    heading = ""
    under: dict[str, int] = {}  # tables so far under each heading

    def sub(m: re.Match) -> str:
        nonlocal heading
        if m.group(1):
            heading = re.sub(r"<[^>]+>", "", m.group(2)).replace("\u00b6", "").strip()
            return m.group(0)
        under[heading] = under.get(heading, 0) + 1
        k = under[heading]
        title = heading if k == 1 else f"{heading} table {k}"
        name = f"{len(files) + 1:02d}-{_slug(title)}.csv"
        # parsed once: the CSV is read off the table before labelling changes it (a table
        # with line-break hints already is read without them, see table_cells)
        soup = BeautifulSoup(m.group(0), "html.parser")
        table = soup.find("table")
        if table is None or _WBR.search(m.group(0)):
            files[name] = table_csv(m.group(0))
        else:
            files[name] = _csv_text(*_cells_of(table))
        href = f"{folder}/{name}"
        link = (
            f'<p class="leher-downloads"><a href="{_escape(href)}" download>Download this table '
            f"(CSV)</a></p>"
        )
        return _label_table(m.group(0), soup) + link

    return _HEAD_OR_TABLE.sub(sub, html), files


def _escape(text: str) -> str:
    import html as html_mod

    return html_mod.escape(text, quote=True)


def label_tables(html: str) -> str:
    """Wrap every table and label every body cell with its column header (``data-label``).

    Examples
    --------
    >>> out = label_tables(
    ...     "<table><thead><tr><th></th><th>Share</th></tr></thead>"
    ...     "<tbody><tr><th>Bisfi</th><td>&lt;5</td></tr></tbody></table>"
    ... )
    >>> out.startswith('<div class="leher-table-wrap"><table>')
    True
    >>> '<td class="leher-num" data-label="Share">&lt;5</td>' in out
    True
    """
    return _TABLE.sub(lambda m: _label_table(m.group(0)), html)


def palette_png(image) -> bytes | None:
    """An opaque image (PIL) as a PNG with an adaptive palette; None when it has
    transparency.

    Octree quantisation: about twice as fast as median cut and a third smaller on these
    charts, every colour within a few levels of the original.
    """
    from PIL import Image

    if image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] < 255:
        return None
    pal = image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    # zlib level 6: a few per cent larger than level 9, in a tenth of the time
    pal.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def compact_png(data: bytes) -> tuple[bytes, int]:
    """``(png, width)``: ``data`` with an adaptive palette when that is smaller.

    Images with transparency are kept as they are, and so are palette images (the
    figures a report shows are palette-encoded as they are drawn): those are not decoded.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        width = im.width
        if im.mode == "P":
            return data, width
        im.load()
        out = palette_png(im)
    if out is None:
        return data, width
    return (out if len(out) < len(data) else data), width


def _compact_b64(raw: str) -> tuple[str, int] | None:
    """Palette-encoded base64 PNG and its pixel width; None for a small or broken image."""
    try:
        data = base64.b64decode("".join(raw.split()))
    except ValueError:
        return None
    if len(data) < _MIN_PNG:
        return None
    try:
        png, width = compact_png(data)
    except OSError:
        return None
    return base64.b64encode(png).decode("ascii"), width


def _readable_img(tag: str, raw: str) -> tuple[str, int] | None:
    """``tag`` with its PNG palette-encoded and a readable ``width``; None to keep it."""
    done = _compact_b64(raw)
    if done is None:
        return None
    png, width = done
    readable = max(1, round(width * READABLE_SCALE))
    tag = tag.replace(raw, png, 1)
    tag = re.sub(r"\s(?:width|height)=\"[^\"]*\"", "", tag)
    return tag.replace("<img", f'<img width="{readable}"', 1), readable


def _compact_img(match: re.Match) -> str:
    tag = match.group(0)
    if tag[:8].lower() == "<picture":
        return _compact_picture(tag)
    done = _readable_img(tag, match.group(1))
    if done is None:
        return tag
    tag, readable = done
    if readable <= PHONE_FIT:
        return f'<div class="leher-fig">{tag}</div>'
    return f'<div class="leher-pan">{tag}</div><p class="leher-pan-hint">{PAN_HINT}</p>'


def _compact_picture(picture: str) -> str:
    """A ``<picture>`` with a phone ``<source>``: both PNGs palette-encoded, no panning."""
    img = _IMG.search(picture)
    if img is None:
        return picture
    done = _readable_img(img.group(0), img.group(1))
    if done is not None:
        picture = picture.replace(img.group(0), done[0], 1)

    def source(m: re.Match) -> str:
        small = _compact_b64(m.group(1))
        return m.group(0) if small is None else m.group(0).replace(m.group(1), small[0], 1)

    return f'<div class="leher-fig">{_SRCSET.sub(source, picture)}</div>'


def compact_images(html: str) -> str:
    """Palette-encode inline PNG figures and give each a readable width.

    A ``<picture>`` (a figure with a phone version, see
    :func:`leheranalysis.present.kit.figure_bundle`) fits any screen: it is wrapped in
    ``<div class="leher-fig">``. A lone image wider than a phone keeps a readable size and
    pans sideways there (``<div class="leher-pan">``).
    """
    return _PICTURE_OR_IMG.sub(_compact_img, html)


__all__ = [
    "PAN_HINT",
    "PHONE_FIT",
    "READABLE_SCALE",
    "ROW_HEADER",
    "compact_images",
    "compact_png",
    "palette_png",
    "label_tables",
    "table_cells",
    "table_csv",
    "tables_with_downloads",
]
