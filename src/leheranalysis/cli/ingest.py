"""``leher ingest``: filled DNA workbooks, Kobo/ODK exports and CSV -> processed tables.

Exit codes: 0 written; 2 any validation error (nothing written to the output folder; the
errors are printed as a table and written to ``<parent>/<name>.validation_errors.csv``, the
village-name matches to ``<parent>/<name>.match_report.csv`` and the automatic changes to
``<parent>/<name>.cleaning_log.csv``, whose paths are printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

#: rows of the error table printed before "... and N more"
SHOW_ERRORS = 30

#: short names of the cleaning-log rules for the summary line
CHANGE_NAMES = {
    "trim": "spaces trimmed",
    "missing_token": "NA marks -> blank",
    "text_to_number": "numbers typed as text",
    "percent_sign": "% signs removed",
    "percent_format": "percent-formatted cells read as typed",
    "yes_no": "yes/no -> 1/0",
    "category_normalised": "categories respelt",
    "year_format": "years reformatted",
    "sheet_name": "sheet names matched",
    "merged_cell_filled": "merged cells filled",
    "block_matched": "block names matched",
    "village_normalised": "village names respelt",
    "village_fuzzy": "village names fuzzy-matched",
    "village_alias": "village names from aliases",
    "pii_removed": "personal data removed",
    "free_text_removed": "free-text cells removed",
    "metadata_column_ignored": "metadata columns ignored",
    "sheet_ignored": "sheets ignored",
}

#: order of match statuses in the summary line
MATCH_ORDER = ("exact", "normalised", "fuzzy", "alias", "ambiguous", "unmatched")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` command."""
    p = sub.add_parser(
        "ingest",
        help="validate and ingest filled DNA workbooks, Kobo/ODK exports and CSV",
        description=(
            "Read filled DNA workbooks (.xlsx), Kobo/ODK exports (.csv/.xlsx) and CSV files "
            "of a district; validate every cell, log every automatic change, match villages "
            "to the gazetteer and write data/processed/<district>/. On any error nothing is "
            "written there: the errors are printed and written to "
            "<parent>/<name>.validation_errors.csv (the village-name matches to "
            "<parent>/<name>.match_report.csv, the automatic changes to "
            "<parent>/<name>.cleaning_log.csv), and the exit code is 2."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    p.add_argument(
        "--strict",
        action="store_true",
        help="a file in an input folder that is not read (.xlsb, partial download, broken "
        "link, ...) is an error, not a warning",
    )
    p.add_argument("--district", required=True, help="district name, e.g. Madhubani")
    p.add_argument(
        "--out", type=Path, default=None, help="output folder (default data/processed/<slug>)"
    )
    p.add_argument(
        "--round",
        default="baseline",
        metavar="NAME",
        help="assessment round (default baseline); a follow-up round such as midline is "
        "written to data/processed/<district>/rounds/<NAME>/ and never touches another round",
    )
    p.add_argument(
        "--date",
        default=None,
        metavar="YYYY-MM-DD",
        help="reference date of the round (when its evidence was collected)",
    )
    p.add_argument(
        "--aliases",
        type=Path,
        default=None,
        help="village alias CSV with columns written_name, block, village_id",
    )
    p.set_defaults(func=handle)


def _district(name: str):
    from leheranalysis import gazetteer

    if name.strip().casefold().startswith("synthetic"):
        return gazetteer.synthetic_district(name.strip())
    return gazetteer.load_district(name)


def error_table(errors: pd.DataFrame, limit: int = SHOW_ERRORS) -> str:
    """The first ``limit`` errors as a plain-text table, plus a count of the rest."""
    cols = ["file", "sheet", "row", "column", "value", "rule", "problem"]
    shown = errors.head(limit)[cols].copy()
    shown["file"] = shown["file"].map(lambda f: Path(f).name if f else "")
    shown["row"] = shown["row"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    cells = [[str(v) for v in row] for row in shown.itertuples(index=False)]
    widths = [
        min(max([len(c)] + [len(r[i]) for r in cells]), 40 if c != "problem" else 200)
        for i, c in enumerate(cols)
    ]

    def fmt(values):
        out = []
        for v, w in zip(values, widths, strict=True):
            v = v if len(v) <= w else v[: w - 3] + "..."
            out.append(v.ljust(w))
        return "  ".join(out).rstrip()

    lines = [fmt(cols), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in cells]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return "\n".join(lines)


def label_legend(labels: dict[str, str], only=None) -> str:
    """Which neutral label is which file, for the terminal only (outputs keep the labels).

    Parameters
    ----------
    labels : dict
        Path as typed -> label (:attr:`leheranalysis.ingest.IngestResult.file_labels`).
    only : iterable of str, optional
        Paths to list (default: all).
    """
    keep = set(only) if only is not None else set(labels)
    rows = [(label, path) for path, label in labels.items() if path in keep]
    if not rows:
        return ""
    lines = [f"  {label} = {path}" for label, path in sorted(rows)]
    return "\nFiles are named in the written outputs by these labels:\n" + "\n".join(lines)


def changes_summary(cleaning_log: pd.DataFrame) -> str:
    """``"40 automatic changes (38 yes/no -> 1/0, 2 spaces trimmed)"``, most frequent first."""
    n = len(cleaning_log)
    text = f"{n} automatic change{'s' * (n != 1)}"
    if n:
        counts = cleaning_log["rule"].value_counts(sort=False)
        counts = sorted(((k, int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
        text += " (" + ", ".join(f"{v} {CHANGE_NAMES.get(k, k)}" for k, v in counts) + ")"
    return text


def match_summary(match_report: pd.DataFrame) -> str:
    """``"village names matched: exact 28 rows, normalised 2 rows (4 distinct names)"``.

    Counts are data rows of the match report (one per village-level row); distinct names
    are the distinct (block, written village) pairs.
    """
    if match_report.empty:
        return "no village names to match"
    counts = {k: int(v) for k, v in match_report["status"].value_counts().items()}
    order = [s for s in MATCH_ORDER if s in counts] + sorted(set(counts) - set(MATCH_ORDER))
    parts = [f"{s} {counts[s]} row{'s' * (counts[s] != 1)}" for s in order]
    names = len(match_report[["written_block", "written_village"]].drop_duplicates())
    return f"village names matched: {', '.join(parts)} ({names} distinct name{'s' * (names != 1)})"


def handle(args: argparse.Namespace) -> int:
    """Run the ingestion; print a summary or the error table."""
    from leheranalysis import ingest, rounds

    round_name = rounds.check_round(args.round)
    rounds.check_date(args.date)
    district = _district(args.district)
    out = args.out if args.out is not None else rounds.round_dir(district.name, round_name)
    result = ingest.read_district(
        district, args.inputs, aliases=args.aliases, strict=args.strict, exclude=[out]
    )
    for item in result.not_read:
        print(f"warning: {item['file']}: not read: {item['reason']}", file=sys.stderr)
    shown = result.warnings.head(SHOW_ERRORS) if result.warnings is not None else []
    for message in getattr(shown, "message", []):
        print(f"warning: {message}", file=sys.stderr)
    if result.warnings is not None and len(result.warnings) > SHOW_ERRORS:
        more = len(result.warnings) - SHOW_ERRORS
        print(f"warning: ... and {more} more (manifest.json, warnings)", file=sys.stderr)
    result.manifest["parameters"]["out_dir"] = ingest.stored_path(out)
    cov = rounds.annotate(
        result.manifest,
        round_name,
        args.date,
        result.villages,
        rounds.baseline_folder_for(out, district.name),
    )
    try:
        ingest.write_result(result, out)
    except ingest.IngestValidationError as exc:
        print(error_table(exc.errors), file=sys.stderr)
        print(label_legend(result.file_labels, exc.errors["file"]), file=sys.stderr)
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    tag = " (SYNTHETIC data)" if result.synthetic else ""
    if round_name != rounds.BASELINE:
        tag += f", round {round_name}"
    nb = len(result.blocks)
    blocks = ", ".join(f"{r.block_name} ({r.block_id})" for r in result.blocks.itertuples())
    print(
        f"Ingested {len(result.manifest['inputs'])} file(s) for {result.district}{tag}: "
        f"{len(result.observations)} observations, {len(result.rankings)} ranks, "
        f"{len(result.villages)} villages in {nb} block{'s' * (nb != 1)} ({blocks}); "
        f"{changes_summary(result.cleaning_log)} in cleaning_log.csv; "
        f"{match_summary(result.match_report)}\nWritten to {out}"
    )
    if round_name != rounds.BASELINE:
        print(
            rounds.coverage_summary(cov, round_name)
            if cov is not None
            else f"{round_name}: no baseline of {result.district} to compare villages with"
        )
    print(label_legend(result.file_labels))
    return 0
