"""Abbreviation definitions and their uses, with offsets into the document text."""

from __future__ import annotations

import pytest

from extractors.abbreviations import AbbreviationFinder, long_forms, match_long_form
from kg.model import Document

TEXT = (
    "Treatment with 5-fluorouracil (5-FU) and cyclophosphamide (CY) caused acute renal "
    "failure (ARF). Both 5-FU and CY were stopped; ARF resolved. The effect of "
    "phenobarbital (PB: 15 mg/kg) was studied; PB reduced it."
)


@pytest.fixture(scope="module")
def finder() -> AbbreviationFinder:
    return AbbreviationFinder()


def test_every_use_of_a_short_form_gets_its_long_form(finder):
    doc = Document(id="PMID:1", source="text", text=TEXT)
    found = finder.find(doc)
    by_short: dict[str, list] = {}
    for a in found:
        assert TEXT[a.start : a.end] == a.short
        assert TEXT[a.long_start : a.long_end] == a.long
        by_short.setdefault(a.short, []).append(a)
    assert by_short["ARF"][0].long == "acute renal failure"
    assert by_short["CY"][0].long == "cyclophosphamide"
    # the definition "(ARF)" and the later use both count; the long form itself never does
    assert len(by_short["ARF"]) == 2
    assert len(by_short["CY"]) == 2


def test_digit_initial_and_colon_definitions_that_scispacy_rejects(finder):
    forms = long_forms(finder.find(TEXT))
    assert forms["5-FU"].long == "5-fluorouracil"
    assert forms["PB"].long == "phenobarbital"


@pytest.mark.slow  # imports spaCy (and, through thinc, torch)
def test_scispacy_detector_on_a_blank_pipeline_agrees():
    forms = long_forms(AbbreviationFinder(use_scispacy=True).find(TEXT))
    assert {"5-FU", "CY", "ARF", "PB"} <= set(forms)
    assert forms["ARF"].long == "acute renal failure"
    assert forms["CY"].long == "cyclophosphamide"


def test_long_form_keeps_whole_words_and_balanced_brackets(finder):
    text = "We used 3'-azido-3'-deoxythymidine (AZT) and [complete response (CR) was seen]."
    forms = long_forms(finder.find(text))
    assert forms["AZT"].long == "3'-azido-3'-deoxythymidine"
    assert forms["CR"].long == "complete response"


def test_no_definition_no_abbreviation(finder):
    assert finder.find("Aspirin (100 mg) was given (twice daily) to patients.") == []


def test_a_parenthesis_naming_a_word_of_its_own_long_form_defines_nothing(finder):
    # the letters of "naproxen" run right to left through the sentence back to "naproxen
    # sodium": Schwartz & Hearst reject a long form holding its short form
    text = "Sumatriptan and naproxen sodium tablets already contain an NSAID (naproxen). "
    assert finder.find(text + "Do not take naproxen twice.") == []
    assert long_forms(finder.find("Use 5-fluorouracil (5-FU) with 5-FU."))["5-FU"].long == (
        "5-fluorouracil"
    )


def test_schwartz_hearst_character_match():
    candidate = "patients with acute renal failure"
    start = match_long_form("ARF", candidate)
    assert start is not None and candidate[start:] == "acute renal failure"
    assert match_long_form("XYZ", candidate) is None


def test_a_repeated_text_is_answered_from_memory_and_callers_cannot_corrupt_it():
    finder = AbbreviationFinder(remember=2)
    first = finder.find(TEXT)
    first.clear()  # a caller's copy
    again = finder.find(TEXT)
    assert again and again == AbbreviationFinder().find(TEXT)
    for other in ("Alpha (AL) one.", "Beta (BE) two.", "Gamma (GA) three."):
        finder.find(other)
    assert finder.find(TEXT) == again  # evicted, found again the same


def test_the_setting_chooses_the_detector_and_rejects_unknown_ones():
    from kg.errors import ConfigError
    from kg.settings import Settings

    assert Settings.from_env({}).abbreviations == "builtin"
    chosen = Settings.from_env({"MEDKG_ABBREVIATIONS": "scispacy"})
    assert AbbreviationFinder.from_settings(chosen)._use_scispacy is True
    with pytest.raises(ConfigError, match="MEDKG_ABBREVIATIONS"):
        Settings.from_env({"MEDKG_ABBREVIATIONS": "regex"})


def test_the_pipeline_shares_one_detector_between_ner_and_linking():
    from extractors.pipeline import build
    from kg.settings import Settings

    pipeline = build(Settings.from_env({"MEDKG_ABBREVIATIONS": "scispacy"}))
    finder = pipeline.linker.abbreviation_finder
    assert finder._use_scispacy is True
    assert pipeline.recognizer._abbreviations is finder
