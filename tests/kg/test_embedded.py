"""Durability of the embedded store: torn writes, reopen, compaction, other readers."""

import multiprocessing as mp
import os

import pytest

from kg.embedded import EmbeddedStore
from kg.errors import StoreError
from kg.model import WriteBatch
from tests.kg.factories import ABL1, ALL, IMATINIB, KIT, evidence, targets


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
