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

``replacement_batch`` builds the write that swaps one extractor's evidence for a new
model version's (``WriteBatch.replace_extractors``), leaving other extractors' evidence
for the same documents in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.base import Extraction, LinkedMention
from kg.biolink import DOMAIN_RANGE
from kg.confidence import combine
from kg.model import Entity, Evidence, LedgerEntry, Sentence, Statement, WriteBatch


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
    for ent in entities:
        known.setdefault(ent.id, ent)
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


def replacement_batch(
    extractions: Sequence[Extraction],
    extractor_names: Sequence[str],
    ledger: Sequence[LedgerEntry] = (),
) -> WriteBatch:
    """A write that replaces only ``extractor_names``' evidence for these documents.

    Only those extractors' evidence (and the statements and entities it needs) is
    included; the store first removes the same extractors' earlier evidence for the
    documents, so a new model version's output replaces the old version's, and
    statements left without evidence disappear.
    """
    names = set(extractor_names)
    entities: dict[str, Entity] = {}
    statements: dict[str, Statement] = {}
    evidence: dict[str, Evidence] = {}
    for ext in extractions:
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
        replace_documents=tuple(e.document_id for e in extractions),
        replace_extractors=tuple(sorted(names)),
    )
