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


def _brat(folder, name, text, ann):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text)
    (folder / f"{name}.ann").write_text(ann)


def test_brat_proteins_dna_and_rna_are_genes_and_cell_types_are_not_entities(tmp_path):
    text = "IL-2 gene expression in T cells needs NF-kappa B and c-fos mRNA."
    ann = (
        "T1\tDNA 0 9\tIL-2 gene\n"
        "T2\tcell_type 24 31\tT cells\n"
        "T3\tprotein 38 48\tNF-kappa B\n"
        "T4\tRNA 53 63\tc-fos mRNA\n"
    )
    _brat(tmp_path, "90110496", text, ann)
    (doc,) = read_corpus(tmp_path)
    assert doc.id == "90110496" and doc.source == "brat"
    assert [(m.text, m.type.value, m.label) for m in doc.mentions] == [
        ("IL-2 gene", "Gene", "DNA"),
        ("NF-kappa B", "Gene", "protein"),
        ("c-fos mRNA", "Gene", "RNA"),
    ]


def test_a_brat_document_out_of_step_with_its_text_is_logged_and_skipped(tmp_path, caplog):
    _brat(tmp_path, "1", "GATA-1 binds DNA.", "T1\tprotein 0 6\tGATA-1\n")
    _brat(tmp_path, "2", "GATA-1 binds DNA.", "T1\tprotein 0 4\tGATA-1\n")
    _brat(tmp_path, "3", "GATA-1 binds DNA.", "T1\tprotein 0 2;3 6\tGATA-1\n")
    with caplog.at_level(logging.WARNING):
        docs = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["1"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "2.ann:1: offsets 0-4 select 'GATA'" in messages
    assert "3.ann:1: not a contiguous text-bound annotation" in messages


def test_a_brat_folder_with_no_readable_document_is_an_error(tmp_path):
    _brat(tmp_path, "2", "GATA-1 binds DNA.", "T1\tprotein 0 4\tGATA-1\n")
    with pytest.raises(BadInputError, match="no documents read"):
        read_corpus(tmp_path)
    with pytest.raises(BadInputError, match="no such corpus file"):
        read_corpus(tmp_path / "missing")
