"""The Neo4j adapter of the ``GraphStore`` port (see ``kg/store.py`` for the semantics).

All Cypher lives in ``kg.cypher``. A ``WriteBatch`` is one ``execute_write`` transaction
(retried by the driver on transient errors, so the work function recomputes everything
from what it reads): lock the writer node, drop replaced evidence and unlinked mentions,
read what the batch touches, validate, then write nodes and, last, relationships, each as
``UNWIND $rows`` chunks of ``batch_size``. Support (confidence and counts) is computed in Python with
``kg.confidence.combine``, exactly as the embedded store does.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, TypeVar

from kg import cypher
from kg.confidence import combine
from kg.errors import KGError, StoreError, StoreUnavailableError
from kg.model import (
    KEY_QUALIFIERS,
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
    mention_query,
    merge_entity,
    normalise_name,
    search_names,
    validate_batch,
)

T = TypeVar("T")
EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))
PAGE_ROWS = 5000
CLEAR_ROWS = 10_000


# -- row <-> domain -------------------------------------------------------------------


def entity_row(e: Entity) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": e.type.value,
        "name": e.name,
        "synonyms": list(e.synonyms),
        "xrefs": list(e.xrefs),
        "broader": list(e.broader),
        "names": search_names(e),
    }


def entity_from(r: Any, prefix: str = "") -> Entity:
    return Entity(
        r[prefix + "id"],
        EntityType(r[prefix + "type"]),
        r[prefix + "name"] or "",
        tuple(r[prefix + "synonyms"] or ()),
        tuple(r[prefix + "xrefs"] or ()),
        tuple(r[prefix + "broader"] or ()),
    )


# Offsets travel as one int list: fewer property records make bulk writes faster.
OFFSET_FIELDS = (
    "sentence_start",
    "sentence_end",
    "subject_start",
    "subject_end",
    "object_start",
    "object_end",
)
# The two ends' link methods travel as one list, stored only when known, as offsets do.
LINK_FIELDS = ("subject_link", "object_link")
# Defaults are not stored (Neo4j stores no nulls either); reads put them back.
EVIDENCE_DEFAULTS: dict[str, Any] = {
    "section": None,
    "note": "",
    "negated": False,
    "speculative": False,
}


def evidence_row(ev: Evidence, predicate: Predicate, eid: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": eid or ev.id,  # the id is a hash: callers that have it pass it
        "statement_key": ev.statement_key,
        "predicate": predicate.value,
        "document_id": ev.document_id,
        "sentence": ev.sentence,
        "offsets": [getattr(ev, name) for name in OFFSET_FIELDS],
        "score": ev.score,
        "extractor": ev.extractor,
        "extractor_version": ev.extractor_version,
        "source_kind": SourceKind(ev.source_kind).value,
    }
    for name, default in EVIDENCE_DEFAULTS.items():
        value = getattr(ev, name)
        if value != default:
            row[name] = value
    if ev.subject_link or ev.object_link:
        row["links"] = [ev.subject_link, ev.object_link]
    return row


def evidence_from(props: dict[str, Any]) -> Evidence:
    d = {name: props.get(name, EVIDENCE_DEFAULTS.get(name)) for name in EVIDENCE_FIELDS}
    d.update(zip(OFFSET_FIELDS, props["offsets"], strict=True))
    d.update(zip(LINK_FIELDS, props.get("links") or ("", ""), strict=True))
    d["source_kind"] = SourceKind(d["source_kind"])
    return Evidence(**d)


def statement_from(subject: str, predicate: str, obj: str, props: dict[str, Any]) -> Statement:
    pred = Predicate(predicate)
    quals = tuple((k, props[k]) for k in KEY_QUALIFIERS.get(pred, ()) if props.get(k) is not None)
    return Statement(subject, pred, obj, quals)


def ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.document_id,
        "content_hash": entry.content_hash,
        "extractors": list(entry.extractors),
        "ingested_at": entry.ingested_at,
        "source": entry.source,
        "status": entry.status,
    }


def ledger_from(d: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        document_id=d["id"],
        content_hash=d["content_hash"],
        extractors=tuple(d.get("extractors") or ()),
        ingested_at=d["ingested_at"],
        source=d.get("source", ""),
        status=d.get("status", "active"),
    )


def mention_row(m: UnlinkedMention) -> dict[str, Any]:
    return {
        "key": m.key,
        "document_id": m.document_id,
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "norm": normalise_name(m.text),
        "type": EntityType(m.type).value,
        "sentence": m.sentence,
        "sentence_start": m.sentence_start,
        "sentence_end": m.sentence_end,
        "section": m.section,
        "score": m.score,
        "extractor": m.extractor,
        "extractor_version": m.extractor_version,
        "source_kind": SourceKind(m.source_kind).value,
    }


def mention_from(d: dict[str, Any]) -> UnlinkedMention:
    return UnlinkedMention(
        document_id=d["document_id"],
        start=d["start"],
        end=d["end"],
        text=d["text"],
        type=EntityType(d["type"]),
        sentence=d["sentence"],
        sentence_start=d["sentence_start"],
        sentence_end=d["sentence_end"],
        score=d["score"],
        extractor=d["extractor"],
        extractor_version=d["extractor_version"],
        section=d.get("section"),
        source_kind=SourceKind(d["source_kind"]),
    )


def chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# -- the adapter ------------------------------------------------------------------------


class Neo4jStore:
    """A ``GraphStore`` on a Neo4j 5 server reached over Bolt."""

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        batch_size: int = 2000,
        *,
        connection_timeout: float = 5.0,
        max_transaction_retry_time: float = 30.0,
    ) -> None:
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        from neo4j import GraphDatabase  # the driver is only needed by this adapter

        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        # Creating the driver opens no connection; the first query does.
        self._driver = GraphDatabase.driver(
            uri,
            auth=(user, password),
            connection_timeout=connection_timeout,
            max_transaction_retry_time=max_transaction_retry_time,
            # Hints such as "label Variant does not exist" on an empty graph are noise here.
            notifications_min_severity="OFF",
        )
        self.page_rows = PAGE_ROWS  # rows per keyset page of the iter_* exports
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Translate driver errors into ours; our own errors pass through."""
        from neo4j.exceptions import (
            AuthError,
            DriverError,
            Neo4jError,
            ServiceUnavailable,
            SessionExpired,
        )

        try:
            yield
        except KGError:
            raise
        except (ServiceUnavailable, SessionExpired, ConnectionError, OSError) as exc:
            raise StoreUnavailableError(
                f"Neo4j at {self.uri} is unavailable ({what}): {exc}"
            ) from exc
        except AuthError as exc:
            raise StoreError(f"Neo4j at {self.uri} refused the credentials: {exc}") from exc
        except (Neo4jError, DriverError) as exc:
            raise StoreError(f"Neo4j {what} failed: {exc}") from exc

    def _session(self):  # noqa: ANN202 - neo4j.Session, imported lazily
        return self._driver.session(database=self.database)

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            with self._errors("schema set-up"), self._session() as s:
                for stmt in cypher.SCHEMA:
                    s.run(stmt).consume()
                s.run(cypher.AWAIT_INDEXES, seconds=120).consume()
            self._schema_ready = True

    def _read(self, what: str, work: Callable[[Any], T]) -> T:
        self._ensure_schema()
        with self._errors(what), self._session() as s:
            return s.execute_read(work)

    def _rows(self, what: str, query: str, **params: Any) -> list[Any]:
        return self._read(what, lambda tx: list(tx.run(query, params)))

    # -- writes -------------------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> WriteResult:
        self._ensure_schema()
        with self._errors("write"), self._session() as s:
            return s.execute_write(self._apply_tx, batch)

    def _apply_tx(self, tx: Any, batch: WriteBatch) -> WriteResult:
        n = self.batch_size
        tx.run(cypher.LOCK_WRITER).consume()

        # 1. What exists now: the batch's entities, the types of the other statement ends
        # (needed to validate), and statements.
        batch_ids = {e.id for e in batch.entities}
        ends = {i for st in batch.statements for i in (st.subject, st.object)} - batch_ids
        stored: dict[str, Entity] = {}
        for chunk in chunks(sorted(batch_ids), n):
            for r in tx.run(cypher.READ_ENTITIES, ids=list(chunk)):
                stored[r["id"]] = entity_from(r)
        known = dict(stored)
        for chunk in chunks(sorted(ends), n):
            r = tx.run(cypher.READ_ENTITY_TYPES, ids=list(chunk)).single(strict=True)
            for eid, etype in zip(r["ids"], r["types"], strict=True):
                known[eid] = Entity(eid, EntityType(etype), "")
        for e in batch.entities:
            known[e.id] = merge_entity(known.get(e.id), e)
        validate_batch(batch, known)  # raises before anything is written: the tx rolls back

        statements = {st.key: st for st in batch.statements}
        predicate_of = {k: st.predicate for k, st in statements.items()}
        existing: set[str] = set()
        by_pred: dict[Predicate, list[str]] = defaultdict(list)
        for key, st in statements.items():
            by_pred[st.predicate].append(key)
        for pred, keys in by_pred.items():
            for chunk in chunks(keys, n):
                r = tx.run(cypher.EXISTING_STATEMENTS[pred], keys=list(chunk)).single(strict=True)
                existing.update(r["keys"])

        # 2. Replaced evidence goes first; its statements are touched.
        ev_removed = m_removed = 0
        touched: set[str] = set(statements)
        for chunk in chunks(list(batch.replace_documents), n):
            replaced = {"documents": list(chunk), "extractors": list(batch.replace_extractors)}
            for r in tx.run(cypher.REMOVE_EVIDENCE, replaced):
                ev_removed += r["removed"]
                touched.add(r["key"])
                predicate_of.setdefault(r["key"], Predicate(r["predicate"]))
                existing.add(r["key"])  # it had evidence, so its relationship exists
            m_removed += sum(r["removed"] for r in tx.run(cypher.REMOVE_MENTIONS, replaced))

        # 3. Support of every touched statement: stored evidence overlaid with the batch's.
        support_ev: dict[str, dict[str, Evidence]] = defaultdict(dict)
        stored_ev_ids: set[str] = set()
        old_keys = sorted(k for k in touched if k in existing)
        for chunk in chunks(old_keys, n):
            for r in tx.run(cypher.READ_SUPPORT_EVIDENCE, keys=list(chunk)):
                ev = evidence_from(r["e"])
                support_ev[ev.statement_key][r["e"]["id"]] = ev
                stored_ev_ids.add(r["e"]["id"])
        new_ev: dict[str, Evidence] = {}
        for ev in batch.evidence:
            eid = ev.id
            support_ev[ev.statement_key][eid] = ev
            new_ev[eid] = ev

        # 4. Nodes: entities that are new or changed, evidence, unlinked mentions, ledger.
        by_type: dict[EntityType, list[dict[str, Any]]] = defaultdict(list)
        for eid in sorted(batch_ids):
            if known[eid] != stored.get(eid):  # unchanged entities cost no write
                by_type[known[eid].type].append(entity_row(known[eid]))
        for etype, rows in by_type.items():
            for chunk in chunks(rows, n):
                tx.run(cypher.UPSERT_ENTITIES[etype], rows=list(chunk)).consume()

        create_rows, replace_rows = [], []
        for eid, ev in new_ev.items():
            row = evidence_row(ev, predicate_of[ev.statement_key], eid)
            (replace_rows if eid in stored_ev_ids else create_rows).append(row)
        for query, rows in (
            (cypher.CREATE_EVIDENCE, create_rows),
            (cypher.REPLACE_EVIDENCE, replace_rows),
        ):
            for chunk in chunks(rows, n):
                tx.run(query, rows=list(chunk)).consume()

        # Unlinked mentions (after the replacement above): count the new keys, then merge.
        mention_rows = list({m.key: mention_row(m) for m in batch.mentions}.values())
        stored_mentions: set[str] = set()
        for chunk in chunks(mention_rows, n):
            keys = [row["key"] for row in chunk]
            stored_mentions.update(
                tx.run(cypher.EXISTING_MENTIONS, keys=keys).single(strict=True)["keys"]
            )
            tx.run(cypher.UPSERT_MENTIONS, rows=list(chunk)).consume()

        for chunk in chunks([ledger_row(x) for x in batch.ledger], n):
            tx.run(cypher.UPSERT_LEDGER, rows=list(chunk)).consume()

        # 5. Relationships: create new statements, update support, delete unsupported.
        create: dict[Predicate, list[dict[str, Any]]] = defaultdict(list)
        update: dict[Predicate, list[dict[str, Any]]] = defaultdict(list)
        delete: dict[Predicate, list[str]] = defaultdict(list)
        st_added = sum(1 for k in statements if k not in existing)
        st_removed = 0
        for key in sorted(touched):
            pred = predicate_of[key]
            evs = support_ev.get(key, {}).values()
            if not evs:
                st_removed += 1
                if key in existing:
                    delete[pred].append(key)
                continue  # a new statement with no evidence never becomes visible
            sup = {
                "confidence": combine(evs),
                "evidence_count": len(evs),
                "document_count": len({e.document_id for e in evs}),
            }
            if key in existing:
                update[pred].append({"key": key, **sup})
            else:
                st = statements[key]
                create[pred].append(
                    {
                        "subject": st.subject,
                        "object": st.object,
                        "key": key,
                        **dict(st.qualifiers),
                        **sup,
                    }
                )
        for groups, queries, param in (
            (create, cypher.CREATE_STATEMENTS, "rows"),
            (update, cypher.UPDATE_SUPPORT, "rows"),
            (delete, cypher.DELETE_STATEMENTS, "keys"),
        ):
            for pred, rows in groups.items():
                for chunk in chunks(rows, n):
                    tx.run(queries[pred], {param: list(chunk)}).consume()

        return WriteResult(
            entities_added=sum(1 for i in batch_ids if i not in stored),
            statements_added=st_added,
            statements_removed=st_removed,
            evidence_added=sum(1 for eid in new_ev if eid not in stored_ev_ids),
            evidence_removed=ev_removed,
            mentions_added=len(mention_rows) - len(stored_mentions),
            mentions_removed=m_removed,
        )

    def clear(self) -> None:
        self._ensure_schema()
        with self._errors("clear"), self._session() as s:
            s.run(cypher.CLEAR, rows=CLEAR_ROWS).consume()

    # -- reads --------------------------------------------------------------------------

    def get_entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        rows = self._rows("get_entities", cypher.GET_ENTITIES, ids=wanted)
        found = {r["id"]: entity_from(r) for r in rows}
        return {i: found[i] for i in wanted if i in found}

    def find_entities(
        self, text: str, types: Sequence[EntityType] | None = None, limit: int = 10
    ) -> list[Entity]:
        q = normalise_name(text)
        if not q or limit <= 0:
            return []
        type_values = [EntityType(t).value for t in types] if types else None
        rows = self._rows(
            "find_entities", cypher.FIND_ENTITIES, q=q, types=type_values, limit=limit
        )
        return [entity_from(r) for r in rows]

    @staticmethod
    def _edge_params(
        predicates: Sequence[Predicate] | None,
        direction: str,
        other_types: Sequence[EntityType] | None,
    ) -> dict[str, Any]:
        check_direction(direction)
        preds = [Predicate(p).value for p in (predicates or list(Predicate))]
        return {
            "predicates": preds,
            "types": [EntityType(t).value for t in other_types] if other_types else None,
            "out": direction in ("out", "both"),
            "in": direction in ("in", "both"),
        }

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
        params = self._edge_params(predicates, direction, other_types)
        ids = list(dict.fromkeys(entity_ids))
        out: dict[str, list[Edge]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self._rows(
            "neighbours", cypher.NEIGHBOURS, ids=ids, offset=max(0, offset), limit=limit, **params
        )
        for r in rows:
            props = r["r"]
            other = entity_from(r, "b_")
            if r["dir"] == "out":
                st = statement_from(r["id"], r["predicate"], other.id, props)
            else:
                st = statement_from(other.id, r["predicate"], r["id"], props)
            out[r["id"]].append(
                Edge(
                    st,
                    other,
                    r["dir"],
                    props["confidence"],
                    props["evidence_count"],
                    props["document_count"],
                )
            )
        return out

    def count_neighbours(
        self,
        entity_ids: Sequence[str],
        *,
        predicates: Sequence[Predicate] | None = None,
        direction: str = "both",
        other_types: Sequence[EntityType] | None = None,
    ) -> dict[str, int]:
        params = self._edge_params(predicates, direction, other_types)
        ids = list(dict.fromkeys(entity_ids))
        out = {i: 0 for i in ids}
        if not ids:
            return out
        for r in self._rows("count_neighbours", cypher.COUNT_NEIGHBOURS, ids=ids, **params):
            out[r["id"]] = r["n"]
        return out

    def evidence(
        self, statement_keys: Sequence[str], limit: int | None = None
    ) -> dict[str, list[Evidence]]:
        keys = list(dict.fromkeys(statement_keys))
        out: dict[str, list[Evidence]] = {k: [] for k in keys}
        if not keys:
            return out
        for r in self._rows("evidence", cypher.EVIDENCE, keys=keys, limit=limit):
            out[r["key"]].append(evidence_from(r["e"]))
        return out

    def document_evidence(
        self, document_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[tuple[Statement, Evidence]]:
        if limit <= 0:
            return []
        rows = self._rows(
            "document_evidence",
            cypher.DOCUMENT_EVIDENCE,
            document=document_id,
            offset=max(0, offset),
            limit=limit,
        )
        found = [(r["e"]["predicate"], evidence_from(r["e"])) for r in rows]
        keys: dict[str, list[str]] = {}
        for pred, ev in found:
            keys.setdefault(pred, []).append(ev.statement_key)
        statements: dict[str, Statement] = {}
        for pred, ks in keys.items():
            query = cypher.STATEMENTS_BY_KEY[Predicate(pred)]
            for r in self._rows("document_evidence", query, keys=list(dict.fromkeys(ks))):
                statements[r["key"]] = statement_from(r["subject"], pred, r["object"], r["r"])
        return [(statements[ev.statement_key], ev) for _, ev in found]

    def count_document_evidence(self, document_id: str) -> int:
        rows = self._rows(
            "count_document_evidence", cypher.COUNT_DOCUMENT_EVIDENCE, document=document_id
        )
        return rows[0]["n"]

    def ledger(self, document_ids: Sequence[str]) -> dict[str, LedgerEntry]:
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return {}
        found = {
            r["d"]["id"]: ledger_from(r["d"]) for r in self._rows("ledger", cypher.LEDGER, ids=ids)
        }
        return {i: found[i] for i in ids if i in found}

    def _pages(self, what: str, query: str, key: Callable[[Any], str]) -> Iterator[Any]:
        after = ""
        while True:
            rows = self._rows(what, query, after=after, rows=self.page_rows)
            yield from rows
            if len(rows) < self.page_rows:
                return
            after = key(rows[-1])

    def iter_ledger(self) -> Iterator[LedgerEntry]:
        for r in self._pages("iter_ledger", cypher.PAGE_LEDGER, lambda r: r["d"]["id"]):
            yield ledger_from(r["d"])

    def iter_entities(self) -> Iterator[Entity]:
        for r in self._pages("iter_entities", cypher.PAGE_ENTITIES, lambda r: r["id"]):
            yield entity_from(r)

    def iter_statements(self) -> Iterator[tuple[Statement, float, int]]:
        for pred in Predicate:
            for r in self._pages(
                "iter_statements", cypher.PAGE_STATEMENTS[pred], lambda r: r["r"]["key"]
            ):
                props = r["r"]
                st = statement_from(r["subject"], pred.value, r["object"], props)
                yield st, props["confidence"], props["evidence_count"]

    def iter_evidence(self) -> Iterator[Evidence]:
        for r in self._pages("iter_evidence", cypher.PAGE_EVIDENCE, lambda r: r["e"]["id"]):
            yield evidence_from(r["e"])

    @staticmethod
    def _mention_params(
        text: str | None, type: EntityType | None, document_id: str | None
    ) -> dict[str, Any]:
        return {
            "q": mention_query(text),
            "type": EntityType(type).value if type is not None else None,
            "document": document_id,
        }

    def unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[UnlinkedMention]:
        if limit <= 0:
            return []
        query = (
            cypher.UNLINKED_MENTIONS
            if document_id is None
            else cypher.UNLINKED_MENTIONS_OF_DOCUMENT
        )
        params = self._mention_params(text, type, document_id)
        rows = self._rows(
            "unlinked_mentions", query, offset=max(0, offset), limit=limit, **params
        )
        return [mention_from(r["m"]) for r in rows]

    def count_unlinked_mentions(
        self,
        *,
        text: str | None = None,
        type: EntityType | None = None,
        document_id: str | None = None,
    ) -> int:
        query = (
            cypher.COUNT_UNLINKED_MENTIONS
            if document_id is None
            else cypher.COUNT_UNLINKED_MENTIONS_OF_DOCUMENT
        )
        params = self._mention_params(text, type, document_id)
        return self._rows("count_unlinked_mentions", query, **params)[0]["n"]

    def iter_mentions(self) -> Iterator[UnlinkedMention]:
        for r in self._pages("iter_mentions", cypher.PAGE_MENTIONS, lambda r: r["m"]["key"]):
            yield mention_from(r["m"])

    def counts(self) -> GraphCounts:
        r = self._rows("counts", cypher.COUNTS)[0]
        nodes = {t.value: r[f"node_{t.value}"] for t in EntityType if r[f"node_{t.value}"]}
        edges = {p.value: r[f"edge_{p.value}"] for p in Predicate if r[f"edge_{p.value}"]}
        return GraphCounts(nodes, edges, r["documents"], r["evidence"], r["mentions"])

    def ping(self) -> None:
        with self._errors("ping"):
            self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"
