"""HTML export of an executed notebook: no code, a provenance header, a table of contents.

The export uses nbconvert's ``HTMLExporter`` with the package's ``leher`` template
(``leheranalysis/data/report_template/leher``), which extends JupyterLab's layout but
loads no external script (MathJax only when the notebook contains maths). Inputs and
prompts are excluded; images are embedded as base64 so each HTML file stands alone.
The template carries none of JupyterLab's stylesheets: ``report.css`` styles the page
for screens, phones and print, and :mod:`.layout` makes tables and figures readable on
each (cards on phones, every column on paper, palette PNGs). Every table shown is also
written as a CSV download in ``<report>-tables/`` beside the HTML and linked under it.
"""

from __future__ import annotations

import copy
import functools
import html
import logging
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leheranalysis import __version__, config, environment
from leheranalysis.reports.layout import compact_images, tables_with_downloads
from leheranalysis.reports.provenance import strip_declarations
from leheranalysis.store import atomic_write

TEMPLATE_DIR = config.package_data("report_template")
TEMPLATE_NAME = "leher"
TOC_MARKER = "<!--LEHER-TOC-->"
# cells the reader never sees: parameters, papermill's injected parameters and error notes
HIDDEN_CELL_TAGS = {
    "parameters",
    "injected-parameters",
    "papermill-error-cell-tag",
    "remove-cell",
    "remove_cell",
    "hide",
}
HIDDEN_OUTPUT_TAGS = {"remove-output", "remove_output", "hide-output"}
SYNTHETIC_TEXT = (
    "SYNTHETIC DATA - generated for demonstration; no figure in this report describes "
    "real children, villages or services."
)
_HEADING = re.compile(r"<h([1-4])([^>]*?)\sid=\"([^\"]*)\"([^>]*)>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
# nbconvert's own notices (e.g. "Alternative text is missing") go here, errors only
_NBCONVERT_LOG = logging.getLogger("leheranalysis.reports.nbconvert")
_NBCONVERT_LOG.setLevel(logging.ERROR)
_NAV = re.compile(r'<nav\b[^>]*\bclass="leher-nav"[^>]*>.*?</nav>', re.S)
_MATH = re.compile(r"\$[^$\n]+\$|\\\(|\\\[|\\begin\{")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def notebook_title(nb, default: str) -> str:
    """The first level-1 markdown heading of a notebook, else ``default``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1).strip()
    return default


def _opens_with_h1(nb) -> bool:
    """Whether the first markdown cell starts with a level-1 heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            return bool(re.match(r"^#\s", cell.source.lstrip()))
    return False


def _neutralise_markdown(output) -> None:
    """Make a Markdown output's raw HTML show as text (its values may come from inputs).

    Markdown passes raw HTML through to the report; with every ``<`` written as ``&lt;``
    no tag can open, while Markdown emphasis, lists and links still render.
    """
    data = output.get("data") or {}
    text = data.get("text/markdown")
    if text is None:
        return
    if isinstance(text, list):
        text = "".join(text)
    data["text/markdown"] = text.replace("<", "&lt;")


def _set_tables_aside(nb) -> dict[str, str]:
    """Replace each HTML output that holds a table by a placeholder; the HTML set aside.

    nbconvert parses its whole page once more (to add missing alternative texts to
    images) and writes it out again; tables are most of a report's tags and have no
    image, and :func:`~leheranalysis.reports.layout.tables_with_downloads` parses each
    of them anyway. They are put back into the page after nbconvert. The placeholders
    carry a random token, so no text of a notebook can stand for one.
    """
    token = secrets.token_hex(8)
    aside: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            text = data.get("text/html")
            if isinstance(text, list):
                text = "".join(text)
            if not isinstance(text, str) or "<table" not in text or "<img" in text:
                continue
            key = f"<!--leher-table-{token}-{len(aside)}-->"
            aside[key] = text.rstrip()
            data["text/html"] = key
    return aside


def _put_tables_back(body: str, aside: dict[str, str]) -> str:
    for key, text in aside.items():
        body = body.replace(key, text, 1)
    return body


def clean_for_report(nb):
    """A copy of ``nb`` without hidden cells, stderr streams and provenance outputs.

    Raw HTML in Markdown outputs (``display(Markdown(...))``, whose text may carry
    values from inputs) is neutralised: it shows as text.
    """
    nb = copy.deepcopy(nb)
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if tags & HIDDEN_OUTPUT_TAGS:
                cell.outputs = []
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            for o in cell.outputs:
                _neutralise_markdown(o)
        keep.append(cell)
    nb.cells = keep
    nb.metadata.pop("widgets", None)
    strip_declarations(nb)
    return nb


def _sources_html(prov: dict[str, Any]) -> str:
    items = []
    for src in prov.get("sources", []):
        bits = [f"<strong>{_e(src.get('name'))}</strong>"]
        if src.get("date"):
            bits.append(f"({_e(src['date'])})")
        if src.get("licence"):
            bits.append(f"- {_e(src['licence'])}")
        if src.get("url"):
            bits.append(f'- <a href="{_e(src["url"])}">{_e(src["url"])}</a>')
        if src.get("note"):
            bits.append(f"- {_e(src['note'])}")
        items.append(f"<li>{' '.join(bits)}</li>")
    for inp in prov.get("inputs", []):
        flag = " <strong>SYNTHETIC</strong>" if inp.get("synthetic") else ""
        date = f", {_e(inp['date'])}" if inp.get("date") else ""
        items.append(
            f"<li>{_e(inp.get('file'))}{date} - sha256 <code>{_e(inp.get('sha256'))}</code>{flag}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else "<p>none recorded</p>"


def header_html(
    title: str, district: str, prov: dict[str, Any], generated: str, show_title: bool = True
) -> str:
    """The report header: SYNTHETIC banner (when synthetic), title and provenance list.

    ``show_title`` is False when the notebook opens with its own ``#`` heading.
    """
    banner = ""
    if prov.get("synthetic"):
        banner = (
            '<div class="leher-banner" role="alert" id="synthetic-banner">SYNTHETIC DATA'
            f"<small>{_e(SYNTHETIC_TEXT)}</small></div>"
        )
    rows = [
        ("District", _e(district)),
        ("Data sources", _sources_html(prov)),
        ("Generated", _e(generated)),
    ]
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    heading = f'<h1 class="leher-title">{_e(title)}</h1>' if show_title else ""
    return (
        f'{banner}<header class="leher-header" id="report-header">'
        f'<p class="leher-kicker">District Need Assessment &middot; {_e(district)}</p>'
        f"{heading}<dl>{body}</dl>{analysts_html(prov)}</header>"
    )


def analysts_html(prov: dict[str, Any]) -> str:
    """The header's section for analysts: the processed data and the software.

    The software line names the package version, Python, the sha256 of
    ``requirements.lock`` and the key library versions of the environment that ran the
    report; packages not installed as locked, and any difference from the software that
    built the processed data, are listed under it.
    """
    current = prov.get("environment") or {}
    built = prov.get("data_environment")
    rows = [
        (
            "Processed data",
            f"built {_e(prov.get('created') or 'unknown')}, codebook "
            f"{_e(prov.get('codebook_version') or 'unknown')}, manifest sha256 "
            f"<code>{_e(str(prov.get('manifest_sha256') or '')[:12])}</code>",
        ),
        (
            "Software",
            _e(environment.summary(current)) if current else f"leheranalysis {_e(__version__)}",
        ),
    ]
    if current.get("lock_differences"):
        items = "".join(f"<li>{_e(d)}</li>" for d in current["lock_differences"])
        rows.append(("Not as locked", f"<ul>{items}</ul>"))
    if current:
        diffs = environment.differences(built, current)
        text = (
            "<ul>" + "".join(f"<li>{_e(d)}</li>" for d in diffs) + "</ul>"
            if diffs
            else "the same software as this report"
        )
        rows.append(("Processed data built with", text))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        '<details class="leher-analysts" id="for-analysts"><summary>For analysts: how this '
        f"report was built</summary><dl>{body}</dl></details>"
    )


def footer_html(prov: dict[str, Any], generated: str) -> str:
    """Footer repeating the SYNTHETIC warning and the generation time."""
    synth = f"<p><strong>{_e(SYNTHETIC_TEXT)}</strong></p>" if prov.get("synthetic") else ""
    return (
        f'<footer class="leher-footer">{synth}<p>Generated {_e(generated)} by leheranalysis '
        f"{_e(__version__)}.</p></footer>"
    )


def report_name(stem: str) -> str:
    """A report's short name from its file stem.

    >>> report_name("04-district-comparison")
    'District comparison'
    """
    _, _, rest = stem.partition("-")
    words = (rest or stem).replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def sibling_reports(html_path: Path) -> list[str]:
    """Stems of the district's reports: the ``NN-name.html`` files beside ``html_path``
    and this report."""
    return sorted({html_path.stem, *(p.stem for p in html_path.parent.glob("[0-9]*.html"))})


def refresh_navigation(folder: str | Path, district: str) -> list[Path]:
    """Rewrite the navigation bar of every report in ``folder`` to list exactly the
    reports there (run after a batch, when all of them exist). Returns the files changed.
    """
    folder = Path(folder)
    stems = sorted(p.stem for p in folder.glob("[0-9]*.html"))
    changed = []
    for stem in stems:
        path = folder / f"{stem}.html"
        text = path.read_text(encoding="utf-8")
        bar = nav_html(district, stem, stems)
        new = _NAV.sub(lambda _m, bar=bar: bar, text, count=1)
        if new != text:
            changed.append(atomic_write(path, new))
    return changed


def nav_html(district: str, current: str, stems: list[str]) -> str:
    """The navigation bar: the index of all districts and this district's reports."""
    here = ' aria-current="page"'
    links = "".join(
        f'<a href="{_e(stem)}.html"{here if stem == current else ""}>{_e(report_name(stem))}</a>'
        for stem in stems
    )
    return (
        '<nav class="leher-nav" aria-label="Reports"><a href="../index.html">All districts'
        f"</a><strong>{_e(district)}:</strong>{links}</nav>"
    )


def add_toc(body: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Insert a table of contents built from the headings at :data:`TOC_MARKER`.

    Heading ids are made unique; the title heading of the header (no id) is skipped.

    Returns
    -------
    (str, list of (level, id, text))
        The new HTML and the entries.
    """
    seen: dict[str, int] = {}
    entries: list[tuple[int, str, str]] = []

    def fix(m: re.Match) -> str:
        level, pre, hid, post, inner = m.groups()
        base = re.sub(r"[^\w-]+", "", html.unescape(hid)).strip("-") or "section"
        base = re.sub(r"-{2,}", "-", base)
        n = seen.get(base, 0)
        seen[base] = n + 1
        uid = base if n == 0 else f"{base}-{n + 1}"
        inner = inner.replace(f'href="#{hid}"', f'href="#{uid}"')
        text = html.unescape(_TAG.sub("", inner)).replace("\u00b6", "").strip()
        entries.append((int(level), uid, text))
        return f'<h{level}{pre} id="{uid}"{post}>{inner}</h{level}>'

    body = _HEADING.sub(fix, body)
    if not entries:
        return body.replace(TOC_MARKER, ""), entries
    top = min(level for level, _, _ in entries)
    items = "".join(
        f'<li class="toc-level-{level - top + 2}"><a href="#{_e(uid)}">{_e(text)}</a></li>'
        for level, uid, text in entries
    )
    nav = f'<nav class="leher-toc" aria-label="Contents"><h2>Contents</h2><ul>{items}</ul></nav>'
    return body.replace(TOC_MARKER, nav, 1), entries


@functools.lru_cache(maxsize=1)
def _exporter():
    """This process's HTML exporter, its templates compiled once for every report.

    The exporter keeps no state of a notebook between calls: each call passes its own
    resources (header, footer, navigation).
    """
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        log=_NBCONVERT_LOG,
    )


def export_html(
    nb,
    html_path: str | Path,
    *,
    district: str,
    provenance: dict[str, Any],
    title: str | None = None,
    generated: datetime | None = None,
    source_dir: str | Path | None = None,
) -> Path:
    """Write an executed notebook as a self-contained HTML report without code.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    html_path : str or pathlib.Path
        Output file, written atomically.
    district : str
        District shown in the header.
    provenance : dict
        As built by :func:`~leheranalysis.reports.provenance.manifest_provenance`
        plus the notebook's declared ``sources``; ``synthetic`` turns on the banner.
    title : str, optional
        Report title (default: the notebook's first ``#`` heading).
    generated : datetime, optional
        Generation time (default: now, UTC).
    source_dir : str or pathlib.Path, optional
        Folder of the source notebook, for images linked from markdown (embedded).

    Returns
    -------
    pathlib.Path
        ``html_path``. Its tables are also written as CSV files in
        :func:`tables_folder` (``<report>-tables/``), linked under each table; a
        navigation bar links the index page and the district's other reports (those
        beside it; :func:`refresh_navigation` completes it once a batch has run).
    """
    html_path = Path(html_path)
    report_nb = clean_for_report(nb)
    title = title or notebook_title(report_nb, html_path.stem)
    stamp = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    prefix = "[SYNTHETIC] " if provenance.get("synthetic") else ""
    report_nb.metadata["title"] = f"{prefix}{title} - {district}"
    has_math = any(c.cell_type == "markdown" and _MATH.search(c.source) for c in report_nb.cells)
    exporter = _exporter()
    resources = {
        "leher": {
            "version": __version__,
            "css": (TEMPLATE_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8"),
            "header_html": header_html(
                title, district, provenance, stamp, show_title=not _opens_with_h1(report_nb)
            ),
            "footer_html": footer_html(provenance, stamp),
            "nav_html": nav_html(district, html_path.stem, sibling_reports(html_path)),
            "mathjax": has_math,
        },
        "metadata": {"name": title, "path": str(source_dir or html_path.parent)},
    }
    aside = _set_tables_aside(report_nb)
    body, _ = exporter.from_notebook_node(report_nb, resources=resources)
    body = _put_tables_back(body, aside)
    body, tables = tables_with_downloads(body, tables_folder(html_path).name)
    write_tables(tables, tables_folder(html_path))
    body, _ = add_toc(compact_images(body))
    atomic_write(html_path, body)
    return html_path


def tables_folder(html_path: str | Path) -> Path:
    """Folder of a report's table downloads: ``<report>-tables/`` beside the HTML."""
    html_path = Path(html_path)
    return html_path.with_name(f"{html_path.stem}-tables")


def write_tables(tables: dict[str, str], folder: Path) -> list[Path]:
    """Write each table as CSV (UTF-8 with BOM, so Excel opens it), old files removed."""
    if folder.is_dir():
        for old in folder.glob("*.csv"):
            old.unlink()
    return [
        atomic_write(folder / name, ("\ufeff" + text).encode("utf-8"))
        for name, text in tables.items()
    ]
