"""Marked encoder inputs: every mention wrapped in its type's marker, sentences packed
into windows that fit the encoder.

One encoder pass per window serves every pair in it (and pairs across windows of the
same document, since an entity is pooled over all its mentions). The same code builds
training data (``prepare``) and serving inputs (``extractor``), so the two cannot drift.
Pure Python: the tokenizer comes in as a ``count_tokens`` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from extractors.relations.schema import MARKERS
from kg.model import EntityType

MAX_TOKENS = 510  # 512 minus [CLS] and [SEP]


@dataclass(frozen=True, slots=True)
class Span:
    """A mention to mark; ``start``/``end`` are offsets into the document text."""

    start: int
    end: int
    type: EntityType


@dataclass(frozen=True, slots=True)
class Window:
    text: str  # marked text, the encoder's input
    start: int  # document offset of the first sentence
    end: int  # document offset where the last sentence ends
    spans: tuple[int, ...]  # indices (into the caller's span list) of the mentions marked here
    markers: tuple[int, ...]  # char offset in ``text`` of each one's opening marker


def mark(
    text: str, spans: Sequence[tuple[int, int, int, EntityType]], base: int = 0
) -> tuple[str, dict[int, int]]:
    """Insert markers into ``text`` (which starts at document offset ``base``).

    ``spans`` are (index, start, end, type) in document offsets. Returns the marked
    text and index -> offset of its opening marker. Nested mentions nest their markers
    (closing markers first, inner before outer) so "$ metabolic $ acidosis $ $" stays
    well-formed.
    """
    events: list[tuple[int, int, int, int, str]] = []
    for idx, start, end, etype in spans:
        m = MARKERS[etype]
        events.append((start - base, 1, -(end - base), idx, m))  # opens: outer first
        events.append((end - base, 0, -(start - base), idx, m))  # closes: inner first
    events.sort()
    out: list[str] = []
    pos = 0
    length = 0
    where: dict[int, int] = {}
    for at, is_open, _, idx, m in events:
        chunk = text[pos:at]
        out.append(chunk)
        length += len(chunk)
        pos = at
        if is_open:
            where[idx] = length
            out.append(m + " ")
            length += 2
        else:
            out.append(" " + m)
            length += 2
    out.append(text[pos:])
    return "".join(out), where


_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9(\[\"'])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """A plain regex splitter (for corpora that come unsplit); offsets into ``text``."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end and text[pos:end].strip():
        out.append((pos, end))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _merge_crossing(
    sentences: list[tuple[int, int]], spans: Sequence[Span]
) -> list[tuple[int, int]]:
    """Join sentences that a mention straddles (a splitter's error must not cut a mention)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(sentences):
        if merged:
            ps, pe = merged[-1]
            if any(sp.start < pe and sp.end > s for sp in spans):
                merged[-1] = (ps, max(pe, e))
                continue
        merged.append((s, e))
    return merged


def build_windows(
    text: str,
    sentences: Sequence[tuple[int, int]],
    spans: Sequence[Span],
    count_tokens: Callable[[list[str]], list[int]],
    max_tokens: int = MAX_TOKENS,
) -> list[Window]:
    """Pack consecutive marked sentences into windows of at most ``max_tokens`` word pieces.

    Mentions outside every sentence are not marked. A sentence longer than the budget
    gets a window of its own (the tokenizer truncates it; mentions cut off are skipped).
    """
    sents = _merge_crossing(list(sentences) or [(0, len(text))], spans)
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, -spans[i].end))
    marked: list[tuple[int, int, str, dict[int, int]]] = []
    j = 0
    for s, e in sents:
        inside: list[tuple[int, int, int, EntityType]] = []
        while j < len(order) and spans[order[j]].start < s:
            j += 1  # before this sentence: not covered by any sentence
        k = j
        while k < len(order) and spans[order[k]].start < e:
            sp = spans[order[k]]
            if sp.end <= e:
                inside.append((order[k], sp.start, sp.end, sp.type))
            k += 1
        j = k
        sent_text, where = mark(text[s:e], inside, base=s)
        marked.append((s, e, sent_text, where))
    counts = count_tokens([m[2] for m in marked]) if marked else []
    windows: list[Window] = []
    group: list[int] = []
    used = 0

    def flush() -> None:
        if not group:
            return
        parts: list[str] = []
        idxs: list[int] = []
        offs: list[int] = []
        length = 0
        for g in group:
            _, _, sent_text, where = marked[g]
            if parts:
                parts.append(" ")
                length += 1
            for idx, off in sorted(where.items(), key=lambda kv: kv[1]):
                idxs.append(idx)
                offs.append(length + off)
            parts.append(sent_text)
            length += len(sent_text)
        windows.append(
            Window(
                "".join(parts), marked[group[0]][0], marked[group[-1]][1], tuple(idxs), tuple(offs)
            )
        )

    for g, n in enumerate(counts):
        if group and used + n > max_tokens:
            flush()
            group, used = [], 0
        group.append(g)
        used += n
    flush()
    return windows
