"""The linker on a tiny in-memory KB: cascade, abbreviations, type constraints, variants."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from extractors.abbreviations import AbbreviationFinder
from extractors.linking.fuzzy import adds_no_word
from extractors.linking.kb import (
    RANK_ALIAS,
    RANK_CORPUS,
    RANK_NAME,
    RANK_PREFERRED,
    RANK_SYNONYM,
    KBData,
    KBRecord,
    KnowledgeBase,
)
from extractors.linking.linker import DictionaryLinker, LinkerConfig
from extractors.linking.rewrites import name_rewrites
from extractors.linking.species import non_human
from kg.model import Document, EntityType, Mention

D, DIS, G, V = EntityType.DRUG, EntityType.DISEASE, EntityType.GENE, EntityType.VARIANT
S = 10  # rank scale used by the build


def tiny_kb() -> KnowledgeBase:
    records = [
        KBRecord("MESH:D001241", D, "Aspirin", ("DRUGBANK:DB00945",)),
        KBRecord("MESH:D000082", D, "Acetaminophen", ("DRUGBANK:DB00316",)),
        KBRecord("MESH:D058186", DIS, "Acute Kidney Injury"),
        KBRecord("MESH:D012213", DIS, "Rheumatic Fever"),
        KBRecord("MESH:D001943", DIS, "Breast Neoplasms", ("DOID:1612",)),
        KBRecord("NCBIGene:673", G, "BRAF", ("HGNC:1097",)),
        KBRecord("NCBIGene:1956", G, "EGFR", ("HGNC:3236",)),
        KBRecord("MESH:D006973", DIS, "Hypertension"),
        KBRecord("NCBIGene:2064", G, "ERBB2", ("HGNC:3430",)),
        KBRecord("NCBIGene:25", G, "ABL1", ("HGNC:76",)),
        KBRecord("NCBIGene:613", G, "BCR", ("HGNC:1014",)),
        KBRecord("NCBIGene:1557", G, "CYP2C19", ("HGNC:2621",)),
        KBRecord("MESH:D000075222", DIS, "Essential Hypertension"),
        KBRecord("MESH:D009569", D, "Nitric Oxide"),
        KBRecord("MESH:D009325", DIS, "Nausea"),
        KBRecord("MESH:D014839", DIS, "Vomiting"),
        KBRecord("MESH:D020250", DIS, "Postoperative Nausea and Vomiting"),
    ]
    names = [
        (0, RANK_PREFERRED * S, "Aspirin"),
        (0, RANK_SYNONYM * S, "acetylsalicylic acid"),
        (1, RANK_PREFERRED * S, "Acetaminophen"),
        (1, RANK_SYNONYM * S, "Tylenol"),
        (1, RANK_SYNONYM * S, "paracetamol"),
        (2, RANK_PREFERRED * S, "Acute Kidney Injury"),
        (2, RANK_CORPUS * S, "acute renal failure"),
        (3, RANK_PREFERRED * S, "Rheumatic Fever"),
        (3, RANK_ALIAS * S, "ARF"),  # the KB's own reading of "ARF"
        (4, RANK_PREFERRED * S, "Breast Neoplasms"),
        (4, RANK_SYNONYM * S, "breast tumor"),
        (4, RANK_SYNONYM * S, "breast cancer"),
        (5, RANK_PREFERRED * S, "BRAF"),
        (6, RANK_PREFERRED * S, "EGFR"),
        (6, RANK_ALIAS * S, "ERBB1"),
        (7, RANK_PREFERRED * S, "Hypertension"),
        (7, RANK_CORPUS * S, "hypertensive"),
        (8, RANK_PREFERRED * S, "ERBB2"),
        (8, RANK_ALIAS * S, "HER2"),
        (9, RANK_PREFERRED * S, "ABL1"),
        (9, RANK_SYNONYM * S, "ABL"),
        (10, RANK_PREFERRED * S, "BCR"),
        (11, RANK_PREFERRED * S, "CYP2C19"),
        (12, RANK_PREFERRED * S, "Essential Hypertension"),
        (13, RANK_PREFERRED * S, "Nitric Oxide"),
        (13, RANK_CORPUS * S, "NO"),
        (14, RANK_PREFERRED * S, "Nausea"),
        (15, RANK_PREFERRED * S, "Vomiting"),
        (16, RANK_PREFERRED * S, "Postoperative Nausea and Vomiting"),
    ]
    stops = [(D, "[3H]-naloxone")]
    return KnowledgeBase.from_data(KBData(records, names, stops))


def plain_linker(*records: KBRecord) -> DictionaryLinker:
    """Dictionary steps only, over records known by their names alone."""
    names = [(i, RANK_PREFERRED * S, r.name) for i, r in enumerate(records)]
    kb = KnowledgeBase.from_data(KBData(list(records), names, []))
    return DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))


def named_kb(records: Sequence[KBRecord], *names: tuple[int, str]) -> KnowledgeBase:
    """Records known by their own names, plus corpus readings (record index, name)."""
    ranked = [(i, RANK_PREFERRED * S, r.name) for i, r in enumerate(records)]
    ranked += [(i, RANK_CORPUS * S, n) for i, n in names]
    return KnowledgeBase.from_data(KBData(list(records), ranked, []))


def gene_kb(*genes: tuple[str, str, Sequence[tuple[int, str]]]) -> KnowledgeBase:
    """Genes as (id, approved symbol, [(rank, another name), ...]), each symbol its gene's
    preferred name; rows and names keep the order given (a tie goes to the first)."""
    records = [KBRecord(id_, G, symbol) for id_, symbol, _ in genes]
    names = [
        (row, rank * S, name)
        for row, (_, symbol, more) in enumerate(genes)
        for rank, name in ((RANK_PREFERRED, symbol), *more)
    ]
    return KnowledgeBase.from_data(KBData(records, names, []))


@pytest.fixture(scope="module")
def linker() -> DictionaryLinker:
    return DictionaryLinker(kb=tiny_kb(), abbreviations=AbbreviationFinder(use_scispacy=False))


def mention(
    text: str, doc_text: str, etype: EntityType, nth: int = 0, ids: tuple[str, ...] = ()
) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = doc_text.index(text, start + 1)
    return Mention(start, start + len(text), text, etype, ids=ids)


def test_exact_synonym_and_brand_link_to_one_entity(linker):
    text = "Tylenol (paracetamol) and acetaminophen were compared."
    doc = Document("PMID:1", "text", text)
    ms = [
        mention("Tylenol", text, D),
        mention("paracetamol", text, D),
        mention("acetaminophen", text, D),
    ]
    linked = linker.link(doc, ms)
    assert {lm.entity.id for lm in linked} == {"MESH:D000082"}
    assert all(lm.mention.ids == ("MESH:D000082",) for lm in linked)
    assert linked[0].entity.name == "Acetaminophen"
    assert "Tylenol" in linked[0].entity.synonyms
    assert "DRUGBANK:DB00316" in linked[0].entity.xrefs


def test_abbreviation_takes_the_long_forms_entity(linker):
    text = "Patients developed acute renal failure (ARF) after surgery. ARF was transient."
    doc = Document("PMID:2", "text", text)
    ms = [
        mention("acute renal failure", text, DIS),
        mention("ARF", text, DIS),
        mention("ARF", text, DIS, nth=1),
    ]
    linked = linker.link(doc, ms)
    assert [lm.entity.id for lm in linked] == ["MESH:D058186"] * 3
    # without the document's definition, the KB's own reading of "ARF" applies
    plain = DictionaryLinker(kb=linker.kb, config=LinkerConfig(abbreviations=False))
    assert plain.link(doc, ms)[1].entity.id == "MESH:D012213"


def test_a_short_form_defined_in_the_plural_reads_the_same_in_the_singular(linker):
    text = "Patients had acute renal failures (ARFs); one ARF was fatal."
    doc = Document("PMID:3", "text", text)
    ms = [mention("ARF", text, DIS, nth=1)]
    assert [lm.entity.id for lm in linker.link(doc, ms)] == ["MESH:D058186"]


def test_type_constraint_keeps_genes_and_drugs_apart(linker):
    text = "EGFR and aspirin."
    doc = Document("PMID:3", "text", text)
    strict = DictionaryLinker(kb=linker.kb, config=LinkerConfig(retype=False))
    as_drug = strict.link(doc, [mention("EGFR", text, D), mention("aspirin", text, DIS)])
    assert [lm.entity for lm in as_drug] == [None, None]
    # with retyping (the default) a gene symbol read as a drug becomes the gene, never a drug
    assert linker.link(doc, [mention("EGFR", text, D)])[0].entity.type is G
    as_right = linker.link(doc, [mention("EGFR", text, G), mention("aspirin", text, D)])
    assert [lm.entity.id for lm in as_right] == ["NCBIGene:1956", "MESH:D001241"]


def test_unlinkable_mentions_stay_unlinked_and_lose_gold_ids(linker):
    text = "Zorblaxine and [3H]-naloxone were infused."
    doc = Document("PMID:4", "text", text)
    ms = [mention("Zorblaxine", text, D, ids=("MESH:D999999",)), mention("[3H]-naloxone", text, D)]
    linked = linker.link(doc, ms)
    assert [lm.entity for lm in linked] == [None, None]
    assert [lm.mention.ids for lm in linked] == [(), ()]
    assert [lm.score for lm in linked] == [0.0, 0.0]


def test_loose_and_fuzzy_matches_score_below_exact(linker):
    text = "Breast tumours and breast cancers and brest tumor were seen."
    doc = Document("PMID:5", "text", text)
    ms = [
        mention("Breast tumours", text, DIS),
        mention("breast cancers", text, DIS),
        mention("brest tumor", text, DIS),
    ]
    linked = linker.link(doc, ms)
    assert [lm.entity.id for lm in linked] == ["MESH:D001943"] * 3
    assert all(lm.score < 1.0 for lm in linked)
    assert linked[2].score < linked[0].score
    dictionary_only = DictionaryLinker(kb=linker.kb, config=LinkerConfig(fuzzy=False))
    assert dictionary_only.link(doc, ms)[2].entity is None


def test_each_link_records_how_it_was_chosen(linker):
    text = (
        "Acute renal failure (ARF) and brest tumor and breast cancers in Tylenol users; "
        "the BRAF V600E change; EGFR read as a drug; Zorblaxine."
    )
    doc = Document("PMID:8", "text", text)
    ms = [
        mention("Acute renal failure", text, DIS),
        mention("ARF", text, DIS),
        mention("brest tumor", text, DIS),
        mention("breast cancers", text, DIS),
        mention("Tylenol", text, D),
        mention("BRAF", text, G),
        mention("V600E", text, V),
        mention("EGFR", text, D),
        mention("Zorblaxine", text, D),
    ]
    assert [lm.how for lm in linker.link(doc, ms)] == [
        "exact",
        "long:exact",  # the short form, read through the long form its document defines
        "fuzzy",
        "loose",
        "exact",
        "exact",
        "variant",
        "retyped",
        "",  # unlinked
    ]


def test_a_fuzzy_match_may_respell_the_text_but_never_add_to_it():
    kb = plain_linker(
        KBRecord("MESH:D012167", DIS, "Retinal Perforations"),
        KBRecord("MESH:D019851", DIS, "Hypercoagulability"),
        KBRecord("MESH:D051437", DIS, "Impaired Renal Function"),
    ).kb
    text = "Perforation, hypocoagulability and impaired liver function; retinal perforaton."
    doc = Document("PMID:12", "text", text)
    ms = [
        mention("Perforation", text, DIS),
        mention("hypocoagulability", text, DIS),
        mention("impaired liver function", text, DIS),
        mention("retinal perforaton", text, DIS),
    ]
    linked = DictionaryLinker(kb=kb).link(doc, ms)
    assert [lm.entity.id if lm.entity else None for lm in linked] == [
        None,
        None,
        None,
        "MESH:D012167",
    ]


def test_a_fuzzy_match_never_swaps_a_chemical_group():
    kb = plain_linker(
        KBRecord("MESH:D008770", D, "N-methyl-N-nitrosourea"),
        KBRecord("MESH:D000432", D, "Methanol"),
    ).kb
    text = "N-ethyl-N-nitrosourea and ethanol"
    doc = Document("PMID:13", "text", text)
    ms = [mention(t, text, D) for t in ("N-ethyl-N-nitrosourea", "ethanol")]
    linked = DictionaryLinker(kb=kb).link(doc, ms)
    assert [lm.entity.id if lm.entity else None for lm in linked] == [None, None]
    assert not adds_no_word("ethyl", "methyl") and adds_no_word("tumours", "tumor")


def test_a_fuzzy_match_never_drops_the_words_that_qualify_a_bare_head_noun():
    kb = plain_linker(KBRecord("MESH:D013577", DIS, "Syndrome")).kb
    text = "TRMA syndrome; other syndromes"
    doc = Document("PMID:14", "text", text)
    ms = [mention(t, text, DIS) for t in ("TRMA syndrome", "syndromes")]
    linked = DictionaryLinker(kb=kb).link(doc, ms)
    # "Syndrome" says nothing of which; the word alone is still the heading
    assert [(lm.entity.id if lm.entity else None, lm.how) for lm in linked] == [
        (None, ""),
        ("MESH:D013577", "loose"),
    ]


def test_adds_no_word_checks_each_word_of_the_matched_name():
    assert adds_no_word("brest tumours", "breast tumor")
    assert adds_no_word("haemolytic anaemia", "hemolytic anemia")
    assert not adds_no_word("perforation", "retinal perforation")
    assert not adds_no_word("impaired liver function", "impaired renal function")
    assert not adds_no_word("hypocoagulability", "hypercoagulability")
    assert not adds_no_word("bradyarrhythmia", "tachyarrhythmia")


def test_trimming_stops_before_a_bare_head_noun():
    plain = plain_linker(
        KBRecord("MESH:D013577", DIS, "Syndrome"), KBRecord("MESH:D012213", DIS, "Rheumatic Fever")
    )
    text = "Sinusoidal obstruction syndrome followed acute rheumatic fever."
    doc = Document("PMID:9", "text", text)
    ms = [
        mention("Sinusoidal obstruction syndrome", text, DIS),
        mention("acute rheumatic fever", text, DIS),
    ]
    linked = plain.link(doc, ms)
    # "syndrome" alone names no condition; the MeSH root is no link for a named syndrome
    assert [lm.entity.id if lm.entity else None for lm in linked] == [None, "MESH:D012213"]


def test_a_virus_infection_is_the_viruss_never_the_root_infection():
    records = [
        KBRecord("MESH:D030361", DIS, "Papillomavirus Infections"),
        KBRecord("MESH:D006509", DIS, "Hepatitis B"),
        KBRecord("MESH:D006561", DIS, "Herpes Simplex"),
        KBRecord("MESH:D007239", DIS, "Infection"),
        KBRecord("MESH:D001102", DIS, "Arbovirus Infections"),
        KBRecord("MESH:D004412", DIS, "Dysmenorrhea"),
        KBRecord("MESH:D009120", DIS, "Muscle Cramp"),
    ]
    kb = named_kb(records, (4, "virus infection"), (6, "cramps"))
    said = [
        "HPV infection",
        "hepatitis B virus infection",
        "HSV infections",
        "VZV infection",
        "varicella zoster virus infection",
        "serious infections",
        "menstrual cramps",
    ]
    text = "; ".join(said)
    doc = Document("PMID:16", "text", text)
    linked = DictionaryLinker(kb=kb).link(doc, [mention(t, text, DIS) for t in said])
    assert [(lm.entity.id if lm.entity else None, lm.how) for lm in linked] == [
        ("MESH:D030361", "rewritten"),
        ("MESH:D006509", "rewritten"),
        ("MESH:D006561", "rewritten"),
        (None, ""),  # the root Infection says nothing of which virus
        (None, ""),  # nor does the "virus infection" an ontology calls Arbovirus Infections
        ("MESH:D007239", "trimmed"),  # a severity is no cause: trimming may drop it
        ("MESH:D004412", "rewritten"),  # not the leg's cramps
    ]
    assert name_rewrites("hepatitis C virus infection")[:3] == [
        "hepatitis c virus infections",
        "hepatitis cvirus infections",
        "hepatitis c",
    ]
    assert name_rewrites("CMV infection")[0] == "cytomegalovirus infections"


def test_a_body_systems_depression_is_not_the_mood_disorder():
    records = [
        KBRecord("MESH:D003866", DIS, "Depressive Disorder"),
        KBRecord("MESH:D012131", DIS, "Respiratory Insufficiency"),
        KBRecord("MESH:D003128", DIS, "Coma"),
    ]
    names = [(i, RANK_PREFERRED * S, r.name) for i, r in enumerate(records)]
    names += [(0, RANK_PREFERRED * S, "depression"), (1, RANK_PREFERRED * S, "respiratory depression")]
    plain = DictionaryLinker(kb=KnowledgeBase.from_data(KBData(records, names, [])))
    phrases = [
        "CNS depression",  # a fuzzy match to "depression" before
        "central nervous system depression",  # trimmed to "depression" before
        "myocardial depression",
        "neonatal respiratory depression",  # may still lose "neonatal"
        "severe depression",  # the mood disorder, trimmed as before
        "CNS depression and coma",  # the tail that is no depression still counts
    ]
    text = ", ".join(phrases) + "."
    doc = Document("PMID:8", "text", text)
    linked = plain.link(doc, [mention(p, text, DIS) for p in phrases])
    assert [lm.entity.id if lm.entity else None for lm in linked] == [
        None,
        None,
        None,
        "MESH:D012131",
        "MESH:D003866",
        "MESH:D003128",
    ]


def test_a_disease_mesh_lacks_carries_its_nearest_mesh_heading():
    records = (
        KBRecord("DOID:10272", DIS, "left bundle branch block"),
        KBRecord("MESH:D002037", DIS, "Bundle-Branch Block"),
        KBRecord("DOID:0050859", DIS, "hemorrhagic cystitis", ("MESH:D006470",)),
        KBRecord("DOID:9999", DIS, "acute syndrome"),
    )
    text = "Left bundle branch block, bundle-branch block, hemorrhagic cystitis, acute syndrome."
    doc = Document("PMID:1", "text", text)
    ms = [
        mention("Left bundle branch block", text, DIS),
        mention("bundle-branch block", text, DIS),
        mention("hemorrhagic cystitis", text, DIS),
        mention("acute syndrome", text, DIS),
    ]
    linked = plain_linker(*records).link(doc, ms)
    got = [(lm.entity.id, lm.entity.broader) for lm in linked]
    assert got == [
        ("DOID:10272", ("MESH:D002037",)),  # the node stays the specific concept
        ("MESH:D002037", ()),
        ("DOID:0050859", ()),  # MeSH knows it already (an xref)
        ("DOID:9999", ()),  # never a bare head noun ("syndrome")
    ]
    off = DictionaryLinker(
        kb=plain_linker(*records).kb, config=LinkerConfig(fuzzy=False, broader_headings=False)
    )
    assert off.link(doc, ms[:1])[0].entity.broader == ()


def test_name_rewrites_read_adjectives_then_swap_one_word_then_two():
    assert name_rewrites("uterine bleeding") == ["uterine hemorrhage", "uterine hemorrhagic"]
    assert name_rewrites("Liver Tumors") == [
        "hepatic tumors",
        "liver neoplasms",
        "hepatic neoplasms",
    ]
    assert name_rewrites("cataleptic") == ["catalepsy", "cataleptia"]
    assert name_rewrites("hypertensive") == ["hypertension"]
    assert name_rewrites("migraineurs") == ["migraine"]
    assert name_rewrites("graft-versus-host disease")[0] == "graft vs host disease"
    assert name_rewrites("tinea versicolor") == []
    # MeSH names the organ in full and calls dysrhythmias arrhythmias
    assert name_rewrites("overactive bladder") == ["overactive urinary bladder"]
    assert name_rewrites("ventricular dysrhythmias") == ["ventricular arrhythmia"]
    assert name_rewrites("") == []
    # MeSH entry terms of another heading, as labels write adverse reactions
    assert name_rewrites("pyrexia") == ["fever"]
    assert name_rewrites("Toxic Epidermal Necrolysis")[0] == "stevens johnson syndrome"
    assert name_rewrites("neonatal opioid withdrawal syndrome")[0] == "neonatal abstinence syndrome"
    assert name_rewrites("Dysbetalipoproteinemia")[0] == "hyperlipoproteinemia type iii"
    assert name_rewrites("cretinism")[0] == "congenital hypothyroidism"


def test_labels_skin_and_skin_structure_infections_are_infectious_skin_diseases():
    linker = plain_linker(
        KBRecord("MESH:D012874", DIS, "Skin Diseases, Infectious"),
        KBRecord("MESH:D001850", DIS, "Bone Diseases, Infectious"),
        KBRecord("MESH:D007239", DIS, "Infection"),
    )
    names = [
        "complicated skin and skin structure infections",
        "skin structure infections",
        "bone infections",
        "wound infections",  # no "Wound Diseases, Infectious": trimmed to Infection
    ]
    text = "; ".join(names)
    doc = Document("PMID:15", "text", text)
    linked = linker.link(doc, [mention(n, text, DIS) for n in names])
    assert [lm.entity.id if lm.entity else None for lm in linked] == [
        "MESH:D012874",
        "MESH:D012874",
        "MESH:D001850",
        "MESH:D007239",
    ]
    assert name_rewrites("skin and skin structure infections")[:2] == [
        "skin infections",
        "cutaneous infections",
    ]


def test_patient_labelling_words_link_to_the_mesh_names():
    linker = plain_linker(
        KBRecord("MESH:D007674", DIS, "Kidney Diseases"),
        KBRecord("MESH:D006474", DIS, "Hemorrhagic Disorders"),
        KBRecord("MESH:D012120", DIS, "Respiration Disorders"),
        KBRecord("MESH:D004194", DIS, "Disease"),
        KBRecord("NCBIGene:1576", G, "CYP3A4"),
        KBRecord("NCBIGene:1559", G, "CYP2C9"),
    )
    diseases = ["problems", "kidney problems", "bleeding problems", "breathing problems"]
    genes = ["cytochrome P450 3A4", "cytochrome P-450 2C9 isoenzyme", "cytochrome P450 enzymes"]
    text = "; ".join(diseases + genes)
    doc = Document("SPL:1", "spl", text)
    mentions = [mention(n, text, DIS) for n in diseases] + [mention(n, text, G) for n in genes]
    got = {
        lm.mention.text: lm.entity.id if lm.entity else None for lm in linker.link(doc, mentions)
    }
    # "problems" alone names no condition; "cytochrome P450 enzymes" no one gene
    assert got == {
        "problems": None,
        "kidney problems": "MESH:D007674",
        "bleeding problems": "MESH:D006474",
        "breathing problems": "MESH:D012120",
        "cytochrome P450 3A4": "NCBIGene:1576",
        "cytochrome P-450 2C9 isoenzyme": "NCBIGene:1559",
        "cytochrome P450 enzymes": None,
    }


def test_a_disease_written_another_way_links_to_the_mesh_name():
    records = (
        KBRecord("MESH:D014592", DIS, "Uterine Hemorrhage"),
        KBRecord("MESH:D008113", DIS, "Liver Neoplasms"),
        KBRecord("MESH:D051437", DIS, "Renal Insufficiency"),
        KBRecord("MESH:D002375", DIS, "Catalepsy"),
        KBRecord("MESH:D000001", D, "Liver Neoplasms"),  # same name, other type: never chosen
    )
    text = (
        "Uterine bleeding, liver tumours and acute renal impairment; hepatic tumours in rats; "
        "cataleptic rats."
    )
    doc = Document("PMID:11", "text", text)
    names = [
        "Uterine bleeding",
        "liver tumours",
        "acute renal impairment",
        "hepatic tumours",
        "cataleptic",
    ]
    ms = [mention(n, text, DIS) for n in names]
    linked = plain_linker(*records).link(doc, ms)
    assert [lm.entity.id if lm.entity else None for lm in linked] == [
        "MESH:D014592",
        "MESH:D008113",
        "MESH:D051437",  # "acute" trimmed, then the synonym
        "MESH:D008113",  # two words swapped
        "MESH:D002375",  # the adjective's noun
    ]
    assert all(lm.score < 1.0 for lm in linked)
    off = DictionaryLinker(
        kb=plain_linker(*records).kb, config=LinkerConfig(fuzzy=False, rewrite_types=frozenset())
    )
    assert [lm.entity for lm in off.link(doc, ms)] == [None] * 5


def test_a_gene_mention_running_on_into_its_state_links_through_the_symbol(linker):
    text = (
        "BRAF mutation, HER2-positive tumours, the EGFR gene, an ERBB2 exon 20 mutant, "
        "a BRAF V600E mutation, wild-type EGFR and a BRAF inhibitor."
    )
    doc = Document("PMID:10", "text", text)
    names = [
        "BRAF mutation",
        "HER2-positive",
        "EGFR gene",
        "ERBB2 exon 20 mutant",
        "BRAF V600E mutation",
        "wild-type EGFR",
        "BRAF inhibitor",
    ]
    linked = linker.link(doc, [mention(n, text, G) for n in names])
    got = [lm.entity.id if lm.entity else None for lm in linked]
    # a drug class is not a state of the gene: "BRAF inhibitor" stays unlinked
    assert got == ["NCBIGene:673", "NCBIGene:2064", "NCBIGene:1956", "NCBIGene:2064"] + [
        "NCBIGene:673",
        "NCBIGene:1956",
        None,
    ]
    assert all(lm.score < 1.0 for lm in linked[:6])


def test_a_drug_tagged_as_a_gene_is_retyped_only_when_its_name_has_a_drug_stem():
    plain = plain_linker(
        KBRecord("DRUGBANK:DB00317", D, "Gefitinib"), KBRecord("MESH:D007328", D, "Insulin")
    )
    text = "Cells were treated with gefitinib and insulin."
    doc = Document("PMID:11", "text", text)
    linked = plain.link(doc, [mention("gefitinib", text, G), mention("insulin", text, G)])
    assert [(lm.mention.type, lm.entity.id if lm.entity else None) for lm in linked] == [
        (D, "DRUGBANK:DB00317"),
        (G, None),  # a hormone tagged as a gene may be the gene: it stays as it was read
    ]


def test_disease_spans_grow_to_a_longer_kb_name(linker):
    text = "Indicated for essential hypertension. Acute kidney injury, hypertension and aspirin."
    doc = Document("SPL:1", "text", text)
    ms = [
        mention("hypertension", text, DIS),  # the tagger dropped "essential"
        mention("Acute", text, DIS),  # and split "Acute" off "kidney injury"
        mention("kidney injury", text, DIS),
        mention("hypertension", text, DIS, nth=1),  # no longer name around it
        mention("aspirin", text, D),
    ]
    linked = linker.link(doc, ms)
    got = [(lm.mention.text, lm.entity.id if lm.entity else None) for lm in linked]
    assert got == [
        ("essential hypertension", "MESH:D000075222"),
        ("Acute kidney injury", "MESH:D058186"),  # "Acute" is swallowed, not left as a mention
        ("hypertension", "MESH:D006973"),
        ("aspirin", "MESH:D001241"),
    ]
    first = linked[0].mention
    assert text[first.start : first.end] == "essential hypertension"
    # never across punctuation or over a mention of another type, never for drugs
    doc2 = Document("SPL:2", "text", "Essential, hypertension; aspirin hypertension")
    ms2 = [mention("hypertension", doc2.text, DIS), mention("aspirin", doc2.text, D)]
    assert [lm.mention.text for lm in linker.link(doc2, ms2)] == ["hypertension", "aspirin"]
    off = DictionaryLinker(kb=linker.kb, config=LinkerConfig(extend_types=frozenset()))
    assert off.link(doc, ms[:1])[0].mention.text == "hypertension"


def test_disease_spans_grow_to_a_name_written_another_way():
    linker = plain_linker(
        KBRecord("MESH:D014592", DIS, "Uterine Hemorrhage"),
        KBRecord("MESH:D006470", DIS, "Hemorrhage"),
    )
    text = "Treatment of uterine bleeding."
    doc = Document("SPL:4", "text", text)
    (lm,) = linker.link(doc, [mention("bleeding", text, DIS)])
    assert (lm.mention.text, lm.entity.id) == ("uterine bleeding", "MESH:D014592")


def test_unlinked_drug_or_disease_mentions_that_are_a_gene_symbol_or_a_variant_are_retyped(linker):
    text = "DPYD-like: BRAF and EGFR testing; the T790M change; ABL; braf."
    doc = Document("SPL:3", "text", text)
    ms = [
        mention("BRAF", text, D),  # an approved symbol the tagger read as a drug
        mention("EGFR", text, G),
        mention("T790M", text, DIS),  # a change the tagger read as a disease
        mention("ABL", text, D),  # an alias, not the approved symbol: stays unlinked
        mention("braf", text, D),  # not written as a symbol
    ]
    got = [(lm.mention.type, lm.entity.id if lm.entity else None) for lm in linker.link(doc, ms)]
    assert got == [
        (G, "NCBIGene:673"),
        (G, "NCBIGene:1956"),
        (V, "VAR:EGFR:p.T790M"),
        (D, None),
        (D, None),
    ]
    plain = DictionaryLinker(kb=linker.kb, config=LinkerConfig(retype=False))
    assert plain.link(doc, ms[:1])[0].entity is None


def test_a_short_lower_case_word_is_not_an_upper_case_abbreviation(linker):
    text = "NO release; carriers of no function alleles; Nitric oxide."
    doc = Document("PMID:11", "text", text)
    ms = [mention("NO", text, D), mention("no", text, D), mention("Nitric oxide", text, D)]
    assert [lm.entity.id if lm.entity else None for lm in linker.link(doc, ms)] == [
        "MESH:D009569",
        None,
        "MESH:D009569",
    ]


def test_a_guidelines_capital_no_before_action_is_the_english_word(linker):
    text = "CYP2C19 UM | clopidogrel | NO action is required | NO synthase and NO release"
    doc = Document("PHARMGKB:1", "pharmgkb", text)
    ms = [mention("NO", text, D, n) for n in range(3)]
    assert [lm.entity.id if lm.entity else None for lm in linker.link(doc, ms)] == [
        None,
        "MESH:D009569",
        "MESH:D009569",
    ]


def test_coordinations_split_into_their_named_parts(linker):
    text = "nausea and vomiting; postoperative nausea and vomiting; aspirin or paracetamol; renal and hepatic failure"
    doc = Document("PMID:12", "text", text)
    ms = [
        mention("nausea and vomiting", text, DIS),
        mention("postoperative nausea and vomiting", text, DIS),  # itself a name: kept whole
        mention("aspirin or paracetamol", text, D),
        mention("renal and hepatic failure", text, DIS),  # "renal" names nothing: kept whole
    ]
    got = [(lm.mention.text, lm.entity.id if lm.entity else None) for lm in linker.link(doc, ms)]
    assert got[:5] == [
        ("nausea", "MESH:D009325"),
        ("vomiting", "MESH:D014839"),
        ("postoperative nausea and vomiting", "MESH:D020250"),
        ("aspirin", "MESH:D001241"),
        ("paracetamol", "MESH:D000082"),
    ]
    assert got[5][0] == "renal and hepatic failure"
    first = linker.link(doc, ms[:1])[1].mention
    assert text[first.start : first.end] == "vomiting"


def test_elided_coordinations_split_into_the_names_they_stand_for():
    linker = plain_linker(
        KBRecord("MESH:D009461", DIS, "neurologic symptoms"),
        KBRecord("MESH:D009140", DIS, "musculoskeletal symptoms"),
        KBRecord("MESH:D017180", DIS, "ventricular tachycardia"),
        KBRecord("MESH:D014693", DIS, "ventricular fibrillation"),
        KBRecord("MESH:D007674", DIS, "renal failure"),
        KBRecord("MESH:D007680", DIS, "Kidney Neoplasms"),
        KBRecord("MESH:D008113", DIS, "Liver Neoplasms"),
    )
    text = (
        "neurologic and musculoskeletal symptoms; ventricular tachycardia and fibrillation; "
        "renal and hepatic failure; kidney and liver tumours"
    )
    doc = Document("PMID:13", "text", text)
    ms = [
        mention("neurologic and musculoskeletal symptoms", text, DIS),  # a shared head
        mention("ventricular tachycardia and fibrillation", text, DIS),  # a shared modifier
        mention("renal and hepatic failure", text, DIS),  # "hepatic failure" names nothing
        mention("kidney and liver tumours", text, DIS),  # names once rewritten
    ]
    linked = linker.link(doc, ms)
    got = [(lm.mention.text, lm.entity.id if lm.entity else None) for lm in linked]
    assert got == [
        ("neurologic", "MESH:D009461"),  # the span stays the words written
        ("musculoskeletal symptoms", "MESH:D009140"),
        ("ventricular tachycardia", "MESH:D017180"),
        ("fibrillation", "MESH:D014693"),
        ("renal and hepatic failure", None),
        ("kidney", "MESH:D007680"),
        ("liver tumours", "MESH:D008113"),
    ]
    for lm in linked:
        assert text[lm.mention.start : lm.mention.end] == lm.mention.text


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("apnoea", "Apnea"),
        ("leucopenia", "Leukopenia"),
        ("anaesthesia", "Anesthesia"),
        ("faecal incontinence", "Fecal Incontinence"),
        ("oedema", "Edema"),
    ],
)
def test_british_spellings_link_to_the_us_names(british, us):
    linker = plain_linker(KBRecord("MESH:D000001", DIS, us))
    doc = Document("PMID:14", "text", f"Severe {british} was seen.")
    (lm,) = linker.link(doc, [mention(british, doc.text, DIS)])
    assert lm.entity is not None and lm.entity.name == us


def test_lookup_free_text_with_types(linker):
    top, score = linker.lookup("Tylenol")[0]
    assert top.id == "MESH:D000082" and score == 1.0
    assert linker.lookup("EGFR", [D]) == []
    found = {e.id for e, _ in linker.lookup("aspirin allergy")}
    assert "MESH:D001241" in found
    assert linker.lookup("   ") == []


def test_variants_get_gene_anchored_ids(linker):
    text = "BRAF V600E was found. In EGFR, the T790M mutation and rs121434569 confer resistance. G12D alone."
    doc = Document("PMID:6", "text", text)
    ms = [
        mention("BRAF V600E", text, V),
        mention("EGFR", text, G),
        mention("T790M", text, V),
        mention("rs121434569", text, V),
    ]
    linked = linker.link(doc, ms)
    braf, _, t790m, rs = linked
    assert braf.entity.id == "VAR:BRAF:p.V600E"
    assert "NCBIGene:673" in braf.entity.xrefs
    assert "tmVar:p|SUB|V|600|E" in braf.entity.xrefs  # PubTator's gene-free key
    assert t790m.entity.id == "VAR:EGFR:p.T790M"
    assert rs.entity.id == "dbSNP:rs121434569"
    # a change with no gene anywhere in the document names no variant
    lonely = Document("PMID:7", "text", "G12D alone.")
    assert linker.link(lonely, [Mention(0, 4, "G12D", V)])[0].entity is None



def test_a_variant_in_a_paper_on_a_viruss_genes_takes_no_human_gene_from_elsewhere():
    kb = named_kb([KBRecord("NCBIGene:920", G, "CD4")])
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))

    def q509l(text: str, genes: Sequence[str]) -> str | None:
        ms = [mention(t, text, G) for t in genes] + [mention("Q509L", text, V)]
        lm = lk.link(Document("PMID:8", "pubmed", text), ms)[-1]
        return lm.entity.id if lm.entity else None

    hiv = "HIV-1 PR was read in subjects with low CD4 counts. RNase H mutations Q509L were seen."
    # HIV's RNase H is the virus's gene, no KB gene: its change is not the document's CD4's
    assert q509l(hiv, ["PR", "CD4", "RNase H mutations"]) is None
    # elsewhere, even in that paper, the document's only gene still anchors a change
    # written alone
    assert q509l("CD4 counts were low. Q509L was found.", ["CD4"]) == "VAR:CD4:p.Q509L"
    assert q509l(hiv.replace("RNase H mutations", "Mutations"), ["PR", "CD4"]) == "VAR:CD4:p.Q509L"


@pytest.mark.parametrize(
    ("text", "expected", "gene_ids"),
    [
        ("HER2 amplification", "VAR:ERBB2:amplification", {"NCBIGene:2064", "HGNC:3430"}),
        ("BCR-ABL", "VAR:BCR::ABL1", {"NCBIGene:613", "NCBIGene:25"}),
        ("CYP2C19*2", "VAR:CYP2C19*2", {"NCBIGene:1557"}),
        ("BRAF p.Val600Glu", "VAR:BRAF:p.V600E", {"NCBIGene:673"}),
    ],
)
def test_variant_kinds_use_hgnc_symbols(linker, text, expected, gene_ids):
    doc = Document("PMID:9", "text", f"We found {text} here.")
    start = doc.text.index(text)
    linked = linker.link(doc, [Mention(start, start + len(text), text, V)])[0]
    assert linked.entity is not None and linked.entity.id == expected
    assert gene_ids <= set(linked.entity.xrefs)
    assert linked.mention.ids == (expected,)


def test_unreadable_variant_text_stays_unlinked(linker):
    text = "a frameshift somewhere in BRAF"
    doc = Document("PMID:10", "text", text)
    assert (
        linker.link(doc, [Mention(0, 12, "a frameshift", V), Mention(26, 30, "BRAF", G)])[0].entity
        is None
    )


def test_link_many_returns_processed_and_failed(linker):
    text = "aspirin"
    docs = [Document("PMID:8", "text", text)]
    done, failed = linker.link_many(docs, [[Mention(0, 7, "aspirin", D)]])
    assert failed == []
    assert done[0][0].entity.id == "MESH:D001241"


def test_a_gene_symbol_the_tagger_left_out_is_read_before_its_state(linker):
    text = "HER2 positive breast cancer, a BRAF inhibitor and EGFR-mutant tumours."
    doc = Document("PMID:12", "text", text)
    cancer = mention("breast cancer", text, DIS)
    egfr = mention("EGFR-mutant", text, G)
    linked = linker.link(doc, [cancer, egfr])
    got = sorted((lm.mention.text, lm.entity.id if lm.entity else None) for lm in linked)
    # "inhibitor" names a drug class, not the gene's state; EGFR was read already
    assert got == [
        ("EGFR-mutant", "NCBIGene:1956"),
        ("HER2", "NCBIGene:2064"),
        ("breast cancer", "MESH:D001943"),
    ]
    off = DictionaryLinker(
        kb=linker.kb,
        config=LinkerConfig(context_genes=False),
        abbreviations=linker.abbreviation_finder,
    )
    assert len(off.link(doc, [cancer, egfr])) == 2


def test_a_gene_named_after_its_kind_links_through_the_symbol(linker):
    text = "a nonsense mutation in the tumor-suppressor gene BRAF"
    doc = Document("PMID:13", "text", text)
    (lm,) = linker.link(doc, [mention("tumor-suppressor gene BRAF", text, G)])
    assert lm.entity.id == "NCBIGene:673"


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("EGFR signalling drove tumour growth in mice given aspirin.", False),
        ("EGFR signalling in rats and in patients given aspirin.", True),
        ("EGFR signalling in human cells given aspirin.", True),
        ("EGFR signalling in tumours given aspirin.", True),  # no organism named
    ],
)
def test_genes_of_a_study_of_another_organism_stay_unlinked(linker, text, linked):
    doc = Document("PMID:14", "text", text)
    gene, drug = linker.link(doc, [mention("EGFR", text, G), mention("aspirin", text, D)])
    # the KB's genes are human: a mouse's EGFR is another gene; the mention stays
    assert (gene.mention.text, gene.mention.type) == ("EGFR", G)
    assert (gene.entity.id if gene.entity else None) == ("NCBIGene:1956" if linked else None)
    assert drug.entity.id == "MESH:D001241"
    off = DictionaryLinker(
        kb=linker.kb,
        config=LinkerConfig(human_genes_only=False),
        abbreviations=linker.abbreviation_finder,
    )
    assert off.link(doc, [mention("EGFR", text, G)])[0].entity.id == "NCBIGene:1956"


def test_evidence_summaries_and_labels_keep_human_genes_whatever_host_they_name(linker):
    text = "Murine Ba/F3 cells with EGFR mutations were resistant to aspirin."
    for source, linked in (("civic", True), ("pharmgkb", True), ("spl", True), ("pubmed", False)):
        doc = Document("X:1", source, text)
        (gene,) = linker.link(doc, [mention("EGFR", text, G)])
        assert (gene.entity is not None) is linked, source


def test_non_human_reads_organisms_as_words_not_word_parts():
    assert non_human("Knockout mice and murine cells")
    assert not non_human("Knockout mice, and patients with the same mutation")
    assert not non_human("Tramice and the family of Ratner")  # no organism as a word
    assert not non_human("The Wnt family in some cases")
    assert not non_human("Human tumour xenografts grown in nude mice")
    # organisms in a human gene's name or an assay's: "Kirsten rat sarcoma" is KRAS
    assert not non_human("KRAS (Kirsten rat sarcoma viral oncogene) in colorectal tumours")
    assert not non_human("MDM2 (mouse double minute 2) bound p53 in a yeast two-hybrid screen")
    assert non_human("Colorectal tumours of rats")


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("tumors", "tumor"),
        ("headaches", "headache"),  # "-aches" is the plural of "-ache", not of "-ach"
        ("patches", "patch"),
        ("rashes", "rash"),
        ("abscesses", "abscess"),
        ("stenoses", "stenosis"),
        ("bronchitis", "bronchitis"),
        ("metastases", "metastasis"),
    ],
)
def test_the_loose_key_reads_plurals_as_their_singular(plural, one):
    from extractors.linking.normalize import singular

    assert singular(plural) == one


def test_a_last_a_is_a_letter_not_an_article_in_the_loose_key():
    from extractors.linking.normalize import loose

    assert loose("Vitamin A") != loose("vitamin")
    assert loose("hepatitis A") == loose("Hepatitis, a")
    assert loose("a disease of the liver") == loose("disease liver")
    records = [KBRecord("MESH:D014801", D, "Vitamin A"), KBRecord("MESH:D014815", D, "Vitamins")]
    names = [(0, RANK_PREFERRED * S, "Vitamin A"), (1, RANK_PREFERRED * S, "Vitamins")]
    lk = DictionaryLinker(kb=KnowledgeBase.from_data(KBData(records, names, [])), config=LinkerConfig(fuzzy=False))
    text = "severe vitamin K deficiency; vitamins A and D"
    linked = lk.link(Document("PMID:6", "pubmed", text), [mention(t, text, D) for t in ("vitamin", "vitamins A")])
    assert [lm.entity.id for lm in linked] == ["MESH:D014815", "MESH:D014801"]


def test_a_labels_short_capitals_link_to_no_gene_through_an_alias_alone():
    kb = gene_kb(
        # an alias of PIK3C2A, and the lab test creatine kinase
        ("NCBIGene:5286", "PIK3C2A", [(RANK_ALIAS, "CPK")]),
        ("NCBIGene:3569", "IL6", [(RANK_ALIAS, "IL-6")]),
        ("NCBIGene:1401", "CRP", []),
        ("NCBIGene:1636", "ACE", [(RANK_CORPUS, "ACE")]),
        # a corpus reading of a bacterial glycosylase, not fasting plasma glucose
        ("NCBIGene:79661", "NEIL1", [(RANK_CORPUS, "Fpg")]),
    )
    text = "Elevations of CPK, CRP and IL-6 were seen with the ACE inhibitor; FPG fell."
    genes = [mention(t, text, G) for t in ("CPK", "CRP", "IL-6", "ACE", "FPG")]

    def linked(source: str, **config) -> list[str | None]:
        lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False, **config))
        out = lk.link(Document("SPL:x@1", source, text), genes)
        return [lm.entity.id if lm.entity else None for lm in out]

    # in a label, "CPK" stays a mention; an approved symbol, the symbol hyphenated and a
    # corpus reading still link, unless the corpus wrote it in another case
    label = [None, "NCBIGene:1401", "NCBIGene:3569", "NCBIGene:1636", None]
    assert linked("spl") == linked("openfda") == label
    # literature keeps the alias reading, and so does a label with the rule off
    for i in (0, 4):
        assert linked("pubmed")[i] == linked("spl", label_short_aliases=True)[i] is not None


def test_acmg_criteria_codes_link_to_no_gene_where_the_document_uses_the_criteria():
    kb = gene_kb(
        ("NCBIGene:4888", "NPY6R", [(RANK_ALIAS, "PP2")]),
        ("NCBIGene:5663", "PSEN1", [(RANK_ALIAS, "PS1")]),
        ("NCBIGene:7428", "VHL", []),
    )
    acmg = "The VHL variant was pathogenic. ACMG evidence codes: PS1, PP2."
    plain = "PS1 and VHL were sequenced in the family."

    def linked(text: str, **config) -> dict[str, str | None]:
        lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False, **config))
        names = [t for t in ("VHL", "PS1", "PP2") if t in text]
        out = lk.link(Document("PMID:7", "pubmed", text), [mention(t, text, G) for t in names])
        return {lm.mention.text: lm.entity.id if lm.entity else None for lm in out}

    assert linked(acmg) == {"VHL": "NCBIGene:7428", "PS1": None, "PP2": None}
    # elsewhere "PS1" is presenilin 1, and the rule can be turned off
    assert linked(plain)["PS1"] == "NCBIGene:5663"
    assert linked(acmg, acmg_codes_as_genes=True)["PP2"] == "NCBIGene:4888"


def test_a_shared_gene_alias_goes_to_the_family_of_the_documents_other_genes():
    kb = gene_kb(
        ("NCBIGene:3777", "KCNK3", [(RANK_ALIAS, "OAT1")]),  # first of the tie: the KB's pick
        ("NCBIGene:9356", "SLC22A6", [(RANK_ALIAS, "OAT1")]),
        ("NCBIGene:9376", "SLC22A8", [(RANK_ALIAS, "OAT3")]),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))
    both = "It is a substrate of OAT1 and OAT3."
    linked = lk.link(Document("PMID:1", "pubmed", both), [mention(t, both, G) for t in ("OAT1", "OAT3")])
    assert [lm.entity.id for lm in linked] == ["NCBIGene:9356", "NCBIGene:9376"]
    # alone, nothing tells the tie apart: the KB's first reading stays
    alone = "It is a substrate of OAT1."
    (one,) = lk.link(Document("PMID:2", "pubmed", alone), [mention("OAT1", alone, G)])
    assert one.entity.id == "NCBIGene:3777"
    # a drug label's pharmacology names transporters: alone there, it is the SLC gene
    (one,) = lk.link(Document("SPL:1", "spl", alone), [mention("OAT1", alone, G)])
    assert one.entity.id == "NCBIGene:9356"


def test_a_gene_alias_matches_loosely_only_a_symbol_shaped_mention():
    kb = gene_kb(
        ("NCBIGene:55244", "SLC47A1", [(RANK_ALIAS, "MATE1")]),
        # an alias in the gene vocabulary, and an English word
        ("NCBIGene:8803", "SUCLA2", [(RANK_ALIAS, "BETA")]),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))
    assert lk.lookup("MATE-1", [G])[0][0].id == "NCBIGene:55244"
    text = "MATE-1 and the Betas"
    linked = lk.link(Document("PMID:3", "pubmed", text), [mention(t, text, G) for t in ("MATE-1", "Betas")])
    assert [lm.entity.id if lm.entity else None for lm in linked] == ["NCBIGene:55244", None]


def test_the_cytochrome_p450_superfamily_is_no_one_gene():
    kb = gene_kb(
        # one corpus annotation read "cytochrome P450" so
        ("NCBIGene:1572", "CYP2F1", [(RANK_CORPUS, "cytochrome P450"), (RANK_ALIAS, "P450")]),
        ("NCBIGene:1576", "CYP3A4", []),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))
    text = "It is metabolized by cytochrome P450 enzymes, by P450 and by cytochrome P450 3A4."
    family = ("cytochrome P450 enzymes", "P450", "cytochrome P450 3A4")
    linked = lk.link(Document("PMID:4", "pubmed", text), [mention(t, text, G) for t in family])
    assert [lm.entity.id if lm.entity else None for lm in linked] == [None, None, "NCBIGene:1576"]


def test_a_letter_in_a_gene_name_is_no_stop_word_for_the_loose_match():
    kb = gene_kb(
        ("NCBIGene:4128", "MAOA", [(RANK_NAME, "monoamine oxidase A")]),
        ("NCBIGene:84909", "AOPEP", [(RANK_ALIAS, "APO")]),
        ("NCBIGene:6582", "SLC22A2", [(RANK_NAME, "organic cation transporter 2")]),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))
    text = "monoamine oxidase, apo A, monoamine oxidases A and organic cation transporters 2"
    said = ("monoamine oxidase", "apo A", "monoamine oxidases A", "organic cation transporters 2")
    linked = lk.link(Document("PMID:5", "pubmed", text), [mention(t, text, G) for t in said])
    # the family and "apo A" are no member; a plural is still its singular
    assert [lm.entity.id if lm.entity else None for lm in linked] == [None, None, "NCBIGene:4128", "NCBIGene:6582"]


def test_receptor_subtypes_written_with_a_slash_are_one_mention_each():
    kb = gene_kb(
        ("NCBIGene:3351", "HTR1B", [(RANK_NAME, "5-hydroxytryptamine receptor 1B"), (RANK_ALIAS, "5-HT1B")]),
        ("NCBIGene:3352", "HTR1D", [(RANK_NAME, "5-hydroxytryptamine receptor 1D"), (RANK_ALIAS, "5-HT1D")]),
        ("NCBIGene:1576", "CYP3A4", []),
        ("NCBIGene:1577", "CYP3A5", []),
        ("NCBIGene:1950", "EGF", [(RANK_NAME, "epidermal growth factor")]),
        ("NCBIGene:2064", "ERBB2", [(RANK_ALIAS, "HER2")]),
        ("NCBIGene:2260", "FGFR1", [(RANK_NAME, "fibroblast growth factor receptor 1"), (RANK_ALIAS, "H2")]),
    )
    text = "It binds 5-HT1B/1D receptors, is a CYP3A4/5 substrate, spares EGF receptors and HER2/neu."
    text += " H2 receptors"
    said = ("5-HT1B/1D receptors", "CYP3A4/5", "EGF receptors", "HER2/neu", "H2 receptors")

    def linked(**config):
        lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False, **config))
        out = lk.link(Document("PMID:6", "pubmed", text), [mention(t, text, G) for t in said])
        return [(lm.mention.text, lm.entity.id if lm.entity else None) for lm in out]

    assert linked() == [
        ("5-HT1B", "NCBIGene:3351"),
        ("1D receptors", "NCBIGene:3352"),  # the span it has, the name it stands for
        ("CYP3A4", "NCBIGene:1576"),
        ("5", "NCBIGene:1577"),
        ("EGF receptors", None),  # EGF is no receptor: the word names another gene
        ("HER2/neu", None),  # "neu" is no subtype suffix
        ("H2 receptors", None),  # FGFR1's alias, but its receptor's name ends in 1, not H2
    ]
    assert linked(gene_slashes=False, gene_receptors=False)[:2] == [
        ("5-HT1B/1D receptors", None),
        ("CYP3A4/5", None),
    ]


def test_one_letter_links_only_where_the_document_defines_it_or_as_an_element():
    # the corpora's "testosterone (T)" and "etodolac (E)" left one-letter names in the KB
    records = [
        KBRecord("MESH:D013739", D, "Testosterone"),
        KBRecord("MESH:D017308", D, "Etodolac"),
        KBRecord("MESH:D011188", D, "Potassium"),
        KBRecord("NCBIGene:999", G, "CDH1"),
    ]
    names = [
        (0, RANK_PREFERRED * S, "Testosterone"),
        (0, RANK_CORPUS * S, "T"),
        (1, RANK_PREFERRED * S, "Etodolac"),
        (1, RANK_CORPUS * S, "E"),
        (2, RANK_PREFERRED * S, "Potassium"),
        (2, RANK_CORPUS * S, "K"),
        (3, RANK_PREFERRED * S, "CDH1"),
        (3, RANK_SYNONYM * S, "E-cadherin"),
    ]
    lk = DictionaryLinker(
        kb=KnowledgeBase.from_data(KBData(records, names, [])),
        abbreviations=AbbreviationFinder(use_scispacy=False),
        config=LinkerConfig(fuzzy=False),
    )

    def linked(text: str, spans: list[tuple[str, EntityType, int]]) -> list[str | None]:
        out = lk.link(Document("PMID:8", "pubmed", text), [mention(t, text, ty, n) for t, ty, n in spans])
        return [lm.entity.id if lm.entity else None for lm in out]

    table = "DPYD | c.[2846A>T];[2846A>T] | loss of E-cadherin; serum K fell"
    assert linked(table, [("T", D, 0), ("E", D, 0), ("E-cadherin", G, 0), ("K", D, 0)]) == [
        None,
        None,
        "NCBIGene:999",
        "MESH:D011188",  # "K" is potassium's symbol
    ]
    defined = "Serum testosterone (T) rose; T fell later."
    assert linked(defined, [("testosterone", D, 0), ("T", D, 0), ("T", D, 1)]) == ["MESH:D013739"] * 3


def test_hivs_genes_are_the_virus_where_the_text_names_hiv():
    kb = gene_kb(
        ("NCBIGene:5241", "PGR", [(RANK_ALIAS, "PR")]),
        ("NCBIGene:10585", "POMT1", [(RANK_ALIAS, "RT")]),
        ("NCBIGene:1234", "CCR5", []),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))

    def linked(text: str) -> dict[str, str | None]:
        names = [t for t in ("PR", "RT", "CCR5") if t in text]
        out = lk.link(Document("PMID:9", "pubmed", text), [mention(t, text, G) for t in names])
        return {lm.mention.text: lm.entity.id if lm.entity else None for lm in out}

    hiv = "HIV-1 PR and RT sequences were read in 59 subjects; CCR5 was typed."
    assert linked(hiv) == {"PR": None, "RT": None, "CCR5": "NCBIGene:1234"}
    # nor is the "RT" of "RT-PCR", a method, anywhere
    pcr = "CCR5 was measured by RT-PCR."
    (rt,) = lk.link(Document("PMID:10", "pubmed", pcr), [mention("RT-", pcr, G)])
    assert rt.entity is None
    assert linked("PR and RT were measured in tumours.") == {
        "PR": "NCBIGene:5241",
        "RT": "NCBIGene:10585",
    }


def test_a_stage_of_the_documents_disease_names_no_disease():
    records = [
        KBRecord("MESH:D020178", DIS, "Sleep Disorders, Circadian Rhythm"),
        KBRecord("MESH:D009369", DIS, "Neoplasms"),
        KBRecord("MESH:D002908", DIS, "Chronic Disease"),
    ]
    # what BC5CDR dev linked in one abstract, and an oncology paper's stage
    kb = named_kb(records, (0, "advanced disease"), (1, "stage III disease"))
    said = ["advanced disease", "stage III disease", "chronic disease"]
    text = "HIV-1 subjects with " + "; ".join(said)
    doc = Document("PMID:17", "pubmed", text)
    linked = DictionaryLinker(kb=kb).link(doc, [mention(t, text, DIS) for t in said])
    assert [lm.entity.id if lm.entity else None for lm in linked] == [
        None,
        None,
        "MESH:D002908",  # MeSH's own heading
    ]


def test_other_viruses_genes_are_the_virus_where_the_text_names_it():
    kb = gene_kb(
        ("NCBIGene:9260", "PDLIM7", [(RANK_ALIAS, "LMP1")]),
        ("NCBIGene:1629", "DBT", [(RANK_ALIAS, "E2")]),
        ("NCBIGene:3845", "KRAS", [(RANK_ALIAS, "NS3")]),
    )
    lk = DictionaryLinker(kb=kb, config=LinkerConfig(fuzzy=False))

    def link(text: str, name: str) -> str | None:
        doc = Document("PMID:11", "pubmed", text)
        (lm,) = lk.link(doc, [mention(name, text, G)])
        return lm.entity.id if lm.entity else None

    assert link("LMP1, an EBV primary oncogene, drives metastasis of NPC.", "LMP1") is None
    assert link("HPV16 E2 represses the E6 promoter.", "E2") is None
    assert link("NS3 protease inhibitors for hepatitis C.", "NS3") is None
    # without its virus the alias is the human gene's
    assert link("LMP1 was expressed in the tumours.", "LMP1") == "NCBIGene:9260"
