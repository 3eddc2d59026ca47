"""Hostile strings in every string argument come back as data or clean errors, never as
internal errors, and never change the graph (Cypher, JSON, HTML and path payloads)."""

from __future__ import annotations

import json

from graphql import get_named_type

from api.schema import build_executable_schema
from tests.api import graph as g

PAYLOADS = [
    "' OR 1=1 --",
    '") RETURN n //',
    "}) MATCH (n) DETACH DELETE n //",
    "x' WITH 1 AS a CALL db.labels() YIELD label RETURN label //",
    "$id",
    '{"$ne": null}',
    '"}, "admin": true, "x": {"',
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "../../../../etc/passwd",
    "%s%s%n",
    "\x00\x1f",
    "\\",
    "名前 ñ 🧬",
    "a" * 499,
]

# Every String/ID argument of every root field, as (query with $v, where $v goes).
CASES = {
    ("Query", "search", "text"): "query($v: String!) { search(text: $v) { id } }",
    ("Query", "entity", "id"): "query($v: ID!) { entity(id: $v) { id } }",
    ("Query", "drug", "id"): "query($v: ID) { drug(id: $v) { id } }",
    ("Query", "drug", "name"): "query($v: String) { drug(name: $v) { id } }",
    ("Query", "gene", "id"): "query($v: ID) { gene(id: $v) { id } }",
    ("Query", "gene", "symbol"): "query($v: String) { gene(symbol: $v) { id } }",
    ("Query", "disease", "id"): "query($v: ID) { disease(id: $v) { id } }",
    ("Query", "disease", "name"): "query($v: String) { disease(name: $v) { id } }",
    ("Query", "variant", "id"): "query($v: ID) { variant(id: $v) { id } }",
    ("Query", "variant", "name"): "query($v: String) { variant(name: $v) { id } }",
    (
        "Query",
        "drugSafety",
        "drug",
    ): "query($v: String!) { drugSafety(drug: $v, patient: {}) { unresolved } }",
    (
        "Query",
        "paths",
        "from",
    ): f'query($v: ID!) {{ paths(from: $v, to: "{g.NSCLC.id}") {{ length }} }}',
    (
        "Query",
        "paths",
        "to",
    ): f'query($v: ID!) {{ paths(from: "{g.NSCLC.id}", to: $v) {{ length }} }}',
    ("Query", "unlinkedMentions", "text"): (
        "query($v: String) { unlinkedMentions(text: $v) { totalCount edges { node { text } } } }"
    ),
    ("Query", "unlinkedMentions", "document"): (
        "query($v: String) { unlinkedMentions(document: $v) { totalCount edges { cursor } } }"
    ),
    ("Query", "unlinkedMentions", "after"): (
        "query($v: String) { unlinkedMentions(after: $v) { totalCount edges { cursor } } }"
    ),
    ("Query", "document", "id"): (
        "query($v: ID!) { document(id: $v) { id evidence { totalCount edges { predicate } } } }"
    ),
    (
        "Drug",
        "targets",
        "after",
    ): 'query($v: String) { drug(name: "erlotinib") { targets(after: $v) { totalCount } } }',
}
for _field in ("diagnoses", "variants", "medications", "allergies"):
    CASES[("PatientInput", _field, "")] = (
        f"query($v: String!) {{ personalizedTreatment(patient: {{{_field}: [$v]}}) {{ unresolved "
        f'candidates {{ drug {{ id }} }} }} a: drugSafety(drug: "aspirin", patient: {{{_field}: [$v]}}) '
        "{ unresolved warnings { kind } } }"
    )

ALLOWED = {"NOT_FOUND", "BAD_USER_INPUT"}


def test_cases_cover_every_string_argument_of_the_root_fields():
    schema = build_executable_schema()
    wanted = set()
    for name, field in schema.query_type.fields.items():
        for arg, a in field.args.items():
            if get_named_type(a.type).name in ("String", "ID"):
                wanted.add(("Query", name, arg))
    for name in schema.type_map["PatientInput"].fields:
        wanted.add(("PatientInput", name, ""))
    assert wanted <= set(CASES)


def _check(body: dict, payload: str) -> None:
    json.dumps(body)  # serialisable as it is
    for err in body.get("errors", []):
        assert err["extensions"]["code"] in ALLOWED, (payload, err)
        assert "Traceback" not in err["message"]


def test_payloads_in_variables(gql, graph_store):
    before = graph_store.counts()
    for key, query in CASES.items():
        for payload in PAYLOADS:
            body = gql(query, {"v": payload})
            _check(body, payload)
            if key[0] == "PatientInput" and len(payload) <= 200:
                assert body["data"]["personalizedTreatment"]["unresolved"] == [payload]
            if key == ("Query", "drugSafety", "drug") and len(payload) <= 200:
                assert body["data"]["drugSafety"]["unresolved"] == [payload]
    assert graph_store.counts() == before
    assert graph_store.get_entities([g.ERLOTINIB.id]) == {g.ERLOTINIB.id: g.ERLOTINIB}


def test_payloads_as_literals(gql, graph_store):
    before = graph_store.counts()
    for payload in PAYLOADS:
        literal = json.dumps(payload)  # a JSON string is a valid GraphQL string literal
        body = gql(f"{{ search(text: {literal}) {{ id }} entity(id: {literal}) {{ id }} }}")
        _check(body, payload)
        assert body["data"]["search"] == [] or all(
            isinstance(x["id"], str) for x in body["data"]["search"]
        )
        body = gql(
            f"{{ drugSafety(drug: {literal}, patient: {{allergies: [{literal}]}}) {{ unresolved }} }}"
        )
        _check(body, payload)
    assert graph_store.counts() == before


def test_broken_unicode_is_refused_cleanly(gql):
    body = gql('{ search(text: "\\ud800") { id } }')
    assert body["errors"][0]["extensions"]["code"] in {"GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"}
    body = gql("query($v: String!) { search(text: $v) { id } }", {"v": "\ud800x"})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
