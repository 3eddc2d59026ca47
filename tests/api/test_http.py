"""The ASGI app: routes, status codes, API key for mutations, health and metrics."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from kg.errors import StoreUnavailableError
from kg.settings import Settings
from tests.api.conftest import API_KEY

QUERY = '{ drug(name: "erlotinib") { name targets { totalCount } } }'
MUTATION = (
    'mutation { ingest(paths: ["samples/civic"]) { processed failed failures { source reason } } }'
)


def fake_ingest(paths):
    """Stands in for the pipeline: these tests are about who may call it."""
    return len(paths), [("bad.xml", "not a document")]


def _no_linker(text, etype):
    return []


@pytest.fixture
def client(embedded_graph, api_settings):
    app = create_app(api_settings, store=embedded_graph, ingest=fake_ingest, linker=_no_linker)
    with TestClient(app) as c:
        yield c


def test_post_query(client):
    r = client.post("/graphql", json={"query": QUERY})
    assert r.status_code == 200
    assert r.json() == {"data": {"drug": {"name": "erlotinib", "targets": {"totalCount": 1}}}}


def test_operation_name_and_variables(client):
    doc = 'query A { entity(id: "MESH:D001241") { name } } query B($n: String!) { drug(name: $n) { id } }'
    r = client.post(
        "/graphql", json={"query": doc, "operationName": "B", "variables": {"n": "Aleve"}}
    )
    assert r.json()["data"] == {"drug": {"id": "MESH:D009288"}}
    r = client.post("/graphql", json={"query": doc})
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "BAD_REQUEST",
        ),
        (
            {"content": b"[1, 2]", "headers": {"content-type": "application/json"}},
            400,
            "BAD_REQUEST",
        ),
        (
            {"content": b"query { x }", "headers": {"content-type": "text/plain"}},
            415,
            "BAD_REQUEST",
        ),
        ({"json": {"query": 42}}, 400, "BAD_REQUEST"),
        ({"json": {"query": '{ search(text: "a") { id } }', "variables": [1]}}, 400, "BAD_REQUEST"),
        ({"json": {"query": "{ search(text: "}}, 400, "GRAPHQL_PARSE_FAILED"),
        ({"json": {"query": "{ nosuchfield }"}}, 400, "GRAPHQL_VALIDATION_FAILED"),
        (
            {
                "content": b'{"query": "' + b"a" * (1 << 20) + b'"}',
                "headers": {"content-type": "application/json"},
            },
            413,
            "BAD_REQUEST",
        ),
    ],
)
def test_bad_requests_get_clean_errors(client, kwargs, status, code):
    r = client.post("/graphql", **kwargs)
    assert r.status_code == status
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == code
    assert "Traceback" not in r.text


def test_mutation_without_key_is_unauthenticated(client):
    r = client.post("/graphql", json={"query": MUTATION})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    r = client.post("/graphql", json={"query": MUTATION}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = client.post("/graphql", json={"query": MUTATION}, headers={"X-API-Key": API_KEY[:-1]})
    assert r.status_code == 401


@pytest.mark.parametrize("header", [{"Authorization": f"Bearer {API_KEY}"}, {"X-API-Key": API_KEY}])
def test_mutation_with_key_runs(client, header):
    r = client.post("/graphql", json={"query": MUTATION}, headers=header)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["ingest"] == {
        "processed": 1,
        "failed": 1,
        "failures": [{"source": "bad.xml", "reason": "not a document"}],
    }


def test_mutations_are_off_when_no_key_is_configured(embedded_graph):
    app = create_app(
        Settings(api_key=""), store=embedded_graph, ingest=fake_ingest, linker=_no_linker
    )
    with TestClient(app) as c:
        r = c.post("/graphql", json={"query": MUTATION}, headers={"Authorization": "Bearer "})
        assert r.status_code == 401
        assert "no API key configured" in r.json()["errors"][0]["message"]
        # Reads stay open.
        assert c.post("/graphql", json={"query": QUERY}).status_code == 200


def test_a_key_does_not_leak_into_a_query(client):
    r = client.post("/graphql", json={"query": QUERY}, headers={"X-API-Key": API_KEY})
    assert r.status_code == 200 and API_KEY not in r.text


def test_healthz_and_store_unavailable(embedded_graph, api_settings):
    state = {"up": True}

    def provider():
        if not state["up"]:
            raise StoreUnavailableError("neo4j://db:7687 is not answering")
        return embedded_graph

    app = create_app(api_settings, store=provider, ingest=fake_ingest, linker=_no_linker)
    with TestClient(app) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        state["up"] = False
        r = c.get("/healthz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        r = c.post("/graphql", json={"query": QUERY})
        assert r.status_code == 503
        err = r.json()["errors"][0]
        assert err["extensions"]["code"] == "STORE_UNAVAILABLE"
        assert "not answering" in err["message"]
        state["up"] = True
        assert c.post("/graphql", json={"query": QUERY}).status_code == 200


def test_store_failing_mid_query_is_503(embedded_graph, api_settings):
    class Flaky:
        """A real store whose neighbour look-ups fail as an unreachable server's would."""

        def __getattr__(self, name):
            return getattr(embedded_graph, name)

        def neighbours(self, *a, **kw):
            raise StoreUnavailableError("connection reset")

        count_neighbours = neighbours

    flaky = Flaky()
    app = create_app(api_settings, store=lambda: flaky, ingest=fake_ingest, linker=_no_linker)
    with TestClient(app) as c:
        r = c.post("/graphql", json={"query": QUERY})
        assert r.status_code == 503
        assert r.json()["data"] == {"drug": None}
        assert r.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"


def test_unopenable_store_dir_is_503(tmp_path, api_settings):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings = api_settings.with_(store=f"embedded:{blocker}/graph")
    app = create_app(settings, ingest=fake_ingest, linker=_no_linker)
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 503
        r = c.post("/graphql", json={"query": QUERY})
        assert r.status_code == 503
        assert r.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"


def test_metrics_count_requests_latency_and_error_codes(client):
    client.post("/graphql", json={"query": QUERY})
    client.post("/graphql", json={"query": '{ entity(id: "nope") { id } }'})
    client.post("/graphql", json={"query": MUTATION})
    client.post("/graphql", content=b"{ x }", headers={"content-type": "text/plain"})
    text = client.get("/metrics").text
    assert 'medkg_graphql_requests_total{operation="unknown",status="415"} 1.0' in text
    assert 'medkg_graphql_errors_total{code="BAD_REQUEST"} 1.0' in text
    assert 'medkg_graphql_requests_total{operation="query",status="200"} 2.0' in text
    assert 'medkg_graphql_requests_total{operation="mutation",status="401"} 1.0' in text
    assert 'medkg_graphql_errors_total{code="NOT_FOUND"} 1.0' in text
    assert 'medkg_graphql_errors_total{code="UNAUTHENTICATED"} 1.0' in text
    assert 'medkg_graphql_request_seconds_bucket{le="0.5",operation="query"} 2.0' in text


def test_graphiql_page_and_assets_are_served_locally(client):
    r = client.get("/graphql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in (
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "medkg-graphiql.js",
    ):
        assert f"static/{asset}" in html
        a = client.get(f"/static/{asset}")
        assert a.status_code == 200 and len(a.content) > 100, asset
