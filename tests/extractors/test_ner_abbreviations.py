"""Short forms read as their long forms (``align_abbreviations``); one type per span."""

from __future__ import annotations

from extractors.abbreviations import AbbreviationFinder
from extractors.ner.recognizer import align_abbreviations
from kg.model import EntityType, Mention


def mention(text: str, surface: str, etype: EntityType, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention(start, start + len(surface), surface, etype, score=0.9, extractor="t")


def spans(mentions):
    return sorted((m.text, m.start, m.type.value) for m in mentions)


def align(text, mentions):
    return align_abbreviations(text, mentions, AbbreviationFinder().find(text))


def test_a_tagged_long_form_types_every_use_of_its_short_form():
    text = "Serotonin syndrome after 5-hydroxytryptamine (5-HT) excess. 5-HT levels rose."
    found = [
        mention(text, "Serotonin syndrome", EntityType.DISEASE),
        mention(text, "5-hydroxytryptamine", EntityType.DRUG),
        mention(text, "5-HT", EntityType.GENE, nth=1),  # mistyped by the model
    ]
    out = align(text, found)
    uses = [m for m in out if m.text == "5-HT"]
    assert len(uses) == 2 and {m.type for m in uses} == {EntityType.DRUG}
    assert mention(text, "Serotonin syndrome", EntityType.DISEASE) in out


def test_an_untagged_long_form_removes_mentions_on_its_short_form():
    text = "In spontaneously hypertensive rats (SHR), SHR given captopril had lower pressure."
    found = [mention(text, "SHR", EntityType.DRUG, nth=1), mention(text, "captopril", EntityType.DRUG)]
    assert spans(align(text, found)) == [("captopril", text.index("captopril"), "Drug")]


def test_competing_types_and_longer_mentions_are_left_alone():
    text = "Iron dextran (ID) was given; ID-induced anaphylaxis and ID anemia followed."
    # a long form only partly tagged gives no reading: nothing changes
    partial = [mention(text, "Iron", EntityType.DRUG), mention(text, "ID", EntityType.DISEASE, nth=2)]
    assert spans(align(text, partial)) == spans(partial)
    # two types ending where the long form ends: no reading either
    competing = [
        mention(text, "dextran", EntityType.DRUG),
        mention(text, "dextran", EntityType.DISEASE),
        mention(text, "ID", EntityType.GENE, nth=2),
    ]
    assert spans(align(text, competing)) == spans(competing)
    # a short form inside a longer mention stays inside it
    longer = [
        mention(text, "Iron dextran", EntityType.DRUG),
        mention(text, "ID-induced anaphylaxis", EntityType.DISEASE),
    ]
    out = align(text, longer)
    assert mention(text, "ID-induced anaphylaxis", EntityType.DISEASE) in out
    assert [m.type for m in out if m.text == "ID"] == [EntityType.DRUG, EntityType.DRUG]


def test_no_abbreviations_no_change():
    text = "Aspirin relieved headache."
    found = [mention(text, "Aspirin", EntityType.DRUG), mention(text, "headache", EntityType.DISEASE)]
    assert align(text, found) == found


def test_one_span_keeps_its_most_confident_type():
    from extractors.ner.recognizer import one_type_per_span

    gene = Mention(0, 4, "KRAS", EntityType.GENE, score=0.9, extractor="t")
    chem = Mention(0, 4, "KRAS", EntityType.DRUG, score=0.6, extractor="t")
    nested = Mention(0, 14, "KRAS mutations", EntityType.DISEASE, score=0.5, extractor="t")
    assert one_type_per_span([chem, nested, gene]) == [nested, gene]


def test_dangling_hyphens_and_unbalanced_brackets_are_trimmed():
    from extractors.ner.recognizer import trim_dangling

    text = "Cdk2 - bound SRP ) and ( p65 rose; RelA ( p65 ) did not."

    def span(surface: str) -> Mention:
        start = text.index(surface)
        return Mention(start, start + len(surface), surface, EntityType.GENE, extractor="t")

    assert trim_dangling(text, span("Cdk2 -")).text == "Cdk2"
    assert trim_dangling(text, span("SRP )")).text == "SRP"
    assert trim_dangling(text, span("( p65")).text == "p65"
    balanced = span("RelA ( p65 )")
    assert trim_dangling(text, balanced) is balanced


def test_a_gene_span_around_a_variant_splits_into_gene_and_variant():
    from extractors.ner.recognizer import split_gene_variant

    text = "BRAF V600E responded; the EGFR exon 19 deletion did not; KRAS G12C-mutant"
    whole = Mention(0, 10, "BRAF V600E", EntityType.DRUG, score=0.7, extractor="t")
    variant = Mention(5, 10, "V600E", EntityType.VARIANT, extractor="t")
    kras = text.index("KRAS G12C")
    kras_whole = Mention(kras, kras + 9, "KRAS G12C", EntityType.GENE, extractor="t")
    kras_variant = Mention(kras + 5, kras + 9, "G12C", EntityType.VARIANT, extractor="t")
    gene, var, kgene, kvar = split_gene_variant(text, [whole, variant, kras_whole, kras_variant])
    assert (gene.text, gene.type, gene.end) == ("BRAF", EntityType.GENE, 4) and var == variant
    assert (kgene.text, kgene.type) == ("KRAS", EntityType.GENE) and kvar == kras_variant
    # nothing inside: unchanged
    assert split_gene_variant(text, [whole]) == [whole]


def test_words_after_the_variant_leave_the_gene_span():
    from extractors.ner.recognizer import split_gene_variant

    text = "cells expressing KIT V560D primary activating mutation"
    s = text.index("KIT")
    whole = Mention(s, len(text), text[s:], EntityType.GENE, extractor="t")
    variant = Mention(s + 4, s + 9, "V560D", EntityType.VARIANT, extractor="t")
    gene, var = split_gene_variant(text, [whole, variant])
    assert (gene.text, gene.start, gene.end) == ("KIT", s, s + 3) and var == variant


def test_a_span_that_runs_into_a_variant_splits_as_one_around_it():
    from extractors.ner.recognizer import split_gene_variant

    # the tagger read "ABCG2 421C" as a drug, cutting the change "421C>A" in two
    text = "association between ABCG2 421C>A SNP and HD-MTX levels"
    s = text.index("ABCG2")
    cut = Mention(s, s + 10, "ABCG2 421C", EntityType.DRUG, score=0.6, extractor="t")
    variant = Mention(s + 6, s + 12, "421C>A", EntityType.VARIANT, extractor="t")
    gene, var = split_gene_variant(text, [cut, variant])
    assert (gene.text, gene.type, gene.start, gene.end) == ("ABCG2", EntityType.GENE, s, s + 5)
    assert var == variant
    # what is left must name a gene: a number or a plain word keeps the span as it was
    text2 = "hydrophobic phenylalanine to cysteine (F508C) and -65-72C>T"
    word = Mention(0, 26, text2[:26], EntityType.DRUG, extractor="t")
    change = Mention(12, 30, text2[12:30], EntityType.VARIANT, extractor="t")
    s2 = text2.index("-65")
    number = Mention(s2, s2 + 7, "-65-72C", EntityType.DRUG, extractor="t")
    change2 = Mention(s2 + 4, s2 + 10, text2[s2 + 4 : s2 + 10], EntityType.VARIANT, extractor="t")
    assert split_gene_variant(text2, [word, change, number, change2]) == [word, change, number, change2]


def test_a_variant_read_without_its_gene_gets_the_symbol_before_it():
    from extractors.ner.recognizer import gene_before_variant

    text = "stage IV BRAF V600E melanoma; stage IV V600K; KIT-D816V; the EGFR L858R; NRAS (Q61K)"

    def variant(surface: str) -> Mention:
        start = text.index(surface)
        return Mention(start, start + len(surface), surface, EntityType.VARIANT, score=0.9)

    v600e, v600k, d816v, l858r, q61k = (
        variant(x) for x in ("V600E", "V600K", "D816V", "L858R", "Q61K")
    )
    egfr = Mention(text.index("EGFR"), text.index("EGFR") + 4, "EGFR", EntityType.GENE)
    out = gene_before_variant(text, [v600e, v600k, d816v, egfr, l858r, q61k])
    added = out[6:]
    assert [(m.text, m.type, m.label) for m in added] == [
        ("BRAF", EntityType.GENE, "Gene"),
        ("KIT", EntityType.GENE, "Gene"),
        ("NRAS", EntityType.GENE, "Gene"),
    ]  # "IV" is a stage, and EGFR was read already
    assert out[:6] == [v600e, v600k, d816v, egfr, l858r, q61k]
