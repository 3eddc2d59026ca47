"""The embedded store: networkx in memory, made durable by a write-ahead log.

On disk (one directory)::

    CURRENT              the live generation number, replaced atomically
    snapshot-<gen>.json  the whole graph at the start of that generation
    wal-<gen>.jsonl      one line per committed batch: <json>\t<crc32>
    LOCK                 flock'd by a writer for the duration of a batch

A batch is committed when its log line is fsync'd. A crash mid-write leaves a
torn last line whose checksum fails; it is ignored (and cut off by the next
writer), so the batch simply never happened. Readers in other processes (the
API while ingestion runs) notice the log growing and replay the new lines.
"""

from __future__ import annotations

import bisect
import fcntl
import json
import os
import threading
import zlib
from collections import ChainMap, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import networkx as nx

from kg.confidence import combine
from kg.errors import StoreUnavailableError
from kg.model import (
    Edge,
    Entity,
    EntityType,
    Evidence,
    GraphCounts,
    LedgerEntry,
    Predicate,
    SourceKind,
    Statement,
    UnlinkedMention,
    WriteBatch,
    WriteResult,
)
from kg.store import (
    check_direction,
    document_evidence_order,
    mention_order,
    mention_query,
    merge_entity,
    normalise_name,
    search_names,
    validate_batch,
)

COMPACT_EVERY = 200  # batches per log generation before a new snapshot is written


def _entity_from(d: dict[str, Any]) -> Entity:
    return Entity(
        d["id"],
        EntityType(d["type"]),
        d["name"],
        tuple(d["synonyms"]),
        tuple(d["xrefs"]),
        tuple(d.get("broader", ())),  # absent from stores written before the field
    )


def _statement_from(d: dict[str, Any]) -> Statement:
    return Statement(
        d["subject"],
        Predicate(d["predicate"]),
        d["object"],
        tuple((k, v) for k, v in d["qualifiers"]),
    )


def _evidence_from(d: dict[str, Any]) -> Evidence:
    d = dict(d)
    d["source_kind"] = SourceKind(d["source_kind"])
    return Evidence(**d)


def _mention_from(d: dict[str, Any]) -> UnlinkedMention:
    d = dict(d)
    d["type"] = EntityType(d["type"])
    d["source_kind"] = SourceKind(d["source_kind"])
    return UnlinkedMention(**d)


def _ledger_from(d: dict[str, Any]) -> LedgerEntry:
    d = dict(d)
    d["extractors"] = tuple(d["extractors"])
    return LedgerEntry(**d)


def _batch_to_json(batch: WriteBatch) -> dict[str, Any]:
    return {
        "entities": [asdict(e) for e in batch.entities],
        "statements": [asdict(s) for s in batch.statements],
        "evidence": [asdict(e) for e in batch.evidence],
        "ledger": [asdict(entry) for entry in batch.ledger],
        "mentions": [asdict(m) for m in batch.mentions],
        "replace_documents": list(batch.replace_documents),
        "replace_extractors": list(batch.replace_extractors),
    }


def _batch_from_json(d: dict[str, Any]) -> WriteBatch:
    return WriteBatch(
        entities=tuple(_entity_from(e) for e in d["entities"]),
        statements=tuple(_statement_from(s) for s in d["statements"]),
        evidence=tuple(_evidence_from(e) for e in d["evidence"]),
        ledger=tuple(_ledger_from(x) for x in d["ledger"]),
        # Logs written before mentions were kept have none.
        mentions=tuple(_mention_from(m) for m in d.get("mentions", ())),
        replace_documents=tuple(d["replace_documents"]),
        replace_extractors=tuple(d["replace_extractors"]),
    )


def _encode_line(payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return body + b"\t" + str(zlib.crc32(body)).encode("ascii") + b"\n"


def _decode_line(line: bytes) -> dict[str, Any] | None:
    """None for a torn or corrupt line (a batch that never committed)."""
    if not line.endswith(b"\n"):
        return None
    body, sep, crc = line[:-1].rpartition(b"\t")
    if not sep or not crc.isdigit() or zlib.crc32(body) != int(crc):
        return None
    return json.loads(body)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Graph:
    """The in-memory state; pure bookkeeping, no I/O."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.statements: dict[str, Statement] = {}
        self.evidence: dict[str, dict[str, Evidence]] = defaultdict(dict)
        self.doc_evidence: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.ledger: dict[str, LedgerEntry] = {}
        self.mentions: dict[str, UnlinkedMention] = {}
        self.doc_mentions: dict[str, set[str]] = defaultdict(set)
        # (normalised text, mention) in mention_order, rebuilt lazily after a change
        self._mention_list: list[tuple[str, UnlinkedMention]] | None = None
        self.support: dict[str, tuple[float, int, int]] = {}
        self.graph = nx.MultiDiGraph()
        self._names: list[tuple[str, str]] | None = None  # sorted (name, id), rebuilt lazily
        # trigram -> positions in ``names()``: a substring search that matches nothing
        # must not scan every name (rebuilt with the names)
        self._trigrams: dict[str, list[int]] | None = None

    def apply(self, batch: WriteBatch) -> WriteResult:
        """Apply an already validated batch."""
        touched: set[str] = set()
        ev_removed = 0
        replace = set(batch.replace_extractors)
        for doc in batch.replace_documents:
            keep: set[tuple[str, str]] = set()
            for skey, eid in self.doc_evidence.get(doc, ()):
                ev = self.evidence[skey].get(eid)
                if ev is None:
                    continue
                if replace and ev.extractor not in replace:
                    keep.add((skey, eid))
                    continue
                del self.evidence[skey][eid]
                touched.add(skey)
                ev_removed += 1
            if keep:
                self.doc_evidence[doc] = keep
            else:
                self.doc_evidence.pop(doc, None)

        m_removed = 0
        for doc in batch.replace_documents:
            kept: set[str] = set()
            for key in self.doc_mentions.pop(doc, ()):
                if replace and self.mentions[key].extractor not in replace:
                    kept.add(key)
                    continue
                del self.mentions[key]
                m_removed += 1
            if kept:
                self.doc_mentions[doc] = kept
        if m_removed:
            self._mention_list = None

        ent_added = 0
        for e in batch.entities:
            if e.id not in self.entities:
                ent_added += 1
                self.graph.add_node(e.id)
                self._names = None
            merged = merge_entity(self.entities.get(e.id), e)
            if merged != self.entities.get(e.id):
                self._names = None
            self.entities[e.id] = merged

        st_added = 0
        for st in batch.statements:
            if st.key not in self.statements:
                self.statements[st.key] = st
                self.graph.add_edge(st.subject, st.object, key=st.key)
                st_added += 1
            touched.add(st.key)

        ev_added = 0
        for ev in batch.evidence:
            eid = ev.id
            bucket = self.evidence[ev.statement_key]
            if eid not in bucket:
                ev_added += 1
            bucket[eid] = ev
            self.doc_evidence[ev.document_id].add((ev.statement_key, eid))
            touched.add(ev.statement_key)

        for entry in batch.ledger:
            self.ledger[entry.document_id] = entry

        m_added = 0
        for m in batch.mentions:
            key = m.key
            old = self.mentions.get(key)
            if old is None:
                m_added += 1
            if old != m:
                self.mentions[key] = m
                self.doc_mentions[m.document_id].add(key)
                self._mention_list = None

        st_removed = 0
        for key in touched:
            bucket = self.evidence.get(key)
            if not bucket:
                self.evidence.pop(key, None)
                st = self.statements.pop(key, None)
                self.support.pop(key, None)
                if st is not None:
                    self.graph.remove_edge(st.subject, st.object, key=key)
                    st_removed += 1
                continue
            evs = bucket.values()
            self.support[key] = (
                combine(evs),
                len(bucket),
                len({e.document_id for e in evs}),
            )
        return WriteResult(ent_added, st_added, st_removed, ev_added, ev_removed, m_added, m_removed)

    def mention_list(self) -> list[tuple[str, UnlinkedMention]]:
        if self._mention_list is None:
            self._mention_list = [
                (normalise_name(m.text), m)
                for m in sorted(self.mentions.values(), key=mention_order)
            ]
        return self._mention_list

    def names(self) -> list[tuple[str, str]]:
        if self._names is None:
            self._names = sorted(
                (name, e.id) for e in self.entities.values() for name in search_names(e)
            )
            self._trigrams = None
        return self._names

    def names_containing(self, q: str) -> Iterator[tuple[str, str]]:
        """(name, id) of every name with ``q`` inside, through the trigram index."""
        names = self.names()
        if len(q) < 3:
            yield from ((n, eid) for n, eid in names if q in n)
            return
        if self._trigrams is None:
            index: dict[str, list[int]] = defaultdict(list)
            for i, (name, _eid) in enumerate(names):
                for g in {name[j : j + 3] for j in range(len(name) - 2)}:
                    index[g].append(i)
            self._trigrams = dict(index)
        postings = sorted(
            (self._trigrams.get(q[j : j + 3], []) for j in range(len(q) - 2)), key=len
        )
        if not postings[0]:
            return
        candidates = set(postings[0]).intersection(*postings[1:])
        for i in sorted(candidates):
            if q in names[i][0]:
                yield names[i]

    def to_json(self) -> dict[str, Any]:
        return {
            "entities": [asdict(e) for e in self.entities.values()],
            "statements": [asdict(s) for s in self.statements.values()],
            "evidence": [asdict(e) for b in self.evidence.values() for e in b.values()],
            "ledger": [asdict(x) for x in self.ledger.values()],
            "mentions": [asdict(m) for m in self.mentions.values()],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> _Graph:
        g = cls()
        g.apply(
            WriteBatch(
                entities=tuple(_entity_from(e) for e in d["entities"]),
                statements=tuple(_statement_from(s) for s in d["statements"]),
                evidence=tuple(_evidence_from(e) for e in d["evidence"]),
                ledger=tuple(_ledger_from(x) for x in d["ledger"]),
                mentions=tuple(_mention_from(m) for m in d.get("mentions", ())),
            )
        )
        return g


class EmbeddedStore:
    """A ``GraphStore`` kept in one directory; safe for one writer and many readers."""

    def __init__(self, path: str | os.PathLike[str], *, compact_every: int = COMPACT_EVERY) -> None:
        self.path = Path(path)
        self.compact_every = compact_every
        self._lock = threading.RLock()
        self._g = _Graph()
        self._gen = -1
        self._wal_pos = 0
        self._wal_lines = 0
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"cannot create store directory {self.path}: {exc}") from exc
        self._refresh()

    # -- durability ---------------------------------------------------------

    def _current_gen(self) -> int:
        try:
            return int((self.path / "CURRENT").read_text().strip())
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            raise StoreUnavailableError(f"{self.path}/CURRENT is unreadable: {exc}") from exc

    def _refresh(self) -> None:
        """Catch up with what other processes committed since we last looked."""
        with self._lock:
            gen = self._current_gen()
            if gen != self._gen:
                snap = self.path / f"snapshot-{gen}.json"
                if snap.exists():
                    self._g = _Graph.from_json(json.loads(snap.read_bytes()))
                else:
                    self._g = _Graph()
                self._gen, self._wal_pos, self._wal_lines = gen, 0, 0
            wal = self.path / f"wal-{gen}.jsonl"
            try:
                size = wal.stat().st_size
            except FileNotFoundError:
                return
            if size <= self._wal_pos:
                return
            with wal.open("rb") as fh:
                fh.seek(self._wal_pos)
                while True:
                    line = fh.readline()
                    if not line:
                        break
                    payload = _decode_line(line)
                    if payload is None:
                        break  # torn tail: never committed
                    self._g.apply(_batch_from_json(payload))
                    self._wal_pos += len(line)
                    self._wal_lines += 1

    @contextmanager
    def _writer(self) -> Iterator[None]:
        with self._lock, open(self.path / "LOCK", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._refresh()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _append(self, payload: dict[str, Any]) -> None:
        wal = self.path / f"wal-{self._gen}.jsonl"
        line = _encode_line(payload)
        with open(wal, "ab") as fh:
            # Cut off a torn tail left by a crashed writer before appending.
            if fh.tell() != self._wal_pos:
                fh.truncate(self._wal_pos)
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self._wal_pos += len(line)
        self._wal_lines += 1

    def _compact(self) -> None:
        new = self._gen + 1
        snap = self.path / f"snapshot-{new}.json"
        tmp = snap.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(json.dumps(self._g.to_json(), separators=(",", ":")).encode("ascii"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, snap)
        cur_tmp = self.path / "CURRENT.tmp"
        cur_tmp.write_text(str(new))
        with open(cur_tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(cur_tmp, self.path / "CURRENT")
        _fsync_dir(self.path)
        old = self._gen
        self._gen, self._wal_pos, self._wal_lines = new, 0, 0
        for stale in (self.path / f"snapshot-{old}.json", self.path / f"wal-{old}.jsonl"):
            stale.unlink(missing_ok=True)

    # -- writes ---------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> WriteResult:
        with self._writer():
            # Validate before anything is written, so a refused batch leaves no trace:
            # the batch's merged entities over the stored ones, without copying the store.
            merged: dict[str, Entity] = {}
            for e in batch.entities:
                merged[e.id] = merge_entity(merged.get(e.id) or self._g.entities.get(e.id), e)
            validate_batch(batch, ChainMap(merged, self._g.entities))
            try:
                self._append(_batch_to_json(batch))
            except OSError as exc:
                raise StoreUnavailableError(f"cannot write to {self.path}: {exc}") from exc
            result = self._g.apply(batch)
            if self._wal_lines >= self.compact_every:
                self._compact()
            return result

    def clear(self) -> None:
        with self._writer():
            self._g = _Graph()
            self._compact()

    def compact(self) -> None:
        with self._writer():
            self._compact()

    # -- reads ----------------------------------------------------------------

    def get_entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        self._refresh()
        ents = self._g.entities
        return {i: ents[i] for i in ids if i in ents}

    def find_entities(
        self, text: str, types: Sequence[EntityType] | None = None, limit: int = 10
    ) -> list[Entity]:
        self._refresh()
        q = normalise_name(text)
        if not q:
            return []
        wanted = set(types) if types else None
        names = self._g.names()
        ranked: dict[str, int] = {}
        # Exact and prefix matches come from the sorted index; substrings by scan.
        i = bisect.bisect_left(names, (q, ""))
        while i < len(names) and names[i][0].startswith(q):
            name, eid = names[i]
            rank = 0 if name == q else 1
            ranked[eid] = min(rank, ranked.get(eid, 9))
            i += 1
        if len(ranked) < limit:
            for _name, eid in self._g.names_containing(q):
                ranked.setdefault(eid, 2)
        out = []
        for eid, _rank in sorted(ranked.items(), key=lambda kv: (kv[1], kv[0])):
            ent = self._g.entities[eid]
            if wanted is None or ent.type in wanted:
                out.append(ent)
                if len(out) >= limit:
                    break
        return out

    def _matching(
        self,
        eid: str,
        predicates: Sequence[Predicate] | None,
        direction: str,
        other_types: Sequence[EntityType] | None,
    ) -> Iterator[tuple[str, str, str]]:
        """(side, other id, statement key) of each edge of ``eid`` that passes the filters."""
        g = self._g
        if eid not in g.graph:
            return
        preds = set(predicates) if predicates else None
        types = set(other_types) if other_types else None
        views = []
        if direction in ("out", "both"):
            views.append(("out", g.graph.out_edges(eid, keys=True)))
        if direction in ("in", "both"):
            views.append(("in", g.graph.in_edges(eid, keys=True)))
        for side, view in views:
            for u, v, key in view:
                if preds is not None and g.statements[key].predicate not in preds:
                    continue
                other = v if side == "out" else u
                if types is not None and g.entities[other].type not in types:
                    continue
                if side == "in" and u == v and direction == "both":
                    continue  # a self-loop was already listed as "out"
                yield side, other, key

    def _edges(
        self,
        eid: str,
        predicates: Sequence[Predicate] | None,
        direction: str,
        other_types: Sequence[EntityType] | None,
    ) -> list[Edge]:
        g = self._g
        edges = []
        for side, other, key in self._matching(eid, predicates, direction, other_types):
            conf, n_ev, n_doc = g.support[key]
            edges.append(Edge(g.statements[key], g.entities[other], side, conf, n_ev, n_doc))
        edges.sort(key=lambda e: (-e.confidence, e.other.id, e.statement.key))
        return edges

    def neighbours(
        self,
        entity_ids: Sequence[str],
        *,
        predicates: Sequence[Predicate] | None = None,
        direction: str = "both",
        other_types: Sequence[EntityType] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> dict[str, list[Edge]]:
        check_direction(direction)
        self._refresh()
        with self._lock:
            out = {}
            for eid in entity_ids:
                edges = self._edges(eid, predicates, direction, other_types)
                end = None if limit is None else offset + limit
                out[eid] = edges[offset:end]
            return out

    def count_neighbours(
        self,
        entity_ids: Sequence[str],
        *,
        predicates: Sequence[Predicate] | None = None,
        direction: str = "both",
        other_types: Sequence[EntityType] | None = None,
    ) -> dict[str, int]:
        check_direction(direction)
        self._refresh()
        with self._lock:
            return {
                eid: sum(1 for _ in self._matching(eid, predicates, direction, other_types))
                for eid in entity_ids
            }

    def evidence(
        self, statement_keys: Sequence[str], limit: int | None = None
    ) -> dict[str, list[Evidence]]:
        self._refresh()
        with self._lock:
            out = {}
            for key in statement_keys:
                evs = sorted(
                    self._g.evidence.get(key, {}).values(),
                    key=lambda e: (-e.score, e.document_id, e.sentence_start, e.id),
                )
                out[key] = evs if limit is None else evs[:limit]
            return out

    def _document_evidence(self, document_id: str) -> list[tuple[str, str]]:
        g = self._g
        pairs = [
            (k, i) for k, i in g.doc_evidence.get(document_id, ()) if i in g.evidence.get(k, {})
        ]
        return sorted(pairs, key=lambda p: document_evidence_order(g.evidence[p[0]][p[1]], p[1]))

    def document_evidence(
        self, document_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[tuple[Statement, Evidence]]:
        self._refresh()
        with self._lock:
            g = self._g
            pairs = self._document_evidence(document_id)[max(0, offset) :][: max(0, limit)]
            return [(g.statements[k], g.evidence[k][i]) for k, i in pairs]

    def count_document_evidence(self, document_id: str) -> int:
        self._refresh()
        with self._lock:
            return len(self._document_evidence(document_id))

    def ledger(self, document_ids: Sequence[str]) -> dict[str, LedgerEntry]:
        self._refresh()
        led = self._g.ledger
        return {d: led[d] for d in document_ids if d in led}

    def iter_ledger(self) -> Iterator[LedgerEntry]:
        self._refresh()
        yield from list(self._g.ledger.values())

    def iter_entities(self) -> Iterator[Entity]:
        self._refresh()
        yield from list(self._g.entities.values())

    def iter_statements(self) -> Iterator[tuple[Statement, float, int]]:
        self._refresh()
        with self._lock:
            rows = [(st, *self._g.support[k][:2]) for k, st in self._g.statements.items()]
        yield from rows

    def iter_evidence(self) -> Iterator[Evidence]:
        self._refresh()
        with self._lock:
            rows = [e for b in self._g.evidence.values() for e in b.values()]
        yield from rows

    def _matching_mentions(
        self, text: str | None, type: EntityType | None, document_id: str | None
    ) -> list[UnlinkedMention]:
        g = self._g
        q = mention_query(text)
        if document_id is not None:
            ms = sorted((g.mentions[k] for k in g.doc_mentions.get(document_id, ())), key=mention_order)
            rows = [(normalise_name(m.text), m) for m in ms]
        else:
            rows = g.mention_list()
        wanted = EntityType(type) if type is not None else None
        return [
            m
            for norm, m in rows
            if (wanted is None or m.type == wanted) and (q is None or q in norm)
        ]

    def unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[UnlinkedMention]:
        self._refresh()
        with self._lock:
            rows = self._matching_mentions(text, type, document_id)
        offset = max(0, offset)
        return rows[offset : offset + max(0, limit)]

    def count_unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
    ) -> int:
        self._refresh()
        with self._lock:
            return len(self._matching_mentions(text, type, document_id))

    def iter_mentions(self) -> Iterator[UnlinkedMention]:
        self._refresh()
        with self._lock:
            rows = list(self._g.mentions.values())
        yield from rows

    def counts(self) -> GraphCounts:
        self._refresh()
        with self._lock:
            nodes: dict[str, int] = defaultdict(int)
            for e in self._g.entities.values():
                nodes[e.type.value] += 1
            edges: dict[str, int] = defaultdict(int)
            for st in self._g.statements.values():
                edges[st.predicate.value] += 1
            docs = sum(1 for x in self._g.ledger.values() if x.status == "active")
            n_ev = sum(len(b) for b in self._g.evidence.values())
            return GraphCounts(dict(nodes), dict(edges), docs, n_ev, len(self._g.mentions))

    def ping(self) -> None:
        if not self.path.is_dir() or not os.access(self.path, os.W_OK | os.R_OK):
            raise StoreUnavailableError(f"store directory {self.path} is not accessible")

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"
