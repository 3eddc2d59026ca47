"""Patient data sent to treatment queries is never logged or stored."""

from __future__ import annotations

import logging

from starlette.testclient import TestClient

from api.app import create_app

# Distinctive strings, so any copy of them anywhere is found.
SECRET_DIAGNOSIS = "Pain"
PATIENT = {
    "diagnoses": [SECRET_DIAGNOSIS, "zz-rare-syndrome-4711"],
    "variants": ["EGFR L858R", "zz-variant-4711"],
    "medications": ["Coumadin", "zz-med-4711"],
    "allergies": ["aspirin", "zz-allergen-4711"],
}
SECRETS = [
    "zz-rare-syndrome-4711",
    "zz-variant-4711",
    "zz-med-4711",
    "zz-allergen-4711",
    "Coumadin",
]

PLAN = """query($p: PatientInput!) { personalizedTreatment(patient: $p) { unresolved
  candidates { drug { name } warnings { message } } } }"""
INLINE = (
    '{ drugSafety(drug: "ibuprofen", patient: {medications: ["zz-med-4711", "Coumadin"], '
    'allergies: ["zz-allergen-4711"]}) { unresolved warnings { kind } } }'
)


def _files(path):
    return {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_treatment_queries_leave_no_trace(embedded_graph, api_settings, caplog):
    before = _files(embedded_graph.path)
    app = create_app(api_settings, store=embedded_graph, linker=lambda t, e: [])
    caplog.set_level(logging.DEBUG)  # every logger, every level
    with TestClient(app) as client:
        r = client.post("/graphql", json={"query": PLAN, "variables": {"p": PATIENT}})
        assert r.status_code == 200
        body = r.json()["data"]["personalizedTreatment"]
        assert set(body["unresolved"]) == {s for s in SECRETS if s.startswith("zz")}
        warned = {w["message"] for c in body["candidates"] for w in c["warnings"]}
        assert any("warfarin" in m for m in warned)  # the query really used the medication
        r = client.post("/graphql", json={"query": INLINE})
        assert r.status_code == 200 and r.json()["data"]["drugSafety"]["unresolved"]
        metrics = client.get("/metrics").text
        service = app.state.service
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert caplog.records, (
        "the app should log something (access lines) for this test to mean anything"
    )
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in metrics
    # Stored: nothing written to the graph; no query text with patient literals kept.
    assert _files(embedded_graph.path) == before
    assert not any("zz-" in q for q in service._cache)
    assert any("PatientInput" in q for q in service._cache)  # variables-only documents are fine


def test_internal_errors_log_no_message(embedded_graph, api_settings, caplog):
    class Broken:
        """A real store that fails with a message quoting its input, as some drivers do."""

        def __getattr__(self, name):
            return getattr(embedded_graph, name)

        def find_entities(self, text, types=None, limit=10):
            raise RuntimeError(f"driver failed on {text!r}")

    broken = Broken()
    app = create_app(api_settings, store=lambda: broken, linker=lambda t, e: [])
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        r = client.post("/graphql", json={"query": PLAN, "variables": {"p": PATIENT}})
    assert r.status_code == 200
    err = r.json()["errors"][0]
    assert err["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert err["message"] == "internal error"
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "RuntimeError" in logged  # the failure is visible to operators...
    for secret in [SECRET_DIAGNOSIS, *SECRETS]:
        assert f"'{secret}'" not in logged and f"on {secret}" not in logged  # ...its message is not
