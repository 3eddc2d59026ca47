from __future__ import annotations

import pytest

from extractors.variants import (
    VariantKey,
    find_variants,
    normalise,
    normalize_change,
    tmvar_key,
    variant_mentions,
)
from kg.model import EntityType, Mention


@pytest.mark.parametrize(
    "text,gene,canonical,curie",
    [
        ("V600E", "BRAF", "BRAF:p.V600E", "VAR:BRAF:p.V600E"),
        ("p.Val600Glu", "BRAF", "BRAF:p.V600E", "VAR:BRAF:p.V600E"),
        ("BRAF V600E", None, "BRAF:p.V600E", "VAR:BRAF:p.V600E"),
        ("p.Leu858Arg", "EGFR", "EGFR:p.L858R", "VAR:EGFR:p.L858R"),
        ("p.(Gly12Asp)", "KRAS", "KRAS:p.G12D", "VAR:KRAS:p.G12D"),
        ("T790M", None, "p.T790M", "VAR:p.T790M"),
        ("Tyr65X", "TP53", "TP53:p.Y65*", "VAR:TP53:p.Y65*"),
        ("p.Tyr65Ter", "TP53", "TP53:p.Y65*", "VAR:TP53:p.Y65*"),
        ("R58fs", "APC", "APC:p.R58fs", "VAR:APC:p.R58fs"),
        ("Ile326Ile", "X1", "X1:p.I326=", "VAR:X1:p.I326="),
        ("c.35G>A", "KRAS", "KRAS:c.35G>A", "VAR:KRAS:c.35G>A"),
        ("c.1358T-->C", "GJB2", "GJB2:c.1358T>C", "VAR:GJB2:c.1358T>C"),
        ("c.2113_2114delGG", None, "c.2113_2114delGG", "VAR:c.2113_2114delGG"),
        ("g.3318-6T>A", None, "g.3318-6T>A", "VAR:g.3318-6T>A"),
        ("643C>T", "NBN", "NBN:c.643C>T", "VAR:NBN:c.643C>T"),  # older papers omit "c."
        ("3472delC", None, "c.3472delC", "VAR:c.3472delC"),
        ("217_218insC", None, "c.217_218insC", "VAR:c.217_218insC"),
        ("rs113488022", "BRAF", "rs113488022", "dbSNP:rs113488022"),
        ("RS 4149056", None, "rs4149056", "dbSNP:rs4149056"),
        ("CYP2C19*2", None, "CYP2C19*2", "VAR:CYP2C19*2"),
        ("TPMT*3A", None, "TPMT*3A", "VAR:TPMT*3A"),
        ("HLA-B*57:01", None, "HLA-B*57:01", "VAR:HLA-B*57:01"),
        ("HLA-B*5701", None, "HLA-B*57:01", "VAR:HLA-B*57:01"),
        ("BCR-ABL", None, "BCR::ABL", "VAR:BCR::ABL"),
        ("BCR::ABL1", None, "BCR::ABL1", "VAR:BCR::ABL1"),
        ("EML4-ALK fusion", None, "EML4::ALK", "VAR:EML4::ALK"),
        ("ERBB2 amplification", None, "ERBB2:amplification", "VAR:ERBB2:amplification"),
        ("EGFR exon 19 deletion", None, "EGFR:exon19del", "VAR:EGFR:exon19del"),
        ("MET exon 14 skipping", None, "MET:exon14skipping", "VAR:MET:exon14skipping"),
    ],
)
def test_normalise(text: str, gene: str | None, canonical: str, curie: str) -> None:
    key = normalise(text, gene)
    assert key.canonical == canonical
    assert key.curie == curie


def test_unreadable_variant_keeps_its_words_and_gene() -> None:
    key = normalise("G to A  substitution", "TP53")
    assert key == VariantKey("other", "G to A substitution", "TP53")
    assert key.canonical == "TP53:G to A substitution"


@pytest.mark.parametrize("text", ["E2F1 binds", "H2A histone", "IL-2 levels", "A549 cells", "T98G cells", "TNF-alpha", "CD4 counts", "the p53 protein"])
def test_gene_names_are_not_variants(text: str) -> None:
    assert find_variants(text) == []


def test_brackets_belong_to_the_variant_only_when_it_opened_them() -> None:
    text = "mutations (G12D) and p.(Gly13Asp) and p. Pro184ArgfsX19 and c.G1714A"
    assert [text[v.start : v.end] for v in find_variants(text)] == ["G12D", "p.(Gly13Asp)", "p. Pro184ArgfsX19", "c.G1714A"]
    assert normalise("c.G1714A").change == "c.1714G>A"


def test_gene_events_need_a_recognised_gene() -> None:
    text = "After PCR amplification, ERBB2 amplification was found."
    erbb2 = _gene(text, "ERBB2")
    assert [m.text for m in variant_mentions(text, [(0, len(text))], [erbb2], "x")] == ["ERBB2 amplification"]


def test_offsets_and_longest_match() -> None:
    text = "Carriers of HLA-B*57:01 and EML4-ALK fusion (c.35G>A) were excluded."
    found = [(text[v.start : v.end], v.key.kind) for v in find_variants(text)]
    assert found == [("HLA-B*57:01", "hla"), ("EML4-ALK fusion", "fusion"), ("c.35G>A", "dna")]


def test_normalize_change_is_gene_free() -> None:
    assert normalize_change("BRAF V600E") == "p.V600E"
    assert normalize_change("p.Val600Glu") == "p.V600E"
    assert normalize_change("exon 19 deletion") == "exon19del"
    assert normalize_change("rs123456") is None  # a dbSNP id is not a change
    assert normalize_change("hello") is None


@pytest.mark.parametrize(
    ("text", "key"),
    [  # each pair as BioRED's annotators keyed it (Train.PubTator)
        ("p.R198W", "p|SUB|R|198|W"),
        ("p.Val204Asp", "p|SUB|V|204|D"),
        ("Tyr65X", "p|SUB|Y|65|X"),
        ("p.Arg58fs", "p|FS|R|58||"),
        ("F508del", "p|DEL|508|F"),
        ("c.592C-->T", "c|SUB|C|592|T"),
        ("g.3318-6T>A", "g|SUB|T|3318-6|A"),
        ("c.342delA", "c|DEL|342|A"),
        ("c.1811_1812delAT", "c|DEL|1811_1812|AT"),
        ("c.899dupC", "c|DUP|899|C|"),
        ("899dupC", "c|DUP|899|C|"),
        ("c.217_218insC", "c|INS|217_218|C"),
    ],
)
def test_tmvar_key_of_a_change(text: str, key: str) -> None:
    parsed = normalise(text)
    assert tmvar_key(parsed.change) == key


@pytest.mark.parametrize("text", ["1.5C>T", "x-12C>T", "2delete", "5-3delC", "A-12"])
def test_bare_dna_changes_need_a_plain_position(text: str) -> None:
    assert all(v.key.kind != "dna" for v in find_variants(text))


@pytest.mark.parametrize(
    ("text", "change", "key"),
    [  # older and looser ways of writing a DNA change, keyed as BioRED's annotators keyed them
        ("IVS16+1G>A", "c.IVS16+1G>A", "c|SUB|G|IVS16+1|A"),  # legacy intron numbering
        ("IVS8 -2A>G", "c.IVS8-2A>G", "c|SUB|A|IVS8-2|G"),
        ("IVS3 + 18C > T", "c.IVS3+18C>T", "c|SUB|C|IVS3+18|T"),
        ("c.310 G>T", "c.310G>T", "c|SUB|G|310|T"),  # spaces dropped
        ("c.855 +1G>C", "c.855+1G>C", "c|SUB|G|855+1|C"),
        ("C-1228T", "c.-1228C>T", "c|SUB|C|-1228|T"),  # upstream of the start codon
        ("657del5", "c.657del5", "c|DEL|657|5"),  # a deletion of five bases
        ("c.1181_1186+20del26", "c.1181_1186+20del26", "c|DEL|1181_1186+20|26"),
        # a hyphen between two positions of a deletion or insertion is a range ...
        ("c.899-1142del", "c.899_1142del", "c|DEL|899_1142|"),
        ("g.99367-102002del", "g.99367_102002del", "g|DEL|99367_102002|"),
        ("118-119insA", "c.118_119insA", "c|INS|118_119|A"),
        # ... and an intronic offset otherwise
        ("c.463-6T>G", "c.463-6T>G", "c|SUB|T|463-6|G"),
        ("c.1093-1delG", "c.1093-1delG", "c|DEL|1093-1|G"),
    ],
)
def test_looser_dna_notations_read_to_one_change(text: str, change: str, key: str) -> None:
    (found,) = find_variants(f"a {text} change")
    assert (found.key.kind, found.key.change) == ("dna", change)
    assert tmvar_key(change) == key


@pytest.mark.parametrize(
    ("text", "change"),
    [  # HGVS genotype brackets, as CPIC and PharmGKB write DPYD genotypes
        ("c.[2846A>T]", "c.2846A>T"),
        ("c.[2846A>T", "c.2846A>T"),  # as a tagger may cut it
        ("c.[2846A>T];[2846A>T]", "c.2846A>T"),  # homozygous
        ("c.[1905+1G>A];[=]", "c.1905+1G>A"),  # heterozygous with the reference
        ("c.[1129–5923C>G];[=]", "c.1129-5923C>G"),  # an en dash for the hyphen
    ],
)
def test_a_genotype_of_one_change_reads_as_that_change(text: str, change: str) -> None:
    assert (normalise(text).kind, normalise(text).change) == ("dna", change)


def test_a_genotype_of_two_changes_names_no_single_variant() -> None:
    assert normalise("c.[1905+1G>A];[2846A>T]").kind == "other"


def test_a_genotype_in_text_is_one_variant_span() -> None:
    text = "DPYD | c.[2846A>T];[2846A>T] | c.[1905+1G>A];[=], c.[1129–5923C>G];[=] | x"
    found = [(text[v.start : v.end], v.key.change) for v in find_variants(text)]
    assert found == [
        ("c.[2846A>T];[2846A>T]", "c.2846A>T"),
        ("c.[1905+1G>A];[=]", "c.1905+1G>A"),
        ("c.[1129–5923C>G];[=]", "c.1129-5923C>G"),
    ]


def test_a_genotype_of_two_changes_in_text_is_two_variants() -> None:
    text = "c.[1905+1G>A];[2846A>T] and c.[=];[=]"
    found = [(text[v.start : v.end], v.key.change) for v in find_variants(text)]
    assert found == [("c.[1905+1G>A]", "c.1905+1G>A"), ("[2846A>T]", "c.2846A>T")]
    assert normalise("[2846A>T]").change == "c.2846A>T"


def test_changes_tmvar_writes_otherwise_have_no_key() -> None:
    assert tmvar_key("p.I326=") is None  # synonymous: BioRED keys these by rsID
    assert tmvar_key("c.100_102inv") is None
    assert tmvar_key("exon19del") is None


def _gene(text: str, word: str) -> Mention:
    s = text.index(word)
    return Mention(s, s + len(word), word, EntityType.GENE)


def test_variants_tie_to_the_nearest_gene_in_the_sentence() -> None:
    text = "KRAS G12D and BRAF V600E were seen. The T790M change occurs in EGFR."
    first_end = text.index(".") + 1
    genes = [_gene(text, "KRAS"), _gene(text, "BRAF"), _gene(text, "EGFR")]
    ms = variant_mentions(text, [(0, first_end), (first_end + 1, len(text))], genes, "ner@test")
    assert [(m.text, m.ids) for m in ms] == [
        ("G12D", ("VAR:KRAS:p.G12D",)),
        ("V600E", ("VAR:BRAF:p.V600E",)),
        ("T790M", ("VAR:EGFR:p.T790M",)),
    ]
    assert all(m.type is EntityType.VARIANT and m.extractor == "ner@test" for m in ms)


def test_variant_without_gene_in_its_sentence_stays_gene_free() -> None:
    text = "BRAF is a kinase. V600E is common."
    ms = variant_mentions(text, [(0, 17), (18, len(text))], [_gene(text, "BRAF")], "x")
    assert ms[0].ids == ("VAR:p.V600E",)
