from __future__ import annotations

import pytest

from extractors.sentences import RuleSentenceSplitter, split_text
from kg.model import Document


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_text(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Rats received 5 mg/kg i.v. twice daily.",
        "Several agents, e.g. Cisplatin and Carboplatin, were given.",
        "Results are shown in Fig. 2 and Table 1.",
        "As reported by Smith et al. The effect was small.",  # "et al." never ends one
        "The dose was 2.5 mg i.e. Half the usual dose.",
        "Compare group A vs. B in the U.S. population.",
        "Escherichia coli (E. coli) was cultured.",
    ],
)
def test_abbreviations_do_not_end_sentences(text: str) -> None:
    assert _split(text) == [text]


def test_real_boundaries_split() -> None:
    text = "Aspirin reduced fever. 12 patients died! Was it toxic? (Fig. 3) The end."
    assert _split(text) == ["Aspirin reduced fever.", "12 patients died!", "Was it toxic?", "(Fig. 3) The end."]


def test_lower_case_start_is_not_a_boundary() -> None:
    # "p53 levels" could start a sentence, but so could nothing else: keep together
    assert len(_split("It was given. p53 levels rose.")) == 1


def test_newlines_are_boundaries_and_whitespace_trimmed() -> None:
    text = "  Indications\nHypertension in adults  \n\n  Warnings: none  "
    assert _split(text) == ["Indications", "Hypertension in adults", "Warnings: none"]


def test_splitter_keeps_offsets_and_sections() -> None:
    doc = Document.from_sections(
        "PMID:1", "pubtator", [("title", "Cisplatin nephrotoxicity", None), ("abstract", "We studied rats. They recovered.", None)], separator=" "
    )
    sentences = RuleSentenceSplitter().split(doc)
    assert [s.text for s in sentences] == ["Cisplatin nephrotoxicity", "We studied rats.", "They recovered."]
    assert [s.section for s in sentences] == ["title", "abstract", "abstract"]
    for s in sentences:
        assert doc.text[s.start : s.end] == s.text


def test_document_without_sections_and_empty_document() -> None:
    splitter = RuleSentenceSplitter()
    assert splitter.split(Document(id="x", source="text", text="")) == []
    sents = splitter.split(Document(id="y", source="text", text="One. Two."))
    assert [(s.start, s.end, s.section) for s in sents] == [(0, 4, None), (5, 9, None)]
