"""The corpus of malformed DNA inputs, generated (no binary file is committed).

Each case writes one or more input files into a folder and states the error ingestion
must report: its rule, sheet, Excel row, column and a fragment of the message. The tests
in ``tests/test_ingest.py`` run every case through ``leher ingest``; run this file to
write the corpus to a folder for a look by hand::

    python tests/malformed/make_corpus.py /tmp/corpus
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from leheranalysis import instruments
from leheranalysis.codebook import Codebook, load_codebook

PROGRAMME_BLOCKS = ("Bisfi", "Pandaul", "Rajnagar")
VILLAGES_PER_BLOCK = 21


# ----------------------------------------------------------------- geography and templates
def programme(district) -> pd.DataFrame:
    """63 programme villages: 21 per block, names unique in the whole district."""
    v = district.villages
    v = v[v["name"].notna()]
    counts = v["name"].str.casefold().str.strip().value_counts()
    v = v[v["name"].str.casefold().str.strip().map(counts) == 1]
    v = v[v["block_name"].isin(PROGRAMME_BLOCKS)].sort_values(["block_name", "village_id"])
    out = v.groupby("block_name").head(VILLAGES_PER_BLOCK)
    return out[["village_id", "name", "block_id", "block_name"]].reset_index(drop=True)


def ambiguous_name(district) -> tuple[str, str, list[int]]:
    """A village name written twice in one programme block: (name, block, ids)."""
    v = district.villages
    v = v[v["name"].notna() & v["block_name"].isin(PROGRAMME_BLOCKS)]
    key = v["name"].str.casefold().str.strip()
    dup = v[key.duplicated(keep=False) & v.assign(k=key).duplicated(["k", "block_id"], keep=False)]
    first = dup.sort_values(["block_name", "name", "village_id"]).iloc[0]
    same = dup[(dup["block_id"] == first["block_id"]) & (dup["name"] == first["name"])]
    return str(first["name"]), str(first["block_name"]), sorted(int(i) for i in same["village_id"])


@dataclass
class Corpus:
    """What the cases need: district, codebook, programme and blank template bytes."""

    district: object
    cb: Codebook
    villages: pd.DataFrame
    blank: dict[str, bytes]

    @classmethod
    def build(cls, district, cb: Codebook | None = None) -> Corpus:
        cb = cb or load_codebook()
        prog = programme(district)
        books = instruments.build_workbooks(
            district, villages=prog.rename(columns={"name": "village_name"}), codebook=cb
        )
        blank = {k: instruments.workbook_bytes(wb) for k, wb in books.items()}
        return cls(district, cb, prog, blank)

    def book(self, key: str) -> openpyxl.Workbook:
        return openpyxl.load_workbook(io.BytesIO(self.blank[key]))

    def village(self, block: str, i: int) -> str:
        v = self.villages[self.villages["block_name"] == block]
        return str(v["name"].iloc[i])


def cols(ws) -> dict[str, int]:
    """Code -> column index of a data sheet."""
    return instruments.header_map(ws)[1]


def letter(ws, code: str) -> str:
    """``E [oosc_6_14]`` for a code of a data sheet."""
    return f"{openpyxl.utils.get_column_letter(cols(ws)[code])} [{code}]"


def put(ws, row: int, values: dict[str, object]) -> None:
    c = cols(ws)
    for code, v in values.items():
        ws.cell(row=row, column=c[code]).value = v


def small_part1(cp: Corpus) -> openpyxl.Workbook:
    """A Part I workbook with a few valid rows (2 villages of Bisfi)."""
    wb = cp.book("part1")
    v0, v1 = cp.village("Bisfi", 0), cp.village("Bisfi", 1)
    ws = wb["Children's groups"]
    r = instruments.FIRST_DATA_ROW
    for v in (v0, v1):
        for g in ("cg_girls_10_14", "cg_boys_10_14"):
            put(
                ws,
                r,
                {
                    "block": "Bisfi",
                    "village": v,
                    "group": g,
                    "participants": 12,
                    "oosc_6_14": 3,
                    "child_labour_5_17": 2,
                    "corporal_punishment": "yes",
                    "helpline_1098_aware": 40,
                    "teacher_attendance": 3,
                },
            )
            r += 1
    ws = wb["Adult groups"]
    for i, g in enumerate(("ag_women", "ag_men")):
        put(
            ws,
            instruments.FIRST_DATA_ROW + i,
            {
                "block": "Bisfi",
                "village": v0,
                "group": g,
                "participants": 15,
                "oosc_6_14": 4,
                "vlcpc_exists": "no",
            },
        )
    ws = wb["Duty bearers"]
    put(
        ws,
        3,
        {
            "block": "Bisfi",
            "village": v0,
            "group": "teacher",
            "indicator": "oosc_6_14",
            "community_value": 4,
            "value": 2,
            "response": "partly agree",
        },
    )
    put(
        ws,
        4,
        {
            "block": "Bisfi",
            "village": v0,
            "group": "aww",
            "indicator": "child_marriage_12m",
            "value": 1,
            "response": "agree",
        },
    )
    ws = wb["Ranking"]
    ranks = {f"rank_{c}": i for i, c in enumerate(cp.cb.ranking_issues["code"], start=1)}
    put(ws, 3, {"block": "Bisfi", "village": v0, "group": "cg_girls_10_14", **ranks})
    return wb


# ----------------------------------------------------------------- cases
@dataclass
class Expect:
    """The located error a case must produce."""

    rule: str
    fragment: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    file: str = ""  # file name (default: the first input)
    absent: tuple[str, ...] = ()  # text never echoed (terminal or errors file)


Builder = Callable[[Corpus, Path], tuple[list[Path], Expect]]
CASES: dict[str, Builder] = {}


def case(fn: Builder) -> Builder:
    CASES[fn.__name__] = fn
    return fn


def _save(wb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    instruments.save_workbook(wb, path)
    return path


def _row_copied(cp: Corpus, src: int, dst: int):
    """A Part I workbook whose Children's groups row ``src`` is copied to row ``dst``."""
    wb = small_part1(cp)
    ws = wb["Children's groups"]
    for c in range(1, ws.max_column + 1):
        ws.cell(row=dst, column=c, value=ws.cell(row=src, column=c).value)
    return wb, ws


def _cell_case(folder: Path, cp: Corpus, sheet: str, row: int, code: str, value, rule, frag):
    wb = small_part1(cp)
    ws = wb[sheet]
    put(ws, row, {code: value})
    return [_save(wb, folder / "part1.xlsx")], Expect(rule, frag, sheet, row, letter(ws, code))


@case
def missing_sheet(cp, folder):
    wb = small_part1(cp)
    del wb["Ranking"]
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "missing_sheet", "required sheet 'Ranking' is missing", "Ranking"
    )


@case
def missing_column(cp, folder):
    wb = small_part1(cp)
    ws = wb["Adult groups"]
    ws.delete_cols(cols(ws)["vlcpc_met_quarter"])
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "missing_column", "required column", "Adult groups", 2, "[vlcpc_met_quarter]"
    )


@case
def renamed_column(cp, folder):
    wb = small_part1(cp)
    ws = wb["Children's groups"]
    col = cols(ws)["oosc_6_14"]
    ws.cell(row=2, column=col, value="Children out of school [oosc]")
    let = openpyxl.utils.get_column_letter(col)
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "unknown_indicator", "unknown code [oosc]", "Children's groups", 2, f"{let} [oosc]"
    )


@case
def wrong_type(cp, folder):
    return _cell_case(
        folder, cp, "Children's groups", 3, "child_labour_5_17", "many", "type", "expected a number"
    )


@case
def negative_count(cp, folder):
    return _cell_case(
        folder, cp, "Children's groups", 4, "oosc_6_14", -3, "range", "a count cannot be negative"
    )


@case
def share_above_100(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        5,
        "helpline_1098_aware",
        140,
        "range",
        "must lie within 0-100",
    )


@case
def score_above_5(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        3,
        "teacher_attendance",
        7,
        "range",
        "outside the valid range 1-5",
    )


@case
def fractional_count(cp, folder):
    return _cell_case(
        folder, cp, "Adult groups", 3, "oosc_6_14", 2.5, "integer", "a count must be a whole number"
    )


@case
def duplicated_village_row(cp, folder):
    wb, ws = _row_copied(cp, 3, 7)
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "duplicate_row", "already given in row 3", "Children's groups", 7, letter(ws, "village")
    )


@case
def unknown_village(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        4,
        "village",
        "Nowhere Tola Khas",
        "unknown_village",
        "no village of that name in block Bisfi",
    )


@case
def village_in_wrong_block(cp, folder):
    other = cp.village("Pandaul", 0)
    return _cell_case(
        folder, cp, "Adult groups", 3, "village", other, "wrong_block", "it is in block Pandaul"
    )


@case
def ambiguous_village(cp, folder):
    name, block, _ = ambiguous_name(cp.district)
    wb = small_part1(cp)
    ws = wb["Adult groups"]
    put(ws, 4, {"block": block, "village": name})
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "ambiguous_village", "not guessed", "Adult groups", 4, letter(ws, "village")
    )


@case
def block_not_in_district(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        3,
        "block",
        "Darbhanga Sadar",
        "unknown_block",
        "block not in district Madhubani",
    )


@case
def unknown_group_code(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        6,
        "group",
        "cg_girls_99",
        "unknown_group",
        "unknown group code",
    )


@case
def group_in_wrong_sheet(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        6,
        "group",
        "ag_women",
        "wrong_group",
        "group ag_women does not belong in this sheet",
    )


@case
def unknown_indicator_code(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Duty bearers",
        3,
        "indicator",
        "oosc_614",
        "unknown_indicator",
        "did you mean oosc_6_14",
    )


@case
def bad_response_category(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Duty bearers",
        4,
        "response",
        "agreed fully",
        "category",
        "response must be one of: agree, partly agree, dispute",
    )


@case
def yes_no_garbage(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        5,
        "corporal_punishment",
        "maybe",
        "yes_no",
        "expected yes or no",
    )


@case
def rank_out_of_range(cp, folder):
    return _cell_case(
        folder, cp, "Ranking", 3, "rank_child_labour", 12, "range", "outside the valid range 1-8"
    )


@case
def formula_cell(cp, folder):
    return _cell_case(
        folder, cp, "Children's groups", 3, "oosc_6_14", "=2+3", "formula", "holds a formula"
    )


@case
def missing_village_name(cp, folder):
    return _cell_case(
        folder, cp, "Children's groups", 5, "village", None, "missing_value", "village is empty"
    )


@case
def empty_workbook(cp, folder):
    wb = openpyxl.Workbook()
    path = folder / "empty.xlsx"
    wb.save(path)
    return [path], Expect("empty_workbook", "the workbook is empty")


@case
def blank_template(cp, folder):
    path = folder / "dna_secondary_block_data.xlsx"
    path.write_bytes(cp.blank["secondary"])
    return [path], Expect("empty_workbook", "no data rows found")


@case
def truncated_xlsx(cp, folder):
    data = io.BytesIO()
    small_part1(cp).save(data)
    path = folder / "truncated.xlsx"
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    return [path], Expect("corrupt_file", "corrupt or truncated")


@case
def corrupt_zip(cp, folder):
    path = folder / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    return [path], Expect("corrupt_file", "corrupt or truncated")


@case
def not_a_zip(cp, folder):
    path = folder / "renamed.xlsx"
    path.write_text("block,village\nBisfi,X\n", encoding="utf-8")
    return [path], Expect("corrupt_file", "not a zip archive")


@case
def xls_given(cp, folder):
    path = folder / "village_tool.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return [path], Expect("wrong_format", "save it as .xlsx")


@case
def ods_given(cp, folder):
    path = folder / "village_tool.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return [path], Expect("wrong_format", "OpenDocument .ods")


@case
def csv_bom_devanagari(cp, folder):
    path = folder / "groups.csv"
    v0 = cp.village("Bisfi", 0)
    text = (
        "block,village,group,participants,oosc_6_14\n"
        f"Bisfi,{v0},cg_girls_10_14,10,2\n"
        "Bisfi,रामपुर टोला,cg_boys_10_14,11,3\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return [path], Expect("unknown_village", "रामपुर टोला", "", 3, "B [village]")


@case
def kobo_unknown_field(cp, folder):
    path = folder / "kobo_part1.csv"
    v0 = cp.village("Bisfi", 0)
    df = pd.DataFrame(
        {
            "start": ["2024-01-05T10:00:00"],
            "block": ["Bisfi"],
            "village": [v0],
            "group": ["cg_girls_10_14"],
            "participants": [9],
            "cg/oosc_6_14": [2],
            "cg/child_labour": [1],
            "_uuid": ["a1b2"],
            "_submission_time": ["2024-01-05T11:00:00"],
        }
    )
    df.to_csv(path, index=False)
    return [path], Expect(
        "unknown_column", "unknown field 'cg/child_labour'", "", 1, "G [cg/child_labour]"
    )


@case
def bad_year(cp, folder):
    wb = cp.book("secondary")
    ws = wb["Secondary data"]
    put(ws, 3, {"year": "2022", "value": 10})
    return [_save(wb, folder / "secondary.xlsx")], Expect(
        "year", "financial year", "Secondary data", 3, letter(ws, "year")
    )


@case
def same_file_twice(cp, folder):
    first = _save(small_part1(cp), folder / "june" / "part1.xlsx")
    copy = folder / "backup" / "part1.xlsx"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(first.read_bytes())
    return [first, copy], Expect("duplicate_file", "byte-identical copy of Part I workbook #")


@case
def block_written_as_id(cp, folder):
    bid = cp.district.block_id("Bisfi")
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        3,
        "block",
        bid,
        "unknown_block",
        f"{bid} is the id of block Bisfi ({bid}): write its name",
    )


@case
def conflicting_duplicate_row(cp, folder):
    wb, ws = _row_copied(cp, 3, 7)
    put(ws, 7, {"oosc_6_14": 9})
    return [_save(wb, folder / "part1.xlsx")], Expect(
        "duplicate_row",
        "row 3 gives different values for it (oosc_6_14 9 here, 3 there): keep the right one",
        "Children's groups",
        7,
        letter(ws, "village"),
    )


@case
def cyrillic_letter_in_block(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        3,
        "block",
        "Bisf\u0456",  # a Cyrillic i
        "unknown_block",
        "the Cyrillic letter 'і' (U+0456), which looks like the Latin 'i': retype it (with "
        "Latin letters it reads Bisfi)",
    )


@case
def person_name_in_block(cp, folder):
    files, exp = _cell_case(
        folder, cp, "Children's groups", 3, "block", "Sunita Kumari", "unknown_block",
        "block not in district Madhubani",
    )  # fmt: skip
    exp.absent = ("Sunita", "Kumari")
    return files, exp


@case
def person_name_in_group_and_response(cp, folder):
    wb = small_part1(cp)
    put(wb["Children's groups"], 4, {"group": "Ramesh Yadav"})
    put(wb["Duty bearers"], 3, {"response": "Sunita Kumari"})
    exp = Expect("unknown_group", "unknown group code", "Children's groups", 4, "")
    exp.column = letter(wb["Children's groups"], "group")
    exp.absent = ("Ramesh", "Yadav", "Sunita", "Kumari")
    return [_save(wb, folder / "part1.xlsx")], exp


@case
def decimal_comma(cp, folder):
    return _cell_case(
        folder,
        cp,
        "Children's groups",
        3,
        "helpline_1098_aware",
        "67,40",
        "type",
        "a comma is not a decimal point here; write 67.40",
    )


@case
def password_protected(cp, folder):
    path = folder / "part1.xlsx"
    # an encrypted Office file: an OLE compound file holding an EncryptionInfo stream
    body = b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 1024
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + body)
    return [path], Expect("password_protected", "the workbook is password-protected")


@case
def csv_sep_line(cp, folder):
    path = folder / "part2.csv"
    path.write_text(
        "sep=;\n"
        "block;indicator;group;response;timeline_months\n"
        "Pandaul;child_marriage_12m;cdpo;acknowledged;6\n"
        "Pandaul;child_labour_5_17;bdo;maybe;3\n",
        encoding="utf-8",
    )
    return [path], Expect("category", "response must be one of", "", 3, "D [response]")


@case
def csv_field_over_128kb(cp, folder):
    path = folder / "part2.csv"
    path.write_text(
        "block,indicator,group,response,action,timeline_months\n"
        "Pandaul,child_marriage_12m,cdpo,acknowledged,meet,6\n"
        f"Pandaul,child_labour_5_17,bdo,acknowledged,{'x' * 200_000},3\n",
        encoding="utf-8",
    )
    return [path], Expect("corrupt_file", "a field is longer than 128 KB", "", 3)


@case
def zip_bomb(cp, folder):
    path = folder / "part1.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b"<row/>" * (1 << 17)
            for _ in range(40):  # 31 MB of one repeated tag: inflates ~1000 times its size
                fh.write(chunk)
    return [path], Expect("corrupt_file", "would inflate from")


def write_corpus(cp: Corpus, root: Path) -> dict[str, tuple[list[Path], Expect]]:
    """Write every case into ``root/<case>/``."""
    out = {}
    for name, build in CASES.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        out[name] = build(cp, folder)
    return out


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - manual use
    from leheranalysis import gazetteer

    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else "malformed-corpus")
    cp = Corpus.build(gazetteer.load_district("Madhubani"))
    for name, (paths, exp) in write_corpus(cp, root).items():
        print(f"{name}: {', '.join(p.name for p in paths)} -> {exp.rule}: {exp.fragment}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
