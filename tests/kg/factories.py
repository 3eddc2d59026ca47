"""Small, readable builders for store tests (shared by the conformance suite)."""

from __future__ import annotations

from kg.model import (
    Entity,
    EntityType,
    Evidence,
    Predicate,
    SourceKind,
    Statement,
    UnlinkedMention,
)

IMATINIB = Entity("MESH:D000068877", EntityType.DRUG, "imatinib", ("Gleevec", "STI-571"))
ASPIRIN = Entity("MESH:D001241", EntityType.DRUG, "aspirin", ("acetylsalicylic acid",))
WARFARIN = Entity("MESH:D014859", EntityType.DRUG, "warfarin", ("Coumadin",))
ABL1 = Entity("NCBIGene:25", EntityType.GENE, "ABL1", ("ABL",))
KIT = Entity("NCBIGene:3815", EntityType.GENE, "KIT", ("CD117",))
CML = Entity(
    "MESH:D015464", EntityType.DISEASE, "Leukemia, Myelogenous, Chronic, BCR-ABL Positive", ("CML",)
)
GIST = Entity("MESH:D046152", EntityType.DISEASE, "Gastrointestinal Stromal Tumors", ("GIST",))
BLEEDING = Entity("MESH:D006470", EntityType.DISEASE, "Hemorrhage", ("bleeding",))
ALL = (IMATINIB, ASPIRIN, WARFARIN, ABL1, KIT, CML, GIST, BLEEDING)


def evidence(
    st: Statement,
    doc: str,
    *,
    start: int = 0,
    score: float = 0.9,
    extractor: str = "test-re",
    version: str = "1",
    kind: SourceKind = SourceKind.LITERATURE,
    negated: bool = False,
    section: str | None = "abstract",
) -> Evidence:
    sentence = f"sentence {start} of {doc} about {st.predicate.value.lower()}"
    return Evidence(
        statement_key=st.key,
        document_id=doc,
        sentence=sentence,
        sentence_start=start,
        sentence_end=start + len(sentence),
        subject_start=start,
        subject_end=start + 3,
        object_start=start + 5,
        object_end=start + 8,
        score=score,
        extractor=extractor,
        extractor_version=version,
        section=section,
        source_kind=kind,
        negated=negated,
    )


def targets(drug: Entity, gene: Entity, action: str = "inhibitor") -> Statement:
    return Statement.make(drug.id, Predicate.TARGETS, gene.id, action=action)


def treats(drug: Entity, disease: Entity) -> Statement:
    return Statement.make(drug.id, Predicate.TREATS, disease.id)


def mention(
    doc: str,
    text: str,
    etype: EntityType = EntityType.DRUG,
    *,
    start: int = 0,
    extractor: str = "ner",
    version: str = "1",
    score: float = 0.8,
    section: str | None = "abstract",
    kind: SourceKind = SourceKind.LITERATURE,
) -> UnlinkedMention:
    """An unlinked mention of ``text`` at ``start`` in a sentence that starts there too."""
    sentence = f"{text} was given in {doc}."
    return UnlinkedMention(
        document_id=doc,
        start=start,
        end=start + len(text),
        text=text,
        type=etype,
        sentence=sentence,
        sentence_start=start,
        sentence_end=start + len(sentence),
        score=score,
        extractor=extractor,
        extractor_version=version,
        section=section,
        source_kind=kind,
    )
