"""No N+1: store calls per query depend on its shape, not on how many items it returns."""

from __future__ import annotations

from collections import Counter

from kg.settings import Settings
from tests.api.conftest import make_service


class CountingStore:
    """Delegates to a real store and counts the calls the API makes."""

    def __init__(self, store):
        self._store = store
        self.calls: Counter[str] = Counter()
        self.ids: dict[str, list[int]] = {}

    def __getattr__(self, name):
        target = getattr(self._store, name)
        if not callable(target):
            return target

        def call(*args, **kwargs):
            self.calls[name] += 1
            if args and isinstance(args[0], list | tuple):
                self.ids.setdefault(name, []).append(len(args[0]))
            return target(*args, **kwargs)

        return call


NESTED = """{ search(text: "%s", types: [DRUG], first: 50) { ... on Drug {
    name
    targets(first: 5) { totalCount edges { action node { name drugs(first: 3) { totalCount edges { node { name } } } }
                                            evidence(first: 2) { sentence } } }
    treats(first: 5) { edges { node { name } evidence { document } } }
} } }"""


def _run(store, text):
    counting = CountingStore(store)
    body = make_service(counting, Settings()).execute(NESTED % text).body
    assert "errors" not in body, body
    return body, counting


def test_store_calls_do_not_grow_with_results(embedded_graph):
    one, few = _run(embedded_graph, "osimertinib")
    many, lots = _run(embedded_graph, "i")  # every drug with an "i" in a name or synonym
    assert len(one["data"]["search"]) == 1
    assert len(many["data"]["search"]) >= 10
    # search 1; neighbours: targets, treats, nested drugs = 3; counts: targets, drugs = 2;
    # evidence: targets' and treats' = 2.
    expected = {"find_entities": 1, "neighbours": 3, "count_neighbours": 2, "evidence": 2}
    assert dict(few.calls) == expected
    assert dict(lots.calls) == expected
    # ...and each call carried the whole level.
    assert max(lots.ids["neighbours"]) >= 10


def test_treatment_makes_a_fixed_number_of_calls(embedded_graph):
    counting = CountingStore(embedded_graph)
    q = """query($p: PatientInput!) { personalizedTreatment(patient: $p) { candidates {
             drug { name targets { edges { node { name } } } }
             reasons { evidence { document } } warnings { evidence { document } } } } }"""
    patient = {
        "diagnoses": ["Pain", "GI bleeding"],
        "medications": ["warfarin"],
        "variants": ["EGFR L858R"],
    }
    body = make_service(counting, Settings()).execute(q, {"p": patient}).body
    assert "errors" not in body and len(body["data"]["personalizedTreatment"]["candidates"]) == 5
    # gather: 3 neighbour calls (the diagnoses' broader diseases, MeSH ancestors, ride with
    # the medications); candidates' targets: 1; evidence for reasons and warnings: 1 (shared).
    assert counting.calls["neighbours"] == 4
    assert counting.calls["evidence"] == 1
