"""Blocks and villages as written -> gazetteer ids, with block context; never guesses.

Pure (the district and the alias table are passed in). Adds ``block_id``, ``block_name``,
``village_id`` and ``village_name`` to each record; problems become located errors; every
village-level row gets a line in the match report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from leheranalysis import config
from leheranalysis.errors import UnknownNameError
from leheranalysis.ingest._log import Log, id_text
from leheranalysis.ingest._model import Record

MATCHED = ("exact", "normalised", "fuzzy", "alias")
_VILLAGE_CHOICE = re.compile(r"^v-([a-z0-9-]+?)(?:-(\d+))?$")


@dataclass
class Place:
    """Where a record is: resolved ids and names (None when unresolved)."""

    block_id: int | None = None
    block_name: str | None = None
    village_id: int | None = None
    village_name: str | None = None

    @property
    def block_label(self) -> str:
        """The block as messages name it: ``Bisfi (978)``."""
        return f"{self.block_name} ({self.block_id})"


def _block_lookup(district) -> dict[str, tuple[int, str]]:
    table = district.block_table()
    return {
        "b-" + config.slugify(n): (int(i), str(n))
        for i, n in zip(table["block_id"], table["block_name"], strict=True)
    }


#: letters of other scripts that look like Latin ones, and the Latin letter they mimic
_LOOKALIKES = dict(
    zip(
        "аеорсхуіјѕԁһԛԝАВЕКМНОРСТХІЈЅαοινκτΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeopcxyijsdhqwABEKMHOPCTXIJSaoivktABEZHIKMNOPTYX",
        strict=True,
    )
)


def _latin(text: str) -> str:
    return "".join(_LOOKALIKES.get(ch, ch) for ch in text)


def lookalike_hint(text: str) -> str:
    """A hint when a Latin name holds a letter of another script that looks Latin.

    Examples
    --------
    >>> lookalike_hint("Bisfі")  # a Cyrillic i
    "it contains the Cyrillic letter 'і' (U+0456), which looks like the Latin 'i': retype it"
    >>> lookalike_hint("Bisfi")
    ''
    """
    if not any("LATIN" in unicodedata.name(ch, "") for ch in text):
        return ""  # a name written in another script: not a look-alike
    for ch in text:
        if ch in _LOOKALIKES:
            script = unicodedata.name(ch, "").split(" ")[0].title()
            return (
                f"it contains the {script} letter '{ch}' (U+{ord(ch):04X}), which looks like "
                f"the Latin '{_LOOKALIKES[ch]}': retype it"
            )
    return ""


def resolve_blocks(records: list[Record], district, log: Log) -> dict[int, Place]:
    """Resolve every record's written block; unknown blocks are errors (one per row)."""
    slugs = _block_lookup(district)
    names = list(district.block_table()["block_name"])
    cache: dict[str, tuple[int, str] | str] = {}
    places: dict[int, Place] = {}
    for i, rec in enumerate(records):
        if rec.block is None:
            continue
        written = rec.block
        if written not in cache:
            if written.casefold() in slugs:
                cache[written] = slugs[written.casefold()]
            else:
                try:
                    bid = district.block_id(written)
                    cache[written] = (bid, district.block_name(bid))
                except UnknownNameError as exc:
                    hint = (
                        f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
                    )
                    by_id = _block_by_id(written, district)
                    if by_id:
                        hint = f"; {written} is the id of block {by_id}: write its name"
                    lookalike = lookalike_hint(written)
                    if lookalike:
                        latin = _latin(written)
                        try:
                            meant = district.block_name(district.block_id(latin))
                            lookalike += f" (with Latin letters it reads {meant})"
                        except UnknownNameError:
                            pass
                        hint = f"; {lookalike}"
                    cache[written] = (
                        f"block not in district {district.name} (its blocks: "
                        f"{', '.join(sorted(names))}){hint}"
                    )
        hit = cache[written]
        if isinstance(hit, str):
            t = rec.table
            shown = id_text(written, names)  # a person's name typed as a block: not echoed
            log.error("unknown_block", hit, t.file, t.sheet, rec.row, t.letter("block"), shown)
            rec.ok = False
            continue
        places[i] = Place(block_id=hit[0], block_name=hit[1])
        if written != hit[1]:
            t = rec.table
            log.change(
                t.file, t.sheet, rec.row, t.letter("block"), written, hit[1], "block_matched"
            )
    return places


def _block_by_id(written: str, district) -> str:
    """``Bisfi (978)`` when ``written`` is the id of a block of the district, else ''."""
    text = written.strip()
    if not text.isdigit():
        return ""
    table = district.block_table()
    hit = table.loc[table["block_id"] == int(text), "block_name"]
    return f"{hit.iloc[0]} ({int(text)})" if len(hit) else ""


def _decode_choice(written: str, block_id: int, district) -> tuple[int | None, tuple[int, ...]]:
    """A Kobo village choice name ``v-<slug>[-<id>]`` -> (village id, candidates)."""
    m = _VILLAGE_CHOICE.match(written.strip())
    if not m:
        return None, ()
    v = district.villages
    in_block = v[v["block_id"] == block_id]
    if m.group(2):
        vid = int(m.group(2))
        if vid in set(in_block["village_id"]):
            return vid, ()
    slug = m.group(1)
    hits = in_block[in_block["name"].map(lambda n: config.slugify(str(n)) == slug)]
    if m.group(2) and len(hits) == 0:
        slug = f"{m.group(1)}-{m.group(2)}"
        hits = in_block[in_block["name"].map(lambda n: config.slugify(str(n)) == slug)]
    ids = tuple(int(x) for x in hits["village_id"])
    if len(ids) == 1:
        return ids[0], ()
    return None, ids


def match_records(
    records: list[Record],
    places: dict[int, Place],
    district,
    aliases: pd.DataFrame | None,
    log: Log,
) -> None:
    """Match the villages of village-level records; fill ``places``; log errors and report."""
    from leheranalysis import gazetteer

    todo = [
        (i, rec)
        for i, rec in enumerate(records)
        if rec.table.spec.level == "village" and rec.village is not None and i in places
    ]
    if not todo:
        return
    names = dict(zip(district.villages["village_id"], district.villages["name"], strict=True))
    frame = pd.DataFrame(
        {
            "block": [places[i].block_name for i, _ in todo],
            "village": [rec.village for _, rec in todo],
        }
    )
    result = gazetteer.match_villages(frame, district, "block", "village", aliases=aliases)
    wrong_cache: dict[str, Any] = {}
    for (i, rec), m in zip(todo, result.itertuples(index=False), strict=True):
        place = places[i]
        status, vid, score, cands = m.status, m.village_id, float(m.score), m.candidates
        if status not in MATCHED:
            dec, dec_cands = _decode_choice(rec.village, place.block_id, district)
            if dec is not None:
                status, vid, score, cands = "exact", dec, 1.0, ""
            elif dec_cands:
                status, cands = "ambiguous", ";".join(map(str, dec_cands))
        t = rec.table
        log.matches.append(
            {
                "file": t.file,
                "sheet": t.sheet,
                "row": rec.row,
                "written_block": rec.block,
                "written_village": rec.village,
                "status": status,
                "village_id": None if pd.isna(vid) else int(vid),
                "score": score,
                "candidates": cands or "",
            }
        )
        col = t.letter("village")
        if status in MATCHED:
            place.village_id = int(vid)
            place.village_name = str(names.get(int(vid), rec.village))
            if status != "exact":
                log.change(
                    t.file,
                    t.sheet,
                    rec.row,
                    col,
                    rec.village,
                    f"{place.village_name} ({place.village_id})",
                    f"village_{status}",
                )
            continue
        rec.ok = False
        cand_ids = [int(c) for c in str(cands).split(";") if c.strip()]
        listed = ", ".join(f"{names.get(c, '?')} ({c})" for c in cand_ids[:6])
        if status == "ambiguous":
            log.error(
                "ambiguous_village",
                f"village name matches {len(cand_ids)} villages of block {place.block_label}: "
                f"{listed}; not guessed - add a line 'written_name,block,village_id' to an "
                "alias file and pass it with --aliases",
                t.file,
                t.sheet,
                rec.row,
                col,
                rec.village,
            )
            continue
        key = rec.village
        if key not in wrong_cache:
            wrong_cache[key] = gazetteer.match_village(rec.village, None, district)
        other = wrong_cache[key]
        elsewhere = _other_blocks(other, district, place.block_id)
        if elsewhere:
            log.error(
                "wrong_block",
                f"no village of that name in block {place.block_label}; it is in block "
                f"{elsewhere} - correct the block or the village",
                t.file,
                t.sheet,
                rec.row,
                col,
                rec.village,
            )
            continue
        near = f"; closest in block {place.block_label}: {listed}" if listed else ""
        log.error(
            "unknown_village",
            f"no village of that name in block {place.block_label} nor elsewhere in "
            f"{district.name}{near}",
            t.file,
            t.sheet,
            rec.row,
            col,
            rec.village,
        )


def _other_blocks(m, district, block_id: int) -> str:
    """Where a name matched in the whole district lies, when not in ``block_id``."""
    if m.status in ("exact", "normalised", "alias") and m.village_id is not None:
        ids = [m.village_id]
    elif m.status == "ambiguous" and m.score >= 1.0:
        ids = list(m.candidates)
    else:
        return ""
    v = district.villages.set_index("village_id")
    out = []
    for vid in ids:
        if vid in v.index:
            row = v.loc[vid]
            row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
            if int(row["block_id"]) != block_id:
                out.append(
                    f"{row['block_name']} ({int(row['block_id'])}) (village_id {vid}, "
                    f"'{row['name']}')"
                )
    return "; ".join(dict.fromkeys(out))
