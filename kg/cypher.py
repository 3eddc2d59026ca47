"""Every Cypher statement medkg runs, in one place.

All values travel as parameters (``$rows``, ``$ids`` ...), never spliced into the text.
The only text that varies is a relationship type or label, and it always comes from
our own enums (``Predicate``, ``EntityType``), so each variant is built once, here.

Graph layout (Neo4j 5):

* ``(:Entity:<Type> {id, type, name, synonyms, xrefs, broader, names})``; ``names`` holds the
  normalised name, synonyms and case-folded id that ``find_entities`` searches.
* A statement is a relationship ``(subject)-[:<PREDICATE> {key, action?, direction?,
  confidence, evidence_count, document_count}]->(object)``; ``key`` is unique per type.
* ``(:Evidence {id, statement_key, predicate, document_id, sentence, offsets, score,
  extractor, extractor_version, source_kind, section?, note?, negated?, speculative?, links?})``:
  ``offsets`` packs the six character offsets (sentence, subject, object: start, end),
  ``links`` how the subject's and the object's mentions were linked;
  properties at their default (None, "", false) are not stored.
* ``(:Document {id, content_hash, extractors, ingested_at, source, status})``: the ledger.
* ``(:Mention {key, document_id, start, end, text, norm, type, sentence, sentence_start,
  sentence_end, section?, score, extractor, extractor_version, source_kind})``: an unlinked
  mention, related to nothing (it names no entity; ``document_id`` finds its document's
  ledger node). ``norm`` is the normalised text that ``unlinked_mentions`` searches.
* ``(:MedkgWriteLock {id})``: one node every write transaction locks first, so writers
  queue (as with the embedded store's file lock) and support counts never race.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kg.model import KEY_QUALIFIERS, EntityType, Predicate

# -- schema -------------------------------------------------------------------------

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT evidence_id IF NOT EXISTS FOR (e:Evidence) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.id IS UNIQUE",
    "CREATE CONSTRAINT write_lock_id IF NOT EXISTS FOR (l:MedkgWriteLock) REQUIRE l.id IS UNIQUE",
    "CREATE CONSTRAINT mention_key IF NOT EXISTS FOR (m:Mention) REQUIRE m.key IS UNIQUE",
    "CREATE INDEX mention_document_id IF NOT EXISTS FOR (m:Mention) ON (m.document_id)",
    "CREATE INDEX evidence_statement_key IF NOT EXISTS FOR (e:Evidence) ON (e.statement_key)",
    "CREATE INDEX evidence_document_id IF NOT EXISTS FOR (e:Evidence) ON (e.document_id)",
    "CREATE INDEX document_status IF NOT EXISTS FOR (d:Document) ON (d.status)",
    # Relationship property uniqueness (Community Edition since 5.7) also gives an index.
    *(
        f"CREATE CONSTRAINT statement_key_{p.value.lower()} IF NOT EXISTS "
        f"FOR ()-[r:{p.value}]-() REQUIRE r.key IS UNIQUE"
        for p in Predicate
    ),
)
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

# -- writes (all run inside one transaction per WriteBatch) ---------------------------

LOCK_WRITER = """
MERGE (l:MedkgWriteLock {id: 'writer'})
SET l.writes = coalesce(l.writes, 0) + 1
"""

# Entities and statements that the batch refers to and that already exist.
READ_ENTITIES = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, n.type AS type, n.name AS name, n.synonyms AS synonyms, n.xrefs AS xrefs,
       n.broader AS broader
"""

# Statement ends the batch does not rewrite: their type is all validation needs, and
# reading the name lists of every end was a tenth of a batch's time. Existence reads return
# one collected row: a record per id cost more in Bolt round trips than the look-ups did
# (benchmarks/bench_neo4j_writes.py: 170 -> 37 ms of a 10,000-statement run).
READ_ENTITY_TYPES = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN collect(n.id) AS ids, collect(n.type) AS types
"""


def _by_predicate(template: str) -> Mapping[Predicate, str]:
    return MappingProxyType({p: template.replace("__TYPE__", p.value) for p in Predicate})


def _by_type(template: str) -> Mapping[EntityType, str]:
    return MappingProxyType({t: template.replace("__LABEL__", t.value) for t in EntityType})


# Index hints on every keyed look-up: a plan cached while the graph (or a relationship type)
# was empty scans instead of seeking, and keeps scanning as a batch run grows the graph
# (seen in benchmarks/bench_neo4j_writes.py: 2 s of a 3 s run in this one query).
EXISTING_STATEMENTS = _by_predicate(
    """
UNWIND $keys AS k
MATCH ()-[r:__TYPE__ {key: k}]->()
USING INDEX r:__TYPE__(key)
RETURN collect(r.key) AS keys
"""
)

REMOVE_EVIDENCE = """
UNWIND $documents AS doc
MATCH (e:Evidence {document_id: doc})
USING INDEX e:Evidence(document_id)
WHERE size($extractors) = 0 OR e.extractor IN $extractors
WITH e, e.statement_key AS key, e.predicate AS predicate
DELETE e
RETURN key, predicate, count(*) AS removed
"""

REMOVE_MENTIONS = """
UNWIND $documents AS doc
MATCH (m:Mention {document_id: doc})
USING INDEX m:Mention(document_id)
WHERE size($extractors) = 0 OR m.extractor IN $extractors
DELETE m
RETURN count(*) AS removed
"""

EXISTING_MENTIONS = """
UNWIND $keys AS k
MATCH (m:Mention {key: k})
RETURN collect(m.key) AS keys
"""

# MERGE on the constrained key; properties spelled out, as for evidence. A null section
# removes the property (Neo4j stores no nulls), which reads back as None.
MENTION_PROPERTIES = (
    "document_id",
    "start",
    "end",
    "text",
    "norm",
    "type",
    "sentence",
    "sentence_start",
    "sentence_end",
    "section",
    "score",
    "extractor",
    "extractor_version",
    "source_kind",
)
UPSERT_MENTIONS = (
    "UNWIND $rows AS row\nMERGE (m:Mention {key: row.key})\nSET "
    + ", ".join(f"m.{k} = row.{k}" for k in MENTION_PROPERTIES)
    + "\n"
)

READ_SUPPORT_EVIDENCE = """
UNWIND $keys AS k
MATCH (e:Evidence {statement_key: k})
USING INDEX e:Evidence(statement_key)
RETURN properties(e) AS e
"""

UPSERT_ENTITIES = _by_type(
    """
UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
SET n:__LABEL__, n.type = row.type, n.name = row.name, n.synonyms = row.synonyms,
    n.xrefs = row.xrefs, n.broader = row.broader, n.names = row.names
"""
)

# Properties spelled out (not ``SET e = row``): set at creation, and no Eager in the plan.
# CREATE skips null values, which is how optional fields stay unstored.
EVIDENCE_PROPERTIES = (
    "id",
    "statement_key",
    "predicate",
    "document_id",
    "sentence",
    "offsets",
    "score",
    "extractor",
    "extractor_version",
    "source_kind",
    "section",
    "note",
    "negated",
    "speculative",
    "links",
)
CREATE_EVIDENCE = (
    "UNWIND $rows AS row\nCREATE (e:Evidence {"
    + ", ".join(f"{k}: row.{k}" for k in EVIDENCE_PROPERTIES)
    + "})\n"
)

REPLACE_EVIDENCE = """
UNWIND $rows AS row
MATCH (e:Evidence {id: row.id})
SET e = row
"""

UPSERT_LEDGER = """
UNWIND $rows AS row
MERGE (d:Document {id: row.id})
SET d = row
"""

# New statements: the writer lock makes the existence check above reliable, so CREATE
# (the uniqueness constraint still guards the key). Explicit properties keep the plan free
# of an Eager operator that ``SET r = row.props`` brings in.
CREATE_STATEMENTS: Mapping[Predicate, str] = MappingProxyType(
    {
        p: (
            "UNWIND $rows AS row\n"
            "MATCH (s:Entity {id: row.subject})\n"
            "MATCH (o:Entity {id: row.object})\n"
            f"CREATE (s)-[r:{p.value} {{key: row.key, "
            + "".join(f"{q}: row.{q}, " for q in KEY_QUALIFIERS.get(p, ()))
            + "confidence: row.confidence, evidence_count: row.evidence_count, "
            "document_count: row.document_count}]->(o)\n"
        )
        for p in Predicate
    }
)

UPDATE_SUPPORT = _by_predicate(
    """
UNWIND $rows AS row
MATCH ()-[r:__TYPE__ {key: row.key}]->()
USING INDEX r:__TYPE__(key)
SET r.confidence = row.confidence, r.evidence_count = row.evidence_count,
    r.document_count = row.document_count
"""
)

DELETE_STATEMENTS = _by_predicate(
    """
UNWIND $keys AS k
MATCH ()-[r:__TYPE__ {key: k}]->()
USING INDEX r:__TYPE__(key)
DELETE r
"""
)

# Batched so that a large graph never builds one huge transaction (auto-commit only).
CLEAR = """
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $rows ROWS
"""

# -- reads -------------------------------------------------------------------------------

GET_ENTITIES = READ_ENTITIES

# Exact and prefix matches first; substrings only count when those are fewer than the
# limit (the embedded store's rule); the type filter applies after that choice.
FIND_ENTITIES = """
MATCH (n:Entity)
WHERE any(s IN n.names WHERE s CONTAINS $q)
WITH n, CASE
    WHEN $q IN n.names THEN 0
    WHEN any(s IN n.names WHERE s STARTS WITH $q) THEN 1
    ELSE 2 END AS rank
WITH collect({n: n, rank: rank}) AS hits
WITH hits, size([h IN hits WHERE h.rank < 2]) AS close
UNWIND hits AS h
WITH h.n AS n, h.rank AS rank, close
WHERE (rank < 2 OR close < $limit) AND ($types IS NULL OR n.type IN $types)
RETURN n.id AS id, n.type AS type, n.name AS name, n.synonyms AS synonyms, n.xrefs AS xrefs,
       n.broader AS broader
ORDER BY rank, id
LIMIT $limit
"""

# One round trip for many anchors; a self-loop is listed once (as "out") for "both".
_EDGES = """
UNWIND $ids AS id
MATCH (a:Entity {id: id})
CALL (a) {
    MATCH (a)-[r]->(b:Entity)
    WHERE $out AND type(r) IN $predicates AND ($types IS NULL OR b.type IN $types)
    RETURN r, b, 'out' AS dir
  UNION ALL
    MATCH (a)<-[r]-(b:Entity)
    WHERE $in AND type(r) IN $predicates AND ($types IS NULL OR b.type IN $types)
      AND NOT ($out AND b = a)
    RETURN r, b, 'in' AS dir
}
"""

NEIGHBOURS = (
    _EDGES
    + """
WITH id, a, r, b, dir
ORDER BY r.confidence DESC, b.id, r.key
WITH id, a, collect({r: r, b: b, dir: dir}) AS edges
WITH id, a, edges[$offset..coalesce($offset + $limit, size(edges))] AS page
UNWIND page AS e
WITH id, a, e.r AS r, e.b AS b, e.dir AS dir
RETURN id, dir, type(r) AS predicate, properties(r) AS r,
       b.id AS b_id, b.type AS b_type, b.name AS b_name, b.synonyms AS b_synonyms,
       b.xrefs AS b_xrefs, b.broader AS b_broader
"""
)

COUNT_NEIGHBOURS = (
    _EDGES
    + """
RETURN id, count(r) AS n
"""
)

EVIDENCE = """
UNWIND $keys AS k
MATCH (e:Evidence {statement_key: k})
USING INDEX e:Evidence(statement_key)
WITH k, e ORDER BY e.score DESC, e.document_id, e.offsets[0], e.id
WITH k, collect(e) AS evs
UNWIND evs[0..coalesce($limit, size(evs))] AS e
RETURN k AS key, properties(e) AS e
"""

# One document's evidence in kg.store.document_evidence_order (offsets: sentence, subject,
# object, each start then end), then the statements it supports, one query per predicate.
DOCUMENT_EVIDENCE = """
MATCH (e:Evidence {document_id: $document})
USING INDEX e:Evidence(document_id)
RETURN properties(e) AS e
ORDER BY e.offsets[0], e.offsets[2], e.offsets[4], e.statement_key, e.id
SKIP $offset LIMIT $limit
"""

COUNT_DOCUMENT_EVIDENCE = """
MATCH (e:Evidence {document_id: $document})
USING INDEX e:Evidence(document_id)
RETURN count(e) AS n
"""

STATEMENTS_BY_KEY = _by_predicate(
    """
UNWIND $keys AS k
MATCH (s:Entity)-[r:__TYPE__ {key: k}]->(o:Entity)
USING INDEX r:__TYPE__(key)
RETURN k AS key, s.id AS subject, o.id AS object, properties(r) AS r
"""
)

LEDGER = """
UNWIND $ids AS id
MATCH (d:Document {id: id})
RETURN properties(d) AS d
"""

# Keyset pages (ordered by an indexed key) keep exports bounded in memory.
PAGE_ENTITIES = """
MATCH (n:Entity) WHERE n.id > $after
RETURN n.id AS id, n.type AS type, n.name AS name, n.synonyms AS synonyms, n.xrefs AS xrefs,
       n.broader AS broader
ORDER BY n.id LIMIT $rows
"""

PAGE_LEDGER = """
MATCH (d:Document) WHERE d.id > $after
RETURN properties(d) AS d
ORDER BY d.id LIMIT $rows
"""

PAGE_EVIDENCE = """
MATCH (e:Evidence) WHERE e.id > $after
RETURN properties(e) AS e
ORDER BY e.id LIMIT $rows
"""

# Unlinked mentions: a filter on one document starts from its index; the rest scan the
# label. Ordered as kg.store.mention_order, so offsets are stable.
_MENTION_FILTER = """
WHERE ($type IS NULL OR m.type = $type) AND ($q IS NULL OR m.norm CONTAINS $q)
"""
_MENTION_PAGE = """
WITH m ORDER BY m.document_id, m.start, m.end, m.type, m.key
SKIP $offset LIMIT $limit
RETURN properties(m) AS m
"""
UNLINKED_MENTIONS = "MATCH (m:Mention)" + _MENTION_FILTER + _MENTION_PAGE
UNLINKED_MENTIONS_OF_DOCUMENT = (
    "MATCH (m:Mention {document_id: $document})" + _MENTION_FILTER + _MENTION_PAGE
)
COUNT_UNLINKED_MENTIONS = "MATCH (m:Mention)" + _MENTION_FILTER + "RETURN count(m) AS n"
COUNT_UNLINKED_MENTIONS_OF_DOCUMENT = (
    "MATCH (m:Mention {document_id: $document})" + _MENTION_FILTER + "RETURN count(m) AS n"
)

PAGE_MENTIONS = """
MATCH (m:Mention) WHERE m.key > $after
RETURN properties(m) AS m
ORDER BY m.key LIMIT $rows
"""

PAGE_STATEMENTS = _by_predicate(
    """
MATCH (s)-[r:__TYPE__]->(o) WHERE r.key > $after
RETURN s.id AS subject, o.id AS object, properties(r) AS r
ORDER BY r.key LIMIT $rows
"""
)

COUNTS = (
    "RETURN "
    + ", ".join(f"COUNT {{ (:Entity:{t.value}) }} AS node_{t.value}" for t in EntityType)
    + ", "
    + ", ".join(f"COUNT {{ ()-[:{p.value}]->() }} AS edge_{p.value}" for p in Predicate)
    + ", COUNT { (d:Document WHERE d.status = 'active') } AS documents"
    + ", COUNT { (:Evidence) } AS evidence"
    + ", COUNT { (:Mention) } AS mentions"
)

PING = "RETURN 1 AS ok"
