"""``reports/index.html``: every district's reports with status, run time and provenance.

Built from ``runs.json`` only (no notebook is opened). Only districts that have processed
data in the data folder of the latest run are listed; reports of other districts (say,
from an earlier run on another data folder) are left out, and a note names them. One self-contained page: inline
CSS, no script, no external asset, a viewport meta tag and a single-column layout on
narrow screens, so that it reads well on a phone.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from leheranalysis import __version__, config
from leheranalysis.reports.provenance import processed_districts
from leheranalysis.reports.records import (
    RunRecord,
    atomic_write_text,
    latest_records,
    load_runs,
)

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
.err{grid-column:1/-1;color:#8a2b00;font-size:0.88rem;white-space:pre-wrap;word-break:break-word}
.time{color:#555;font-size:0.88rem;text-align:right}
details{font-size:0.88rem;margin-top:0.4rem}
code{font-size:0.85em;word-break:break-all}
@media (max-width:40rem){ul.reports li{grid-template-columns:1fr}.time{text-align:left}}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _report_title(notebook: str) -> str:
    """``02-baseline-findings`` -> ``02 Baseline findings``."""
    number, _, rest = notebook.partition("-")
    words = rest.replace("-", " ").replace("_", " ").strip()
    return f"{number} {words[:1].upper()}{words[1:]}" if words else notebook


def _record_html(rec: RunRecord) -> str:
    title = _e(_report_title(rec.notebook))
    if rec.ok and rec.html:
        link = f'<a href="{_e(rec.html)}">{title}</a>'
    elif rec.ipynb:
        link = f'{title} &middot; <a href="{_e(rec.ipynb)}">executed notebook (for analysts)</a>'
    else:
        link = title
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


def _provenance_html(records: list[RunRecord]) -> str:
    prov = records[0].provenance or {}
    synthetic = any((r.provenance or {}).get("synthetic") for r in records)
    badge = (
        '<span class="badge synthetic">SYNTHETIC</span>'
        if synthetic
        else '<span class="badge real">observed data</span>'
    )
    inputs = "".join(
        f"<li>{_e(i.get('file'))} <code>{_e(i.get('sha256'))}</code>"
        f"{' SYNTHETIC' if i.get('synthetic') else ''}</li>"
        for i in prov.get("inputs", [])
    )
    sources = sorted(
        {s.get("name", "") for r in records for s in (r.provenance or {}).get("sources", [])}
    )
    details = (
        f"<details><summary>Data provenance</summary><p>Processed {_e(prov.get('created') or 'unknown')}"
        f", codebook {_e(prov.get('codebook_version') or 'unknown')}, manifest "
        f"<code>{_e(str(prov.get('manifest_sha256') or '')[:12])}</code></p>"
        f"{f'<ul>{inputs}</ul>' if inputs else ''}"
        f"{'<p>Public sources: ' + _e(', '.join(sources)) + '</p>' if sources else ''}</details>"
    )
    return badge, details


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


def index_html(
    records: list[RunRecord],
    generated: datetime | None = None,
    *,
    left_out: list[RunRecord] | None = None,
    data_roots: list[str] | None = None,
) -> str:
    """The index page for ``records`` (latest record of each report).

    ``left_out`` records (districts without processed data in ``data_roots``) are not
    linked; a note names their districts.
    """
    stamp = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    by_district: dict[str, list[RunRecord]] = defaultdict(list)
    for rec in records:
        by_district[rec.district].append(rec)
    sections = []
    for district in sorted(by_district):
        recs = sorted(by_district[district], key=lambda r: r.notebook)
        badge, details = _provenance_html(recs)
        failed = sum(not r.ok for r in recs)
        status = f"{len(recs) - failed} of {len(recs)} ok"
        items = "".join(_record_html(r) for r in recs)
        sections.append(
            f'<section class="district" id="{_e(config.slugify(district))}">'
            f'<h2>{_e(district)}{badge}</h2><p class="meta">{status}</p>'
            f'<ul class="reports">{items}</ul>{details}</section>'
        )
    body = "".join(sections) or "<p>No reports yet: run <code>leher run --all</code>.</p>"
    body += _left_out_html(left_out or [], data_roots)
    n_failed = sum(not r.ok for r in records)
    summary = f"{len(by_district)} districts, {len(records)} reports, {n_failed} failed"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>District Need Assessment reports</title>"
        f"<style>{_CSS}</style></head><body><main>"
        "<h1>District Need Assessment reports</h1>"
        f'<p class="meta">{_e(summary)} &middot; generated {_e(stamp)} by leheranalysis '
        f"{_e(__version__)}</p>{body}</main></body></html>\n"
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
    page = index_html(shown, left_out=left_out, data_roots=roots)
    return atomic_write_text(reports_dir / INDEX_FILE, page)
