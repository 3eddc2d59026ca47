"""Assembly: per-document extractor output -> statements, evidence and entities to write.

Pure functions, no store access. A statement is keyed by (subject, predicate, object,
key qualifiers) (``Statement.key``); evidence is keyed by its own ``id``, so the same
sentence found twice counts once while every independent document adds a piece. The store
accumulates evidence across documents and ``kg.confidence.combine`` turns it into a
confidence in which a document counts once, however often it repeats a claim.

``assemble`` checks what extractors produce before it reaches a store: a statement whose
ends are unknown or whose types do not fit the predicate (``kg.biolink.DOMAIN_RANGE``) is
not written, and is reported in ``Assembled.rejected`` (never dropped silently), together
with its evidence.

``unlinked_mentions`` turns the recognised mentions the linker left without an entity
into ``UnlinkedMention`` records for the document's ``WriteBatch``: they stay in the graph
as mentions, with their sentence, section and recognizer, and are never given an id.

``replacement_batch`` builds the write that swaps one extractor's evidence (and unlinked
mentions) for a new model version's (``WriteBatch.replace_extractors``), leaving other
extractors' output for the same documents in place.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.base import Extraction, LinkedMention
from kg.biolink import DOMAIN_RANGE
from kg.confidence import combine
from kg.model import (
    Document,
    Entity,
    Evidence,
    LedgerEntry,
    Sentence,
    SourceKind,
    Statement,
    UnlinkedMention,
    WriteBatch,
)
from kg.store import merge_entity

# Sources whose text is a drug label: the label path reads them, their evidence is a label's.
LABEL_SOURCES = frozenset({"spl", "openfda"})


@dataclass(frozen=True, slots=True)
class Rejected:
    statement: Statement
    reason: str
    evidence: int  # how many pieces of evidence went with it


@dataclass(frozen=True, slots=True)
class Assembled:
    extraction: Extraction
    rejected: tuple[Rejected, ...] = ()


def _entity_check(st: Statement, entities: dict[str, Entity]) -> str | None:
    for end, cid in (("subject", st.subject), ("object", st.object)):
        if cid not in entities:
            return f"unknown {end} {cid}"
    domain, range_ = DOMAIN_RANGE[st.predicate]
    s_type, o_type = entities[st.subject].type, entities[st.object].type
    if s_type not in domain or o_type not in range_:
        return f"{st.predicate} cannot link {s_type} to {o_type}"
    return None


def assemble(
    document_id: str,
    outputs: Iterable[tuple[Sequence[Statement], Sequence[Evidence]]],
    *,
    mentions: Sequence[LinkedMention] = (),
    sentences: Sequence[Sentence] = (),
    entities: Iterable[Entity] = (),
    extractors: Sequence[str] = (),
) -> Assembled:
    """Merge several extractors' output for one document into one ``Extraction``.

    ``entities`` adds entities that no mention carries (a label's own drug). Evidence
    from another document, or for a statement no extractor produced, is an error in the
    caller and raises ``ValueError``.
    """
    known: dict[str, Entity] = {}
    for lm in mentions:
        if lm.entity is not None:
            known.setdefault(lm.entity.id, lm.entity)
    for ent in entities:  # given entities may bring names the mentions' copies lack
        known[ent.id] = merge_entity(known.get(ent.id), ent)
    statements: dict[str, Statement] = {}
    evidence: dict[str, Evidence] = {}
    for sts, evs in outputs:
        for st in sts:
            statements.setdefault(st.key, st)
        for ev in evs:
            if ev.document_id != document_id:
                raise ValueError(f"evidence for {ev.document_id} assembled into {document_id}")
            if ev.statement_key not in statements:
                raise ValueError(
                    f"evidence {ev.id} refers to a statement its extractor did not return"
                )
            evidence.setdefault(ev.id, ev)
    rejected: list[Rejected] = []
    for key, st in list(statements.items()):
        problem = _entity_check(st, known)
        if problem:
            del statements[key]
            n = sum(1 for ev in evidence.values() if ev.statement_key == key)
            rejected.append(Rejected(st, problem, n))
    kept_evidence = [ev for ev in evidence.values() if ev.statement_key in statements]
    used = {st.subject for st in statements.values()} | {st.object for st in statements.values()}
    linked = {lm.entity.id for lm in mentions if lm.entity is not None}
    # every linked entity is written (search finds it); statement ends are guaranteed
    ents = tuple(known[i] for i in sorted(used | linked) if i in known)
    return Assembled(
        Extraction(
            document_id=document_id,
            sentences=tuple(sentences),
            mentions=tuple(mentions),
            entities=ents,
            statements=tuple(statements.values()),
            evidence=tuple(kept_evidence),
            extractors=tuple(extractors),
        ),
        tuple(rejected),
    )


def statement_confidence(evidence: Iterable[Evidence]) -> dict[str, float]:
    """Confidence per statement key, as the store computes it from accumulated evidence."""
    by_key: dict[str, list[Evidence]] = {}
    for ev in evidence:
        by_key.setdefault(ev.statement_key, []).append(ev)
    return {k: combine(v) for k, v in by_key.items()}


def _extractor_of(tag: str, tags: Sequence[str]) -> tuple[str, str]:
    """(name, version) of a mention's ``extractor``: "ner@3" itself, or a bare name
    whose version the extraction's tags give."""
    name, sep, version = tag.partition("@")
    if not sep:
        version = next((t.partition("@")[2] for t in tags if t.partition("@")[0] == name), "")
    return name, version


def unlinked_mentions(
    document: Document,
    mentions: Sequence[LinkedMention],
    sentences: Sequence[Sentence] = (),
    *,
    extractors: Sequence[str] = (),
) -> tuple[UnlinkedMention, ...]:
    """One ``UnlinkedMention`` per recognised mention the linker left without an entity.

    The sentence is the one (of ``sentences``, else of the rule splitter every extractor
    uses) that holds the mention's start; the section is the label's LOINC code when it
    has one, else the section name. Mentions with the same span and type count once.
    """
    pending = [lm.mention for lm in mentions if lm.entity is None]
    if not pending:
        return ()
    if not sentences:
        from extractors.sentences import RuleSentenceSplitter  # pure regex, no model

        sentences = RuleSentenceSplitter().split(document)
    ordered = sorted(sentences, key=lambda s: (s.start, s.end))
    starts = [s.start for s in ordered]
    kind = SourceKind.LABEL if document.source in LABEL_SOURCES else SourceKind.LITERATURE
    out: dict[str, UnlinkedMention] = {}
    for m in pending:
        i = bisect.bisect_right(starts, m.start) - 1
        sent = ordered[i] if i >= 0 and m.start < ordered[i].end else None
        s_start, s_end = (sent.start, sent.end) if sent else (m.start, m.end)
        section = document.section_at(m.start)
        name, version = _extractor_of(m.extractor, extractors)
        um = UnlinkedMention(
            document_id=document.id,
            start=m.start,
            end=m.end,
            text=m.text,
            type=m.type,
            sentence=document.text[s_start:s_end],
            sentence_start=s_start,
            sentence_end=s_end,
            score=m.score,
            extractor=name,
            extractor_version=version,
            section=section.label if section else None,
            source_kind=kind,
        )
        out.setdefault(um.key, um)
    return tuple(out.values())


def replacement_batch(
    extractions: Sequence[Extraction],
    extractor_names: Sequence[str],
    ledger: Sequence[LedgerEntry] = (),
    documents: Sequence[Document] = (),
) -> WriteBatch:
    """A write that replaces only ``extractor_names``' evidence for these documents.

    Only those extractors' evidence (and the statements and entities it needs) is
    included; the store first removes the same extractors' earlier evidence for the
    documents, so a new model version's output replaces the old version's, and
    statements left without evidence disappear. Unlinked mentions found by those
    extractors replace the earlier ones the same way; building them needs the
    ``documents`` (``ValueError`` when one that has such mentions is missing).
    """
    names = set(extractor_names)
    entities: dict[str, Entity] = {}
    statements: dict[str, Statement] = {}
    evidence: dict[str, Evidence] = {}
    mentions: dict[str, UnlinkedMention] = {}
    docs = {d.id: d for d in documents}
    for ext in extractions:
        doc = docs.get(ext.document_id)
        if doc is not None:
            for um in unlinked_mentions(
                doc, ext.mentions, ext.sentences, extractors=ext.extractors
            ):
                if um.extractor in names:
                    mentions.setdefault(um.key, um)
        elif any(
            lm.entity is None and _extractor_of(lm.mention.extractor, ext.extractors)[0] in names
            for lm in ext.mentions
        ):
            # The store would drop the earlier mentions with nothing to replace them.
            raise ValueError(f"replacing {sorted(names)} for {ext.document_id} needs its Document")
        all_statements = {st.key: st for st in ext.statements}
        ents = {e.id: e for e in ext.entities}
        for ev in ext.evidence:
            if ev.extractor not in names:
                continue
            st = all_statements[ev.statement_key]
            statements.setdefault(st.key, st)
            evidence.setdefault(ev.id, ev)
            for cid in (st.subject, st.object):
                if cid in ents:
                    entities.setdefault(cid, ents[cid])
    return WriteBatch(
        entities=tuple(entities.values()),
        statements=tuple(statements.values()),
        evidence=tuple(evidence.values()),
        ledger=tuple(ledger),
        mentions=tuple(mentions.values()),
        replace_documents=tuple(e.document_id for e in extractions),
        replace_extractors=tuple(sorted(names)),
    )
