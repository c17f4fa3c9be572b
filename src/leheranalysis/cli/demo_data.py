"""``leher demo-data``: SYNTHETIC filled DNA workbooks for any district."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from leheranalysis.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    """Register the ``demo-data`` command."""
    p = sub.add_parser(
        "demo-data",
        help="write SYNTHETIC filled DNA workbooks calibrated to NFHS-5 and PMGSY populations",
        description=(
            "Choose programme villages from the gazetteer and write the four DNA workbooks "
            "(secondary block data, Part I village tool, Part II block tool, collation) "
            "filled with synthetic data calibrated to the district's NFHS-5 rates and real "
            "village populations, marked SYNTHETIC; plus the answer key in "
            "DIR/synthetic_key/. Default programmes: src/leheranalysis/data/programmes.yaml."
        ),
    )
    p.add_argument(
        "--district",
        "-d",
        required=True,
        help="district name as in the gazetteer (e.g. Madhubani); 'synthetic' for the "
        "built-in offline geography",
    )
    p.add_argument(
        "--blocks", nargs="+", metavar="B", help="programme blocks, as the organisation writes them"
    )
    p.add_argument("--villages", type=int, metavar="N", help="total number of programme villages")
    p.add_argument(
        "--seed", type=int, default=0, help="random seed, a whole number >= 0 (default 0)"
    )
    p.add_argument(
        "--dirt", type=float, default=0.0, metavar="RATE", help="rate of typical human errors (0-1)"
    )
    p.add_argument(
        "--cleanable-dirt",
        action="store_true",
        help="with --dirt: only errors that ingestion cleans or matches (the data still ingests)",
    )
    p.add_argument(
        "--all-villages",
        action="store_true",
        help="use every habitation of the district (or of --blocks)",
    )
    p.add_argument(
        "--min-population",
        type=float,
        metavar="P",
        help="minimum known population of a programme village (default from programmes.yaml)",
    )
    p.add_argument(
        "--round",
        default="baseline",
        metavar="NAME",
        help="assessment round (default baseline); another name (e.g. midline) writes a "
        "SYNTHETIC follow-up of the same villages, with the true changes in the answer key",
    )
    p.add_argument(
        "--baseline-seed",
        type=int,
        default=None,
        metavar="S",
        help="with --round: seed of the baseline the round follows (default --seed); "
        "--blocks, --villages, --all-villages and --min-population must match the baseline's",
    )
    p.add_argument(
        "--years", type=float, default=2.0, help="with --round: years since the baseline"
    )
    p.add_argument(
        "--effect",
        type=float,
        default=1.0,
        help="with --round: size of the programme effect (1 as documented, 0 none)",
    )
    p.add_argument(
        "--trend",
        type=float,
        default=1.0,
        help="with --round: size of the secular trends (1 as documented, 0 none)",
    )
    p.add_argument(
        "--not-revisited",
        type=float,
        default=0.05,
        metavar="P",
        help="with --round: probability that a baseline village is not revisited",
    )
    p.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="output folder")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    """Generate and write; print a summary."""
    from leheranalysis import gazetteer, synth

    if args.seed < 0:
        raise ConfigError(f"--seed must be a whole number >= 0, got {args.seed}")
    if not 0 <= args.dirt <= 1:
        raise ConfigError(f"--dirt must be between 0 and 1, got {args.dirt}")
    if args.villages is not None and args.villages < 1:
        raise ConfigError(f"--villages must be at least 1, got {args.villages}")
    if args.all_villages and args.villages is not None:
        raise ConfigError("give either --villages or --all-villages, not both")
    t0 = time.perf_counter()
    if args.district.strip().casefold() in ("synthetic", "synthetic district"):
        district = gazetteer.synthetic_district()
    else:
        district, notice = gazetteer.load_district_or_synthetic(args.district)
        if notice:
            print(notice, file=sys.stderr)
    from leheranalysis.rounds import BASELINE, check_round

    round_name = check_round(args.round)
    if round_name != BASELINE:
        return _followup(args, district, round_name, t0)
    if args.baseline_seed is not None:
        raise ConfigError("--baseline-seed goes with --round NAME (a follow-up round)")
    dna, paths = synth.demo_data(
        district,
        args.out,
        blocks=args.blocks,
        villages=args.villages,
        seed=args.seed,
        dirt=args.dirt,
        dirt_errors=not args.cleanable_dirt,
        all_villages=args.all_villages,
        min_population=args.min_population,
    )
    implied = dna.implied_rates()
    print(
        f"SYNTHETIC DNA for {dna.district}: {len(dna.villages)} villages in "
        f"{len(dna.blocks)} blocks ({', '.join(dna.blocks['block_written'])}), seed {dna.seed}, "
        f"dirt {dna.dirt:g} ({len(dna.dirt_log)} changes)"
    )
    source = "national defaults" if len(dna.defaulted) == len(dna.rates) else "NFHS-5"
    if dna.defaulted and source == "NFHS-5":
        source += f" (national defaults for {', '.join(dna.defaulted)})"
    print(
        f"  calibrated to {source}: women 20-24 married before 18 "
        f"{dna.rates['child_marriage']:.1f} %, implied by the village counts "
        f"{implied['child_marriage']:.1f} %"
    )
    for note in dna.notes:
        print(f"  NOTE: {note}")
    for key, path in paths.items():
        print(f"  {key:10s} {path}")
    print(f"  ({time.perf_counter() - t0:.1f} s)")
    return 0


def _followup(args: argparse.Namespace, district, round_name: str, t0: float) -> int:
    """Regenerate the baseline, write the follow-up round; print what changed."""
    from leheranalysis import synth
    from leheranalysis.instruments import ensure_folder
    from leheranalysis.synth import followup

    base_seed = args.seed if args.baseline_seed is None else args.baseline_seed
    if base_seed < 0:
        raise ConfigError(f"--baseline-seed must be a whole number >= 0, got {base_seed}")
    ensure_folder(args.out)
    base = synth.generate(
        district,
        blocks=args.blocks,
        villages=args.villages,
        seed=base_seed,
        all_villages=args.all_villages,
        min_population=args.min_population,
    )
    dna = followup.generate_followup(
        base,
        round_name,
        seed=args.seed,
        years=args.years,
        effect=args.effect,
        trend=args.trend,
        not_revisited=args.not_revisited,
        dirt=args.dirt,
        dirt_errors=not args.cleanable_dirt,
        district=district,
    )
    key = dna.parameters["true_changes"]
    paths = followup.write_followup(dna, args.out, district=district)
    dropped = len(dna.parameters["not_revisited_villages"])
    print(
        f"SYNTHETIC {round_name} round for {dna.district}: {len(dna.villages)} of "
        f"{len(base.villages)} baseline villages revisited ({dropped} not revisited), "
        f"{args.years:g} years after the baseline of seed {base_seed}; seed {args.seed}, "
        f"effect {args.effect:g}, trend {args.trend:g}, dirt {args.dirt:g}"
    )
    large = key[key["large"]]
    print(
        "  large true changes: "
        + (", ".join(f"{r.indicator} ({r.direction})" for r in large.itertuples()) or "none")
    )
    for k, path in paths.items():
        print(f"  {k:12s} {path}")
    print(f"  ({time.perf_counter() - t0:.1f} s)")
    return 0
