"""``leher run``: execute the report notebooks and export HTML reports without code.

Exit codes: 0 every notebook succeeded; 1 a notebook failed (the others still ran,
the executed notebook with the error is kept, the message names notebook, cell and
error); 2 a user or data error found before any kernel started (unknown district,
unknown or mistyped parameter, no processed data).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from leheranalysis.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser(
        "run",
        help="run the report notebooks (papermill) and export HTML reports",
        description=(
            "Run the report notebooks for one district (--district) or for every district "
            "with processed data (--all), export HTML reports without code, print one PDF "
            "per district (headless Chromium; without it the HTML is still built and a "
            "message says how to get the PDF), and rebuild reports/index.html. Unchanged "
            "notebooks are skipped unless --force."
        ),
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--district", help="district name (close matches are suggested)")
    which.add_argument("--all", action="store_true", help="every district that has processed data")
    p.add_argument("--districts", nargs="+", metavar="D", help="with --all: only these districts")
    p.add_argument(
        "--notebooks", nargs="+", metavar="NB", help="notebook numbers or names (default: all)"
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="processed data: the district folder, or a folder of district folders "
        "(default: data/processed)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="reports folder (default: reports/); figures then go to DIR/figures",
    )
    p.add_argument(
        "--notebooks-dir", type=Path, metavar="DIR", help="notebook folder (default: notebooks/)"
    )
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="notebook parameter (repeatable); values other than text are read as YAML",
    )
    p.add_argument(
        "--compare",
        nargs="+",
        metavar="D",
        help="districts the comparison report (04) compares, beside the report's own "
        "(the same as -p 'districts=[D, ...]'); default: with --all --districts, those "
        "districts; otherwise every district with processed data. Each district is "
        "compared once under its canonical name (Nagaon = Nowgaon)",
    )
    p.add_argument("--force", action="store_true", help="re-run notebooks even if unchanged")
    p.add_argument(
        "--workers", type=int, metavar="N", help="parallel processes (default: number of cores)"
    )
    p.add_argument(
        "--dask",
        metavar="ADDR",
        help="run on a dask.distributed scheduler at ADDR, or 'local' for a LocalCluster",
    )
    p.add_argument("--kernel", default="python3", help="Jupyter kernel (default: python3)")
    p.add_argument("--timeout", type=float, metavar="S", help="per-cell timeout in seconds")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-pdf",
        action="store_true",
        help="do not print the district PDF (reports/<district>/<district>-reports.pdf)",
    )
    p.add_argument(
        "--pdf-reports",
        nargs="+",
        metavar="NB",
        help="the reports the district PDF holds, by number (default: all, e.g. 02 03)",
    )
    p.set_defaults(func=handle)


def _parse_params(pairs: list[str], notebooks_dir: Path | None, select) -> dict:
    """``NAME=VALUE`` pairs, typed by the declaring notebooks' parameter cells."""
    if not pairs:
        return {}
    from leheranalysis.reports import find_notebooks, notebook_parameters, parse_cli_value
    from leheranalysis.reports.parameters import check_parameter_names

    declared: dict = {}
    notebooks = find_notebooks(notebooks_dir, select)
    for nb in notebooks:
        for name, param in notebook_parameters(nb).items():
            declared.setdefault(name, param.type)
    out = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--param {pair!r}: expected NAME=VALUE")
        name = name.strip()
        where = "the notebooks " + ", ".join(nb.stem for nb in notebooks)
        check_parameter_names([name], declared, where)
        out[name] = parse_cli_value(raw, declared[name])
    return out


def _declared(notebooks_dir: Path | None, select, name: str) -> bool:
    """Whether any selected notebook declares the parameter ``name``."""
    from leheranalysis.reports import find_notebooks, notebook_parameters

    return any(name in notebook_parameters(nb) for nb in find_notebooks(notebooks_dir, select))


def handle(args: argparse.Namespace) -> int:
    """Run the notebooks; print one line per report and the index path."""
    from leheranalysis import reports

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    if args.districts and not args.all:
        raise ConfigError("--districts goes with --all (use --district for one district)")
    params = _parse_params(args.param, args.notebooks_dir, args.notebooks)
    if args.compare and "districts" in params:
        raise ConfigError("give the districts compared once: --compare or -p districts=...")
    if args.compare:
        if not _declared(args.notebooks_dir, args.notebooks, "districts"):
            raise ConfigError(
                "--compare sets the districts of the comparison report; none of the "
                "notebooks selected compares districts (add 04 to --notebooks)"
            )
        params["districts"] = list(args.compare)
    elif args.all and args.districts and "districts" not in params:
        if _declared(args.notebooks_dir, args.notebooks, "districts"):
            params["districts"] = list(args.districts)
    common = {
        "notebooks": args.notebooks,
        "out_dir": args.out,
        "notebooks_dir": args.notebooks_dir,
        "params": params,
        "force": args.force,
        "dask": args.dask,
        "kernel_name": args.kernel,
        "timeout": args.timeout,
        "pdf": not args.no_pdf,
        "pdf_notebooks": args.pdf_reports,
    }
    progress = not args.no_progress
    if args.all:
        summary = reports.run_all(
            args.districts, workers=args.workers, progress=progress, data_dir=args.data, **common
        )
    else:
        summary = reports.run_district(
            args.district,
            data_dir=args.data,
            workers=args.workers or os.cpu_count() or 1,  # as --help says
            progress=progress,
            **common,
        )
    print(summary.describe(), file=sys.stdout if summary.exit_code == 0 else sys.stderr)
    return summary.exit_code
