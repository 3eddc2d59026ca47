"""Depth and cost limits: aliases and fragments must not get around them."""

from __future__ import annotations

from graphql import get_introspection_query, parse, specified_rules, validate

from api.limits import depth_errors, limit_rules, query_cost
from api.schema import build_executable_schema
from kg.settings import Settings
from tests.api.conftest import codes

DEEP = """{ drug(name: "erlotinib") { targets { edges { node { drugs { edges { node {
            targets { edges { node { drugs { edges { node { name } } } } } } } } } } } } } }"""


def _limited(settings: Settings, query: str, variables=None):
    schema = build_executable_schema()
    return validate(schema, parse(query), [*specified_rules, *limit_rules(settings, variables)])


def test_depth_is_counted_in_fields():
    s = Settings(max_query_depth=5)
    assert _limited(s, '{ drug(name: "x") { targets { edges { node { id } } } } }') == []
    errs = _limited(
        s, '{ drug(name: "x") { targets { edges { node { drugs { totalCount } } } } } }'
    )
    assert [e.extensions["code"] for e in errs] == ["QUERY_TOO_DEEP"]
    assert errs[0].extensions["depth"] == 6 and errs[0].extensions["maxDepth"] == 5


def test_too_deep_query_is_refused_before_execution(egql):
    body = egql(DEEP)
    assert codes(body) == ["QUERY_TOO_DEEP"]
    assert "data" not in body
    assert "depth 14 exceeds the limit of 12" in body["errors"][0]["message"]


def test_fragments_cannot_hide_depth(egql):
    query = """
      query { drug(name: "erlotinib") { ...A } }
      fragment A on Drug { targets { edges { node { ...B } } } }
      fragment B on Gene { drugs { edges { node { ...C } } } }
      fragment C on Drug { targets { edges { node { ... on Gene { drugs { edges { node { name } } } } } } } }
    """
    assert codes(egql(query)) == ["QUERY_TOO_DEEP"]


def test_aliases_each_cost_their_own_way(egql):
    one = 'x%d: search(text: "a", first: 50) { ... on Drug { targets(first: 50) { edges { node { name } } } } }'
    assert "errors" not in egql("{" + one % 0 + "}")
    body = egql("{" + " ".join(one % i for i in range(10)) + "}")
    assert codes(body) == ["QUERY_TOO_COSTLY"]
    ext = body["errors"][0]["extensions"]
    assert ext["cost"] > ext["maxCost"] == 50_000


def test_repeated_fragment_spreads_are_counted_each_time():
    s = Settings(max_query_cost=2_000)
    frag = "fragment T on Drug { targets(first: 50) { edges { node { name } } } }"
    once = '{ search(text: "a", first: 5) { ...T } } ' + frag
    many = (
        '{ search(text: "a", first: 5) { ...T ...T ...T ...T } a: search(text: "b", first: 5) { ...T } } '
        + frag
    )
    assert _limited(s, once) == []
    assert [e.extensions["code"] for e in _limited(s, many)] == ["QUERY_TOO_COSTLY"]


def test_fragment_bombs_are_checked_in_linear_time():
    # Each fragment spreads the previous one twice: 2**40 fields if expanded naively.
    frags = ["fragment F0 on Drug { name }"] + [
        f"fragment F{i} on Drug {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)
    ]
    query = '{ drug(name: "x") { ...F40 } } ' + " ".join(frags)
    errs = _limited(Settings(), query)
    assert [e.extensions["code"] for e in errs] == ["QUERY_TOO_COSTLY"]


def test_fragment_cycles_are_reported_not_looped():
    query = '{ drug(name: "x") { ...A } } fragment A on Drug { ...B } fragment B on Drug { ...A }'
    errs = _limited(Settings(), query)
    assert errs and all("cycle" in e.message.lower() or "spread" in e.message.lower() for e in errs)


def test_cost_follows_variables():
    s = Settings(max_query_cost=1_000)
    q = 'query($n: Int) { search(text: "a", first: $n) { ... on Drug { targets(first: $n) { edges { node { id } } } } } }'
    assert _limited(s, q, {"n": 5}) == []
    assert [e.extensions["code"] for e in _limited(s, q, {"n": 50})] == ["QUERY_TOO_COSTLY"]


def test_cost_uses_schema_defaults_and_the_page_cap():
    schema = build_executable_schema()
    s = Settings(default_page_size=25, max_page_size=100)
    doc = parse('{ drug(name: "x") { targets { edges { node { id } } } } }')
    op = doc.definitions[0]
    # drug 2 + targets 1 + 25 * (edges 1 + node 1 + id 1)
    assert query_cost(schema, op, {}, {}, s) == 2 + 1 + 25 * 3
    doc = parse('{ drug(name: "x") { targets(first: 100000) { edges { node { id } } } } }')
    assert query_cost(schema, doc.definitions[0], {}, {}, s) == 2 + 1 + 100 * 3


def test_introspection_passes(egql):
    body = egql(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection_is_bounded_too(egql):
    nested = "name"
    for _ in range(10):
        nested = f"fields {{ type {{ {nested} }} }}"
    query = f"{{ __schema {{ types {{ {nested} }} }} }}"
    body = egql(query)
    # graphql-core >= 3.3 has its own introspection-depth rule; ours holds for older ones.
    assert codes(body)[0] in {"QUERY_TOO_DEEP", "GRAPHQL_VALIDATION_FAILED"}
    doc = parse(query)
    errs = depth_errors(doc.definitions[0], {}, Settings())
    assert [e.extensions["code"] for e in errs] == ["QUERY_TOO_DEEP"]
    assert "introspection depth 23" in errs[0].message
