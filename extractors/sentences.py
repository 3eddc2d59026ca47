"""Rule-based sentence splitting that survives biomedical abbreviations.

scispacy's statistical models cannot be installed here, and spaCy's blank-English
sentencizer splits after every full stop ("e.g.", "i.v.", "Fig. 2"). This splitter is
a few regular expressions: a candidate boundary is ``.``, ``!`` or ``?`` (plus closing
quotes/brackets) followed by whitespace and something that can start a sentence (an
upper-case letter, a digit, an opening bracket or quote); it is refused after a known
abbreviation. Newlines are hard boundaries, and so are section edges. No model, no
imports beyond ``re``: it runs anywhere, fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.model import Document, Sentence

# Words that end in a full stop without ending the sentence (compared case-insensitively,
# without their final ".").
ABBREVIATIONS = frozenset(
    [
        # dosing and Latin
        "e.g", "i.e", "i.v", "i.p", "i.m", "i.t", "i.c.v", "s.c", "p.o", "b.i.d", "t.i.d",
        "q.i.d", "q.d", "q.o.d", "h.s", "p.r.n", "a.m", "p.m", "vs", "viz", "cf", "approx",
        "ca", "circa", "resp", "et", "al", "incl", "excl",
        # references inside a sentence
        "fig", "figs", "tab", "tabs", "eq", "eqs", "ref", "refs", "nos", "vol", "vols", "pp",
        "sect", "suppl",
        # titles, organisations, taxonomy, months
        "dr", "mr", "mrs", "ms", "prof", "jr", "sr", "st", "inc", "ltd", "co", "corp", "dept",
        "univ", "sp", "spp", "subsp", "var", "cv", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.u", "mol", "wt", "conc",
    ]
)  # fmt: skip

_CANDIDATE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9\u0391-\u03a9])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_LINES = re.compile(r"[^\n]+")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Does the full stop at ``dot`` close an abbreviation?"""
    m = _WORD_BEFORE.search(text, max(0, dot - 40), dot + 1)
    if not m:
        return False
    word = m.group(1).lstrip("([\"'").lower()
    word = word[:-1] if word.endswith(".") else word
    return word in ABBREVIATIONS


def split_text(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    for line in _LINES.finditer(text, start, end):
        pos = line.start()
        for m in _CANDIDATE.finditer(text, line.start(), line.end()):
            if m.group(0).startswith(".") and not m.group(0).startswith("..") and (
                _is_abbreviation(text, m.start())
            ):
                continue
            yield from _trimmed(text, pos, m.end())
            pos = m.end()
        yield from _trimmed(text, pos, line.end())


def _trimmed(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a < b:
        yield a, b


class RuleSentenceSplitter:
    """The ``SentenceSplitter`` every extractor uses; sentences never cross sections."""

    name = "rule-sentences"
    version = "1"

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    def split(self, doc: Document) -> list[Sentence]:
        regions = [(s.start, s.end, s.name) for s in doc.sections] or [(0, len(doc.text), None)]
        out: list[Sentence] = []
        for a, b, name in regions:
            for s, e in split_text(doc.text, a, b):
                out.append(Sentence(s, e, doc.text[s:e], name))
        return out
