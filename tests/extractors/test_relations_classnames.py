"""A gene written as a drug's class: the constructions ``class_names`` reads, and those it
leaves alone."""

from __future__ import annotations

import pytest

from extractors.relations.classnames import class_names


def spans(text: str, *names: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for name in names:
        start = text.index(name, pos)
        out.append((start, start + len(name)))
        pos = start + len(name)
    return out


def read(text: str, drugs: tuple[str, ...], genes: tuple[str, ...]) -> set[tuple[str, str, str]]:
    d, g = spans(text, *drugs), spans(text, *genes)
    return {
        (text[slice(*d[c.drug])], text[slice(*g[c.gene])], c.action.value)
        for c in class_names(text, d, g)
    }


@pytest.mark.parametrize(
    ("text", "drugs", "genes", "expected"),
    [
        (
            "The EGFR inhibitor erlotinib improved survival.",
            ("erlotinib",),
            ("EGFR",),
            {("erlotinib", "EGFR", "inhibitor")},
        ),
        (
            "Patients received the EGFR tyrosine kinase inhibitor (TKI) gefitinib.",
            ("gefitinib",),
            ("EGFR",),
            {("gefitinib", "EGFR", "inhibitor")},
        ),
        (
            "EGFR-TKI gefitinib was given.",
            ("gefitinib",),
            ("EGFR",),
            {("gefitinib", "EGFR", "inhibitor")},
        ),
        (
            "Olaparib, a PARP inhibitor, was approved.",
            ("Olaparib",),
            ("PARP",),
            {("Olaparib", "PARP", "inhibitor")},
        ),
        (
            "Vemurafenib is a selective BRAF kinase inhibitor.",
            ("Vemurafenib",),
            ("BRAF",),
            {("Vemurafenib", "BRAF", "inhibitor")},
        ),
        (
            "Imatinib, an inhibitor of the BCR-ABL kinase, induced remission.",
            ("Imatinib",),
            ("BCR-ABL",),
            {("Imatinib", "BCR-ABL", "inhibitor")},
        ),
        (
            "The 5-HT3 antagonist ondansetron prevented nausea.",
            ("ondansetron",),
            ("5-HT3",),
            {("ondansetron", "5-HT3", "antagonist")},
        ),
        (
            "The anti-HER2 monoclonal antibody trastuzumab was added.",
            ("trastuzumab",),
            ("HER2",),
            {("trastuzumab", "HER2", "binder")},
        ),
        (
            "Trastuzumab, an anti-HER2 antibody, was added.",
            ("Trastuzumab",),
            ("HER2",),
            {("Trastuzumab", "HER2", "binder")},
        ),
        (
            "The CYP3A4 inducer rifampin lowered exposure.",
            ("rifampin",),
            ("CYP3A4",),
            {("rifampin", "CYP3A4", "activator")},
        ),
        # a plural class names every drug of its list
        (
            "The BRAF inhibitors vemurafenib and dabrafenib were compared.",
            ("vemurafenib", "dabrafenib"),
            ("BRAF",),
            {("vemurafenib", "BRAF", "inhibitor"), ("dabrafenib", "BRAF", "inhibitor")},
        ),
        # a singular class names one drug: trametinib is another drug beside it
        (
            "The BRAF inhibitor dabrafenib and trametinib were given.",
            ("dabrafenib", "trametinib"),
            ("BRAF",),
            {("dabrafenib", "BRAF", "inhibitor")},
        ),
    ],
)
def test_a_gene_named_as_the_drugs_class_is_its_target(text, drugs, genes, expected):
    assert read(text, drugs, genes) == expected


@pytest.mark.parametrize(
    ("text", "drugs", "genes"),
    [
        # the gene is a biomarker, not the class
        ("EGFR mutations predict response to erlotinib.", ("erlotinib",), ("EGFR",)),
        ("BRAF-mutant tumours respond to vemurafenib.", ("vemurafenib",), ("BRAF",)),
        # a class word with no drug after it, or another word between
        ("An EGFR inhibitor was given with cisplatin.", ("cisplatin",), ("EGFR",)),
        ("The PD-1 inhibitor therapy pembrolizumab was stopped.", ("pembrolizumab",), ("PD-1",)),
        # "EGFR antibody" without "anti-" can be the laboratory reagent
        ("Cells were stained with EGFR antibody cetuximab.", ("cetuximab",), ("EGFR",)),
        # the drug, then a class naming another gene than the one next to it
        ("Erlotinib, like KRAS, was studied.", ("Erlotinib",), ("KRAS",)),
    ],
)
def test_other_words_between_a_gene_and_a_drug_name_no_class(text, drugs, genes):
    assert read(text, drugs, genes) == set()


def test_coordinated_classes_are_left_alone():
    """Which of "BRAF and MEK inhibitors" each drug is needs knowledge the words lack."""
    text = "The BRAF and MEK inhibitors dabrafenib and trametinib were given."
    assert read(text, ("dabrafenib", "trametinib"), ("BRAF", "MEK")) == set()
    text = "ERBB2 (HER2) and ERBB3 inhibitors pertuzumab and seribantumab were combined."
    assert read(text, ("pertuzumab", "seribantumab"), ("ERBB2", "HER2", "ERBB3")) == set()
