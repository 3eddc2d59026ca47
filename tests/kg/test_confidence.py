"""The confidence formula of ``kg/confidence.py``, term by term."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kg.confidence import LINK_FACTOR, SOURCE_WEIGHT, combine, evidence_weight, link_factor
from kg.model import SourceKind
from tests.kg.factories import ABL1, IMATINIB, evidence, targets

ST = targets(IMATINIB, ABL1)


def test_an_end_linked_by_a_near_spelling_or_dropped_words_weighs_less():
    exact = replace(evidence(ST, "PMID:1", score=0.9), subject_link="exact", object_link="exact")
    lit = SOURCE_WEIGHT[SourceKind.LITERATURE] * 0.9
    assert evidence_weight(exact) == pytest.approx(lit)
    fuzzy = replace(exact, object_link="fuzzy")
    assert evidence_weight(fuzzy) == pytest.approx(lit * LINK_FACTOR["fuzzy"])
    both = replace(exact, subject_link="long:trimmed", object_link="fuzzy")
    assert evidence_weight(both) == pytest.approx(
        lit * LINK_FACTOR["trimmed"] * LINK_FACTOR["fuzzy"]
    )
    # evidence that recorded no link, and ways that name the entity, count in full
    assert evidence_weight(replace(exact, subject_link="", object_link="")) == pytest.approx(lit)
    for how in ("long:exact", "label", "variant", "gene-tail", "retyped", "elided:exact"):
        assert link_factor(how) == 1.0
    assert all(0.0 < f <= 1.0 for f in LINK_FACTOR.values())


def test_a_long_forms_near_spelling_is_weighed_by_its_own_precision():
    # an abbreviation's long form is written in full: matched fuzzily, it was right as
    # often as an exact name on dev; other prefixes read as their last step
    assert link_factor("long:fuzzy") == 1.0 > link_factor("fuzzy")
    assert link_factor("fuzzy") > link_factor("long:trimmed") == link_factor("trimmed")
    assert link_factor("long:loose") > link_factor("elided:loose") == link_factor("loose")


def test_a_document_counts_once_by_its_best_evidence_and_documents_add_up():
    fuzzy = replace(evidence(ST, "PMID:1", score=0.9), object_link="fuzzy")
    exact = replace(evidence(ST, "PMID:1", start=40, score=0.9), object_link="exact")
    w = SOURCE_WEIGHT[SourceKind.LITERATURE] * 0.9
    # the same document's exact sentence is its best: the fuzzy one adds nothing
    assert combine([fuzzy, exact]) == pytest.approx(w, abs=1e-6)
    other = replace(fuzzy, document_id="PMID:2")
    assert combine([exact, other]) == pytest.approx(
        1 - (1 - w) * (1 - w * LINK_FACTOR["fuzzy"]), abs=1e-6
    )
    assert combine([replace(exact, negated=True)]) == 0.0
