"""``reports/index.html``: the reader's page of every district's reports.

Built from ``runs.json`` (and the report folders' PDF and CSV files); no notebook is
opened. For readers: districts in programme order (the pilot, Madhubani, first; other
districts after them, alphabetically), each with its PDF, its draft plan workbook
(``<slug>-dcpp-plan.xlsx``) and one line per report saying what it answers, its key numbers (declared by the notebook with
:func:`~leheranalysis.reports.provenance.declare_key_numbers`) and its tables as CSV
downloads. Run status, run times, checksums, data provenance and the executed notebooks
are in a last section "For analysts". Only districts that have processed data in the
data folder of the latest run are listed; reports of other districts (say, from an
earlier run on another data folder) are left out, and a note names them. One
self-contained page: inline CSS, no script, no external asset, a single-column layout
on narrow screens.

Each district's provenance lists its "DNA data" (the input files of the manifest, with a
short sha256, SYNTHETIC or not) apart from its "Public sources" (PMGSY, NFHS-5, Census, as
the notebooks declare them), the latter merged under one short name each.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from leheranalysis import __version__, config
from leheranalysis.reports.export import refresh_navigation, report_name
from leheranalysis.reports.provenance import SHORT_HASH
from leheranalysis.reports.records import (
    RunRecord,
    latest_records,
    load_runs,
)
from leheranalysis.store import atomic_write, processed_districts

INDEX_FILE = "index.html"

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.45}
main{max-width:62rem;margin:0 auto;padding:0.75rem}
h1{font-size:1.5rem;margin:0.5rem 0}
h2{font-size:1.2rem;margin:0 0 0.4rem}
.meta{color:#555;font-size:0.9rem}
section.district{background:#fff;border:1px solid #ddd;border-radius:6px;padding:0.75rem;margin:0.9rem 0}
.badge{display:inline-block;border-radius:3px;padding:0.05rem 0.4rem;font-size:0.8rem;font-weight:700;margin-left:0.3rem;vertical-align:middle}
.synthetic{background:#b00020;color:#fff}
.real{background:#0072b2;color:#fff}
.ok{background:#009e73;color:#fff}
.failed{background:#d55e00;color:#fff}
.unchanged{background:#e0e0e0;color:#222}
ul.reports{list-style:none;margin:0;padding:0}
ul.reports li{border-top:1px solid #eee;padding:0.5rem 0;display:grid;grid-template-columns:1fr auto;gap:0.2rem 0.8rem}
ul.reports a{font-weight:600;word-break:break-word}
ul.reader{list-style:none;margin:0;padding:0}
ul.reader>li{border-top:1px solid #eee;padding:0.6rem 0}
ul.reader .name{font-weight:700;font-size:1.05rem}
.answers{margin:0.15rem 0}
ul.keys{margin:0.2rem 0;padding-left:1.1rem}
ul.keys strong{font-variant-numeric:tabular-nums}
.pdf{margin:0.2rem 0 0.4rem}
.dl{font-size:0.88rem;margin-top:0.2rem}
.dl summary{cursor:pointer}
.dl ul{columns:2 16rem;margin:0.2rem 0;padding-left:1.1rem}
section.analysts h2{margin-top:0.4rem}
.err{grid-column:1/-1;color:#8a2b00;font-size:0.88rem;white-space:pre-wrap;word-break:break-word}
.time{color:#555;font-size:0.88rem;text-align:right}
details{font-size:0.88rem;margin-top:0.4rem}
code{font-size:0.85em;word-break:break-all}
@media (max-width:40rem){ul.reports li{grid-template-columns:1fr}.time{text-align:left}}
@media print{details{display:none}}
"""

#: what each report answers, by notebook name without its number (reader's words)
REPORT_QUESTIONS: dict[str, str] = {
    "data-quality": "Can the figures be trusted? What was read, what was corrected, how "
    "village names were matched and what is missing.",
    "baseline-findings": "What do children, adults and duty bearers report, where do the "
    "community and the registers disagree, and which villages need attention first?",
    "village-maps": "Where are the programme villages and the most vulnerable among them, "
    "and how far are they from a school, a health centre and a panchayat office?",
    "district-comparison": "How does the district compare with the other DNA districts and "
    "with NFHS-5 district, state and all-India figures?",
    "monitoring": "What has changed in the programme villages since the baseline?",
}


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _report_title(notebook: str) -> str:
    """``02-baseline-findings`` -> ``02 Baseline findings``."""
    number, _, rest = notebook.partition("-")
    words = rest.replace("-", " ").replace("_", " ").strip()
    return f"{number} {words[:1].upper()}{words[1:]}" if words else notebook


def _record_html(rec: RunRecord) -> str:
    title = _e(_report_title(rec.notebook))
    link = f'<a href="{_e(rec.html)}">{title}</a>' if rec.ok and rec.html else title
    if rec.ipynb:
        link += f' &middot; <a href="{_e(rec.ipynb)}">executed notebook</a>'

    badges = (
        f'<span class="badge {"ok" if rec.ok else "failed"}">{"ok" if rec.ok else "failed"}</span>'
    )
    if rec.cached:
        badges += '<span class="badge unchanged">unchanged</span>'
    when = _e((rec.finished or "")[:16].replace("T", " "))
    err = f'<div class="err">{_e(rec.message)}</div>' if not rec.ok else ""
    return (
        f"<li><div>{link}{badges}</div>"
        f'<div class="time">{rec.duration_s:.1f} s &middot; {when} UTC</div>{err}</li>'
    )


#: short names of the public sources notebooks declare (first match wins)
PUBLIC_SOURCE_NAMES = (
    ("pmgsy", "PMGSY GeoSadak"),
    ("nfhs-5", "NFHS-5 district fact sheets"),
    ("census", "Census of India 2011"),
    ("synthetic geography", "Built-in SYNTHETIC geography"),
)


def is_dna_source(name: str) -> bool:
    """True for a declared source that is the district's DNA data (shown from the manifest).

    >>> is_dna_source("District Need Assessment workbooks (SYNTHETIC demonstration data)")
    True
    >>> is_dna_source("NFHS-5 (2019-21) district fact sheet")
    False
    """
    low = name.casefold()
    return "district need assessment" in low or low.split(" ", 1)[0] == "dna"


def short_source_name(name: str) -> str:
    """A declared public source under one short name, so near-duplicates merge.

    >>> short_source_name("PMGSY GeoSadak habitations (village populations)")
    'PMGSY GeoSadak'
    >>> short_source_name("Some survey (2020): villages")
    'Some survey'
    """
    low = name.casefold()
    for key, short in PUBLIC_SOURCE_NAMES:
        if key in low:
            return short
    return name.split(" (", 1)[0].split(":", 1)[0].strip() or name


def _dna_inputs(records: list[RunRecord]) -> list[dict]:
    """The district's input files (from the manifest), de-duplicated by name and hash."""
    seen: dict[tuple[str, str], dict] = {}
    for rec in records:
        for item in (rec.provenance or {}).get("inputs", []) or []:
            item = item if isinstance(item, dict) else {"file": str(item)}
            name = Path(str(item.get("file") or "")).name
            short = str(item.get("sha256") or "")[:SHORT_HASH]
            seen.setdefault((name, short), {**item, "file": name, "sha256": short})
    return list(seen.values())


def _public_sources(records: list[RunRecord]) -> list[tuple[str, str]]:
    """(short name, dates) of the declared non-DNA sources, one per short name."""
    dates: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        for src in (rec.provenance or {}).get("sources", []) or []:
            name = str(src.get("name") or "").strip()
            if not name or is_dna_source(name):
                continue
            bucket = dates.setdefault(short_source_name(name), set())
            if src.get("date"):
                bucket.add(str(src["date"]))
    return [(name, ", ".join(sorted(dates[name]))) for name in sorted(dates, key=str.casefold)]


def _provenance_html(records: list[RunRecord]) -> tuple[str, str]:
    prov = next((r.provenance for r in records if (r.provenance or {}).get("inputs")), None)
    prov = prov or next((r.provenance for r in records if r.provenance), None) or {}
    synthetic = any((r.provenance or {}).get("synthetic") for r in records)
    badge = (
        '<span class="badge synthetic">SYNTHETIC</span>'
        if synthetic
        else '<span class="badge real">observed data</span>'
    )
    inputs = "".join(
        f"<li>{_e(i.get('file'))} &middot; sha256 <code>{_e(i.get('sha256'))}</code>"
        f"{' SYNTHETIC' if i.get('synthetic') else ''}</li>"
        for i in _dna_inputs(records)
    )
    dna_tag = " (SYNTHETIC demonstration data)" if synthetic else ""
    dna = (
        f"<p>DNA data{dna_tag}:</p><ul>{inputs}</ul>"
        if inputs
        else f"<p>DNA data{dna_tag}: no input files recorded.</p>"
    )
    public = "".join(
        f"<li>{_e(name)}{f' ({_e(dates)})' if dates else ''}</li>"
        for name, dates in _public_sources(records)
    )
    details = (
        f"<details><summary>Data provenance</summary><p>Processed {_e(prov.get('created') or 'unknown')}"
        f", codebook {_e(prov.get('codebook_version') or 'unknown')}, manifest "
        f"<code>{_e(str(prov.get('manifest_sha256') or '')[:SHORT_HASH])}</code></p>"
        f"{dna}{f'<p>Public sources:</p><ul>{public}</ul>' if public else ''}</details>"
    )
    return badge, details


def _rounds_html(records: list[RunRecord]) -> str:
    """`` · rounds: Baseline (2025-01-15, 63 villages), Midline (...)`` when there are two or more."""
    rounds = max(((r.provenance or {}).get("rounds") or [] for r in records), key=len, default=[])
    if len(rounds) < 2:
        return ""
    parts = []
    for r in rounds:
        name = str(r.get("round", "")).replace("_", " ").replace("-", " ").capitalize()
        when = f"{r['reference_date']}, " if r.get("reference_date") else ""
        parts.append(f"{name} ({when}{int(r.get('villages') or 0)} villages)")
    return f" &middot; rounds: {_e(', '.join(parts))}"


def _left_out_html(left_out: list[RunRecord], data_roots: list[str] | None) -> str:
    if not left_out:
        return ""
    names = sorted({r.district for r in left_out})
    where = f" in {', '.join(data_roots)}" if data_roots else ""
    n = len(left_out)
    return (
        f'<p class="meta" id="not-listed">Not listed: {n} report{"s" if n != 1 else ""} of '
        f"{_e(', '.join(names))}, which no longer {'has' if len(names) == 1 else 'have'} "
        f"processed data{_e(where)} (the data folder of the latest run).</p>"
    )


def programme_order(districts) -> list[str]:
    """Districts in programme order: the DNA districts as the programme ran them
    (Madhubani, the pilot, first), then any other, alphabetically.

    >>> programme_order(["Rajouri", "Patna", "Madhubani", "Leh"])
    ['Madhubani', 'Leh', 'Rajouri', 'Patna']
    """
    from leheranalysis.pipeline import DNA_DISTRICTS

    rank = {config.slugify(d): i for i, d in enumerate(DNA_DISTRICTS)}
    return sorted(
        districts, key=lambda d: (rank.get(config.slugify(d), len(rank)), str(d).casefold())
    )


def _question(notebook: str) -> str:
    _, _, name = notebook.partition("-")
    return REPORT_QUESTIONS.get(name, "")


def table_label(stem: str) -> str:
    """The name of a table download for readers, from its file name.

    Examples
    --------
    >>> table_label("02-the-rounds-table-2"), table_label("09-rates-per-1000-by-block-table")
    ('The rounds, table 2', 'Rates per 1000 by block table')
    """
    words = (stem.partition("-")[2] or stem).replace("-", " ")
    words = re.sub(r" table (\d+)$", r", table \1", words)
    return words[:1].upper() + words[1:]


def _downloads_html(reports_dir: Path | None, rec: RunRecord) -> str:
    """The report's tables as CSV links (files of ``<slug>/<report>-tables/``)."""
    if reports_dir is None or not rec.html:
        return ""
    folder = (reports_dir / rec.html).with_name(f"{Path(rec.html).stem}-tables")
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return ""
    items = "".join(
        f'<li><a href="{_e(f.relative_to(reports_dir).as_posix())}" download>'
        f"{_e(table_label(f.stem))}</a></li>"
        for f in files
    )
    n = len(files)
    return (
        f'<details class="dl"><summary>Download the {n} table{"s" if n != 1 else ""} '
        f"(CSV, opens in Excel)</summary><ul>{items}</ul></details>"
    )


def _reader_item(rec: RunRecord, reports_dir: Path | None) -> str:
    name = _e(report_name(rec.notebook))
    question = _question(rec.notebook)
    answers = f'<p class="answers">{_e(question)}</p>' if question else ""
    if not (rec.ok and rec.html):
        return (
            f'<li><span class="name">{name}</span>{answers}<p class="meta">Not available: '
            "the report could not be built (see For analysts below).</p></li>"
        )
    keys = "".join(
        f"<li><strong>{_e(value)}</strong> {_e(label)}</li>"
        for value, label in (rec.provenance or {}).get("key_numbers", []) or []
    )
    keys = f'<ul class="keys">{keys}</ul>' if keys else ""
    return (
        f'<li><a class="name" href="{_e(rec.html)}">{name}</a>{answers}{keys}'
        f"{_downloads_html(reports_dir, rec)}</li>"
    )


def _pdf_html(reports_dir: Path | None, slug: str, district: str) -> str:
    if reports_dir is None:
        return ""
    from leheranalysis.reports.pdf import pdf_name

    pdf = reports_dir / slug / pdf_name(slug)
    if not pdf.is_file():
        return ""
    size = pdf.stat().st_size / 1e6
    return (
        f'<p class="pdf"><a href="{_e(slug)}/{_e(pdf.name)}">All reports of {_e(district)} '
        f"as one PDF</a> ({size:.1f} MB, for printing)</p>"
    )


def _plan_html(reports_dir: Path | None, slug: str) -> str:
    """A link to the district's draft plan workbook (written beside its reports)."""
    if reports_dir is None:
        return ""
    plan = reports_dir / slug / f"{slug}-dcpp-plan.xlsx"
    if not plan.is_file():
        return ""
    return (
        f'<p class="pdf"><a href="{_e(slug)}/{_e(plan.name)}">Draft District Child Protection '
        "Plan (Excel)</a>: one row per key finding and block, with the baseline, the "
        "responsible department and a proposed activity; the district fills in targets, "
        "dates and budget.</p>"
    )


def _analyst_section(district: str, recs: list[RunRecord]) -> str:
    _, details = _provenance_html(recs)
    failed = sum(not r.ok for r in recs)
    status = f"{len(recs) - failed} of {len(recs)} ok"
    items = "".join(_record_html(r) for r in recs)
    return (
        f'<section class="district" id="analysts-{_e(config.slugify(district))}">'
        f'<h3>{_e(district)}</h3><p class="meta">{status}</p>'
        f'<ul class="reports">{items}</ul>{details}</section>'
    )


def index_html(
    records: list[RunRecord],
    generated: datetime | None = None,
    *,
    left_out: list[RunRecord] | None = None,
    data_roots: list[str] | None = None,
    reports_dir: str | Path | None = None,
) -> str:
    """The index page for ``records`` (latest record of each report).

    ``left_out`` records (districts without processed data in ``data_roots``) are not
    linked; a note names their districts. ``reports_dir`` (the folder the page is
    written to) is where the district PDFs and table downloads are looked up.
    """
    reports_dir = Path(reports_dir) if reports_dir is not None else None
    stamp = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    by_district: dict[str, list[RunRecord]] = defaultdict(list)
    for rec in records:
        by_district[rec.district].append(rec)
    sections = []
    analysts = []
    for district in programme_order(by_district):
        recs = sorted(by_district[district], key=lambda r: r.notebook)
        badge, _ = _provenance_html(recs)
        slug = config.slugify(district)
        items = "".join(_reader_item(r, reports_dir) for r in recs)
        rounds = _rounds_html(recs).removeprefix(" &middot; ")
        rounds = f'<p class="meta">Assessment {rounds}</p>' if rounds else ""
        sections.append(
            f'<section class="district" id="{_e(slug)}">'
            f"<h2>{_e(district)}{badge}</h2>{_pdf_html(reports_dir, recs[0].slug, district)}"
            f"{_plan_html(reports_dir, recs[0].slug)}"
            f"{rounds}"
            f'<ul class="reader">{items}</ul></section>'
        )
        analysts.append(_analyst_section(district, recs))
    n_failed = sum(not r.ok for r in records)
    summary = f"{len(by_district)} districts, {len(records)} reports, {n_failed} failed"
    body = "".join(sections) or "<p>No reports yet: run <code>leher run --all</code>.</p>"
    if analysts:
        body += (
            '<section class="analysts" id="for-analysts"><h2>For analysts</h2>'
            f'<p class="meta">{_e(summary)}. Run status and times, executed notebooks, input '
            "files with their checksums, and the public sources of each district.</p>"
            f"{''.join(analysts)}</section>"
        )
    body += _left_out_html(left_out or [], data_roots)
    n_ok = len(records) - n_failed
    summary = f"{len(by_district)} district{'s' if len(by_district) != 1 else ''}, {n_ok} reports"
    synthetic = any((r.provenance or {}).get("synthetic") for r in records)
    note = (
        '<p class="meta"><strong>SYNTHETIC</strong> districts hold generated demonstration '
        "data: no figure describes real children, villages or services.</p>"
        if synthetic
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>District Need Assessment reports</title>"
        f"<style>{_CSS}</style></head><body><main>"
        "<h1>District Need Assessment reports</h1>"
        f'<p class="meta">{_e(summary)} &middot; updated {_e(stamp)}</p>{note}{body}'
        f'<p class="meta">Built by leheranalysis {_e(__version__)}.</p></main></body></html>\n'
    )


def current_districts(data_roots: list[str | Path]) -> set[str]:
    """Slugs of the districts with processed data (``manifest.json``) in ``data_roots``."""
    slugs: set[str] = set()
    for root in data_roots:
        for name, folder in processed_districts(root).items():
            slugs.update((config.slugify(name), Path(folder).name))
    return slugs


def build_index(
    reports_dir: str | Path | None = None, data_roots: list[str | Path] | None = None
) -> Path:
    """Write ``<reports_dir>/index.html`` from ``runs.json`` (atomically).

    The navigation bar of each listed district's reports is brought up to date first
    (:func:`~leheranalysis.reports.export.refresh_navigation`).

    Parameters
    ----------
    reports_dir : str or pathlib.Path, optional
        Default ``config.reports_dir()``.
    data_roots : list of str or pathlib.Path, optional
        Folders of district folders; only districts with processed data there are
        listed. Default: the folders recorded by the latest run in ``runs.json``, else
        ``config.processed_dir()``.

    Returns
    -------
    pathlib.Path
        The index file.
    """
    reports_dir = Path(reports_dir) if reports_dir is not None else config.reports_dir()
    if data_roots is None:
        data_roots = load_runs(reports_dir).get("data_roots") or [config.processed_dir()]
    roots = [str(r) for r in data_roots]
    current = current_districts(roots)
    records = latest_records(reports_dir)
    shown = [r for r in records if r.slug in current]
    left_out = [r for r in records if r.slug not in current]
    for slug, district in {r.slug: r.district for r in shown if r.ok}.items():
        if (reports_dir / slug).is_dir():
            refresh_navigation(reports_dir / slug, district)
    page = index_html(shown, left_out=left_out, data_roots=roots, reports_dir=reports_dir)
    return atomic_write(reports_dir / INDEX_FILE, page)
