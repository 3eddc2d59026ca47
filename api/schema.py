"""The executable schema: the SDL in api/schema.graphql with the resolvers bound to it."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLSchema, build_schema

from api import resolvers as r
from kg.model import EntityType, Predicate, ResponseDirection, SourceKind

SDL_PATH = Path(__file__).with_name("schema.graphql")

# GraphQL enum name -> Python enum whose members' names match the GraphQL values.
ENUMS = {
    "EntityType": EntityType,
    "Predicate": Predicate,
    "ResponseDirection": ResponseDirection,
    "SourceKind": SourceKind,
}


def read_sdl() -> str:
    return SDL_PATH.read_text(encoding="utf-8")


def _bind(obj: GraphQLObjectType, fields: dict) -> None:
    for name, fn in fields.items():
        if name in obj.fields:
            obj.fields[name].resolve = fn


def build_executable_schema(sdl: str | None = None) -> GraphQLSchema:
    schema = build_schema(sdl if sdl is not None else read_sdl())
    types = schema.type_map
    for gql_name, py_enum in ENUMS.items():
        enum = types[gql_name]
        assert isinstance(enum, GraphQLEnumType)
        for value_name, value in enum.values.items():
            value.value = py_enum[value_name]
        # build_schema left a lookup keyed by the names; rebuild it for the new values.
        enum.__dict__.pop("_value_lookup", None)
    assert schema.query_type is not None and schema.mutation_type is not None
    _bind(schema.query_type, r.QUERY_FIELDS)
    _bind(schema.mutation_type, r.MUTATION_FIELDS)
    for type_name, specs in r.CONNECTIONS.items():
        obj = types[type_name]
        assert isinstance(obj, GraphQLObjectType)
        _bind(obj, {name: r.connection_field(spec) for name, spec in specs.items()})
    _bind(types["Variant"], {"gene": r.resolve_variant_gene})
    for name, t in types.items():
        if not isinstance(t, GraphQLObjectType):
            continue
        if name.endswith("Connection"):
            _bind(
                t,
                {
                    "totalCount": r.resolve_total,
                    "edges": r.resolve_edges,
                    "pageInfo": r.resolve_page_info,
                },
            )
        elif name.endswith("Edge"):
            _bind(t, r.EDGE_FIELDS)
    _bind(types["Evidence"], r.EVIDENCE_FIELDS)
    _bind(types["Reason"], r.REASON_FIELDS)
    _bind(types["Warning"], r.WARNING_FIELDS)
    _bind(types["TreatmentPlan"], r.PLAN_FIELDS)
    _bind(types["PathStep"], r.STEP_FIELDS)
    # After the generic Connection/Edge binding above, which these types do not follow.
    _bind(types["UnlinkedMentionConnection"], r.MENTION_CONNECTION_FIELDS)
    _bind(types["UnlinkedMentionEdge"], r.MENTION_EDGE_FIELDS)
    _bind(types["UnlinkedMention"], r.MENTION_FIELDS)
    _bind(types["Document"], r.DOCUMENT_FIELDS)
    _bind(types["DocumentEvidenceConnection"], r.DOCUMENT_EVIDENCE_CONNECTION_FIELDS)
    _bind(types["DocumentEvidenceEdge"], r.DOCUMENT_EVIDENCE_EDGE_FIELDS)
    types["Entity"].resolve_type = r.resolve_entity_type  # type: ignore[attr-defined]
    return schema
