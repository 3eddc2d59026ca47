"""`medkg query` runs in-process against the configured store; `medkg serve` is registered."""

from __future__ import annotations

import json

from api.cli import build_parser, main
from tests.api import graph as g


def _env(monkeypatch, embedded_graph, key=""):
    monkeypatch.setenv("MEDKG_STORE", f"embedded:{embedded_graph.path}")
    monkeypatch.setenv("MEDKG_API_KEY", key)


def test_query_prints_the_json_response(monkeypatch, capsys, embedded_graph):
    _env(monkeypatch, embedded_graph)
    rc = main(
        [
            "query",
            "query($n: String!) { drug(name: $n) { id name } }",
            "--variables",
            '{"n": "Tarceva"}',
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out == {"data": {"drug": {"id": g.ERLOTINIB.id, "name": "erlotinib"}}}


def test_query_errors_exit_non_zero(monkeypatch, capsys, embedded_graph, tmp_path):
    _env(monkeypatch, embedded_graph)
    assert main(["query", '{ entity(id: "nope") { id } }']) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert main(["query", '{ search(text: "a") { id } }', "--variables", "{bad"]) == 2
    f = tmp_path / "q.graphql"
    f.write_text('{ gene(symbol: "EGFR") { id } }')
    assert main(["query", f"@{f}"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["gene"]["id"] == g.EGFR.id


def test_query_mutation_needs_a_configured_key(monkeypatch, capsys, embedded_graph):
    _env(monkeypatch, embedded_graph, key="")
    assert main(["query", 'mutation { ingest(paths: ["x"]) { processed } }']) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_serve_is_registered():
    args = build_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert (args.host, args.port) == ("127.0.0.1", 8123) and callable(args.func)


def test_stats_counts_unlinked_mentions(monkeypatch, capsys, embedded_graph):
    from kg.model import WriteBatch
    from tests.kg.factories import mention

    nodes_before = embedded_graph.counts().nodes
    embedded_graph.apply(
        WriteBatch(mentions=(mention("PMID:1", "Glorpamab"), mention("PMID:2", "Zorb", start=3)))
    )
    _env(monkeypatch, embedded_graph)
    assert main(["stats", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["unlinked_mentions"] == 2
    assert counts["nodes"] == dict(nodes_before)  # mentions are not entity nodes
    assert main(["stats"]) == 0
    assert "unlinked mentions: 2" in capsys.readouterr().out
