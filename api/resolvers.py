"""Thin resolvers: translate GraphQL fields to batched store calls and domain functions.

Values handed to graphql-core are small views (``Node``, ``ConnectionView``,
``EdgeView``...) that remember the sibling group they were produced with, so
child look-ups batch per level (see api/dataloader.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from api import paths as path_search
from api import treatment
from api.dataloader import EdgeBatch, EdgeSpec, RequestLoaders
from api.errors import NotAvailableError, UnauthenticatedError
from api.pagination import Page, encode_cursor, make_page, page_size
from api.resolve import Ancestors, Linker, Resolver, VariantNormaliser
from kg.errors import BadInputError, NotFoundError
from kg.model import (
    Edge,
    Entity,
    EntityType,
    Evidence,
    LedgerEntry,
    Predicate,
    ResponseDirection,
    Statement,
    UnlinkedMention,
)
from kg.settings import Settings
from kg.store import GraphStore

log = logging.getLogger("medkg.api")

MAX_SEARCH_TEXT = 500
MAX_ID = 500

# (paths) -> (processed, [(source, reason)]); see api/app.py for the default.
Ingestor = Callable[[Sequence[str]], tuple[int, Sequence[tuple[str, str]]]]


@dataclass
class RequestContext:
    """Everything one request's resolvers share; built per request, dropped after it."""

    store: GraphStore
    settings: Settings
    loaders: RequestLoaders
    resolver: Resolver
    authenticated: bool = False
    ingest: Ingestor | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        store: GraphStore,
        settings: Settings,
        *,
        authenticated: bool = False,
        ingest: Ingestor | None = None,
        linker: Linker | None = None,
        variant_normaliser: VariantNormaliser | None = None,
        ancestors: Ancestors | None = None,
    ) -> RequestContext:
        return cls(
            store,
            settings,
            RequestLoaders(store),
            Resolver(
                store, linker=linker, variant_normaliser=variant_normaliser, ancestors=ancestors
            ),
            authenticated,
            ingest,
        )

    def notice_clamp(self, info: GraphQLResolveInfo, asked: int, size: int) -> None:
        self.notices.append(
            {
                "code": "PAGE_SIZE_CLAMPED",
                "path": list(info.path.as_list()),
                "message": f"first={asked} is above the maximum page size; returned at most "
                f"{size} items (use `after` to page on)",
            }
        )

    def page(self, info: GraphQLResolveInfo, first: int | None, after: str | None) -> Page:
        s = self.settings
        page = make_page(first, after, default=s.default_page_size, maximum=s.max_page_size)
        if page.clamped_from is not None:
            self.notice_clamp(info, page.clamped_from, page.size)
        return page

    def size(self, info: GraphQLResolveInfo, first: int | None, default: int) -> int:
        size, clamped = page_size(
            default if first is None else first,
            default=default,
            maximum=self.settings.max_page_size,
        )
        if clamped is not None:
            self.notice_clamp(info, clamped, size)
        return size


# -- views ---------------------------------------------------------------------------------


class Node:
    """An entity plus the ids of the siblings it was returned with."""

    __slots__ = ("entity", "group")

    def __init__(self, entity: Entity, group: Sequence[str]) -> None:
        self.entity = entity
        self.group = group

    @property
    def id(self) -> str:
        return self.entity.id

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def type(self) -> EntityType:
        return self.entity.type

    @property
    def synonyms(self) -> tuple[str, ...]:
        return self.entity.synonyms

    @property
    def xrefs(self) -> tuple[str, ...]:
        return self.entity.xrefs

    @property
    def broader(self) -> tuple[str, ...]:
        return self.entity.broader


def nodes(entities: Sequence[Entity]) -> list[Node]:
    group = tuple(e.id for e in entities)
    return [Node(e, group) for e in entities]


class ConnectionView:
    __slots__ = ("anchor", "group", "spec", "page")

    def __init__(self, anchor: str, group: Sequence[str], spec: EdgeSpec, page: Page) -> None:
        self.anchor = anchor
        self.group = group
        self.spec = spec
        self.page = page

    def batch(self, ctx: RequestContext) -> EdgeBatch:
        # One extra item tells whether there is a next page without counting.
        loader = ctx.loaders.neighbours(self.spec, self.page.size + 1, self.page.offset)
        return loader.load(self.anchor, self.group)


class EdgeView:
    __slots__ = ("edge", "cursor", "batch")

    def __init__(self, edge: Edge, cursor: str, batch: EdgeBatch) -> None:
        self.edge = edge
        self.cursor = cursor
        self.batch = batch


class EvidenceSource:
    """Statements whose evidence a Reason, Warning or PathStep shows, and their sibling keys."""

    __slots__ = ("keys", "group")

    def __init__(self, keys: Sequence[str], group: Sequence[str]) -> None:
        self.keys = keys
        self.group = group


def load_evidence(
    ctx: RequestContext,
    info: GraphQLResolveInfo,
    source: EvidenceSource,
    first: int | None,
    default: int,
) -> list[Evidence]:
    size = ctx.size(info, first, default)
    if size == 0 or not source.keys:
        return []
    loader = ctx.loaders.evidence(size)
    out: list[Evidence] = []
    for key in source.keys:
        out.extend(loader.load(key, source.group))
        if len(out) >= size:
            break
    return out[:size]


# -- entity fields -------------------------------------------------------------------------


def connection_field(spec: EdgeSpec) -> Callable[..., ConnectionView]:
    def resolve(
        node: Node, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> ConnectionView:
        return ConnectionView(node.id, node.group, spec, info.context.page(info, first, after))

    return resolve


D, G, DIS, V = EntityType.DRUG, EntityType.GENE, EntityType.DISEASE, EntityType.VARIANT
P = Predicate
CONNECTIONS: dict[str, dict[str, EdgeSpec]] = {
    "Drug": {
        "targets": EdgeSpec((P.TARGETS,), "out", (G,)),
        "treats": EdgeSpec((P.TREATS,), "out", (DIS,)),
        "adverseEffects": EdgeSpec((P.CAUSES,), "out", (DIS,)),
        "interactions": EdgeSpec((P.INTERACTS_WITH,), "both", (D,)),
        "contraindications": EdgeSpec((P.CONTRAINDICATED_IN,), "out", (DIS,)),
        "responseModifiers": EdgeSpec((P.AFFECTS_RESPONSE,), "in", (G, V)),
    },
    "Gene": {
        "drugs": EdgeSpec((P.TARGETS,), "in", (D,)),
        "diseases": EdgeSpec((P.ASSOCIATED_WITH,), "out", (DIS,)),
        "responses": EdgeSpec((P.AFFECTS_RESPONSE,), "out", (D,)),
    },
    "Disease": {
        "treatments": EdgeSpec((P.TREATS,), "in", (D,)),
        "genes": EdgeSpec((P.ASSOCIATED_WITH,), "in", (G,)),
        "variants": EdgeSpec((P.ASSOCIATED_WITH,), "in", (V,)),
        "causedBy": EdgeSpec((P.CAUSES,), "in", (D,)),
        "contraindicatedDrugs": EdgeSpec((P.CONTRAINDICATED_IN,), "in", (D,)),
    },
    "Variant": {
        "drugs": EdgeSpec((P.AFFECTS_RESPONSE,), "out", (D,)),
        "diseases": EdgeSpec((P.ASSOCIATED_WITH,), "out", (DIS,)),
    },
}


def resolve_variant_gene(node: Node, info: GraphQLResolveInfo) -> Node | None:
    gene = info.context.resolver.variant_gene(node.entity)
    return Node(gene, (gene.id,)) if gene is not None else None


# -- connections and edges -----------------------------------------------------------------


def resolve_total(conn: ConnectionView, info: GraphQLResolveInfo) -> int:
    return info.context.loaders.counts(conn.spec).load(conn.anchor, conn.group)


def resolve_edges(conn: ConnectionView, info: GraphQLResolveInfo) -> list[EdgeView]:
    batch = conn.batch(info.context)
    offset = conn.page.offset
    return [
        EdgeView(e, encode_cursor(offset + i), batch)
        for i, e in enumerate(batch.edges[: conn.page.size])
    ]


def page_info(page: Page, fetched: int) -> dict[str, Any]:
    """PageInfo for a page whose store call asked for one item more than it shows."""
    shown = min(fetched, page.size)
    offset = page.offset
    return {
        "hasNextPage": fetched > page.size,
        "hasPreviousPage": offset > 0,
        "startCursor": encode_cursor(offset) if shown else None,
        "endCursor": encode_cursor(offset + shown - 1) if shown else None,
    }


def resolve_page_info(conn: ConnectionView, info: GraphQLResolveInfo) -> dict[str, Any]:
    return page_info(conn.page, len(conn.batch(info.context).edges))


def resolve_edge_node(ev: EdgeView, info: GraphQLResolveInfo) -> Node:
    return Node(ev.edge.other, ev.batch.nodes)


def statement_direction(st: Statement) -> ResponseDirection | None:
    raw = st.qualifier("direction")
    try:
        return ResponseDirection(raw) if raw else None
    except ValueError:
        return None


def resolve_edge_direction(ev: EdgeView, info: GraphQLResolveInfo) -> ResponseDirection | None:
    return statement_direction(ev.edge.statement)


def resolve_edge_evidence(
    ev: EdgeView, info: GraphQLResolveInfo, first: int | None = 5
) -> list[Evidence]:
    return load_evidence(
        info.context, info, EvidenceSource((ev.edge.statement.key,), ev.batch.keys), first, 5
    )


EDGE_FIELDS: dict[str, Callable[..., Any]] = {
    "cursor": lambda ev, info: ev.cursor,
    "node": resolve_edge_node,
    "action": lambda ev, info: ev.edge.statement.qualifier("action"),
    "direction": resolve_edge_direction,
    "confidence": lambda ev, info: ev.edge.confidence,
    "evidenceCount": lambda ev, info: ev.edge.evidence_count,
    "documentCount": lambda ev, info: ev.edge.document_count,
    "evidence": resolve_edge_evidence,
}

EVIDENCE_FIELDS: dict[str, Callable[..., Any]] = {
    "document": lambda ev, info: ev.document_id,
    "start": lambda ev, info: ev.sentence_start,
    "end": lambda ev, info: ev.sentence_end,
    "extractorVersion": lambda ev, info: ev.extractor_version,
    "sourceKind": lambda ev, info: ev.source_kind,
    "note": lambda ev, info: ev.note or None,
    "subjectLink": lambda ev, info: ev.subject_link or None,
    "objectLink": lambda ev, info: ev.object_link or None,
}


# -- root fields ---------------------------------------------------------------------------


def _check_len(what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise BadInputError(f"`{what}` is longer than {limit} characters")


def resolve_search(
    _root: Any,
    info: GraphQLResolveInfo,
    text: str,
    types: list[EntityType] | None = None,
    first: int | None = 10,
) -> list[Node]:
    ctx: RequestContext = info.context
    _check_len("text", text, MAX_SEARCH_TEXT)
    size = ctx.size(info, first, 10)
    if size == 0 or not text.strip():
        return []
    return nodes(ctx.store.find_entities(text, types=types or None, limit=size))


def resolve_entity(_root: Any, info: GraphQLResolveInfo, id: str) -> Node:
    _check_len("id", id, MAX_ID)
    ctx: RequestContext = info.context
    ent = ctx.loaders.entities.load(id) or ctx.resolver.alias(id)
    if ent is None:
        raise NotFoundError(f"no entity with id {id!r}")
    return Node(ent, (ent.id,))


def _lookup(etype: EntityType, name_arg: str) -> Callable[..., Node]:
    label = etype.value.lower()

    def resolve(
        _root: Any, info: GraphQLResolveInfo, id: str | None = None, **kw: str | None
    ) -> Node:
        ctx: RequestContext = info.context
        name = kw.get(name_arg)
        if (id is None) == (name is None):
            raise BadInputError(f"give exactly one of `id` and `{name_arg}`")
        if id is not None:
            _check_len("id", id, MAX_ID)
            ent = ctx.loaders.entities.load(id) or ctx.resolver.alias(id, etype)
            if ent is None:
                raise NotFoundError(f"no {label} with id {id!r}")
            if ent.type is not etype:
                raise NotFoundError(f"{id!r} is a {ent.type.value.lower()}, not a {label}")
            return Node(ent, (ent.id,))
        assert name is not None
        _check_len(name_arg, name, MAX_SEARCH_TEXT)
        if etype is EntityType.VARIANT:
            found = [v.variant for v in ctx.resolver.variant(name) if v.variant is not None]
            ent = found[0] if found else None
        else:
            ent = ctx.resolver.exact(name, etype)
        if ent is None:
            near = [e.name for e in ctx.resolver.suggestions(name, etype)]
            hint = f"; did you mean: {', '.join(near)}?" if near else ""
            raise NotFoundError(f"no {label} named {name!r}{hint}")
        return Node(ent, (ent.id,))

    return resolve


# -- treatment -----------------------------------------------------------------------------


class PlanView:
    __slots__ = ("candidates", "total", "resolved", "unresolved")

    def __init__(
        self, candidates: list[Any], total: int, resolved: list[Node], unresolved: Sequence[str]
    ):
        self.candidates = candidates
        self.total = total
        self.resolved = resolved
        self.unresolved = list(unresolved)


class CandidateView:
    __slots__ = ("rank", "drug", "score", "reasons", "warnings")

    def __init__(
        self, rank: int, drug: Node, score: float, reasons: list[Any], warnings: list[Any]
    ):
        self.rank = rank
        self.drug = drug
        self.score = score
        self.reasons = reasons
        self.warnings = warnings


class ReasonView:
    __slots__ = ("reason", "source")

    def __init__(self, reason: treatment.Reason, group: Sequence[str]) -> None:
        self.reason = reason
        self.source = EvidenceSource((reason.support.statement_key,), group)


class WarningView:
    __slots__ = ("warning", "source", "involves")

    def __init__(self, warning: treatment.SafetyWarning, group: Sequence[str]) -> None:
        self.warning = warning
        self.source = EvidenceSource(tuple(s.statement_key for s in warning.supports), group)
        self.involves = nodes(warning.involves)


def _warning_views(
    warnings: Sequence[treatment.SafetyWarning], group: Sequence[str]
) -> list[WarningView]:
    return [WarningView(w, group) for w in warnings]


def resolve_treatment(
    _root: Any, info: GraphQLResolveInfo, patient: dict[str, list[str]], first: int | None = 10
) -> PlanView:
    ctx: RequestContext = info.context
    size = ctx.size(info, first, 10)
    resolved = ctx.resolver.patient(patient)
    graph = treatment.gather(ctx.store, resolved)
    ranked = treatment.rank(resolved, graph)
    shown = ranked[:size]
    keys = tuple(
        dict.fromkeys(
            [r.support.statement_key for c in shown for r in c.reasons]
            + [s.statement_key for c in shown for w in c.warnings for s in w.supports]
        )
    )
    drug_group = tuple(c.drug.id for c in shown)
    views = [
        CandidateView(
            i + 1,
            Node(c.drug, drug_group),
            c.score,
            [ReasonView(r, keys) for r in c.reasons],
            _warning_views(c.warnings, keys),
        )
        for i, c in enumerate(shown)
    ]
    return PlanView(views, len(ranked), nodes(resolved.entities), resolved.unresolved)


def resolve_drug_safety(
    _root: Any, info: GraphQLResolveInfo, drug: str, patient: dict[str, list[str]]
) -> dict[str, Any]:
    ctx: RequestContext = info.context
    _check_len("drug", drug, MAX_SEARCH_TEXT)
    resolved = ctx.resolver.patient(patient)
    ent = ctx.resolver.exact(drug, EntityType.DRUG)
    if ent is None:
        return {"drug": None, "warnings": [], "unresolved": [drug, *resolved.unresolved]}
    graph = treatment.gather(ctx.store, resolved, focus=(ent.id,))
    warnings = treatment.warnings_for(ent, resolved, graph)
    keys = tuple(dict.fromkeys(s.statement_key for w in warnings for s in w.supports))
    return {
        "drug": Node(ent, (ent.id,)),
        "warnings": _warning_views(warnings, keys),
        "unresolved": list(resolved.unresolved),
    }


REASON_FIELDS: dict[str, Callable[..., Any]] = {
    "kind": lambda r, info: r.reason.kind,
    "message": lambda r, info: r.reason.message,
    "confidence": lambda r, info: r.reason.confidence,
    "documentCount": lambda r, info: r.reason.support.document_count,
    "evidenceCount": lambda r, info: r.reason.support.evidence_count,
    "evidence": lambda r, info, first=3: load_evidence(info.context, info, r.source, first, 3),
}

WARNING_FIELDS: dict[str, Callable[..., Any]] = {
    "kind": lambda w, info: w.warning.kind,
    "message": lambda w, info: w.warning.message,
    "confidence": lambda w, info: w.warning.confidence,
    "involves": lambda w, info: w.involves,
    "evidenceCount": lambda w, info: w.warning.evidence_count,
    "evidence": lambda w, info, first=3: load_evidence(info.context, info, w.source, first, 3),
    "sources": lambda w, info: list(w.warning.sources),
}

PLAN_FIELDS: dict[str, Callable[..., Any]] = {
    "totalCandidates": lambda p, info: p.total,
}


# -- paths ---------------------------------------------------------------------------------


class StepView:
    __slots__ = ("step", "source")

    def __init__(self, step: path_search.Step, group: Sequence[str]) -> None:
        self.step = step
        self.source = EvidenceSource((step.key,), group)


def _step_qualifier(sv: StepView, info: GraphQLResolveInfo) -> str | None:
    q = sv.step.edge.statement.qualifiers
    return q[0][1] if q else None


STEP_FIELDS: dict[str, Callable[..., Any]] = {
    "subject": lambda s, info: s.step.edge.statement.subject,
    "predicate": lambda s, info: s.step.edge.statement.predicate,
    "object": lambda s, info: s.step.edge.statement.object,
    "qualifier": _step_qualifier,
    "confidence": lambda s, info: s.step.edge.confidence,
    "evidenceCount": lambda s, info: s.step.edge.evidence_count,
    "evidence": lambda s, info, first=5: load_evidence(info.context, info, s.source, first, 5),
}


def resolve_paths(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[dict[str, Any]]:
    ctx: RequestContext = info.context
    source_id, target_id = args["from"], args["to"]
    max_length = args.get("maxLength")
    max_length = 3 if max_length is None else max_length
    for what, v in (("from", source_id), ("to", target_id)):
        _check_len(what, v, MAX_ID)
    if not 1 <= max_length <= path_search.MAX_LENGTH:
        raise BadInputError(f"`maxLength` must be between 1 and {path_search.MAX_LENGTH}")
    if source_id == target_id:
        raise BadInputError("`from` and `to` are the same entity")
    size = ctx.size(info, args.get("first"), 5)
    ends = ctx.loaders.entities.load_many([source_id, target_id])
    for i in (source_id, target_id):
        if ends.get(i) is None:
            raise NotFoundError(f"no entity with id {i!r}")
    found = path_search.find_paths(ctx.store, ends[source_id], ends[target_id], max_length, size)
    if found.truncated:
        ctx.notices.append(
            {
                "code": "PATH_SEARCH_TRUNCATED",
                "path": list(info.path.as_list()),
                "message": "the search followed only the strongest links of highly connected "
                "entities; other paths may exist",
            }
        )
    keys = tuple(dict.fromkeys(s.key for p in found.paths for s in p.steps))
    group = tuple(found.entities)
    return [
        {
            "length": len(p.steps),
            "score": round(p.score, 6),
            "nodes": [Node(found.entities[n], group) for n in p.nodes],
            "steps": [StepView(s, keys) for s in p.steps],
        }
        for p in found.paths
    ]


# -- unlinked mentions ---------------------------------------------------------------------


class PagedView:
    """One page of a store list and its total, each asked of the store once."""

    __slots__ = ("page", "_rows", "_total")

    def __init__(self, page: Page) -> None:
        self.page = page
        self._rows: list[Any] | None = None
        self._total: int | None = None

    def fetch(self, store: GraphStore, limit: int, offset: int) -> list[Any]:
        raise NotImplementedError

    def count(self, store: GraphStore) -> int:
        raise NotImplementedError

    def rows(self, ctx: RequestContext) -> list[Any]:
        if self._rows is None:
            # One extra item tells whether there is a next page without counting.
            self._rows = self.fetch(ctx.store, self.page.size + 1, self.page.offset)
        return self._rows

    def total(self, ctx: RequestContext) -> int:
        if self._total is None:
            self._total = self.count(ctx.store)
        return self._total


PAGED_FIELDS: dict[str, Callable[..., Any]] = {
    "totalCount": lambda c, info: c.total(info.context),
    "pageInfo": lambda c, info: page_info(c.page, len(c.rows(info.context))),
}


class MentionConnectionView(PagedView):
    """One page of unlinked mentions."""

    __slots__ = ("filters",)

    def __init__(self, filters: dict[str, Any], page: Page) -> None:
        super().__init__(page)
        self.filters = filters

    def fetch(self, store: GraphStore, limit: int, offset: int) -> list[UnlinkedMention]:
        return store.unlinked_mentions(**self.filters, limit=limit, offset=offset)

    def count(self, store: GraphStore) -> int:
        return store.count_unlinked_mentions(**self.filters)


class MentionEdgeView:
    __slots__ = ("mention", "cursor")

    def __init__(self, mention: UnlinkedMention, cursor: str) -> None:
        self.mention = mention
        self.cursor = cursor


def resolve_unlinked_mentions(
    _root: Any,
    info: GraphQLResolveInfo,
    text: str | None = None,
    type: EntityType | None = None,
    document: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> MentionConnectionView:
    ctx: RequestContext = info.context
    if text is not None:
        _check_len("text", text, MAX_SEARCH_TEXT)
    if document is not None:
        _check_len("document", document, MAX_ID)
    page = ctx.page(info, first, after)
    return MentionConnectionView({"text": text, "type": type, "document_id": document}, page)


def _mention_edges(conn: MentionConnectionView, info: GraphQLResolveInfo) -> list[MentionEdgeView]:
    offset = conn.page.offset
    rows = conn.rows(info.context)[: conn.page.size]
    return [MentionEdgeView(m, encode_cursor(offset + i)) for i, m in enumerate(rows)]


MENTION_CONNECTION_FIELDS: dict[str, Callable[..., Any]] = {**PAGED_FIELDS, "edges": _mention_edges}

MENTION_EDGE_FIELDS: dict[str, Callable[..., Any]] = {
    "cursor": lambda e, info: e.cursor,
    "node": lambda e, info: e.mention,
}

MENTION_FIELDS: dict[str, Callable[..., Any]] = {
    "document": lambda m, info: m.document_id,
    "sentenceStart": lambda m, info: m.sentence_start,
    "sentenceEnd": lambda m, info: m.sentence_end,
    "extractorVersion": lambda m, info: m.extractor_version,
    "sourceKind": lambda m, info: m.source_kind,
}


# -- documents -----------------------------------------------------------------------------


class DocumentView:
    __slots__ = ("entry",)

    def __init__(self, entry: LedgerEntry) -> None:
        self.entry = entry


class DocumentEvidenceView(PagedView):
    """One page of a document's evidence; its statements' ends load together."""

    __slots__ = ("document_id",)

    def __init__(self, document_id: str, page: Page) -> None:
        super().__init__(page)
        self.document_id = document_id

    def fetch(self, store: GraphStore, limit: int, offset: int) -> list[tuple[Statement, Evidence]]:
        return store.document_evidence(self.document_id, limit=limit, offset=offset)

    def count(self, store: GraphStore) -> int:
        return store.count_document_evidence(self.document_id)


class DocumentEvidenceEdgeView:
    __slots__ = ("statement", "evidence", "cursor", "group")

    def __init__(
        self, statement: Statement, evidence: Evidence, cursor: str, group: Sequence[str]
    ) -> None:
        self.statement = statement
        self.evidence = evidence
        self.cursor = cursor
        self.group = group  # every subject and object id of the page


def resolve_document(_root: Any, info: GraphQLResolveInfo, id: str) -> DocumentView:
    _check_len("id", id, MAX_ID)
    entry = info.context.store.ledger([id]).get(id)
    if entry is None:
        raise NotFoundError(f"no document with id {id!r} was ingested")
    return DocumentView(entry)


def _document_evidence_edges(
    conn: DocumentEvidenceView, info: GraphQLResolveInfo
) -> list[DocumentEvidenceEdgeView]:
    rows = conn.rows(info.context)[: conn.page.size]
    group = tuple(dict.fromkeys(i for st, _ in rows for i in (st.subject, st.object)))
    offset = conn.page.offset
    return [
        DocumentEvidenceEdgeView(st, ev, encode_cursor(offset + i), group)
        for i, (st, ev) in enumerate(rows)
    ]


def _statement_end(which: str) -> Callable[..., Node]:
    def resolve(e: DocumentEvidenceEdgeView, info: GraphQLResolveInfo) -> Node:
        eid = getattr(e.statement, which)
        ent = info.context.loaders.entities.load(eid, e.group)
        if ent is None:  # the store refuses statements whose ends it does not hold
            raise NotFoundError(f"statement {e.statement.key}: no entity {eid!r}")
        return Node(ent, e.group)

    return resolve


DOCUMENT_FIELDS: dict[str, Callable[..., Any]] = {
    "id": lambda d, info: d.entry.document_id,
    "source": lambda d, info: d.entry.source,
    "contentHash": lambda d, info: d.entry.content_hash,
    "ingestedAt": lambda d, info: d.entry.ingested_at,
    "status": lambda d, info: d.entry.status,
    "extractors": lambda d, info: list(d.entry.extractors),
    "evidence": lambda d, info, first=None, after=None: DocumentEvidenceView(
        d.entry.document_id, info.context.page(info, first, after)
    ),
    "unlinkedMentions": lambda d, info, first=None, after=None: MentionConnectionView(
        {"text": None, "type": None, "document_id": d.entry.document_id},
        info.context.page(info, first, after),
    ),
}

DOCUMENT_EVIDENCE_CONNECTION_FIELDS: dict[str, Callable[..., Any]] = {
    **PAGED_FIELDS,
    "edges": _document_evidence_edges,
}

DOCUMENT_EVIDENCE_EDGE_FIELDS: dict[str, Callable[..., Any]] = {
    "cursor": lambda e, info: e.cursor,
    "node": lambda e, info: e.evidence,
    "subject": _statement_end("subject"),
    "predicate": lambda e, info: e.statement.predicate,
    "object": _statement_end("object"),
    "action": lambda e, info: e.statement.qualifier("action"),
    "direction": lambda e, info: statement_direction(e.statement),
}


# -- mutations -----------------------------------------------------------------------------


def resolve_ingest(_root: Any, info: GraphQLResolveInfo, paths: list[str]) -> dict[str, Any]:
    ctx: RequestContext = info.context
    if not ctx.authenticated:  # also checked before execution; kept as a second lock
        raise UnauthenticatedError("ingest needs an API key")
    if ctx.ingest is None:
        raise NotAvailableError("this server has no ingestion pipeline installed")
    if not paths:
        raise BadInputError("`paths` is empty")
    processed, failures = ctx.ingest(paths)
    return {
        "processed": processed,
        "failed": len(failures),
        "failures": [{"source": s, "reason": r} for s, r in failures],
    }


QUERY_FIELDS: dict[str, Callable[..., Any]] = {
    "search": resolve_search,
    "entity": resolve_entity,
    "drug": _lookup(EntityType.DRUG, "name"),
    "gene": _lookup(EntityType.GENE, "symbol"),
    "disease": _lookup(EntityType.DISEASE, "name"),
    "variant": _lookup(EntityType.VARIANT, "name"),
    "personalizedTreatment": resolve_treatment,
    "drugSafety": resolve_drug_safety,
    "paths": resolve_paths,
    "unlinkedMentions": resolve_unlinked_mentions,
    "document": resolve_document,
}

MUTATION_FIELDS: dict[str, Callable[..., Any]] = {"ingest": resolve_ingest}


def resolve_entity_type(value: Node, info: GraphQLResolveInfo, abstract_type: Any) -> str:
    return value.entity.type.value  # GraphQL type names equal EntityType values
