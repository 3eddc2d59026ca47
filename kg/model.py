"""The domain: typed, immutable records passed between every stage.

Offsets are character offsets into ``Document.text``; identifiers are CURIEs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class EntityType(StrEnum):
    DRUG = "Drug"
    DISEASE = "Disease"
    GENE = "Gene"
    VARIANT = "Variant"


class Predicate(StrEnum):
    TREATS = "TREATS"
    TARGETS = "TARGETS"
    CAUSES = "CAUSES"
    ASSOCIATED_WITH = "ASSOCIATED_WITH"
    INTERACTS_WITH = "INTERACTS_WITH"
    CONTRAINDICATED_IN = "CONTRAINDICATED_IN"
    AFFECTS_RESPONSE = "AFFECTS_RESPONSE"


class TargetAction(StrEnum):
    INHIBITOR = "inhibitor"
    ACTIVATOR = "activator"
    AGONIST = "agonist"
    ANTAGONIST = "antagonist"
    BINDER = "binder"
    SUBSTRATE = "substrate"
    UNKNOWN = "unknown"


class ResponseDirection(StrEnum):
    SENSITIVITY = "sensitivity"
    RESISTANCE = "resistance"
    TOXICITY = "toxicity"
    DOSAGE = "dosage"
    METABOLISM = "metabolism"


class SourceKind(StrEnum):
    """Where evidence came from: users weigh a label differently from a paper."""

    LITERATURE = "literature"
    LABEL = "label"
    SUMMARY = "summary"


# Qualifiers that make two statements different edges (the rest live on evidence).
KEY_QUALIFIERS: Mapping[Predicate, tuple[str, ...]] = MappingProxyType(
    {
        Predicate.TARGETS: ("action",),
        Predicate.AFFECTS_RESPONSE: ("direction",),
    }
)


class FrozenMap(dict):  # type: ignore[type-arg]
    """A read-only dict: immutable like MappingProxyType, but picklable (worker processes)."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("FrozenMap is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self) -> tuple:  # type: ignore[override]
        return (FrozenMap, (dict(self),))


def _frozen_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value or {})


@dataclass(frozen=True, slots=True)
class Section:
    """A named span of a document's text; ``code`` is the LOINC code for labels."""

    name: str
    start: int
    end: int
    code: str | None = None

    @property
    def label(self) -> str:
        """What evidence and mentions record as their section: the code where there is one
        (a drug label's LOINC code), else the name."""
        return self.code or self.name


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str
    section: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    type: EntityType
    label: str = ""  # the source's own type name, e.g. "Chemical", "SequenceVariant"
    ids: tuple[str, ...] = ()  # CURIEs (gold, or what the linker chose)
    score: float = 1.0
    extractor: str = ""

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad mention span {self.start}..{self.end}")


@dataclass(frozen=True, slots=True)
class GoldRelation:
    """A relation as annotated in a corpus, kept for evaluation only."""

    type: str
    arg1: str
    arg2: str
    novel: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    id: str  # PMID:123, PMC:PMC123, SPL:<setid>@<version>, CIVIC:EID1 ...
    source: str  # pubmed, pmc, pubtator, bioc, spl, openfda, civic, pharmgkb, text
    text: str
    title: str = ""
    sections: tuple[Section, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    mentions: tuple[Mention, ...] = ()  # gold annotations, when the format has them
    relations: tuple[GoldRelation, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", _frozen_map(self.metadata))

    @classmethod
    def from_sections(
        cls,
        id: str,
        source: str,
        parts: Iterable[tuple[str, str, str | None]],
        *,
        title: str = "",
        separator: str = "\n",
        metadata: Mapping[str, str] | None = None,
        mentions: Sequence[Mention] = (),
        relations: Sequence[GoldRelation] = (),
    ) -> Document:
        """Build the text from (section name, text, code) parts, recording offsets."""
        chunks: list[str] = []
        sections: list[Section] = []
        pos = 0
        for name, text, code in parts:
            if chunks:
                chunks.append(separator)
                pos += len(separator)
            chunks.append(text)
            sections.append(Section(name, pos, pos + len(text), code))
            pos += len(text)
        return cls(
            id=id,
            source=source,
            text="".join(chunks),
            title=title,
            sections=tuple(sections),
            metadata=metadata or {},
            mentions=tuple(mentions),
            relations=tuple(relations),
        )

    def section_at(self, offset: int) -> Section | None:
        for section in self.sections:
            if section.start <= offset < section.end or (
                section.start == section.end == offset
            ):
                return section
        return None

    def section_text(self, section: Section) -> str:
        return self.text[section.start : section.end]

    @property
    def content_hash(self) -> str:
        """Changes when anything an extractor reads changes (text, sections, metadata)."""
        h = hashlib.sha256()
        h.update(self.text.encode("utf-8", "surrogatepass"))
        for s in self.sections:
            h.update(f"\x00{s.name}\x00{s.start}\x00{s.end}\x00{s.code}".encode())
        for k in sorted(self.metadata):
            h.update(f"\x01{k}\x01{self.metadata[k]}".encode("utf-8", "surrogatepass"))
        return h.hexdigest()


GENE_ID_PREFIXES = ("NCBIGene:", "HGNC:")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str  # CURIE
    type: EntityType
    name: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    # for a concept MeSH lacks: the nearest broader MeSH headings, as MeSH-annotated corpora
    # normalise it ("left bundle branch block" -> Bundle-Branch Block); not ids of this entity
    broader: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other ids of this very entity: its xrefs, less a variant's gene ids (those name
        the gene it is a variant of)."""
        if self.type is EntityType.VARIANT:
            return tuple(x for x in self.xrefs if not x.startswith(GENE_ID_PREFIXES))
        return self.xrefs

    def id_in(self, prefixes: Collection[str]) -> str:
        """Its identifier in the first namespace of ``prefixes`` it has (the id, then the
        aliases, then a broader heading), else the id: how an evaluation reads a node in a
        corpus's vocabulary, whose annotators chose the nearest heading it has."""
        for curie in (self.id, *self.aliases, *self.broader):
            if curie.partition(":")[0] in prefixes:
                return curie
        return self.id


def _qualifier_tuple(predicate: Predicate, qualifiers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    keys = KEY_QUALIFIERS.get(predicate, ())
    unknown = set(qualifiers) - set(keys)
    if unknown:
        raise ValueError(f"{predicate} takes qualifiers {keys}, not {sorted(unknown)}")
    return tuple((k, qualifiers[k]) for k in keys if k in qualifiers)


@dataclass(frozen=True, slots=True)
class Statement:
    """subject -predicate-> object; ``qualifiers`` are the key ones (action, direction)."""

    subject: str
    predicate: Predicate
    object: str
    qualifiers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(
        cls, subject: str, predicate: Predicate | str, object: str, **qualifiers: str
    ) -> Statement:
        pred = Predicate(predicate)
        # Drug-drug interactions are symmetric: one edge, ordered by id.
        if pred is Predicate.INTERACTS_WITH and object < subject:
            subject, object = object, subject
        return cls(subject, pred, object, _qualifier_tuple(pred, qualifiers))

    def qualifier(self, name: str) -> str | None:
        return dict(self.qualifiers).get(name)

    @property
    def key(self) -> str:
        raw = "\x1f".join(
            [self.subject, self.predicate.value, self.object]
            + [f"{k}={v}" for k, v in self.qualifiers]
        )
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One place in one document that supports one statement."""

    statement_key: str
    document_id: str
    sentence: str
    sentence_start: int
    sentence_end: int
    subject_start: int
    subject_end: int
    object_start: int
    object_end: int
    score: float
    extractor: str
    extractor_version: str
    section: str | None = None
    source_kind: SourceKind = SourceKind.LITERATURE
    negated: bool = False
    speculative: bool = False
    note: str = ""  # e.g. the label's own words for an interaction's effect
    # how each end's mention became its entity (``LinkedMention.how``): lets an analyst
    # tell "imatinib" read as written from a fuzzy match or an abbreviation's long form
    subject_link: str = ""
    object_link: str = ""

    @property
    def id(self) -> str:
        raw = "\x1f".join(
            str(x)
            for x in (
                self.statement_key,
                self.document_id,
                self.sentence_start,
                self.sentence_end,
                self.subject_start,
                self.subject_end,
                self.object_start,
                self.object_end,
                self.extractor,
                self.extractor_version,
            )
        )
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class UnlinkedMention:
    """A recognised mention the linker could not link: kept as a mention, never an entity.

    It carries no CURIE (inventing one would put a guessed concept in the graph); ``key``
    identifies the mention itself, per document, so re-writing it changes nothing.
    ``extractor`` is the recognizer that found it; ``score`` is its recognition score.
    """

    document_id: str
    start: int
    end: int
    text: str
    type: EntityType
    sentence: str
    sentence_start: int
    sentence_end: int
    score: float
    extractor: str
    extractor_version: str
    section: str | None = None
    source_kind: SourceKind = SourceKind.LITERATURE

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad mention span {self.start}..{self.end}")

    @property
    def key(self) -> str:
        raw = "\x1f".join(
            (self.document_id, str(self.start), str(self.end), EntityType(self.type).value)
        )
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What ingestion last did to a document: lets a re-run skip unchanged ones."""

    document_id: str
    content_hash: str
    extractors: tuple[str, ...]  # "name@version"
    ingested_at: str  # ISO-8601 UTC
    source: str = ""
    status: str = "active"  # active | retracted | deleted


@dataclass(frozen=True, slots=True)
class WriteBatch:
    """One atomic unit of work for a store.

    Evidence and unlinked mentions previously written for ``replace_documents``
    (optionally only from ``replace_extractors``) are removed first; statements left
    with no evidence disappear. Everything, ledger included, commits together or not
    at all.
    """

    entities: tuple[Entity, ...] = ()
    statements: tuple[Statement, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    mentions: tuple[UnlinkedMention, ...] = ()
    replace_documents: tuple[str, ...] = ()
    replace_extractors: tuple[str, ...] = ()  # extractor names; empty means all


@dataclass(frozen=True, slots=True)
class WriteResult:
    entities_added: int = 0
    statements_added: int = 0
    statements_removed: int = 0
    evidence_added: int = 0
    evidence_removed: int = 0
    mentions_added: int = 0
    mentions_removed: int = 0


@dataclass(frozen=True, slots=True)
class Edge:
    """A statement seen from one of its ends, with its aggregate support."""

    statement: Statement
    other: Entity
    direction: str  # "out" when the anchor is the subject, "in" when it is the object
    confidence: float
    evidence_count: int
    document_count: int


@dataclass(frozen=True, slots=True)
class GraphCounts:
    nodes: Mapping[str, int]
    edges: Mapping[str, int]
    documents: int
    evidence: int = 0
    unlinked_mentions: int = 0  # not nodes of ``nodes``: they are no entities

    def as_dict(self) -> dict[str, object]:
        return {
            "nodes": dict(self.nodes),
            "edges": dict(self.edges),
            "documents": self.documents,
            "evidence": self.evidence,
            "unlinked_mentions": self.unlinked_mentions,
        }
