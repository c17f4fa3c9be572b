"""``leher data``: fetch, check and list the public datasets.

Examples
--------
::

    leher data fetch --mirror ../shared/data     # copy from a local mirror, verify
    leher data fetch                             # download from the pinned upstream URLs
    leher data check                             # exit 2 naming every missing/corrupt file
    leher data list                              # files, sources, licences
"""

from __future__ import annotations

import argparse
import sys

from leheranalysis import config, sources


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``data`` command group (``fetch``, ``check``, ``list``)."""
    parser = sub.add_parser(
        "data",
        help="fetch, check and list the public datasets (PMGSY GeoSadak, NFHS-5)",
        description="Fetch, verify and list the public datasets the analysis uses.",
    )
    data_sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: _usage(parser))

    p_fetch = data_sub.add_parser(
        "fetch",
        help="copy the public files from a mirror or download them, verifying sha256",
        description=(
            "Copy every registered public file from a local mirror folder (same relative "
            "paths) or download it from its pinned upstream URL; verify its sha256; write "
            "atomically. Files already present and verified are left alone."
        ),
    )
    p_fetch.add_argument(
        "--mirror", metavar="DIR", help="local mirror folder (e.g. ../shared/data)"
    )
    _add_dest(p_fetch)
    p_fetch.add_argument("--force", action="store_true", help="fetch again even files that verify")
    _add_only(p_fetch)
    p_fetch.set_defaults(func=_fetch)

    p_check = data_sub.add_parser(
        "check",
        help="verify the public files against the registry's sha256 (exit 2 if any is bad)",
    )
    _add_dest(p_check)
    _add_only(p_check)
    p_check.set_defaults(func=_check)

    p_list = data_sub.add_parser("list", help="list the registered files with source and licence")
    p_list.add_argument(
        "--citations", action="store_true", help="print the licence and citation of each dataset"
    )
    p_list.set_defaults(func=_list)


def _add_dest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dest",
        metavar="DIR",
        help="public data folder (default: $LEHER_PUBLIC_DATA or data/raw/public)",
    )


def _add_only(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only",
        metavar="SEL",
        action="append",
        help="restrict to a dataset (pmgsy, nfhs), a relative path or a glob; repeatable",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _fetch(args: argparse.Namespace) -> int:
    report = sources.fetch(dest=args.dest, mirror=args.mirror, datasets=args.only, force=args.force)
    print(report.summary())
    print(f"({report.seconds:.1f} s)")
    return 0


def _check(args: argparse.Namespace) -> int:
    dest = args.dest or config.public_data_dir()
    bad = 0
    results = sources.check(dest, datasets=args.only)
    for rel, status in results:
        if status != sources.STATUS_OK:
            bad += 1
            _, reason = sources.verify_file(rel, dest)
            print(f"{rel}: {reason}", file=sys.stderr)
    if bad:
        print(
            f"error: {bad} of {len(results)} public files missing or corrupt in {dest}; "
            f"run `leher data fetch` (add --mirror DIR when offline)",
            file=sys.stderr,
        )
        return 2
    print(f"all {len(results)} public files verified in {dest}")
    return 0


def _list(args: argparse.Namespace) -> int:
    sets = sources.datasets()
    for f in sources.files():
        ds = sets[f.dataset]
        print(f"{f.path}\t{f.size}\t{ds.name}\t{ds.licence}\t{sources.upstream_url(f)}")
    if args.citations:
        print()
        print(sources.attribution_markdown(), end="")
    return 0
