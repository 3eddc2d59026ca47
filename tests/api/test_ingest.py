"""The ingestion service: ledger skips, replacement, retirement, failures, retries.

The pipeline here is a small deterministic co-occurrence extractor so that the
tests exercise the ingestor itself; the real models are tested in tests/extractors.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from api.ingest import Ingestor, apply_with_retry, build_batch
from extractors.base import Extraction, Failure
from kg.errors import StoreUnavailableError
from kg.model import Document, Entity, EntityType, Evidence, Predicate, Statement, WriteBatch

DRUGS = {"imatinib": "MESH:D000068877", "aspirin": "MESH:D001241"}
DISEASES = {"leukemia": "MESH:D007938", "pain": "MESH:D010146"}


class CooccurrencePipeline:
    """drug and disease named in one sentence → TREATS, one evidence per sentence."""

    def __init__(self, version: str = "1", fail_on: str | None = None) -> None:
        self.version = version
        self.fail_on = fail_on
        self.calls = 0

    @property
    def tags(self):
        return (f"cooc@{self.version}",)

    def process(self, docs):
        out, failed = [], []
        for doc in docs:
            self.calls += 1
            if self.fail_on and self.fail_on in doc.text:
                failed.append(Failure(doc.id, "cooc", "poisoned document"))
                continue
            ents, sts, evs = {}, {}, []
            for m in re.finditer(r"[^.]+\.?", doc.text):
                sent = m.group(0)
                low = sent.lower()
                for dname, did in DRUGS.items():
                    for sname, sid in DISEASES.items():
                        if dname in low and sname in low:
                            ents[did] = Entity(did, EntityType.DRUG, dname)
                            ents[sid] = Entity(sid, EntityType.DISEASE, sname)
                            st = Statement.make(did, Predicate.TREATS, sid)
                            sts[st.key] = st
                            i, j = low.index(dname), low.index(sname)
                            evs.append(
                                Evidence(st.key, doc.id, sent, m.start(), m.end(),
                                         m.start() + i, m.start() + i + len(dname),
                                         m.start() + j, m.start() + j + len(sname),
                                         0.9, "cooc", self.version)
                            )
            out.append(Extraction(doc.id, entities=tuple(ents.values()),
                                  statements=tuple(sts.values()), evidence=tuple(evs),
                                  extractors=self.tags))
        return out, failed


def doc(n: int, text: str, **meta) -> Document:
    return Document.from_sections(f"PMID:{n}", "pubmed", [("abstract", text, None)], metadata=meta)


CORPUS = [
    doc(1, "Imatinib treats leukemia. Aspirin relieves pain."),
    doc(2, "Aspirin for pain was studied."),
    doc(3, "Nothing relevant here."),
]


@pytest.fixture
def emb(tmp_path):
    from kg.embedded import EmbeddedStore

    return EmbeddedStore(tmp_path / "g")


def snapshot(store):
    return (
        sorted(e.id for e in store.iter_entities()),
        sorted(st.key for st, _, _ in store.iter_statements()),
        sorted(e.id for e in store.iter_evidence()),
    )


def test_second_run_does_no_model_work_and_writes_nothing(emb):
    p = CooccurrencePipeline()
    first = Ingestor(emb, p).run(CORPUS)
    assert (first.documents_new, first.statements_added, first.evidence_added) == (3, 2, 3)
    before, calls = snapshot(emb), p.calls
    second = Ingestor(emb, p).run(CORPUS)
    assert second.documents_unchanged == 3 and second.batches == 0
    assert p.calls == calls and snapshot(emb) == before


def test_changed_document_replaces_only_its_evidence(emb):
    p = CooccurrencePipeline()
    Ingestor(emb, p).run(CORPUS)
    changed = [CORPUS[0], doc(2, "Aspirin did nothing."), CORPUS[2]]
    report = Ingestor(emb, p).run(changed)
    assert (report.documents_changed, report.documents_unchanged) == (1, 2)
    assert report.evidence_removed == 1 and report.statements_removed == 0
    docs = {e.document_id for e in emb.iter_evidence()}
    assert docs == {"PMID:1"}


def test_statement_left_without_evidence_disappears(emb):
    p = CooccurrencePipeline()
    Ingestor(emb, p).run(CORPUS)
    Ingestor(emb, p).run([doc(1, "Imatinib treats leukemia."), doc(2, "Nothing.")])
    assert emb.counts().edges == {"TREATS": 1}


def test_retraction_removes_evidence_and_is_recorded(emb):
    p = CooccurrencePipeline()
    Ingestor(emb, p).run(CORPUS)
    retracted = replace(CORPUS[0], metadata={"status": "retracted"})
    report = Ingestor(emb, p).run([retracted])
    assert report.documents_retired == 1
    assert emb.ledger(["PMID:1"])["PMID:1"].status == "retracted"
    assert all(e.document_id != "PMID:1" for e in emb.iter_evidence())


def test_new_extractor_version_reprocesses_everything(emb):
    Ingestor(emb, CooccurrencePipeline("1")).run(CORPUS)
    report = Ingestor(emb, CooccurrencePipeline("2")).run(CORPUS)
    assert report.documents_changed == 3
    assert {e.extractor_version for e in emb.iter_evidence()} == {"2"}


def test_failed_document_is_reported_and_retried_next_time(emb):
    bad = CooccurrencePipeline(fail_on="Nothing relevant")
    report = Ingestor(emb, bad, batch_size=2).run(CORPUS)
    assert report.documents_failed == 1
    assert report.failed == [{"source": "cooc", "record": "PMID:3", "error": "poisoned document"}]
    assert set(emb.ledger(["PMID:1", "PMID:2", "PMID:3"])) == {"PMID:1", "PMID:2"}
    again = Ingestor(emb, CooccurrencePipeline()).run(CORPUS)
    assert again.documents_new == 1 and again.documents_unchanged == 2


def test_loader_errors_are_reported_not_fatal(emb):
    from kg.errors import MalformedRecordError

    items = [CORPUS[0], MalformedRecordError("x.xml", "PMID:9", "truncated"), CORPUS[1]]
    report = Ingestor(emb, CooccurrencePipeline()).run(items)
    assert report.documents_new == 2
    assert report.failed[0]["record"] == "PMID:9" and "truncated" in report.failed[0]["error"]


def test_duplicate_document_in_one_stream_is_written_once(emb):
    report = Ingestor(emb, CooccurrencePipeline()).run([CORPUS[1], CORPUS[1]])
    assert report.documents_new == 1 and emb.counts().evidence == 1


class FlakyStore:
    """The real store behind a connection that drops for the first few calls."""

    def __init__(self, inner, failures: int) -> None:
        self.inner, self.failures = inner, failures

    def apply(self, batch):
        if self.failures:
            self.failures -= 1
            raise StoreUnavailableError("connection refused")
        return self.inner.apply(batch)


def test_retry_with_backoff_then_success(emb):
    sleeps = []
    flaky = FlakyStore(emb, failures=3)
    apply_with_retry(flaky, WriteBatch(), give_up_after=10, sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_gives_up_with_a_clear_message(emb):
    flaky = FlakyStore(emb, failures=100)
    with pytest.raises(StoreUnavailableError, match="still unreachable"):
        apply_with_retry(flaky, WriteBatch(), give_up_after=3, sleep=lambda s: None)


def test_build_batch_keeps_ledger_with_statements():
    p = CooccurrencePipeline()
    exts, _ = p.process(CORPUS)
    batch = build_batch(CORPUS, exts, p.tags)
    assert [e.document_id for e in batch.ledger] == ["PMID:1", "PMID:2", "PMID:3"]
    assert batch.replace_documents == ("PMID:1", "PMID:2", "PMID:3")
    assert len(batch.statements) == 2  # the aspirin-pain statement appears twice, kept once
