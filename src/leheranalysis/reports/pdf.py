"""One PDF per district: its HTML reports printed by headless Chromium, with page numbers.

The reports of a district (all of them, or a reader's selection) are joined into one
printable page - each report starts on a new page, collapsed sections are opened so that
paper loses nothing - and printed with ``chromium --headless --print-to-pdf``. The
stylesheet's print rules (``report.css``) keep every column of every table, drop the
navigation and number the pages ("Page 3 of 41").

Chromium is found as ``$LEHER_CHROMIUM``, else ``chromium``, ``chromium-browser`` or
``google-chrome`` on the ``PATH``. Without it the HTML reports are still built and
:func:`write_pdfs` returns a notice that says how to get the PDF.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from leheranalysis import config
from leheranalysis.errors import ReportError
from leheranalysis.reports.records import RunRecord
from leheranalysis.store import atomic_write

#: Chromium flags for a quiet, isolated, offline print
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set LEHER_CHROMIUM to "
    "the path of a Chromium or Chrome browser, then run `leher run` again (add --force to "
    "rebuild unchanged reports)"
)
PDF_TIMEOUT_S = 300.0

_MAIN = re.compile(r"<main>(.*)</main>", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_CSS_MARK = "leheranalysis report: the only stylesheet"
_NAV = re.compile(r'<nav\b[^>]*\bclass="leher-(?:nav|toc)"[^>]*>.*?</nav>', re.S)


def chromium_path() -> str | None:
    """The Chromium to print with, or None when none is installed."""
    env = os.environ.get("LEHER_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_name(slug: str) -> str:
    """File name of a district's PDF (in ``reports/<slug>/``).

    >>> pdf_name("madhubani")
    'madhubani-reports.pdf'
    """
    return f"{slug}-reports.pdf"


def print_document(pages: Sequence[str | Path], district: str) -> str:
    """One printable HTML document of several exported reports, each from a new page.

    The package stylesheet (``report.css``: print rules, page numbers) comes first, then
    the first report's other ``<head>`` styles; each report's ``<main>`` becomes a
    ``<section class="leher-report">`` without navigation or contents list, with its
    ``<details>`` opened.
    """
    css = (config.package_data("report_template") / "leher" / "report.css").read_text("utf-8")
    head_css = f"<style>{css}</style>"
    sections = []
    for i, page in enumerate(pages):
        text = Path(page).read_text(encoding="utf-8")
        head, _, _ = text.partition("<body")
        if i == 0:
            head_css += "".join(s for s in _STYLE.findall(head) if _CSS_MARK not in s)
        m = _MAIN.search(text)
        body = m.group(1) if m else text.partition("<body")[2].partition(">")[2]
        body = _NAV.sub("", body)
        body = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", body)
        sections.append(f'<section class="leher-report">{body}</section>')
    title = f"District Need Assessment reports - {html.escape(district)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head_css}</head><body><main>"
        f"{''.join(sections)}</main></body></html>\n"
    )


def print_pdf(
    pages: Sequence[str | Path],
    pdf: str | Path,
    district: str,
    *,
    chromium: str | None = None,
    timeout: float = PDF_TIMEOUT_S,
    document: str | None = None,
) -> Path:
    """Print exported reports into one PDF with headless Chromium (written atomically).

    Parameters
    ----------
    pages : sequence of str or pathlib.Path
        HTML reports, in reading order.
    pdf : str or pathlib.Path
        Output file.
    district : str
        District name (document title).
    chromium : str, optional
        Browser executable (default :func:`chromium_path`).
    timeout : float
        Seconds Chromium may take.
    document : str, optional
        The printable document when already made (:func:`print_document` of ``pages``).

    Returns
    -------
    pathlib.Path
        ``pdf``.

    Raises
    ------
    ReportError
        When no Chromium is installed, or it fails or writes no PDF (the message says
        which report set and what Chromium printed).
    """
    browser = chromium or chromium_path()
    if not browser:
        raise ReportError(f"no PDF for {district}: Chromium not found; {INSTALL_HINT}")
    pdf = Path(pdf)
    with tempfile.TemporaryDirectory(prefix="leher-pdf-") as tmp:
        doc = Path(tmp) / "print.html"
        doc.write_text(document or print_document(pages, district), encoding="utf-8")
        out = Path(tmp) / "out.pdf"
        cmd = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            doc.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportError(f"no PDF for {district}: {browser} failed: {exc}") from exc
        if not out.is_file() or out.stat().st_size == 0:
            tail = " ".join((proc.stderr or proc.stdout or "").split())[-300:]
            raise ReportError(
                f"no PDF for {district}: {browser} exited with code {proc.returncode} "
                f"and wrote no PDF ({tail or 'no message'})"
            )
        return atomic_write(pdf, out.read_bytes())


def key_path(pdf: str | Path) -> Path:
    """Where the key of a PDF is kept: ``.<name>.key`` beside it (hidden from readers)."""
    pdf = Path(pdf)
    return pdf.with_name(f".{pdf.name}.key")


def document_key(document: str, browser: str) -> str:
    """sha256 of a printable document (figures are embedded) and the print settings."""
    digest = hashlib.sha256(document.encode("utf-8"))
    digest.update("\0".join((*CHROMIUM_FLAGS, Path(browser).name)).encode())
    return digest.hexdigest()


def _is_current(pdf: Path, key: str) -> bool:
    """True when ``pdf`` exists and was printed from the document with this key."""
    marker = key_path(pdf)
    try:
        return pdf.is_file() and marker.read_text(encoding="ascii").strip() == key
    except (OSError, UnicodeDecodeError):
        return False


def _print_one(job: tuple[list[Path], Path, str, str]) -> Path | str | None:
    """Print one district's PDF and its key: the PDF, None when it was current, or the
    message of a failure."""
    pages, target, district, browser = job
    document = print_document(pages, district)
    key = document_key(document, browser)
    if _is_current(target, key):
        return None
    try:
        key_path(target).unlink(missing_ok=True)
        print_pdf(pages, target, district, chromium=browser, document=document)
        atomic_write(key_path(target), key + "\n")
    except ReportError as exc:
        return str(exc)
    return target


def write_pdfs(
    reports_dir: str | Path,
    records: Iterable[RunRecord],
    *,
    notebooks: Iterable[str] | None = None,
    workers: int | None = None,
) -> tuple[list[Path], list[str]]:
    """Write ``reports/<slug>/<slug>-reports.pdf`` for each district of ``records``.

    A district's PDF holds its successful reports in notebook order (``notebooks``:
    only those whose name starts with one of these, e.g. ``["02", "03"]``). It is
    printed again only when the printable document differs from the one it was printed
    from (its sha256 is kept beside it, :func:`key_path`) or when it is missing; the
    districts' PDFs are printed in parallel (``workers``, default the number of cores).

    Returns
    -------
    (list of pathlib.Path, list of str)
        PDFs written (not those found current), and notices for the reader (no Chromium: how to
        get the PDF; a failed print: why).
    """
    reports_dir = Path(reports_dir)
    wanted = tuple(notebooks or ())
    by_slug: dict[str, list[RunRecord]] = {}
    for rec in records:
        if rec.ok and rec.html and (not wanted or rec.notebook.startswith(wanted)):
            by_slug.setdefault(rec.slug, []).append(rec)
    if not by_slug:
        return [], []
    browser = chromium_path()
    if not browser:
        return [], [f"PDF not written (Chromium not found): {INSTALL_HINT}"]
    jobs = []
    for slug, recs in by_slug.items():
        recs = sorted(recs, key=lambda r: r.notebook)
        pages = [reports_dir / r.html for r in recs]
        jobs.append((pages, reports_dir / slug / pdf_name(slug), recs[0].district, browser))
    n = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=n) as pool:  # each job waits on its Chromium
        results = list(pool.map(_print_one, jobs))
    written = [r for r in results if isinstance(r, Path)]
    notices = [r for r in results if isinstance(r, str)]
    return written, notices


__all__ = [
    "CHROMIUM_FLAGS",
    "INSTALL_HINT",
    "chromium_path",
    "document_key",
    "key_path",
    "pdf_name",
    "print_document",
    "print_pdf",
    "write_pdfs",
]
