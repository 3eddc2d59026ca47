"""Negation and speculation cues around a relation's two arguments."""

from __future__ import annotations

import pytest

from extractors.cues import assess, relation_scope


def cues(sentence: str, first: str, second: str):
    a = sentence.index(first)
    b = sentence.index(second, a + len(first)) if first != second else a
    return assess(sentence, (a, a + len(first)), (b, b + len(second)))


@pytest.mark.parametrize(
    "sentence, first, second",
    [
        ("Aspirin did not inhibit COX-2 in these cells.", "Aspirin", "COX-2"),
        ("No association was found between BRCA1 and breast cancer.", "BRCA1", "breast cancer"),
        (
            "Metformin failed to reduce the incidence of lactic acidosis.",
            "Metformin",
            "lactic acidosis",
        ),
        (
            "KRAS mutations and response to cetuximab were unrelated to each other.",
            "KRAS",
            "cetuximab",
        ),
        (
            "Celecoxib was not associated with myocardial infarction.",
            "Celecoxib",
            "myocardial infarction",
        ),
        ("Rifampin had no effect on CYP3A4 activity.", "Rifampin", "CYP3A4"),
    ],
)
def test_negated(sentence, first, second):
    c = cues(sentence, first, second)
    assert c.negated and not c.speculative, c


@pytest.mark.parametrize(
    "sentence, first, second",
    [
        ("BRCA1 may be associated with breast cancer.", "BRCA1", "breast cancer"),
        ("These results suggest that imatinib inhibits KIT.", "imatinib", "KIT"),
        ("Statins might reduce the risk of dementia.", "Statins", "dementia"),
        ("TP53 is a putative driver of lung cancer.", "TP53", "lung cancer"),
        ("Whether warfarin causes bleeding in these patients is unclear.", "warfarin", "bleeding"),
        ("A role of TP53 in lung cancer cannot be excluded.", "TP53", "lung cancer"),
    ],
)
def test_speculative(sentence, first, second):
    c = cues(sentence, first, second)
    assert c.speculative and not c.negated, c


@pytest.mark.parametrize(
    "sentence, first, second",
    [
        ("Aspirin irreversibly inhibits COX-1.", "Aspirin", "COX-1"),
        ("Imatinib inhibits not only ABL1 but also KIT.", "Imatinib", "KIT"),
        (
            "Gefitinib is effective in non-small cell lung cancer.",
            "Gefitinib",
            "non-small cell lung cancer",
        ),
        (
            "The mechanism has not been established, but warfarin causes bleeding.",
            "warfarin",
            "bleeding",
        ),
        (
            "Alprazolam treats panic disorder, with or without agoraphobia.",
            "Alprazolam",
            "panic disorder",
        ),
        (
            "Gefitinib treats lung cancer in patients who have not responded to chemotherapy.",
            "Gefitinib",
            "lung cancer",
        ),
        (
            "Aspirin reduced stroke in a cohort of elderly people in whom other outcomes were never recorded.",
            "Aspirin",
            "stroke",
        ),
    ],
)
def test_affirmed(sentence, first, second):
    c = cues(sentence, first, second)
    assert not c.negated and not c.speculative, c


def test_a_negation_in_another_clause_does_not_reach_the_pair():
    s = "Aspirin inhibited COX-1 but not COX-2."
    assert not cues(s, "Aspirin", "COX-1").negated
    assert cues(s, "Aspirin", "COX-2").negated


def test_scope_stops_at_clause_boundaries():
    s = "X was tested; Y inhibited Z, whereas W did not."
    y, z = s.index("Y"), s.index("Z")
    lo, hi = relation_scope(s, (y, y + 1), (z, z + 1))
    assert s[lo:hi].strip() == "Y inhibited Z,"


def test_single_argument_negation_can_be_limited_to_cues_before_it():
    s = "Indicated for severe psoriasis that is not adequately responsive to other drugs and not for acne."
    p = s.index("psoriasis")
    assert not assess(s, (p, p + 9), (p, p + 9), negation_window=(8, 0)).negated
    a = s.index("acne")
    assert assess(s, (a, a + 4), (a, a + 4), negation_window=(8, 0)).negated


@pytest.mark.parametrize(
    ("sentence", "first", "second"),
    [
        (
            "CPIC does not recommend the use of capecitabine in patients with DPYD*2A.",
            "capecitabine",
            "DPYD*2A",
        ),
        ("Abacavir should not be used in carriers of HLA-B*57:01.", "Abacavir", "HLA-B*57:01"),
        ("Codeine is not recommended for CYP2D6 ultrarapid metabolizers.", "Codeine", "CYP2D6"),
    ],
)
def test_advice_against_a_drug_is_no_negation_of_a_genotype_effect(sentence, first, second):
    def span(word: str) -> tuple[int, int]:
        i = sentence.index(word)
        return i, i + len(word)

    a, b = span(first), span(second)
    assert assess(sentence, a, b).negated  # as for any other relation: negated
    assert not assess(sentence, a, b, advice=True).negated  # the genotype changes the response
    no_effect = "CYP2C19 did not alter the response to clopidogrel."
    assert assess(no_effect, (0, 7), (38, 49), advice=True).negated
