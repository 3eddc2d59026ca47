"""The store port: the narrow interface every graph store adapter implements.

Semantics shared by every adapter (and checked by tests/kg/test_store_conformance.py):

* ``apply`` is atomic and idempotent. It first removes the evidence of
  ``batch.replace_documents`` (only that of ``replace_extractors`` when given),
  then upserts entities, statements, evidence and ledger entries, then deletes
  statements left without evidence. Writing the same batch twice changes nothing.
* Entity upserts merge: synonyms and xrefs are unioned, a non-empty name wins
  over an empty one, the first non-empty name is kept.
* A statement whose subject or object is unknown, or whose types do not fit the
  predicate (``kg.biolink.DOMAIN_RANGE``), is refused with ``StoreError`` before
  anything is written.
* Neighbour lists are ordered by confidence (descending), then the other end's
  id, so that offset pagination is stable.
* Unlinked mentions (``batch.mentions``: recognised, but the linker found no entity)
  are kept per document under ``UnlinkedMention.key`` (document, span, type). The
  replacement step removes a document's earlier mentions exactly as it removes its
  evidence (only those whose ``extractor`` is in ``replace_extractors``, when given);
  writing the same mention again changes nothing. They are never entities: no id, no
  node that ``get_entities``, ``find_entities``, ``neighbours`` or ``iter_entities``
  return, no statements. ``unlinked_mentions`` filters by a normalised substring of the
  text (``normalise_name``), a type and a document, and lists them ordered by document,
  start, end, type, key, so that offset pagination is stable.
* ``document_evidence`` lists one document's evidence with the statement each supports,
  in text order (``document_evidence_order``: sentence, subject and object start, then
  statement key and evidence id), so that offset pagination is stable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from kg.biolink import DOMAIN_RANGE
from kg.errors import StoreError
from kg.model import (
    Edge,
    Entity,
    EntityType,
    Evidence,
    GraphCounts,
    LedgerEntry,
    Predicate,
    Statement,
    UnlinkedMention,
    WriteBatch,
    WriteResult,
)

DIRECTIONS = ("out", "in", "both")


@runtime_checkable
class GraphStore(Protocol):
    def apply(self, batch: WriteBatch) -> WriteResult: ...

    def get_entities(self, ids: Sequence[str]) -> dict[str, Entity]: ...

    def find_entities(
        self, text: str, types: Sequence[EntityType] | None = None, limit: int = 10
    ) -> list[Entity]: ...

    def neighbours(
        self,
        entity_ids: Sequence[str],
        *,
        predicates: Sequence[Predicate] | None = None,
        direction: str = "both",
        other_types: Sequence[EntityType] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> dict[str, list[Edge]]: ...

    def count_neighbours(
        self,
        entity_ids: Sequence[str],
        *,
        predicates: Sequence[Predicate] | None = None,
        direction: str = "both",
        other_types: Sequence[EntityType] | None = None,
    ) -> dict[str, int]: ...

    def evidence(
        self, statement_keys: Sequence[str], limit: int | None = None
    ) -> dict[str, list[Evidence]]: ...

    def document_evidence(
        self, document_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[tuple[Statement, Evidence]]: ...

    def count_document_evidence(self, document_id: str) -> int: ...

    def ledger(self, document_ids: Sequence[str]) -> dict[str, LedgerEntry]: ...

    def iter_ledger(self) -> Iterator[LedgerEntry]: ...

    def iter_entities(self) -> Iterator[Entity]: ...

    def iter_statements(self) -> Iterator[tuple[Statement, float, int]]: ...

    def iter_evidence(self) -> Iterator[Evidence]: ...

    def unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[UnlinkedMention]: ...

    def count_unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
    ) -> int: ...

    def iter_mentions(self) -> Iterator[UnlinkedMention]: ...

    def counts(self) -> GraphCounts: ...

    def ping(self) -> None: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


def check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")


def validate_batch(batch: WriteBatch, known: Mapping[str, Entity]) -> None:
    """Refuse a batch that would write dangling or ill-typed statements.

    ``known`` maps ids to entities already stored or in the batch.
    """
    keys = {s.key for s in batch.statements}
    for st in batch.statements:
        for end, ids in (("subject", st.subject), ("object", st.object)):
            if ids not in known:
                raise StoreError(f"statement {st.predicate} refers to unknown {end} {ids!r}")
        domain, range_ = DOMAIN_RANGE[st.predicate]
        s_type, o_type = known[st.subject].type, known[st.object].type
        if s_type not in domain or o_type not in range_:
            raise StoreError(
                f"{st.predicate} cannot link {s_type} {st.subject!r} to {o_type} {st.object!r}"
            )
    for ev in batch.evidence:
        if ev.statement_key not in keys:
            raise StoreError(
                f"evidence from {ev.document_id} refers to statement {ev.statement_key} "
                "that is not in the batch"
            )


def merge_entity(old: Entity | None, new: Entity) -> Entity:
    if old is None:
        old = Entity(new.id, new.type, "")  # a new entity: its own lists, sorted and deduplicated
    return Entity(
        id=old.id,
        type=old.type,
        name=old.name or new.name,
        synonyms=tuple(sorted(set(old.synonyms) | set(new.synonyms))),
        xrefs=tuple(sorted(set(old.xrefs) | set(new.xrefs))),
        broader=tuple(sorted(set(old.broader) | set(new.broader))),
    )


def normalise_name(text: str) -> str:
    return " ".join(text.casefold().split())


def mention_query(text: str | None) -> str | None:
    """The ``unlinked_mentions`` text filter as both adapters apply it (None: no filter)."""
    q = normalise_name(text) if text is not None else ""
    return q or None


def document_evidence_order(ev: Evidence, evidence_id: str) -> tuple[int, int, int, str, str]:
    return (ev.sentence_start, ev.subject_start, ev.object_start, ev.statement_key, evidence_id)


def mention_order(m: UnlinkedMention) -> tuple[str, int, int, str, str]:
    """The one order of ``unlinked_mentions`` in every adapter."""
    return (m.document_id, m.start, m.end, EntityType(m.type).value, m.key)


def search_names(e: Entity) -> list[str]:
    """What ``find_entities`` matches against, in every adapter: name, synonyms, id and the
    entity's other ids (``Entity.aliases``: "DRUGBANK:DB00619" finds imatinib)."""
    names = {normalise_name(e.name), e.id.casefold()}
    names.update(normalise_name(s) for s in e.synonyms)
    names.update(x.casefold() for x in e.aliases)
    return sorted(names)
