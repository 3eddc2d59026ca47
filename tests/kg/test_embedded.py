"""Durability of the embedded store: torn writes, reopen, compaction, other readers."""

import multiprocessing as mp
import os

import pytest

from kg.embedded import EmbeddedStore
from kg.errors import StoreError
from kg.model import WriteBatch
from tests.kg.factories import ABL1, ALL, IMATINIB, KIT, evidence, mention, targets


def _write(path, doc):
    s = EmbeddedStore(path)
    st = targets(IMATINIB, ABL1)
    s.apply(WriteBatch(entities=ALL, statements=(st,), evidence=(evidence(st, doc),)))


def test_reopen_sees_committed_batches(tmp_path):
    _write(tmp_path, "PMID:1")
    again = EmbeddedStore(tmp_path)
    assert again.counts().edges == {"TARGETS": 1}
    assert again.counts().evidence == 1


def test_torn_last_line_is_ignored_and_cut_off(tmp_path):
    _write(tmp_path, "PMID:1")
    wal = next(tmp_path.glob("wal-*.jsonl"))
    good = wal.read_bytes()
    with wal.open("ab") as fh:  # a crash half-way through the next batch
        fh.write(b'{"entities":[{"id":"MESH:D1","type":"Drug","na')
    s = EmbeddedStore(tmp_path)
    assert s.counts().evidence == 1
    st = targets(IMATINIB, KIT)
    s.apply(WriteBatch(statements=(st,), evidence=(evidence(st, "PMID:2"),)))
    data = wal.read_bytes()
    assert data.startswith(good) and b'"na\n' not in data and b'"na{' not in data
    assert EmbeddedStore(tmp_path).counts().edges == {"TARGETS": 2}


def test_corrupt_checksum_stops_replay_there(tmp_path):
    _write(tmp_path, "PMID:1")
    wal = next(tmp_path.glob("wal-*.jsonl"))
    raw = bytearray(wal.read_bytes())
    raw[10] = ord("X") if raw[10] != ord("X") else ord("Y")
    wal.write_bytes(bytes(raw))
    assert EmbeddedStore(tmp_path).counts().evidence == 0


def test_compaction_keeps_everything(tmp_path):
    s = EmbeddedStore(tmp_path, compact_every=3)
    s.apply(WriteBatch(entities=ALL))
    for i in range(7):
        st = targets(IMATINIB, ABL1 if i % 2 else KIT)
        s.apply(WriteBatch(statements=(st,), evidence=(evidence(st, f"PMID:{i}"),)))
    assert len(list(tmp_path.glob("snapshot-*.json"))) == 1
    assert len(list(tmp_path.glob("wal-*.jsonl"))) <= 1
    reopened = EmbeddedStore(tmp_path)
    assert reopened.counts() == s.counts()
    assert reopened.counts().evidence == 7


def test_reader_in_another_process_sees_new_writes(tmp_path):
    reader = EmbeddedStore(tmp_path)
    assert reader.counts().evidence == 0
    p = mp.get_context("spawn").Process(target=_write, args=(tmp_path, "PMID:5"))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert reader.counts().evidence == 1


def test_refused_batch_writes_nothing_to_disk(tmp_path):
    s = EmbeddedStore(tmp_path)
    st = targets(IMATINIB, ABL1)
    with pytest.raises(StoreError, match="unknown subject"):
        s.apply(WriteBatch(statements=(st,), evidence=(evidence(st, "PMID:1"),)))
    wal = list(tmp_path.glob("wal-*.jsonl"))
    assert not wal or os.path.getsize(wal[0]) == 0


def test_unlinked_mentions_survive_reopen_and_compaction(tmp_path):
    s = EmbeddedStore(tmp_path, compact_every=3)
    ms = [mention(f"PMID:{i}", f"Glorpamab-{i}", start=i) for i in range(5)]
    for m in ms:
        s.apply(WriteBatch(mentions=(m,)))
    s.apply(WriteBatch(replace_documents=("PMID:0",)))  # logged after the snapshot
    assert len(list(tmp_path.glob("snapshot-*.json"))) == 1
    reopened = EmbeddedStore(tmp_path)
    assert reopened.unlinked_mentions() == ms[1:]
    assert reopened.counts() == s.counts() and reopened.counts().unlinked_mentions == 4


def test_torn_mention_batch_never_happened(tmp_path):
    s = EmbeddedStore(tmp_path)
    s.apply(WriteBatch(mentions=(mention("PMID:1", "Glorpamab"),)))
    wal = next(tmp_path.glob("wal-*.jsonl"))
    with wal.open("ab") as fh:  # a crash half-way through writing the next batch
        fh.write(b'{"entities":[],"mentions":[{"document_id":"PMID:2","sta')
    again = EmbeddedStore(tmp_path)
    assert [m.document_id for m in again.unlinked_mentions()] == ["PMID:1"]


def test_log_and_snapshot_written_before_mentions_existed_still_load(tmp_path):
    import json

    from kg.embedded import _encode_line

    st = targets(IMATINIB, ABL1)
    s = EmbeddedStore(tmp_path)
    s.apply(WriteBatch(entities=ALL, statements=(st,), evidence=(evidence(st, "PMID:1"),)))
    s.compact()
    gen = (tmp_path / "CURRENT").read_text().strip()
    snap = tmp_path / f"snapshot-{gen}.json"
    data = json.loads(snap.read_text())
    del data["mentions"]  # what an older version wrote
    snap.write_text(json.dumps(data))
    old_batch = {"entities": [], "statements": [], "evidence": [], "ledger": [],
                 "replace_documents": ["PMID:9"], "replace_extractors": []}
    (tmp_path / f"wal-{gen}.jsonl").write_bytes(_encode_line(old_batch))
    reopened = EmbeddedStore(tmp_path)
    assert reopened.counts().evidence == 1 and reopened.counts().unlinked_mentions == 0
