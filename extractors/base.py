"""Contracts between extraction steps.

Each step is a small object with a versioned ``name`` and ``version`` (stamped
on everything it produces) and pure logic inside. Steps that process batches
return ``(processed, failed)`` so one bad document never sinks a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kg.model import Document, Entity, Evidence, Mention, Sentence, Statement


@dataclass(frozen=True, slots=True)
class Failure:
    document_id: str
    step: str
    error: str


@dataclass(frozen=True, slots=True)
class LinkedMention:
    """A recognised mention and what the linker made of it (``entity`` None: unlinked)."""

    mention: Mention
    entity: Entity | None
    score: float = 0.0
    # how the entity was chosen: "exact" (a KB name as written), "loose" (spacing, case, a
    # plural), "rewritten", "trimmed" (leading words dropped), "fuzzy", "gene-tail",
    # "cyp", "receptor", "retyped", "variant", "label" (the label's own drug), "class";
    # "long:", "elided:" and "bare:" prefix a choice made for the abbreviation's long form,
    # the coordination's full name ("CYP3A4/5") or the name without its salt; "" unknown
    how: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extraction found in one document, ready for a ``WriteBatch``."""

    document_id: str
    sentences: tuple[Sentence, ...] = ()
    mentions: tuple[LinkedMention, ...] = ()
    entities: tuple[Entity, ...] = ()
    statements: tuple[Statement, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    extractors: tuple[str, ...] = field(default=())  # "name@version" of every step applied


class Step(Protocol):
    name: str
    version: str

    @property
    def tag(self) -> str: ...


class SentenceSplitter(Protocol):
    def split(self, doc: Document) -> list[Sentence]: ...


class Recognizer(Protocol):
    """Finds mentions; offsets are into ``doc.text``."""

    name: str
    version: str

    def recognize(self, docs: Sequence[Document]) -> list[list[Mention]]: ...


class Linker(Protocol):
    name: str
    version: str

    def link(self, doc: Document, mentions: Sequence[Mention]) -> list[LinkedMention]: ...


class RelationExtractor(Protocol):
    name: str
    version: str

    def extract(
        self, doc: Document, sentences: Sequence[Sentence], mentions: Sequence[LinkedMention]
    ) -> tuple[list[Statement], list[Evidence]]: ...
