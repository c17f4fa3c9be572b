"""Generate a synthetic DNA for a district and write it as filled workbooks."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis import __version__, store
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError
from leheranalysis.synth import model as _m
from leheranalysis.synth.calibration import (
    AgeStructure,
    age_structure,
    complete_rates,
    district_rates,
    implied_rates,
)
from leheranalysis.synth.dirt import add_dirt
from leheranalysis.synth.programme import (
    default_blocks,
    eligible_villages,
    load_programmes,
    programme_for,
    select_villages,
)

__all__ = ["SyntheticDNA", "generate", "write", "demo_data", "KEY_DIR"]

#: sub-folder of the output folder holding the answer key (Parquet and JSON only, so
#: that ``leher ingest DIR`` - which reads .xlsx and .csv - never mistakes it for input)
KEY_DIR = "synthetic_key"

# independent random streams, one per component (changing one leaves the others intact)
_STREAMS = {
    "villages": 1,
    "cg": 2,
    "ag": 3,
    "duty": 4,
    "ranking": 5,
    "secondary": 6,
    "part2": 7,
    "dirt": 8,
}

#: (workbook key, sheet title) of every data sheet, in writing order
SHEET_KEYS: tuple[tuple[str, str], ...] = (
    ("secondary", "Secondary data"),
    ("part1", "Children's groups"),
    ("part1", "Adult groups"),
    ("part1", "Duty bearers"),
    ("part1", "Ranking"),
    ("part2", "Block duty bearers"),
    ("collation", "Collation"),
)


@dataclass
class SyntheticDNA:
    """A synthetic District Need Assessment as DataFrames.

    Attributes
    ----------
    district : str
        Canonical district name.
    state : str
    synthetic_geography : bool
        True when the geography itself is synthetic (offline fallback).
    seed : int
    dirt : float
        Dirt rate applied to the sheets.
    rates : dict of str to float
        District rates used (NFHS-5 or national defaults).
    defaulted : list of str
        Rates that took the national default.
    structure : AgeStructure
    villages : pandas.DataFrame
        The truth: programme villages with latent rates, population bands and true counts.
    blocks : pandas.DataFrame
        Programme blocks: ``block_id``, ``block_name``, ``block_written``,
        ``block_population``, ``n_habitations``.
    sheets : dict
        ``(workbook key, sheet title)`` -> rows to write (codes as columns).
    dirt_log : pandas.DataFrame
        Every change made by the dirt (see :mod:`leheranalysis.synth.dirt`).
    parameters : dict
        Parameters the data were generated with.
    notes : list of str
        Where the data differ from what was asked for, and why (a default programme
        that the district's eligible habitations cannot fill).
    """

    district: str
    state: str
    synthetic_geography: bool
    seed: int
    dirt: float
    rates: dict[str, float]
    defaulted: list[str]
    structure: AgeStructure
    villages: pd.DataFrame
    blocks: pd.DataFrame
    sheets: dict[tuple[str, str], pd.DataFrame]
    dirt_log: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def implied_rates(self) -> dict[str, float]:
        """District rates implied by the true village counts (see
        :func:`~leheranalysis.synth.calibration.implied_rates`)."""
        return implied_rates(self.villages)

    def sheet(self, title: str) -> pd.DataFrame:
        """Rows of one data sheet by its title."""
        for (_, t), df in self.sheets.items():
            if t == title:
                return df
        raise KeyError(title)


def _check_seed(seed: Any) -> None:
    """A seed is a whole number >= 0 (numpy's ``default_rng`` takes nothing else)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a whole number >= 0, got {seed!r}")


def _rng(seed: int, district_id: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(district_id) & 0x7FFFFFFF, _STREAMS[stream]])


def _load(district: Any):
    from leheranalysis import gazetteer

    if isinstance(district, str):
        return gazetteer.load_district(district)
    for attr in ("name", "villages", "block_id"):
        if not hasattr(district, attr):
            raise ConfigError(
                f"district must be a name or a gazetteer District, got {type(district).__name__}"
            )
    return district


def _impute_population(villages: pd.DataFrame) -> pd.DataFrame:
    """Missing populations -> the median of the block's known ones (district median, or
    100, when the block has none); flags them in ``population_imputed``."""
    v = villages.copy()
    pop = pd.to_numeric(v["population"], errors="coerce")
    pop = pop.where(pop > 0)
    block_med = pop.groupby(v["block_id"]).transform("median")
    dist_med = pop.median()
    fill = block_med.fillna(dist_med if np.isfinite(dist_med) else 100.0)
    v["population_imputed"] = pop.isna().to_numpy()
    v["population"] = pop.fillna(fill).round().astype(float)
    return v


def _plan(
    dist: Any,
    blocks: Sequence[str] | None,
    villages: int | None,
    all_villages: bool,
    min_population: float | None,
) -> tuple[list[tuple[str, int, int | None]], float]:
    """Programme blocks: (written name, block id, number of villages or None for all),
    the minimum population, and notes on what could not be had."""
    data = load_programmes()
    notes: list[str] = []
    prog, prog_min = programme_for(dist.name)
    min_pop = float(min_population if min_population is not None else prog_min)
    if all_villages:
        if blocks:
            names = [(b, dist.block_id(b)) for b in blocks]
        else:
            ids = sorted(int(b) for b in dist.villages["block_id"].unique())
            names = [(dist.block_name(b), b) for b in ids]
        min_all = min_pop if min_population is not None else 0.0
        return [(n, b, None) for n, b in names], min_all, notes
    if blocks:
        per = {p.name.casefold(): p.villages for p in (prog or [])}
        plan = [
            (b, dist.block_id(b), per.get(b.casefold(), int(data["default"]["villages"])))
            for b in blocks
        ]
    elif prog is not None:
        plan = [(p.name, dist.block_id(p.name), p.villages) for p in prog]
    else:
        ids = default_blocks(dist.villages, int(data["default"]["blocks"]), min_pop)
        if not ids:
            raise ConfigError(
                f"district {dist.name} has no habitation with population >= {min_pop:g} "
                "and a name unique in its block (institutions excluded); give --min-population"
            )
        plan = [(dist.block_name(b), b, int(data["default"]["villages"])) for b in ids]
        elig = eligible_villages(dist.villages, min_pop)
        sizes = elig.groupby("block_id").size()
        capped = [(n, b, min(k, int(sizes.get(b, 0)))) for n, b, k in plan]
        notes.extend(_shortfall_notes(dist.name, plan, capped, data["default"], min_pop))
        plan = capped
    seen = set()
    populated = set(int(b) for b in dist.villages["block_id"].unique())
    for name, b, _ in plan:
        if b in seen:
            raise ConfigError(f"block {name!r} is given twice (block id {b})")
        seen.add(b)
        if b not in populated:
            canonical = dist.block_name(b)
            hint = (
                " (PMGSY places the Nubra valley's villages in Deskit, Panamic and Turtuk)"
                if canonical == "Nobra"
                else ""
            )
            raise ConfigError(
                f"block {name!r} ({canonical}, id {b}) of {dist.name} has no habitation in "
                f"the PMGSY data, so no programme village can be drawn from it; choose "
                f"another block{hint}"
            )
    if villages is not None:
        if villages < len(plan):
            raise ConfigError(
                f"--villages {villages} is fewer than the {len(plan)} programme blocks"
            )
        base, extra = divmod(int(villages), len(plan))
        plan = [(n, b, base + (1 if i < extra else 0)) for i, (n, b, _) in enumerate(plan)]
        notes = []
    return plan, min_pop, notes


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _shortfall_notes(
    district: str,
    wanted: list[tuple[str, int, int]],
    capped: list[tuple[str, int, int]],
    default: dict[str, Any],
    min_pop: float,
) -> list[str]:
    """Say why the default programme of a district is smaller than asked for."""
    asked = int(default["blocks"]) * int(default["villages"])
    got = sum(k for _, _, k in capped)
    if got >= asked:
        return []
    per_block = ", ".join(f"{n} {k}" for n, _, k in capped)
    short_blocks = [n for (n, _, k), (_, _, c) in zip(wanted, capped, strict=True) if c < k]
    why = []
    if len(capped) < int(default["blocks"]):
        why.append(f"only {len(capped)} of its blocks have any eligible habitation")
    if short_blocks:
        why.append(
            f"{_and(short_blocks)} {'has' if len(short_blocks) == 1 else 'have'} fewer "
            f"than {int(default['villages'])} eligible habitations"
        )
    return [
        f"{district}: the default programme is {int(default['blocks'])} blocks of "
        f"{int(default['villages'])} villages ({asked}), but {' and '.join(why)} "
        f"(eligible: population known and at least {min_pop:g}, a name unique in its "
        f"block, not an institution), so the demonstration has {got} villages "
        f"({per_block}). For more, lower --min-population or choose --blocks."
    ]


def generate(
    district: Any,
    blocks: Sequence[str] | None = None,
    villages: int | None = None,
    seed: int = 0,
    dirt: float = 0.0,
    all_villages: bool = False,
    min_population: float | None = None,
    rates: Mapping[str, float] | None = None,
    codebook: Codebook | None = None,
    dirt_errors: bool = True,
) -> SyntheticDNA:
    """Generate a synthetic DNA for a district (pure: nothing is written).

    Parameters
    ----------
    district : str or gazetteer.District
        District name (loaded with :func:`leheranalysis.gazetteer.load_district`) or a
        loaded district, e.g. :func:`leheranalysis.gazetteer.synthetic_district`.
    blocks : sequence of str, optional
        Programme blocks, as the organisation writes them (default: ``programmes.yaml``,
        else the 3 blocks with most eligible habitations).
    villages : int, optional
        Total number of programme villages, split evenly over the blocks (default: the
        programme's numbers, else 21 per block).
    seed : int
        Random seed, a whole number >= 0; the same seed gives the same data (and
        byte-identical workbooks).
    dirt : float
        Rate of human errors added (0: clean data).
    dirt_errors : bool
        With ``dirt``: also add errors ingestion must reject (out-of-range values, a
        duplicated row). False: only changes ingestion cleans or matches, so the data
        still ingests (the demo's setting).
    all_villages : bool
        Use every habitation of the district (or of ``blocks``) whose name is unique in
        its block and that is not an institution (``institutions`` of
        ``programmes.yaml``); missing populations are imputed by the block median.
    min_population : float, optional
        Minimum known population of a programme village (default: ``programmes.yaml``).
    rates : mapping, optional
        District rates to calibrate to (default: NFHS-5 via :mod:`leheranalysis.nfhs`,
        national defaults where missing or when the geography is synthetic).
    codebook : Codebook, optional

    Returns
    -------
    SyntheticDNA
    """
    _check_seed(seed)
    cb = codebook or load_codebook()
    dist = _load(district)
    synthetic_geo = bool(getattr(dist, "synthetic", False))
    if rates is not None:
        used, defaulted = complete_rates(rates)
    elif synthetic_geo:
        used, defaulted = complete_rates({})
    else:
        used, defaulted = district_rates(dist.name)
    structure = age_structure(used["under15"], used["sex_ratio_at_birth"])
    plan, min_pop, notes = _plan(dist, blocks, villages, all_villages, min_population)
    did = int(getattr(dist, "district_id", 0) or 0)

    all_v = _impute_population(
        pd.DataFrame(dist.villages.drop(columns="geometry", errors="ignore"))
    )
    counts = {b: n for _, b, n in plan}
    if all_villages:
        elig = eligible_villages(all_v, min_pop)
        chosen = elig[elig["block_id"].isin(list(counts))]
    else:
        known = pd.DataFrame(dist.villages.drop(columns="geometry", errors="ignore"))
        chosen = select_villages(known, counts, seed, min_pop)
        chosen = chosen.merge(
            all_v[["village_id", "population_imputed"]], on="village_id", how="left"
        )
    if chosen.empty:
        raise ConfigError(f"no programme village could be chosen in {dist.name}")
    written = {b: n for n, b, _ in plan}
    truth = chosen[
        [
            c
            for c in (
                "village_id",
                "name",
                "name_norm",
                "block_id",
                "block_name",
                "population",
                "population_imputed",
            )
            if c in chosen
        ]
    ].copy()
    truth["population"] = pd.to_numeric(truth["population"], errors="coerce")
    truth["block_written"] = truth["block_id"].map(written)
    truth["village_written"] = truth["name"].astype(str).str.strip()
    truth = truth.sort_values("village_id", kind="stable").reset_index(drop=True)
    truth = _m.simulate_villages(truth, used, structure, _rng(seed, did, "villages"))

    # programme blocks: whole-block population for the secondary data
    bsum = all_v.groupby("block_id").agg(
        block_population=("population", "sum"), n_habitations=("village_id", "size")
    )
    btab = pd.DataFrame(
        {
            "block_id": [b for _, b, _ in plan],
            "block_name": [dist.block_name(b) for _, b, _ in plan],
            "block_written": [n for n, _, _ in plan],
        }
    )
    btab = btab.join(bsum, on="block_id")
    btab["block_population"] = btab["block_population"].fillna(0.0)
    btab["n_habitations"] = btab["n_habitations"].fillna(0).astype(int)
    btab = btab.iloc[
        sorted(
            range(len(btab)),
            key=lambda i: (btab["block_written"].iat[i].casefold(), btab["block_written"].iat[i]),
        )
    ].reset_index(drop=True)

    sheets = build_sheets(truth, btab, used, structure, cb, lambda stream: _rng(seed, did, stream))
    sheets, log = dirty(
        sheets, dist, btab, float(dirt), cb, _rng(seed, did, "dirt"), bool(dirt_errors)
    )
    params = {
        "district": dist.name,
        "blocks": [n for n, _, _ in plan],
        "villages": int(len(truth)),
        "seed": int(seed),
        "dirt": float(dirt),
        "dirt_errors": bool(dirt_errors),
        "all_villages": bool(all_villages),
        "min_population": float(min_pop),
        "codebook_version": cb.version,
        "package_version": __version__,
    }
    return SyntheticDNA(
        district=dist.name,
        state=str(getattr(dist, "state", "")),
        synthetic_geography=synthetic_geo,
        seed=int(seed),
        dirt=float(dirt),
        rates=used,
        defaulted=defaulted,
        structure=structure,
        villages=truth,
        blocks=btab,
        sheets=sheets,
        dirt_log=log,
        parameters=params,
        notes=notes,
    )


def build_sheets(
    truth: pd.DataFrame,
    btab: pd.DataFrame,
    rates: Mapping[str, float],
    structure: AgeStructure,
    cb: Codebook,
    rng_for: Any,
) -> dict[tuple[str, str], pd.DataFrame]:
    """Every data sheet of a synthetic DNA from its village truth (steps 5 and 6 of the model).

    Parameters
    ----------
    truth : pandas.DataFrame
        The village truth (:func:`~leheranalysis.synth.model.simulate_villages`).
    btab : pandas.DataFrame
        Programme blocks (``block_id``, ``block_name``, ``block_written``,
        ``block_population``, ``n_habitations``).
    rates : mapping
        District rates.
    structure : AgeStructure
    cb : Codebook
    rng_for : callable
        Stream name (``cg``, ``ag``, ``duty``, ``ranking``, ``secondary``, ``part2``) ->
        :class:`numpy.random.Generator`.

    Returns
    -------
    dict
        ``(workbook key, sheet title)`` -> rows.
    """
    cg = _m.group_sheet(truth, cb, "cg", rng_for("cg"))
    ag = _m.group_sheet(truth, cb, "ag", rng_for("ag"))
    community = _m.community_values({"cg": cg, "ag": ag}, truth, cb)
    duty = _m.duty_bearer_sheet(truth, community, cb, rng_for("duty"))
    ranking = _m.ranking_sheet(truth, cb, rng_for("ranking"))
    secondary = _m.secondary_sheet(truth, btab, rates, structure, cb, rng_for("secondary"))
    part2 = _m.part2_sheet(truth, community, btab, cb, rng_for("part2"))
    collation = _m.collation_sheet(truth, community, duty, part2, cb)
    return {
        ("secondary", "Secondary data"): secondary,
        ("part1", "Children's groups"): cg,
        ("part1", "Adult groups"): ag,
        ("part1", "Duty bearers"): duty,
        ("part1", "Ranking"): ranking,
        ("part2", "Block duty bearers"): part2,
        ("collation", "Collation"): collation,
    }


def dirty(
    sheets: dict[tuple[str, str], pd.DataFrame],
    dist: Any,
    btab: pd.DataFrame,
    dirt: float,
    cb: Codebook,
    rng: np.random.Generator,
    dirt_errors: bool,
) -> tuple[dict[tuple[str, str], pd.DataFrame], pd.DataFrame]:
    """The sheets with human errors at rate ``dirt`` (step 7), and the log of the changes."""
    keys = {}
    if dirt > 0:
        v = pd.DataFrame(dist.villages.drop(columns="geometry", errors="ignore"))
        v = v[v["name"].notna()]
        vkeys = v["name_norm"].astype(str).str.replace(" ", "", regex=False)
        by_block = vkeys.groupby(v["block_id"]).agg(list)
        keys = {
            n: list(by_block.get(b, []))
            for n, b in zip(btab["block_written"], btab["block_id"], strict=True)
        }
    return add_dirt(sheets, float(dirt), cb, keys, rng, errors=bool(dirt_errors))


# ---------------------------------------------------------------------------- writing


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (np.bool_, bool)):
        return "yes" if v else "no"
    return v


def _fill(ws, df: pd.DataFrame) -> int:
    """Write ``df`` under the header row of ``ws`` with openpyxl, by code.

    Columns of ``df`` that are not codes of the sheet (``village_id``, ``block_id``) are
    not written; rows pre-filled by the template (the secondary template lists its
    block x indicator x year rows) are replaced. Returns the first data row.
    """
    from leheranalysis.instruments import header_map

    header_row, cols = header_map(ws)
    first = header_row + 1
    _clear(ws, first)
    codes = [c for c in df.columns if c in cols]
    data = df[codes].to_numpy(dtype=object)
    columns = [cols[c] for c in codes]
    cell = ws.cell
    for r, values in enumerate(data, start=first):
        for j, v in zip(columns, values, strict=True):
            v = _cell(v)
            if v is not None:
                cell(row=r, column=j, value=v)
    return first


def _clear(ws, first: int) -> None:
    """Empty the cells of ``ws`` from row ``first`` on (pre-filled template rows)."""
    for row in ws.iter_rows(min_row=first, max_row=ws.max_row):
        for c in row:
            c.value = None


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _column_xml(letter: str, values: np.ndarray, first: int) -> list[str]:
    """The ``<c>`` elements of one column, one string per row ("" for an empty cell)."""
    out: list[str] = []
    append = out.append
    for r, v in enumerate(values, start=first):
        t = type(v)
        if v is None:
            append("")
        elif t is int:
            append(f'<c r="{letter}{r}" t="n"><v>{v}</v></c>')
        elif t is str:
            space = ' xml:space="preserve"' if v != v.strip() else ""
            append(
                f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>'
                f"{v.translate(_XML_ESCAPES)}</t></is></c>"
            )
        else:
            v = _cell(v)
            if v is None:
                append("")
            elif isinstance(v, str):
                append(_column_xml(letter, np.array([v], dtype=object), r)[0])
            elif isinstance(v, int):
                append(f'<c r="{letter}{r}" t="n"><v>{v}</v></c>')
            else:
                append(f'<c r="{letter}{r}" t="n"><v>{float(v)!r}</v></c>')
    return out


def _rows_xml(first: int, letters: list[str], data: np.ndarray) -> tuple[str, int]:
    """The ``<row>`` elements of a sheet's data, as openpyxl writes them (inline strings)."""
    if len(data) == 0:
        return "", first - 1
    columns = [_column_xml(letter, data[:, j], first) for j, letter in enumerate(letters)]
    parts = []
    last = first - 1
    for r, cells in enumerate(zip(*columns, strict=True), start=first):
        body = "".join(cells)
        if body:
            parts.append(f'<row r="{r}">{body}</row>')
            last = r
    return "".join(parts), last


def _stored_bytes(wb) -> bytes:
    """The workbook's parts, uncompressed, with the fixed timestamps of
    :func:`leheranalysis.instruments.workbook_bytes` (compressed once, after patching)."""
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    from leheranalysis.instruments import FIXED_TIME

    wb.properties.created = wb.properties.created or FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return raw.getvalue()


def _fast_bytes(wb, fills: list[tuple[Any, int, dict[str, int], pd.DataFrame]]) -> bytes:
    """Serialise ``wb`` with the data rows of ``fills`` spliced into the sheet XML.

    openpyxl serialises about 30,000 cells a second; the data rows are plain values
    (numbers and inline strings, no styles), so they are written here as XML text and
    inserted before ``</sheetData>`` of the template, serialised as
    :func:`leheranalysis.instruments.workbook_bytes` does (fixed timestamps). The result is the same workbook
    that :func:`_fill` plus :func:`~leheranalysis.instruments.save_workbook` give (a test
    checks the cell values), reproducible to the byte.
    """
    import io
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    patches: dict[str, tuple[str, int, int]] = {}
    for ws, first, cols, df in fills:
        _clear(ws, first)
        codes = [c for c in df.columns if c in cols]
        letters = [get_column_letter(cols[c]) for c in codes]
        xml, last = _rows_xml(first, letters, df[codes].to_numpy(dtype=object))
        width = max(ws.max_column, max(cols.values()))
        # openpyxl numbers worksheets in workbook order when it writes them
        name = f"xl/worksheets/sheet{wb.worksheets.index(ws) + 1}.xml"
        patches[name] = (xml, max(last, ws.max_row), width)
    raw = _stored_bytes(wb)
    done: set[str] = set()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in patches:
                xml, last, width = patches[info.filename]
                text = data.decode("utf-8")
                ref = f"A1:{get_column_letter(width)}{last}"
                text = re.sub(
                    r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}" />', text, count=1
                )
                # rows emptied by _clear are written as bare <row r="n"></row>: drop them
                text = re.sub(r'<row r="\d+"\s*(?:/>|></row>)', "", text)
                if "</sheetData>" in text:
                    text = text.replace("</sheetData>", xml + "</sheetData>", 1)
                else:
                    text = re.sub(
                        r"<sheetData\s*/>", f"<sheetData>{xml}</sheetData>", text, count=1
                    )
                data = text.encode("utf-8")
                done.add(info.filename)
            # the zip entry metadata of instruments.workbook_bytes
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            dst.writestr(fixed, data, compresslevel=6)
    if done != set(patches):
        raise RuntimeError(f"worksheet parts not found in the workbook: {set(patches) - done}")
    return out.getvalue()


def write(
    dna: SyntheticDNA, out_dir: str | Path, district: Any = None, engine: str = "fast"
) -> dict[str, Path]:
    """Fill the blank workbooks with a synthetic DNA and write them, marked SYNTHETIC.

    Parameters
    ----------
    dna : SyntheticDNA
        From :func:`generate`.
    out_dir : str or pathlib.Path
        Output folder: the four workbooks (:data:`leheranalysis.instruments.FILE_NAMES`)
        and the answer key in ``synthetic_key/`` (``villages.parquet``: the truth;
        ``dirt_log.parquet``; ``key.json``: parameters, rates, implied rates, checksums).
    district : gazetteer.District, optional
        Used only for the workbook titles.
    engine : {"fast", "openpyxl"}
        ``openpyxl`` fills cells one by one and saves with
        :func:`~leheranalysis.instruments.save_workbook`; ``fast`` (default) writes the
        same values as sheet XML, about ten times faster.

    Returns
    -------
    dict of str to pathlib.Path
        Workbook key -> path, plus ``key`` -> the key folder.
    """
    from leheranalysis.instruments import (
        FILE_NAMES,
        build_workbooks,
        ensure_folder,
        header_map,
        mark_synthetic,
        save_workbook,
    )

    if engine not in ("fast", "openpyxl"):
        raise ConfigError(f"engine must be 'fast' or 'openpyxl', got {engine!r}")
    out = ensure_folder(out_dir)
    vframe = pd.DataFrame(
        {
            "village_name": dna.villages["village_written"],
            "block_name": dna.villages["block_written"],
            "village_id": dna.villages["village_id"],
        }
    )
    books = build_workbooks(
        district=district,
        villages=vframe,
        blocks=list(dna.blocks["block_written"]),
        synthetic=True,
    )
    first_rows: dict[tuple[str, str], int] = {}
    paths: dict[str, Path] = {}
    for key, wb in books.items():
        mark_synthetic(wb)
        fills = []
        for k, title in SHEET_KEYS:
            if k != key:
                continue
            ws = wb[title]
            header_row, cols = header_map(ws)
            first_rows[(k, title)] = header_row + 1
            fills.append((ws, header_row + 1, cols, dna.sheets[(k, title)]))
        path = out / FILE_NAMES[key]
        if engine == "openpyxl":
            for ws, _, _, df in fills:
                _fill(ws, df)
            paths[key] = save_workbook(wb, path, synthetic=True)
        else:
            store.atomic_write(path, _fast_bytes(wb, fills))
            paths[key] = path
    paths["key"] = _write_key(dna, out / KEY_DIR, first_rows, paths)
    return paths


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_key(dna: SyntheticDNA, folder: Path, first_rows: dict, paths: dict[str, Path]) -> Path:
    from leheranalysis.instruments import FILE_NAMES, ensure_folder

    ensure_folder(folder, "answer-key folder")
    log = dna.dirt_log.copy()
    log.insert(
        3,
        "row",
        [
            int(first_rows[(w, s)] + p)
            for w, s, p in zip(log["workbook"], log["sheet"], log["position"], strict=True)
        ],
    )
    log.insert(0, "file", [FILE_NAMES[w] for w in log["workbook"]])
    for name, frame in (("villages.parquet", dna.villages), ("dirt_log.parquet", log)):
        buf = frame.reset_index(drop=True).to_parquet(index=False)
        store.atomic_write(folder / name, buf)
    key = {
        "synthetic": True,
        "note": "SYNTHETIC DATA - invented by leheranalysis; not collected from any village or person.",
        "parameters": dna.parameters,
        "district": dna.district,
        "state": dna.state,
        "synthetic_geography": dna.synthetic_geography,
        "rates": dna.rates,
        "rates_defaulted_to_national": dna.defaulted,
        "notes": dna.notes,
        "implied_rates": {k: round(v, 3) for k, v in dna.implied_rates().items()},
        "model": _m.MODEL,
        "knowledge": {
            k: dict(zip(_m.KNOWLEDGE_GROUPS, v, strict=True)) for k, v in _m.KNOWLEDGE.items()
        },
        "registers": {
            f"{code}|{fam}": {"p_none": v[0], "share_lo": v[1], "share_hi": v[2]}
            for (code, fam), v in _m.REGISTERS.items()
        },
        "files": {FILE_NAMES[k]: _sha256(p) for k, p in sorted(paths.items()) if k in FILE_NAMES},
        "dirt_summary": {
            str(k): int(v) for k, v in log["kind"].value_counts().sort_index().items()
        },
    }
    text = json.dumps(key, indent=2, sort_keys=True) + "\n"
    store.atomic_write(folder / "key.json", text.encode("utf-8"))
    return folder


def demo_data(
    district: Any, out_dir: str | Path, **kwargs: Any
) -> tuple[SyntheticDNA, dict[str, Path]]:
    """Generate and write in one call (the ``leher demo-data`` command).

    Parameters
    ----------
    district : str or gazetteer.District
    out_dir : str or pathlib.Path
    **kwargs
        Passed to :func:`generate`.

    Returns
    -------
    tuple of (SyntheticDNA, dict of str to pathlib.Path)
    """
    from leheranalysis.instruments import ensure_folder

    _check_seed(kwargs.get("seed", 0))
    dist = _load(district)
    ensure_folder(out_dir)  # fail before generating, not after
    dna = generate(dist, **kwargs)
    return dna, write(dna, out_dir, district=dist)
