"""Assembly: extractor output -> statements/evidence, confidence, model-version replacement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extractors.assembly import assemble, replacement_batch, statement_confidence
from extractors.base import LinkedMention
from extractors.labels import LabelRelationExtractor
from extractors.relations.extractor import TransformerRelationExtractor
from extractors.relations.windows import split_sentences
from kg.confidence import SOURCE_WEIGHT
from kg.embedded import EmbeddedStore
from kg.model import (
    Document,
    Entity,
    EntityType,
    Evidence,
    Mention,
    Predicate,
    Sentence,
    SourceKind,
    Statement,
    WriteBatch,
)

TINY = Path(__file__).resolve().parents[1] / "assets" / "tiny-re" / "model"
ASPIRIN = Entity("MESH:D001241", EntityType.DRUG, "aspirin")
COX2 = Entity("NCBIGene:5743", EntityType.GENE, "COX-2")
STROKE = Entity("MESH:D020521", EntityType.DISEASE, "stroke")


def model_version(tmp: Path, version: str) -> Path:
    """The tiny model under another version, with "none" suppressed so pairs fire."""
    out = tmp / f"re-{version}"
    out.mkdir()
    for f in TINY.iterdir():
        shutil.copy(f, out / f.name)
    meta = json.loads((out / "labels.json").read_text())
    meta["none_bias"] = {t: -50.0 for t in meta["tasks"]}
    meta["version"] = version
    (out / "labels.json").write_text(json.dumps(meta))
    return out


def linked(text: str, items: list[tuple[str, Entity]]) -> list[LinkedMention]:
    out, pos = [], 0
    for name, ent in items:
        start = text.lower().index(name.lower(), pos)
        pos = start + 1
        out.append(
            LinkedMention(
                Mention(start, start + len(name), text[start : start + len(name)], ent.type),
                ent,
                1.0,
            )
        )
    return out


def sentences(doc: Document) -> list[Sentence]:
    return [Sentence(s, e, doc.text[s:e], "abstract") for s, e in split_sentences(doc.text)]


def ev(st: Statement, doc: str, start: int, score: float = 0.9, **kw) -> Evidence:
    return Evidence(
        st.key,
        doc,
        "s",
        start,
        start + 1,
        start,
        start + 1,
        start,
        start + 1,
        score,
        kw.pop("extractor", "re-minilm"),
        kw.pop("version", "1"),
        **kw,
    )


def test_assemble_merges_outputs_and_dedupes_evidence():
    st = Statement.make(ASPIRIN.id, Predicate.TARGETS, COX2.id, action="inhibitor")
    e = ev(st, "PMID:1", 0)
    mentions = linked(
        "aspirin COX-2 stroke", [("aspirin", ASPIRIN), ("COX-2", COX2), ("stroke", STROKE)]
    )
    out = assemble(
        "PMID:1", [([st], [e]), ([st], [e])], mentions=mentions, extractors=("re-minilm@1",)
    )
    x = out.extraction
    assert x.statements == (st,) and x.evidence == (e,)
    assert {ent.id for ent in x.entities} == {ASPIRIN.id, COX2.id, STROKE.id}
    assert out.rejected == ()


def test_ill_typed_or_dangling_statements_are_rejected_and_reported():
    wrong = Statement.make(COX2.id, Predicate.TREATS, STROKE.id)  # a gene cannot treat
    dangling = Statement.make(ASPIRIN.id, Predicate.TREATS, "MESH:D999999")
    good = Statement.make(ASPIRIN.id, Predicate.TREATS, STROKE.id)
    mentions = linked(
        "aspirin COX-2 stroke", [("aspirin", ASPIRIN), ("COX-2", COX2), ("stroke", STROKE)]
    )
    out = assemble(
        "PMID:1",
        [
            (
                [wrong, dangling, good],
                [ev(wrong, "PMID:1", 0), ev(wrong, "PMID:1", 5), ev(good, "PMID:1", 9)],
            )
        ],
        mentions=mentions,
    )
    assert out.extraction.statements == (good,)
    assert [e.statement_key for e in out.extraction.evidence] == [good.key]
    reasons = {r.statement.key: (r.reason, r.evidence) for r in out.rejected}
    assert reasons[wrong.key] == ("TREATS cannot link Gene to Disease", 2)
    assert reasons[dangling.key][0].startswith("unknown object")


def test_evidence_from_elsewhere_is_a_caller_error():
    st = Statement.make(ASPIRIN.id, Predicate.TREATS, STROKE.id)
    with pytest.raises(ValueError):
        assemble("PMID:1", [([st], [ev(st, "PMID:2", 0)])], entities=[ASPIRIN, STROKE])


def test_label_subject_enters_through_extra_entities():
    doc = Document.from_sections(
        "SPL:x@1",
        "spl",
        [("indications_and_usage", "Indicated to prevent stroke.", "34067-9")],
        metadata={"active_moieties": "ASPIRIN"},
    )
    ex = LabelRelationExtractor(lambda name, t: ASPIRIN if name.lower() == "aspirin" else None)
    mentions = linked(doc.text, [("stroke", STROKE)])
    out = assemble(
        doc.id, [ex.extract(doc, [], mentions)], mentions=mentions, entities=ex.subjects(doc)
    )
    assert [(s.subject, s.predicate, s.object) for s in out.extraction.statements] == [
        (ASPIRIN.id, Predicate.TREATS, STROKE.id)
    ]
    assert out.extraction.evidence[0].source_kind is SourceKind.LABEL


def test_independent_documents_count_more_than_repeated_sentences(tmp_path):
    ex = TransformerRelationExtractor(model_version(tmp_path, "1"))
    one = "Aspirin inhibits COX-2. Aspirin inhibits COX-2 strongly. Again aspirin inhibits COX-2."
    items = [("aspirin", ASPIRIN), ("COX-2", COX2)] * 3
    doc_a = Document("PMID:10", "text", one)
    doc_b = Document("PMID:11", "text", one)  # a second paper saying the same
    extractions = []
    for doc, its in ((doc_a, items), (doc_b, items)):
        mentions = linked(doc.text, its)
        extractions.append(
            assemble(
                doc.id, [ex.extract(doc, sentences(doc), mentions)], mentions=mentions
            ).extraction
        )
    (st,) = extractions[0].statements
    assert extractions[1].statements == (st,)  # same key from both documents
    ev_a, ev_b = extractions[0].evidence, extractions[1].evidence
    assert len(ev_a) == len(ev_b) == 3

    conf_a = statement_confidence(ev_a)[st.key]
    # three sentences of one paper weigh what its best sentence weighs
    assert conf_a == pytest.approx(
        SOURCE_WEIGHT[SourceKind.LITERATURE] * max(e.score for e in ev_a), abs=1e-6
    )
    conf_ab = statement_confidence(ev_a + ev_b)[st.key]
    w_b = SOURCE_WEIGHT[SourceKind.LITERATURE] * max(e.score for e in ev_b)
    assert conf_ab == pytest.approx(1 - (1 - conf_a) * (1 - w_b), abs=1e-6)
    assert conf_ab > conf_a

    # the store accumulates evidence across documents and agrees with the formula
    store = EmbeddedStore(tmp_path / "graph")
    try:
        for x in extractions:
            store.apply(
                WriteBatch(
                    entities=x.entities,
                    statements=x.statements,
                    evidence=x.evidence,
                    replace_documents=(x.document_id,),
                )
            )
        confidence = {s.key: c for s, c, _ in store.iter_statements()}
        assert confidence[st.key] == pytest.approx(conf_ab, abs=1e-6)
    finally:
        store.close()


def test_negated_evidence_is_kept_but_supports_nothing(tmp_path):
    ex = TransformerRelationExtractor(model_version(tmp_path, "1"))
    doc = Document("PMID:12", "text", "Aspirin did not inhibit COX-2.")
    mentions = linked(doc.text, [("Aspirin", ASPIRIN), ("COX-2", COX2)])
    x = assemble(doc.id, [ex.extract(doc, sentences(doc), mentions)], mentions=mentions).extraction
    assert [e.negated for e in x.evidence] == [True]
    assert statement_confidence(x.evidence)[x.statements[0].key] == 0.0


def test_new_model_version_replaces_only_that_extractors_evidence(tmp_path):
    text = "Aspirin inhibits COX-2. Stroke was rare in the cohort."
    doc = Document("PMID:20", "text", text)
    mentions = linked(text, [("Aspirin", ASPIRIN), ("COX-2", COX2), ("Stroke", STROKE)])
    v1 = TransformerRelationExtractor(model_version(tmp_path, "v1"))
    v2 = TransformerRelationExtractor(model_version(tmp_path, "v2"), cross_sentence=False)
    # evidence of another extractor for the same document must survive the swap
    other = Statement.make(ASPIRIN.id, Predicate.TREATS, STROKE.id)
    other_ev = ev(other, doc.id, 24, extractor="curated-rules", version="7")

    first = assemble(
        doc.id,
        [v1.extract(doc, sentences(doc), mentions), ([other], [other_ev])],
        mentions=mentions,
    ).extraction
    lit_v1 = [e for e in first.evidence if e.extractor == "re-minilm"]
    cross = {e.statement_key for e in lit_v1 if e.sentence_end - e.sentence_start > 30}
    assert cross, "v1 should relate Aspirin/COX-2 to the stroke of the next sentence"

    store = EmbeddedStore(tmp_path / "graph")
    try:
        store.apply(
            WriteBatch(
                entities=first.entities,
                statements=first.statements,
                evidence=first.evidence,
                replace_documents=(doc.id,),
            )
        )
        second = assemble(
            doc.id, [v2.extract(doc, sentences(doc), mentions)], mentions=mentions
        ).extraction
        batch = replacement_batch([second], ["re-minilm"])
        assert batch.replace_extractors == ("re-minilm",) and batch.replace_documents == (doc.id,)
        result = store.apply(batch)
        assert result.evidence_removed == len(lit_v1)

        stored = list(store.iter_evidence())
        versions = {(e.extractor, e.extractor_version) for e in stored}
        assert versions == {("re-minilm", v2.version), ("curated-rules", "7")}
        assert v2.version.startswith("v2+")  # the model's version, then the rules'
        assert other_ev.id in {e.id for e in stored}
        live = {s.key for s, _, _ in store.iter_statements()}
        # cross-sentence statements only v1 supported are gone; the other extractor's stays
        assert not (cross - {other.key}) & live
        assert other.key in live
        assert {e.statement_key for e in second.evidence} <= live

        # writing the same replacement again changes nothing
        again = store.apply(batch)
        assert again.evidence_added == 0 or again.evidence_added == again.evidence_removed
        assert {e.id for e in store.iter_evidence()} == {e.id for e in stored}
    finally:
        store.close()
