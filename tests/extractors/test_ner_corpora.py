"""Gold corpora for the NER eval: one reading policy with the other evals."""

from __future__ import annotations

import logging

import pytest

from extractors.ner.corpora import read_corpus
from kg.errors import BadInputError

GOOD = (
    "1|t|Aspirin and asthma.\n"
    "1|a|Aspirin worsened asthma.\n"
    "1\t0\t7\tAspirin\tChemical\tD001241\n"
    "1\t12\t18\tasthma\tDisease\tD001249\n"
)
BAD = "2|t|Broken record.\n2|a|Offsets past the end.\n2\t0\tnine\tBroken\tChemical\t-\n"


def test_a_bad_record_is_logged_and_skipped_not_fatal(tmp_path, caplog):
    path = tmp_path / "gold.PubTator"
    path.write_text(GOOD + "\n" + BAD + "\n" + GOOD.replace("1|", "3|").replace("1\t", "3\t"))
    with caplog.at_level(logging.WARNING):
        docs = read_corpus(path)
    assert [d.id for d in docs] == ["PMID:1", "PMID:3"]
    assert [m.text for m in docs[0].mentions] == ["Aspirin", "asthma"]
    assert any("PMID:2" in r.getMessage() for r in caplog.records)


def test_a_corpus_with_no_readable_document_is_an_error(tmp_path):
    path = tmp_path / "bad.PubTator"
    path.write_text(BAD)
    with pytest.raises(BadInputError, match="no documents read"):
        read_corpus(path)
