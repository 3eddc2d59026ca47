"""Unlinked mentions: recognised, not linked, kept as mentions with provenance, never ids."""

from __future__ import annotations

import pytest

from extractors.assembly import assemble, replacement_batch, unlinked_mentions
from extractors.base import Extraction, LinkedMention
from extractors.sentences import RuleSentenceSplitter
from kg.embedded import EmbeddedStore
from kg.model import (
    Document,
    Entity,
    EntityType,
    Mention,
    Predicate,
    SourceKind,
    Statement,
    UnlinkedMention,
    WriteBatch,
)

ASPIRIN = Entity("MESH:D001241", EntityType.DRUG, "aspirin")
STROKE = Entity("MESH:D020521", EntityType.DISEASE, "stroke")
TAGS = ("ner@3", "medkg-linker@1", "re-minilm@2")


def lm(doc: Document, name: str, etype: EntityType, entity: Entity | None, **kw) -> LinkedMention:
    start = doc.text.index(name)
    mention = Mention(start, start + len(name), name, etype, score=kw.pop("score", 0.75), **kw)
    return LinkedMention(mention, entity, 0.9 if entity else 0.0)


PAPER = Document.from_sections(
    "PMID:7",
    "pubmed",
    [
        ("title", "Glorpamab in stroke.", None),
        (
            "abstract",
            "Aspirin prevents stroke. Glorpamab caused Zebrafin syndrome in two rats.",
            None,
        ),
    ],
)


def _paper_mentions() -> list[LinkedMention]:
    return [
        lm(PAPER, "Aspirin", EntityType.DRUG, ASPIRIN, extractor="ner@3"),
        lm(PAPER, "stroke", EntityType.DISEASE, STROKE, extractor="ner@3"),
        lm(PAPER, "Glorpamab caused", EntityType.DRUG, None, extractor="ner@3", score=0.61),
        lm(PAPER, "Zebrafin syndrome", EntityType.DISEASE, None, extractor="ner@3"),
    ]


def test_each_unlinked_mention_is_kept_with_its_sentence_section_and_recognizer():
    got = unlinked_mentions(PAPER, _paper_mentions(), extractors=TAGS)
    assert [(m.text, m.type) for m in got] == [
        ("Glorpamab caused", EntityType.DRUG),
        ("Zebrafin syndrome", EntityType.DISEASE),
    ]
    glorp = got[0]
    assert PAPER.text[glorp.start : glorp.end] == "Glorpamab caused"
    assert glorp.sentence == "Glorpamab caused Zebrafin syndrome in two rats."
    assert PAPER.text[glorp.sentence_start : glorp.sentence_end] == glorp.sentence
    assert (glorp.section, glorp.source_kind) == ("abstract", SourceKind.LITERATURE)
    assert (glorp.extractor, glorp.extractor_version, glorp.score) == ("ner", "3", 0.61)
    assert glorp.document_id == "PMID:7"


def test_linked_mentions_give_none_and_nothing_is_given_an_id():
    mentions = _paper_mentions()
    assert unlinked_mentions(PAPER, mentions[:2]) == ()
    st = Statement.make(ASPIRIN.id, Predicate.TREATS, STROKE.id)
    out = assemble(PAPER.id, [([st], [])], mentions=mentions, extractors=TAGS).extraction
    # Only linked mentions become entities; the unlinked ones are no entity, under no id.
    assert {e.id for e in out.entities} == {ASPIRIN.id, STROKE.id}
    assert not {e.name for e in out.entities} & {"Glorpamab caused", "Zebrafin syndrome"}
    ums = unlinked_mentions(PAPER, out.mentions, out.sentences, extractors=out.extractors)
    assert len(ums) == 2
    assert all(not hasattr(m, "id") and not hasattr(m, "ids") for m in ums)
    assert all(isinstance(m, UnlinkedMention) for m in ums)


def test_given_sentences_and_the_splitter_agree():
    mentions = _paper_mentions()
    split = RuleSentenceSplitter().split(PAPER)
    assert unlinked_mentions(PAPER, mentions, split, extractors=TAGS) == unlinked_mentions(
        PAPER, mentions, extractors=TAGS
    )


def test_a_title_mention_has_the_title_sentence():
    (m,) = unlinked_mentions(
        PAPER, [lm(PAPER, "Glorpamab in", EntityType.DRUG, None, extractor="ner@3")]
    )
    assert (m.sentence, m.section, m.sentence_start) == ("Glorpamab in stroke.", "title", 0)


def test_label_mentions_carry_the_loinc_code_and_label_source():
    label = Document.from_sections(
        "SPL:abc@2", "spl", [("adverse_reactions", "Frobnitis was reported.", "34084-4")]
    )
    (m,) = unlinked_mentions(
        label, [lm(label, "Frobnitis", EntityType.DISEASE, None, extractor="ner")], extractors=TAGS
    )
    assert (m.section, m.source_kind) == ("34084-4", SourceKind.LABEL)
    assert (m.extractor, m.extractor_version) == ("ner", "3")  # version from the tags


def test_the_same_span_and_type_counts_once():
    twice = [lm(PAPER, "Zebrafin syndrome", EntityType.DISEASE, None, extractor="ner@3")] * 2
    assert len(unlinked_mentions(PAPER, twice)) == 1


def _extraction(doc: Document, mentions: list[LinkedMention]) -> Extraction:
    return Extraction(doc.id, mentions=tuple(mentions), extractors=TAGS)


def test_replacement_batch_swaps_the_recognizers_unlinked_mentions(tmp_path):
    store = EmbeddedStore(tmp_path / "g")
    first = _extraction(PAPER, _paper_mentions())
    old = unlinked_mentions(PAPER, first.mentions, extractors=TAGS)
    store.apply(WriteBatch(mentions=old, replace_documents=(PAPER.id,)))
    # A new NER version no longer finds "Glorpamab caused" but "Glorpamab".
    newer = [
        lm(PAPER, "Glorpamab", EntityType.DRUG, None, extractor="ner@4"),
        lm(PAPER, "Zebrafin syndrome", EntityType.DISEASE, None, extractor="ner@4"),
    ]
    batch = replacement_batch([_extraction(PAPER, newer)], ["ner"], documents=[PAPER])
    assert batch.replace_extractors == ("ner",)
    assert {m.extractor_version for m in batch.mentions} == {"4"}
    result = store.apply(batch)
    assert (result.mentions_removed, result.mentions_added) == (2, 2)  # removed, then added
    assert [(m.text, m.section, m.extractor_version) for m in store.unlinked_mentions()] == [
        ("Glorpamab", "title", "4"),
        ("Zebrafin syndrome", "abstract", "4"),
    ]
    # Replacing another extractor leaves the recognizer's mentions out of the batch.
    assert replacement_batch([_extraction(PAPER, newer)], ["re-minilm"]).mentions == ()
    assert store.count_unlinked_mentions() == 2


def test_replacing_the_recognizer_without_the_document_is_refused():
    with pytest.raises(ValueError, match="needs its Document"):
        replacement_batch([_extraction(PAPER, _paper_mentions())], ["ner"])
