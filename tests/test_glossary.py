"""The glossary: every report links its abbreviations and method terms to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leheranalysis.codebook import load_codebook
from leheranalysis.present import planning as pp
from leheranalysis.present.kit import glossary_table

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("0[1-5]-*.py"))
CB = load_codebook()
LINK = re.compile(r"\[([^\]]+)\]\(#Glossary\)")
TERMS = [str(t) for t in CB.glossary["term"]]


def _markdown(path: Path) -> str:
    """The text of the notebook's Markdown cells, headings left out."""
    cells = re.split(r"^# %%", path.read_text(encoding="utf-8"), flags=re.M)
    lines = []
    for cell in cells:
        if not cell.startswith(" [markdown]"):
            continue
        for line in cell.splitlines()[1:]:
            text = line.removeprefix("#").removeprefix(" ")
            if not text.startswith("#"):
                lines.append(text)
    return "\n".join(lines)


def _pattern(term: str) -> re.Pattern:
    flags = 0 if re.fullmatch(r"[A-Z][A-Za-z0-9/-]+( [A-Z0-9][A-Za-z0-9]*)*", term) else re.I
    return re.compile(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", flags)


def _entry_of(text: str) -> str | None:
    """The glossary term a link's text names (term or expansion, singular or plural)."""

    def norm(x: str) -> str:
        return re.sub(r"(?<=\w)s\b", "", " ".join(x.split()).casefold())

    t = norm(text)
    if t in ("glossary", "the glossary"):
        return "glossary"
    for g in CB.glossary.itertuples(index=False):
        for name in (str(g.term), str(g.expansion)):
            n = norm(name)
            if n in t or t in n:
                return str(g.term)
    return None


def test_new_terms_are_in_the_glossary_and_no_term_is_cut():
    table = glossary_table(CB)
    terms = set(table["Term"])
    for t in ("UTM", "Voronoi catchment", "Benjamini-Hochberg", "Holm", "McNemar",
              "rate ratio", "OECD/JRC Handbook", "rate per 1,000"):  # fmt: skip
        assert t in terms, t
    assert "rate per 1" not in terms
    assert table["Term"].map(lambda v: isinstance(v, str) and len(v) > 1).all()
    assert list(table["Term"]) == sorted(table["Term"], key=str.lower)
    assert pp.glossary_table(CB).equals(table)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_report_has_the_glossary_section(path):
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^# ## Glossary$", text, flags=re.M), path.stem
    assert "glossary_table(" in text.split("# ## Glossary")[1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_glossary_link_names_an_entry(path):
    links = LINK.findall(_markdown(path))
    assert links, f"{path.stem} links no term to the glossary"
    for text in links:
        assert _entry_of(text), (path.stem, text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_glossary_term_is_linked_at_its_first_use(path):
    md = _markdown(path)
    for term in TERMS:
        m = _pattern(term).search(md)
        if m is None:
            continue
        linked = [x for x in LINK.finditer(md) if x.start() <= m.start() < x.end()]
        assert linked, (
            f"{path.stem}: first use of {term!r} is not linked: ...{md[m.start() - 40 : m.end() + 20]!r}"
        )
