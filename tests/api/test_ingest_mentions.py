"""Ingestion keeps what the linker cannot link: as mentions, never as invented ids (both stores).

The pipeline is the real ``extractors.pipeline.ModelPipeline`` with the real sentence
splitter, the real dictionary linker and its shipped KB (models/kb); only the NER model is
replaced by a word list, so the test knows exactly what is recognised, and the relation
step finds nothing (relations are not what is tested here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from api.ingest import Ingestor, build_batch
from extractors.base import Extraction
from extractors.labels import LabelRelationExtractor
from extractors.linking.linker import DictionaryLinker
from extractors.pipeline import ModelPipeline
from extractors.sentences import RuleSentenceSplitter
from kg.model import Document, EntityType, Mention, Sentence

KB = Path(__file__).resolve().parents[2] / "models" / "kb"

# "Zorvaglimab" and "Frabnoxia" are made up: no KB has them, so the linker must give up.
WORDS = {
    "Zorvaglimab": EntityType.DRUG,
    "aspirin": EntityType.DRUG,
    "stroke": EntityType.DISEASE,
    "Frabnoxia": EntityType.DISEASE,
}


class WordRecognizer:
    """A deterministic stand-in for the NER model: tags the listed words."""

    name = "words"
    version = "1"
    tag = "words@1"

    def recognize_sentences(
        self, docs: Sequence[Document], sentences: Sequence[Sequence[Sentence]]
    ) -> list[list[Mention]]:
        out = []
        for doc in docs:
            found = []
            for word, etype in WORDS.items():
                for m in re.finditer(rf"\b{re.escape(word)}\b", doc.text, re.IGNORECASE):
                    found.append(
                        Mention(
                            m.start(), m.end(), m.group(0), etype, score=0.9, extractor=self.tag
                        )
                    )
            out.append(sorted(found, key=lambda m: m.start))
        return out


class NoRelations:
    name = "no-relations"
    version = "1"
    tag = "no-relations@1"

    def extract(self, doc, sentences, mentions):
        return [], []


@pytest.fixture(scope="module")
def linker():
    lk = DictionaryLinker(KB)
    lk.warm_up()  # load the KB once for the module (a few seconds)
    return lk


@pytest.fixture
def pipeline(linker):
    return ModelPipeline(
        splitter=RuleSentenceSplitter(),
        recognizer=WordRecognizer(),
        linker=linker,
        relations=NoRelations(),
        labels=LabelRelationExtractor(linker),
    )


def paper(text: str) -> Document:
    return Document.from_sections(
        "PMID:901", "pubmed", [("title", "A trial.", None), ("abstract", text, None)]
    )


TEXT = "Zorvaglimab reduced stroke in rats. Aspirin was given to Frabnoxia patients."


def _mentions(store) -> list[tuple[str, str, str, str | None]]:
    return [(m.text, m.type.value, m.sentence, m.section) for m in store.unlinked_mentions()]


def test_an_unlinkable_name_is_kept_as_a_mention_with_provenance(store, pipeline):
    report = Ingestor(store, pipeline).run([paper(TEXT)])
    assert report.documents_new == 1 and report.documents_failed == 0
    assert report.mentions_added == 2
    assert _mentions(store) == [
        ("Zorvaglimab", "Drug", "Zorvaglimab reduced stroke in rats.", "abstract"),
        ("Frabnoxia", "Disease", "Aspirin was given to Frabnoxia patients.", "abstract"),
    ]
    zorv = store.unlinked_mentions(text="zorvaglimab")[0]
    doc = paper(TEXT)
    assert doc.text[zorv.start : zorv.end] == "Zorvaglimab"
    assert (zorv.document_id, zorv.extractor, zorv.extractor_version) == ("PMID:901", "words", "1")
    # The linked names became entities; the unlinked ones did not, under any id.
    names = {e.name.lower() for e in store.iter_entities()}
    assert {"aspirin", "stroke"} <= names
    assert not names & {"zorvaglimab", "frabnoxia"}
    assert store.find_entities("Zorvaglimab") == [] and store.find_entities("Frabnoxia") == []
    assert store.counts().unlinked_mentions == 2


def test_reingest_adds_nothing_and_a_change_replaces_the_mentions(store, pipeline):
    Ingestor(store, pipeline).run([paper(TEXT)])
    before = sorted(store.iter_mentions(), key=lambda m: m.key)
    again = Ingestor(store, pipeline).run([paper(TEXT)])
    assert again.documents_unchanged == 1 and again.mentions_added == 0
    assert sorted(store.iter_mentions(), key=lambda m: m.key) == before

    # Replaying the same batch (as after a crash) leaves the same mentions.
    doc = paper(TEXT)
    extractions, failed = pipeline.process([doc])
    assert failed == []
    batch = build_batch([doc], extractions, pipeline.tags)
    assert len(batch.mentions) == 2
    store.apply(batch)
    store.apply(batch)
    assert sorted(store.iter_mentions(), key=lambda m: m.key) == before

    changed = Ingestor(store, pipeline).run([paper("Zorvaglimab was well tolerated.")])
    assert changed.documents_changed == 1 and changed.mentions_removed == 2
    assert _mentions(store) == [
        ("Zorvaglimab", "Drug", "Zorvaglimab was well tolerated.", "abstract")
    ]


def test_retraction_removes_the_documents_mentions(store, pipeline):
    Ingestor(store, pipeline).run([paper(TEXT)])
    retracted = Document.from_sections(
        "PMID:901",
        "pubmed",
        [("title", "A trial.", None), ("abstract", TEXT, None)],
        metadata={"status": "retracted"},
    )
    Ingestor(store, pipeline).run([retracted])
    assert store.unlinked_mentions() == [] and store.counts().unlinked_mentions == 0


def test_build_batch_skips_mentions_of_retired_documents():
    doc = Document("PMID:5", "text", "Zorvaglimab.", metadata={"status": "deleted"})
    from extractors.base import LinkedMention

    ext = Extraction(
        doc.id,
        mentions=(
            LinkedMention(Mention(0, 11, "Zorvaglimab", EntityType.DRUG, extractor="w@1"), None),
        ),
    )
    assert build_batch([doc], [ext], ("w@1",)).mentions == ()
    live = Document("PMID:5", "text", "Zorvaglimab.")
    (m,) = build_batch([live], [ext], ("w@1",)).mentions
    assert (m.text, m.sentence, m.extractor, m.extractor_version) == (
        "Zorvaglimab",
        "Zorvaglimab.",
        "w",
        "1",
    )
