"""``leher templates OUTDIR [--district D]``: blank DNA workbooks and XLSForms."""

from __future__ import annotations

import argparse
from pathlib import Path

from leheranalysis.errors import ConfigError, InputFileError


def register(sub: argparse._SubParsersAction) -> None:
    """Register the ``templates`` command."""
    p = sub.add_parser(
        "templates",
        help="write blank DNA workbooks and XLSForms generated from the codebook",
        description=(
            "Write the four blank DNA workbooks (secondary data, Part I village tool, "
            "Part II block tool, village collation) to OUTDIR and the same instruments as "
            "XLSForms to OUTDIR/xlsform/. With --district the block and village drop-downs "
            "come from the gazetteer."
        ),
    )
    p.add_argument("outdir", type=Path, metavar="OUTDIR", help="output folder (created)")
    p.add_argument("--district", "-d", help="district name as in the gazetteer, e.g. Madhubani")
    p.add_argument(
        "--villages",
        type=Path,
        metavar="CSV",
        help=(
            "programme villages: CSV with columns block_name and village_name (or name), "
            "optionally village_id; replaces the district's villages in the lists"
        ),
    )
    p.add_argument("--no-xlsform", action="store_true", help="do not write the XLSForms")
    p.add_argument(
        "--synthetic",
        action="store_true",
        help="mark the workbooks SYNTHETIC (for demonstration data)",
    )
    p.set_defaults(func=handle)


def _read_villages(path: Path):
    import pandas as pd

    if not path.is_file():
        raise InputFileError(f"{path}: villages file not found")
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype={"village_id": "Int64"})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputFileError(f"{path}: cannot read villages CSV ({exc})") from None


def handle(args: argparse.Namespace) -> int:
    """Write the templates; print the files written."""
    from leheranalysis import instruments

    villages = _read_villages(args.villages) if args.villages else None
    district = args.district
    if district is not None:
        try:
            from leheranalysis import gazetteer
        except ImportError as exc:  # pragma: no cover - the gazetteer ships with the package
            raise ConfigError(f"--district needs the gazetteer module ({exc})") from None
        district = gazetteer.load_district(district)
    paths = instruments.write_templates(
        args.outdir,
        district=district,
        villages=villages,
        synthetic=args.synthetic,
        xlsform=not args.no_xlsform,
    )
    for key, path in paths.items():
        print(f"{key:<20} {path}")
    return 0
