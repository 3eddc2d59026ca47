"""Drug-label relations from section semantics, with a small dictionary linker fixture."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.base import LinkedMention
from extractors.labels import LabelRelationExtractor, target_action
from extractors.sentences import RuleSentenceSplitter
from kg.model import Document, Entity, EntityType, Mention, Predicate, SourceKind, TargetAction

D, G, S = EntityType.DRUG, EntityType.GENE, EntityType.DISEASE
VOCAB = [
    Entity("MESH:D000077144", D, "clopidogrel"),
    Entity("MESH:D009853", D, "omeprazole"),
    Entity("MESH:D013988", D, "ticlopidine"),
    Entity("MESH:D009569", D, "nitric oxide"),
    Entity("MESH:D009203", S, "myocardial infarction"),
    Entity("MESH:D020521", S, "stroke"),
    Entity("MESH:D058729", S, "peripheral arterial disease"),
    Entity("MESH:D008881", S, "migraine"),
    Entity("MESH:D006470", S, "bleeding"),
    Entity("MESH:D054058", S, "acute coronary syndrome"),
    Entity("MESH:D012131", S, "hypoxic respiratory failure", ("respiratory failure",)),
    Entity("NCBIGene:1557", G, "CYP2C19"),
    Entity("NCBIGene:64805", G, "P2Y12"),
]


class DictionaryLinker:
    """Recognises and links the names above; ``lookup`` is the linker API the extractor uses."""

    name = "dict-fixture"
    version = "1"

    def __init__(self, entities: list[Entity]) -> None:
        self.by_name = {}
        for e in entities:
            for n in (e.name, *e.synonyms):
                self.by_name[n.lower()] = e
        names = sorted(self.by_name, key=len, reverse=True)
        self.pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)", re.I)

    def lookup(self, text, types=None, k=10):
        ent = self.by_name.get(" ".join(text.lower().split()))
        return [(ent, 1.0)] if ent and (types is None or ent.type in types) else []

    def mentions(self, doc: Document) -> list[LinkedMention]:
        out = []
        for m in self.pattern.finditer(doc.text):
            ent = self.by_name[m.group(0).lower()]
            out.append(
                LinkedMention(Mention(m.start(), m.end(), m.group(0), ent.type), ent, 0.95, "exact")
            )
        return out


LINKER = DictionaryLinker(VOCAB)
LABEL_PARTS = [
    ("title", "CLOPIDOGREL tablets", None),
    (
        "indications_and_usage",
        "Clopidogrel is indicated to reduce the rate of myocardial infarction and stroke in patients "
        "with peripheral arterial disease. Clopidogrel is not indicated for the treatment of migraine.",
        "34067-9",
    ),
    (
        "boxed_warning",
        "Effectiveness depends on activation to an active metabolite by CYP2C19. Poor metabolizers "
        "with two loss-of-function alleles of CYP2C19 exhibit higher cardiovascular event rates.",
        "34066-1",
    ),
    (
        "contraindications",
        "Clopidogrel is contraindicated in patients with active bleeding. It is contraindicated in "
        "patients with hypersensitivity to ticlopidine.",
        "34070-3",
    ),
    (
        "drug_interactions",
        "Omeprazole reduces the antiplatelet activity of clopidogrel. Avoid concomitant use.",
        "34073-7",
    ),
    (
        "adverse_reactions",
        "Bleeding was the most common adverse reaction in patients with acute coronary syndrome.",
        "34084-4",
    ),
    (
        "mechanism_of_action",
        "The active metabolite irreversibly inhibits the P2Y12 receptor.",
        "43679-0",
    ),
]
METADATA = {
    "set_id": "abc-123",
    "version": "3",
    "active_moieties": "CLOPIDOGREL",
    "active_ingredients": "CLOPIDOGREL BISULFATE",
}


def label(metadata=METADATA, parts=LABEL_PARTS) -> Document:
    return Document.from_sections("SPL:abc-123@3", "spl", parts, metadata=metadata)


def run(doc: Document, linker=LINKER):
    ex = LabelRelationExtractor(linker)
    return ex.extract(doc, RuleSentenceSplitter().split(doc), LINKER.mentions(doc))


def triples(statements, evidence, *, negated=None):
    names = {e.id: e.name for e in VOCAB}
    keys = {ev.statement_key for ev in evidence if negated is None or ev.negated == negated}
    return {
        (names[s.subject], s.predicate.value, names[s.object], s.qualifiers)
        for s in statements
        if s.key in keys
    }


def test_sections_give_the_relation_types():
    statements, evidence = run(label())
    got = triples(statements, evidence, negated=False)
    expected = {
        ("clopidogrel", "TREATS", "myocardial infarction", ()),
        ("clopidogrel", "TREATS", "stroke", ()),
        ("clopidogrel", "TREATS", "peripheral arterial disease", ()),
        ("CYP2C19", "AFFECTS_RESPONSE", "clopidogrel", (("direction", "metabolism"),)),
        ("clopidogrel", "CONTRAINDICATED_IN", "bleeding", ()),
        ("clopidogrel", "CONTRAINDICATED_IN", "ticlopidine", ()),
        ("clopidogrel", "INTERACTS_WITH", "omeprazole", ()),
        ("clopidogrel", "CAUSES", "bleeding", ()),
        ("clopidogrel", "TARGETS", "P2Y12", (("action", "inhibitor"),)),
    }
    assert got == expected
    # who was treated in the trials is not an adverse reaction
    assert not any(t[2] == "acute coronary syndrome" for t in got)


def test_not_indicated_is_kept_as_negated_evidence():
    statements, evidence = run(label())
    assert triples(statements, evidence, negated=True) == {
        ("clopidogrel", "TREATS", "migraine", ())
    }


def test_evidence_keeps_label_provenance_and_spans():
    doc = label()
    statements, evidence = run(doc)
    by_key = {s.key: s for s in statements}
    for ev in evidence:
        assert ev.document_id == "SPL:abc-123@3"  # set id and version
        assert ev.source_kind is SourceKind.LABEL
        assert ev.section == doc.section_at(ev.sentence_start).code
        assert ev.extractor == "label-rules"
        st = by_key[ev.statement_key]
        obj_span = doc.text[ev.object_start : ev.object_end].lower()
        subj_span = doc.text[ev.subject_start : ev.subject_end].lower()
        names = {e.id: e.name.lower() for e in VOCAB}
        # each end's span is its own name; only the label's drug may be unnamed (empty)
        for span, cid in ((subj_span, st.subject), (obj_span, st.object)):
            assert span == names[cid] or (span == "" and cid == "MESH:D000077144"), (span, st)
        # the label's drug comes from its ingredients; the other end is the linker's choice
        for cid, link in ((st.subject, ev.subject_link), (st.object, ev.object_link)):
            assert link == ("label" if cid == "MESH:D000077144" else "exact"), (st, link)
    treats = [ev for ev in evidence if by_key[ev.statement_key].predicate is Predicate.TREATS]
    # the indication sentence names the drug: the subject span points at it
    assert all(doc.text[ev.subject_start : ev.subject_end] == "Clopidogrel" for ev in treats)


def test_interaction_evidence_carries_the_effect_text():
    statements, evidence = run(label())
    inter = {s.key for s in statements if s.predicate is Predicate.INTERACTS_WITH}
    notes = [ev.note for ev in evidence if ev.statement_key in inter]
    assert notes == ["Omeprazole reduces the antiplatelet activity of clopidogrel."]


def test_subject_from_ingredient_with_salt_when_no_moiety():
    meta = {k: v for k, v in METADATA.items() if k != "active_moieties"}
    ex = LabelRelationExtractor(LINKER)
    assert [e.name for e in ex.subjects(label(meta))] == ["clopidogrel"]


def test_plain_callable_lookup_and_no_subject_no_statements():
    by_name = {e.name: e for e in VOCAB}
    ex = LabelRelationExtractor(lambda name, etype: by_name.get(name.lower()))
    assert [e.name for e in ex.subjects(label())] == ["clopidogrel"]
    unknown = {**METADATA, "active_moieties": "ZZZ", "active_ingredients": "ZZZ"}
    assert run(label(unknown)) == ([], [])


@pytest.mark.parametrize(
    "sentence, action",
    [
        ("X is a selective antagonist of the 5-HT3 receptor.", TargetAction.ANTAGONIST),
        ("X blocks the beta-1 receptor.", TargetAction.ANTAGONIST),
        ("X is an agonist at mu opioid receptors.", TargetAction.AGONIST),
        ("X inhibits HMG-CoA reductase.", TargetAction.INHIBITOR),
        ("X activates AMPK.", TargetAction.ACTIVATOR),
        ("X binds to TNF-alpha.", TargetAction.BINDER),
        ("The exact mechanism is unknown.", TargetAction.UNKNOWN),
    ],
)
def test_mechanism_verbs(sentence, action):
    assert target_action(sentence) is action


SPL_FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "loaders" / "spl" / "inomax_v14_20190225.xml"
)


@pytest.mark.skipif(not SPL_FIXTURE.exists(), reason="SPL loader fixture not present")
def test_real_label_through_the_spl_loader():
    from loaders.spl import read_spl

    (doc,) = [d for d in read_spl(SPL_FIXTURE) if isinstance(d, Document)]
    statements, evidence = run(doc)
    got = triples(statements, evidence, negated=False)
    assert ("nitric oxide", "TREATS", "hypoxic respiratory failure", ()) in got
    sections = {ev.section for ev in evidence}
    assert "34067-9" in sections


def test_indications_exclude_risk_factors_organisms_and_descriptions():
    vocab = VOCAB + [
        Entity("MESH:D006973", S, "hypertension"),
        Entity("MESH:D011014", S, "pneumonia", ("pneumoniae",)),
        Entity("MESH:D006949", S, "hyperlipidemia"),
        Entity("MESH:D004244", S, "dizziness"),
    ]
    linker = DictionaryLinker(vocab)
    text = (
        "Hyperlipidemia: clopidogrel is an adjunct to diet. "
        "It reduces the risk of stroke in patients with risk factors such as hypertension. "
        "It is indicated for infections caused by Streptococcus pneumoniae. "
        "Patients with this disorder often report palpitations and dizziness."
    )
    doc = Document.from_sections(
        "SPL:r@1", "spl", [("indications_and_usage", text, "34067-9")], metadata=METADATA
    )
    ex = LabelRelationExtractor(linker)
    statements, evidence = ex.extract(doc, RuleSentenceSplitter().split(doc), linker.mentions(doc))
    names = {e.id: e.name for e in vocab}
    treated = {names[s.object] for s in statements if s.predicate is Predicate.TREATS}
    assert treated == {"hyperlipidemia", "stroke"}


def _indications(text: str, vocab: list[Entity]):
    linker = DictionaryLinker(vocab)
    doc = Document.from_sections(
        "SPL:i@1", "spl", [("indications_and_usage", text, "34067-9")], metadata=METADATA
    )
    ex = LabelRelationExtractor(linker)
    statements, evidence = ex.extract(doc, RuleSentenceSplitter().split(doc), linker.mentions(doc))
    names = {e.id: e.name for e in vocab}
    by_key = {s.key: s for s in statements if s.predicate is Predicate.TREATS}
    out: dict[str, set[bool]] = {}
    for ev in evidence:
        if ev.statement_key in by_key:
            out.setdefault(names[by_key[ev.statement_key].object], set()).add(ev.negated)
    return out


def test_a_limitation_of_use_is_negated_evidence_for_every_condition_it_names():
    vocab = VOCAB + [
        Entity("MESH:D003924", S, "type 2 diabetes mellitus"),
        Entity("MESH:D003922", S, "type 1 diabetes mellitus"),
        Entity("MESH:D016883", S, "diabetic ketoacidosis"),
    ]
    got = _indications(
        "Clopidogrel is indicated as an adjunct to diet and exercise in adults with type 2 "
        "diabetes mellitus. Important Limitations of Use: clopidogrel should not be used for "
        "the treatment of type 1 diabetes mellitus or diabetic ketoacidosis.",
        vocab,
    )
    assert got == {
        "type 2 diabetes mellitus": {False},
        "type 1 diabetes mellitus": {True},
        "diabetic ketoacidosis": {True},  # beyond the cue window of the negation rules
    }


def test_secondary_causes_after_e_g_and_risks_of_the_drug_are_no_indications():
    vocab = VOCAB + [
        Entity("MESH:D006937", S, "hypercholesterolemia"),
        Entity("MESH:D003920", S, "diabetes mellitus"),
        Entity("MESH:D007037", S, "hypothyroidism"),
        Entity("MESH:D007027", S, "hypothalamic"),
        Entity("MESH:D003643", S, "death"),
    ]
    got = _indications(
        "Clopidogrel is indicated for the treatment of hypercholesterolemia after secondary "
        "causes for hypercholesterolemia (e.g., poorly controlled diabetes mellitus, "
        "hypothyroidism) have been excluded. It reduces the risk of death and stroke. "
        "Use no more than 2 weeks because of the potential for the drug to suppress the "
        "hypothalamic axis.",
        vocab,
    )
    assert got == {"hypercholesterolemia": {False}, "stroke": {False}}


def test_infections_in_general_introduce_the_indicated_ones():
    vocab = VOCAB + [
        Entity("MESH:D007239", S, "infections"),
        Entity("MESH:D011014", S, "pneumonia"),
        Entity("MESH:D012852", S, "sinusitis"),
    ]
    got = _indications(
        "Clopidogrel is indicated for the treatment of the following infections caused by "
        "susceptible strains: pneumonia and sinusitis.",
        vocab,
    )
    assert got == {"pneumonia": {False}, "sinusitis": {False}}


def test_every_item_of_a_long_list_of_indications_counts():
    vocab = VOCAB + [
        Entity("MESH:D007239", S, "infections"),
        Entity("MESH:D004653", S, "empyema"),
        Entity("MESH:D011014", S, "pneumonitis"),
        Entity("MESH:D008169", S, "lung abscess"),
        Entity("MESH:D018805", S, "septicemia"),
        Entity("MESH:D010538", S, "peritonitis"),
        Entity("MESH:D006973", S, "hypertension"),
    ]
    got = _indications(
        "Clopidogrel is indicated in the treatment of serious infections caused by susceptible "
        "anaerobic bacteria of the genera named in the product's microbiology subsection, when "
        "they are isolated from the following sites and are in the conditions listed below; "
        "serious respiratory tract disease such as empyema, anaerobic pneumonitis and lung "
        "abscess; septicemia; intra abdominal disease such as peritonitis. Patients enrolled "
        "in the studies had a median age of 54 years and many also had hypertension.",
        vocab,
    )
    assert got == {
        name: {False}
        for name in (  # "infections" introduces the list (see the test above)
            "empyema",
            "pneumonitis",
            "lung abscess",
            "septicemia",
            "peritonitis",
        )
    }


def test_the_labels_own_product_name_links_to_its_drug():
    doc = label(
        {**METADATA, "products": "Plavix"}, [("title", "PLAVIX (clopidogrel) tablets", None)]
    )
    start = doc.text.index("PLAVIX")
    brand = Mention(start, start + 6, "PLAVIX", D, extractor="t")
    other = Mention(doc.text.index("tablets"), len(doc.text), "tablets", D, extractor="t")
    unlinked = [LinkedMention(brand, None, 0.0), LinkedMention(other, None, 0.0)]
    out = LabelRelationExtractor(LINKER).relink(doc, unlinked)
    assert out[0].entity.id == "MESH:D000077144" and out[0].mention.ids == ("MESH:D000077144",)
    assert out[1].entity is None  # not a product name: stays unlinked
    # typed as something else by the tagger: in its own label the brand is the drug
    as_disease = LinkedMention(replace(brand, type=S), None, 0.0)
    fixed = LabelRelationExtractor(LINKER).relink(doc, [as_disease])[0]
    assert fixed.mention.type is D and fixed.entity.id == "MESH:D000077144"
    kit = label(
        {**METADATA, "products": "Plavix", "active_moieties": "CLOPIDOGREL|OMEPRAZOLE"},
        [("title", "PLAVIX (clopidogrel) tablets", None)],
    )
    assert LabelRelationExtractor(LINKER).relink(kit, unlinked)[0].entity is None  # two drugs


def test_the_labelers_name_and_packaging_codes_are_no_mentions():
    text = "PLAVIX tablets, USP. Distributed by Pfizer Labs. NDC 0069-4200-30. Warfarin."
    doc = label(
        {**METADATA, "products": "Plavix", "labeler": "Pfizer Laboratories Div Pfizer Inc"},
        [("title", text, None)],
    )

    def unlinked(word: str) -> LinkedMention:
        start = doc.text.index(word)
        return LinkedMention(Mention(start, start + len(word), word, D, extractor="t"), None, 0.0)

    kept = LabelRelationExtractor(LINKER).relink(
        doc, [unlinked(w) for w in ("USP", "Pfizer", "NDC 0069-4200-30", "Warfarin")]
    )
    assert [lm.mention.text for lm in kept] == ["Warfarin"]  # an unknown word stays a mention


def test_a_single_drug_label_gives_its_product_names_to_the_drug():
    ex = LabelRelationExtractor(LINKER)
    doc = label({**METADATA, "products": "Plavix|PLAVIX|clopidogrel"})
    (own,) = ex.subject_entities(doc)
    assert own.id == "MESH:D000077144" and own.synonyms == ("Plavix",)  # once; not its own name
    kit = label({**METADATA, "products": "Plavix", "active_moieties": "CLOPIDOGREL|OMEPRAZOLE"})
    assert all("Plavix" not in e.synonyms for e in ex.subject_entities(kit))


def _section_statements(text: str, code: str, vocab: list[Entity], metadata=METADATA):
    linker = DictionaryLinker(vocab)
    doc = Document.from_sections("SPL:s@1", "spl", [("section", text, code)], metadata=metadata)
    ex = LabelRelationExtractor(linker)
    statements, evidence = ex.extract(doc, RuleSentenceSplitter().split(doc), linker.mentions(doc))
    names = {e.id: e.name for e in vocab}
    return {(names[s.subject], s.predicate.value, names[s.object]) for s in statements}


def _drugs(**names: str) -> list[Entity]:
    """Drug entities by MeSH id: ``_drugs(D008687="metformin")``."""
    return [Entity(f"MESH:{id_}", D, name) for id_, name in names.items()]


def _pairs(text: str, code: str, vocab: list[Entity], metadata) -> set[frozenset[str]]:
    """The statements' (subject, object) pairs, in either order."""
    return {frozenset((a, b)) for a, _, b in _section_statements(text, code, vocab, metadata)}


def test_a_combinations_sentence_is_about_the_ingredients_it_names():
    vocab = VOCAB + [
        Entity("MESH:D001241", D, "aspirin"),
        Entity("MESH:D004176", D, "dipyridamole"),
        Entity("NCBIGene:5742", G, "COX-1"),
        Entity("NCBIGene:5136", G, "PDE"),
    ]
    text = (
        "Aspirin inhibits COX-1 in platelets. "
        "Dipyridamole inhibits phosphodiesterase (PDE) in various tissues. "
        "The inhibition of PDE raises cAMP."
    )
    meta = {"set_id": "c", "version": "1", "active_moieties": "ASPIRIN|DIPYRIDAMOLE"}
    got = _section_statements(text, "43679-0", vocab, meta)
    assert got == {
        ("aspirin", "TARGETS", "COX-1"),
        ("dipyridamole", "TARGETS", "PDE"),  # the third sentence: still dipyridamole's
    }


def test_mechanism_genes_the_sentence_only_measures_are_no_targets():
    vocab = VOCAB + [
        Entity("MESH:D008687", D, "metformin"),
        Entity("NCBIGene:3630", G, "insulin"),
        Entity("NCBIGene:338", G, "apo B"),
        Entity("NCBIGene:3290", G, "HDL"),
    ]
    text = (
        "Metformin improves insulin sensitivity. "
        "Elevated plasma levels of LDL-C and apo B promote atherosclerosis. "
        "These complexes separate into HDL and LDL fractions."
    )
    meta = {"set_id": "m", "version": "1", "active_moieties": "METFORMIN"}
    assert _section_statements(text, "43679-0", vocab, meta) == set()
    # a sentence that names the drug, or states an action, keeps its gene
    assert _section_statements("Metformin acts on insulin.", "43679-0", vocab, meta) == {
        ("metformin", "TARGETS", "insulin")
    }
    # one of a list of quantities the drug changes is no target; a gene it changes alone may be
    listed = "Metformin reduces total-C, LDL-C, apo B, and TG."
    assert _section_statements(listed, "43679-0", vocab, meta) == set()
    alone = "Metformin reduces apo B."
    assert _section_statements(alone, "43679-0", vocab, meta) == {("metformin", "TARGETS", "apo B")}


def test_mechanism_genes_measured_further_back_or_named_as_stimuli_are_no_targets():
    vocab = VOCAB + [
        Entity("DRUGBANK:DB00051", D, "adalimumab"),
        Entity("NCBIGene:7124", G, "TNF"),
        Entity("NCBIGene:7412", G, "VCAM-1"),
        Entity("NCBIGene:1277", G, "collagen"),
        Entity("NCBIGene:3156", G, "HMG-CoA reductase"),
    ]
    meta = {"set_id": "a", "version": "1", "active_moieties": "ADALIMUMAB"}
    text = (
        "Adalimumab binds TNF and modulates responses regulated by TNF, including changes in the "
        "levels of adhesion molecules responsible for leukocyte migration (VCAM-1). "
        "Adalimumab inhibits aggregation in response to stimuli such as collagen."
    )
    assert _section_statements(text, "43679-0", vocab, meta) == {("adalimumab", "TARGETS", "TNF")}
    # an action or a means between the measure and the gene: the gene is acted on
    acted = "Adalimumab lowers levels of LDL-C by inhibiting HMG-CoA reductase."
    assert _section_statements(acted, "43679-0", vocab, meta) == {
        ("adalimumab", "TARGETS", "HMG-CoA reductase")
    }


def test_a_target_named_without_an_action_joins_the_action_the_label_states():
    vocab = VOCAB + [Entity("MESH:D000068677", D, "sildenafil"), Entity("NCBIGene:8654", G, "PDE5")]
    meta = {"set_id": "v", "version": "1", "active_moieties": "SILDENAFIL"}
    text = "Sildenafil is selective for PDE5. Sildenafil inhibits PDE5 in the corpus cavernosum."
    doc = Document.from_sections("SPL:v@1", "spl", [("43679-0", text, "43679-0")], metadata=meta)
    linker = DictionaryLinker(vocab)
    ex = LabelRelationExtractor(linker)
    statements, evidence = ex.extract(doc, RuleSentenceSplitter().split(doc), linker.mentions(doc))
    (target,) = statements
    assert target.qualifier("action") == "inhibitor"
    assert [ev.statement_key for ev in evidence] == [target.key, target.key]
    # alone, a sentence without an action still states a target, of unknown action
    alone = _section_statements("Sildenafil is selective for PDE5.", "43679-0", vocab, meta)
    assert alone == {("sildenafil", "TARGETS", "PDE5")}


def test_reactions_a_contraindications_section_reports_are_adverse_effects():
    vocab = VOCAB + [
        Entity("MESH:D000068677", D, "sildenafil"),
        Entity("MESH:D014581", S, "urticaria"),
        Entity("MESH:D001249", S, "asthma"),
    ]
    meta = {"set_id": "v", "version": "1", "active_moieties": "SILDENAFIL"}
    reported = "Hypersensitivity reactions have been reported, including urticaria."
    assert _section_statements(reported, "34070-3", vocab, meta) == {("sildenafil", "CAUSES", "urticaria")}
    # a cross-reference names a heading, and a sentence that also advises is a contraindication
    see = "Severe reactions have been reported in such patients (see PRECAUTIONS: Preexisting Asthma)."
    assert _section_statements(see, "34070-3", vocab, meta) == set()
    advice = "Bronchospasm has been reported; sildenafil should not be given to patients with asthma."
    assert _section_statements(advice, "34070-3", vocab, meta) == {
        ("sildenafil", "CONTRAINDICATED_IN", "asthma")
    }


def test_risk_factors_histories_and_surgery_sites_are_no_adverse_effects():
    vocab = VOCAB + [
        Entity("MESH:D000140", S, "lactic acidosis"),
        Entity("MESH:D006333", S, "heart failure"),
        Entity("MESH:D008107", S, "hepatic impairment"),
        Entity("MESH:D010437", S, "peptic ulcer disease"),
        Entity("MESH:D002386", S, "cataract"),
        Entity("MESH:D010146", S, "eye pain"),
    ]
    text = (
        "Risk factors for metformin-associated lactic acidosis include hypoxic states (e.g., acute heart failure), "
        "excessive alcohol intake, and hepatic impairment. "
        "Patients with a prior history of peptic ulcer disease are at greater risk. "
        "Adverse reactions following cataract surgery include eye pain."
    )
    caused = {o for _, p, o in _section_statements(text, "34066-1", vocab) if p == "CAUSES"}
    assert caused == {"lactic acidosis", "eye pain"}


def test_conditions_that_describe_the_patients_or_the_drugs_effects_are_no_indications():
    vocab = VOCAB + [
        Entity("MESH:D004342", S, "allergic"),
        Entity("MESH:D015658", S, "HIV infected"),
        Entity("MESH:D009369", S, "cancer"),
        Entity("MESH:D009325", S, "nausea"),
        Entity("MESH:D007022", S, "hypotension"),
        Entity("MESH:D006528", S, "herpes"),
        Entity("MESH:D003920", S, "diabetes"),
        Entity("MESH:D010146", S, "pain"),
    ]
    got = _indications(
        "Clopidogrel is indicated for herpes in HIV infected adults and in penicillin "
        "allergic patients. It is indicated for nausea associated with cancer chemotherapy. "
        "Severe hypotension can occur. It is indicated for pain in patients at high risk of "
        "coronary events because of existing diabetes.",
        vocab,
    )
    assert got == {"herpes": {False}, "nausea": {False}, "pain": {False}}


def test_what_a_label_says_is_unstudied_or_unproven_is_negated_evidence():
    vocab = VOCAB + [
        Entity("MESH:D011225", S, "toxemia"),
        Entity("MESH:D012213", S, "rheumatic fever"),
        Entity("MESH:D007674", S, "renal disease"),
    ]
    got = _indications(
        "Clopidogrel is indicated for stroke. Diuretics do not prevent development of toxemia. "
        "Substantial data establishing the efficacy of clopidogrel in the prevention of "
        "rheumatic fever are not available. Clopidogrel HAS   NOT   BEEN EVALUATED FOR THE "
        "TREATMENT OF renal disease.",
        vocab,
    )
    assert got == {
        "stroke": {False},
        "toxemia": {True},
        "rheumatic fever": {True},
        "renal disease": {True},
    }


def _pgx(parts: list[tuple[str, str]], vocab: list[Entity], meta: dict) -> set[tuple[str, str]]:
    """(gene, drug) of the AFFECTS_RESPONSE statements a label of these sections states."""
    linker = DictionaryLinker(vocab)
    doc = Document.from_sections("SPL:p@1", "spl", [(code, text, code) for code, text in parts], metadata=meta)
    ex = LabelRelationExtractor(linker)
    statements, _ = ex.extract(doc, RuleSentenceSplitter().split(doc), linker.mentions(doc))
    names = {e.id: e.name for e in vocab}
    return {(names[s.subject], names[s.object]) for s in statements if s.predicate is Predicate.AFFECTS_RESPONSE}


def test_a_combinations_genotype_sentence_naming_no_ingredient_is_about_the_one_named_beside_that_gene():
    vocab = VOCAB + [Entity("MESH:D001241", D, "aspirin"), Entity("NCBIGene:5742", G, "COX-1")]
    meta = {"set_id": "ac", "version": "1", "active_moieties": "ASPIRIN|CLOPIDOGREL"}
    boxed = ("34066-1", "WARNING: DIMINISHED EFFECT IN PATIENTS WITH TWO LOSS-OF-FUNCTION ALLELES OF THE CYP2C19 GENE.")
    pharmacology = ("34090-1", "Aspirin inhibits COX-1. CYP2C19 polymorphisms change the formation of the active metabolite.")
    pgx = ("66106-6", "Clopidogrel forms less active metabolite in CYP2C19 poor metabolizers.")
    assert _pgx([boxed, pharmacology, pgx], vocab, meta) == {("CYP2C19", "clopidogrel")}
    # a gene the label never names beside an ingredient stays with them all, as before
    assert _pgx([boxed], vocab, meta) == {("CYP2C19", "clopidogrel"), ("CYP2C19", "aspirin")}


def test_genes_named_as_a_drug_class_or_a_measured_quantity_modify_no_response():
    vocab = VOCAB + [Entity("MESH:D000069059", D, "atorvastatin"), Entity("NCBIGene:338", G, "apo B"), Entity("NCBIGene:7124", G, "TNF")]
    meta = {"set_id": "at", "version": "1", "active_moieties": "ATORVASTATIN"}
    text = (
        "Use of TNF blockers may reactivate hepatitis B in chronic carriers of this virus. "
        "Atorvastatin reduces total-C, LDL-C, and apo B in patients with homozygous and heterozygous FH. "
        "It is indicated to reduce elevated total-C, LDL-C, apo B, and TG levels in heterozygous familial hypercholesterolemia. "
        "Patients with reduced CYP2C19 function (poor metabolizers) have higher exposure."
    )
    assert _pgx([("34067-9", text)], vocab, meta) == {("CYP2C19", "atorvastatin")}


def test_a_contraindication_narrower_than_its_link_is_not_stated_as_the_broader_one():
    migraine = Entity("MESH:D008881", S, "Migraine Disorders", ("migraine",))
    vocab = VOCAB + [migraine, Entity("MESH:D006973", S, "hypertension")]
    vocab += _drugs(D018170="sumatriptan")
    meta = {"set_id": "sm", "version": "1", "active_moieties": "SUMATRIPTAN"}
    text = "History of basilar migraine. Severe uncontrolled hypertension."
    linker = DictionaryLinker(vocab)
    doc = Document.from_sections("SPL:sm@1", "spl", [("ci", text, "34070-3")], metadata=meta)
    mentions = []
    for lm in linker.mentions(doc):
        if lm.entity.id == migraine.id:  # the recogniser's span, which the linker trimmed
            start = text.index("basilar migraine")
            lm = replace(lm, mention=replace(lm.mention, start=start, text="basilar migraine"))
        elif lm.entity.name == "hypertension":
            start = text.index("Severe uncontrolled hypertension")
            lm = replace(lm, mention=replace(lm.mention, start=start, text=text[start : lm.mention.end]))
        mentions.append(lm)
    statements, _ = LabelRelationExtractor(linker).extract(doc, RuleSentenceSplitter().split(doc), mentions)
    names = {e.id: e.name for e in vocab}
    # a migraine patient is not warned off sumatriptan; a word of degree narrows nothing
    assert {(names[st.subject], st.predicate.value, names[st.object]) for st in statements} == {
        ("sumatriptan", "CONTRAINDICATED_IN", "hypertension")
    }


def test_a_condition_named_as_a_kind_of_product_is_no_condition():
    vocab = VOCAB + [Entity("MESH:D007052", D, "ibuprofen"), Entity("MESH:D005334", S, "fever"), Entity("MESH:D010146", S, "pain")]
    meta = {"set_id": "ib", "version": "1", "active_moieties": "IBUPROFEN"}
    text = "Do not use if you have ever had an allergic reaction to any other pain reliever/fever reducer."
    assert _section_statements(text, "50570-1", vocab, meta) == set()
    assert _section_statements("Do not use if you have a fever.", "50570-1", vocab, meta) == {
        ("ibuprofen", "CONTRAINDICATED_IN", "fever")
    }


def test_a_substance_named_inside_a_class_a_pathway_a_measure_or_a_salt_is_no_interacting_drug():
    vocab = VOCAB + [
        Entity("MESH:D009288", D, "naproxen"),
        Entity("MESH:D012701", D, "serotonin"),
        Entity("MESH:D009638", D, "norepinephrine"),
        Entity("MESH:D003404", D, "creatinine"),
        Entity("MESH:D002118", D, "calcium"),
        Entity("MESH:D008094", D, "lithium"),
        Entity("MESH:D008727", D, "methotrexate"),
        Entity("MESH:D005293", D, "fenoprofen"),
    ]
    meta = {"set_id": "nx", "version": "1", "active_moieties": "NAPROXEN"}
    text = (
        "Selective serotonin reuptake inhibitors and serotonin and norepinephrine reuptake "
        "inhibitors increase the risk of bleeding. Calcium channel blockers lower blood pressure. "
        "Monitor creatinine in patients on diuretics. Naproxen increased plasma lithium levels "
        "and reduced methotrexate clearance. Do not combine with FENOPROFEN CALCIUM."
    )
    got = _section_statements(text, "34073-7", vocab, meta)
    assert got == {
        ("lithium", "INTERACTS_WITH", "naproxen"),
        ("methotrexate", "INTERACTS_WITH", "naproxen"),
        ("fenoprofen", "INTERACTS_WITH", "naproxen"),
    }


def test_a_substance_the_label_measures_in_the_patient_is_no_interacting_drug():
    vocab = VOCAB + _drugs(
        D008687="metformin", D005947="glucose", D011188="potassium", D019344="lactate",
        D001639="bicarbonate", D011453="prostaglandins", D012964="sodium", D020719="glucuronide",
        D014508="urea", D014815="vitamin", D012701="serotonin", D004298="digoxin",
        D005472="fluorouracil", D013440="sulfide", D000809="angiotensin", D000925="anticoagulant",
    )  # fmt: skip
    meta = {"set_id": "mf", "version": "1", "active_moieties": "METFORMIN"}
    measured = (
        "Titrate metformin based on blood glucose levels. Hydrochlorothiazide reduces urinary potassium. "
        "Alcohol potentiates the effect of metformin on lactate metabolism. Monitor serum bicarbonate. "
        "Metformin inhibits renal prostaglandins and raised levels of sodium and chloride excretion. "
        "It decreased the excretion of naproxen and its glucuronide metabolite. Abnormal urea (20%) was seen. "
        "Avoid in severe vitamin K deficiency. Opioids may cause serotonin syndrome. "
        "Aspirin lowered the active sulfide metabolite. Renin-angiotensin system inhibitors may add to it."
    )
    assert _section_statements(measured, "34073-7", vocab, meta) == set()
    # the same substances given as drugs interact, and a drug measured in the patient still does
    given = (
        "Potassium supplements raise the risk of hyperkalemia with metformin. "
        "Metformin increased serum digoxin levels and plasma fluorouracil concentrations. "
        "Monitor their anticoagulant dose."
    )
    assert _section_statements(given, "34073-7", vocab, meta) == {
        ("anticoagulant", "INTERACTS_WITH", "metformin"),
        ("metformin", "INTERACTS_WITH", "potassium"),
        ("digoxin", "INTERACTS_WITH", "metformin"),
        ("fluorouracil", "INTERACTS_WITH", "metformin"),
    }


def test_a_class_the_drug_belongs_to_interacts_only_as_others_of_it():
    nsaids = Entity("MESH:D000894", D, "Anti-Inflammatory Agents, Non-Steroidal", ("NSAIDs",))
    vocab = VOCAB + [nsaids, Entity("MESH:D012459", D, "salicylates")]
    vocab += _drugs(D009288="naproxen", D000806="ACE inhibitors")
    meta = {"set_id": "nx", "version": "1", "active_moieties": "NAPROXEN"}
    text = (
        "NSAIDs may diminish the antihypertensive effect of ACE inhibitors. "
        "Concomitant use with other NSAIDs or salicylates increases the risk of bleeding."
    )
    linker = DictionaryLinker(vocab)
    doc = Document.from_sections("SPL:nx@1", "spl", [("di", text, "34073-7")], metadata=meta)
    statements, evidence = LabelRelationExtractor(linker).extract(
        doc, RuleSentenceSplitter().split(doc), linker.mentions(doc)
    )
    names = {e.id: e.name for e in vocab}
    sentences = {
        frozenset((names[st.subject], names[st.object])): {ev.sentence[:10] for ev in evidence if ev.statement_key == st.key}
        for st in statements
    }
    assert sentences == {
        frozenset(("naproxen", "ACE inhibitors")): {"NSAIDs may"},
        frozenset(("naproxen", nsaids.name)): {"Concomitan"},  # not the first: naproxen itself
        frozenset(("naproxen", "salicylates")): {"Concomitan"},
    }


def test_warnings_name_an_interacting_drug_only_after_a_word_of_use_together():
    vocab = VOCAB + _drugs(
        D010098="oxycodone", D001569="benzodiazepines", D000431="alcohol", D000305="corticosteroids",
        D001241="aspirin", D008094="lithium", D001806="blood urea nitrogen",
    )  # fmt: skip
    vocab.append(Entity("MESH:D012131", S, "respiratory depression"))
    meta = {"set_id": "ox", "version": "1", "active_moieties": "OXYCODONE"}
    boxed = (
        "Concomitant use of opioids with benzodiazepines or other CNS depressants, including "
        "alcohol, may result in respiratory depression."
    )
    assert _section_statements(boxed, "34066-1", vocab, meta) == {
        ("benzodiazepines", "INTERACTS_WITH", "oxycodone"),
        ("alcohol", "INTERACTS_WITH", "oxycodone"),
        ("oxycodone", "CAUSES", "respiratory depression"),
    }
    warnings = (
        "Patients switched from aspirin had lower lithium levels. "
        "Oxycodone may reduce urine output with concomitant elevations of blood urea nitrogen. "
        "Dizziness came with concomitant increases in lithium concentrations. "
        "Risk factors include concomitant use of oral corticosteroids."
    )
    for code in ("43685-7", "34071-1", "42232-9"):
        assert _section_statements(warnings, code, vocab, meta) == {
            ("corticosteroids", "INTERACTS_WITH", "oxycodone")
        }


def test_therapies_classes_and_counselling_name_no_adverse_effect():
    vocab = VOCAB + [
        Entity("MESH:D000068677", D, "sildenafil"),
        Entity("MESH:D007172", S, "erectile dysfunction"),
        Entity("MESH:D006973", S, "hypertensives", ("hypertension",)),
        Entity("MESH:D012749", S, "sexually transmitted diseases"),
        Entity("MESH:D011317", S, "priapism"),
    ]
    meta = {"set_id": "sd", "version": "1", "active_moieties": "SILDENAFIL"}
    text = (
        "Combination with other PDE5 Inhibitors or Other Erectile Dysfunction Therapies. "
        "Hypotension when Co-administered with Alpha-blockers or Anti-hypertensives. "
        "Counseling Patients About Sexually Transmitted Diseases. "
        "Prolonged Erection and Priapism."
    )
    assert _section_statements(text, "34084-4", vocab, meta) == {("sildenafil", "CAUSES", "priapism")}


def test_drug_classes_the_tagger_left_out_of_interaction_sections_are_read():
    nsaids = Entity("MESH:D000894", D, "Anti-Inflammatory Agents, Non-Steroidal", ("NSAIDs", "NSAID"))
    ace = Entity("MESH:D000806", D, "Angiotensin-Converting Enzyme Inhibitors", ("ACE inhibitors",))
    vocab = VOCAB + [nsaids, ace, Entity("NCBIGene:1636", G, "ACE")]
    linker = DictionaryLinker(vocab)
    text = "Coadministration with NSAIDs or ACE inhibitors increases the risk of bleeding."
    doc = Document.from_sections("SPL:c@1", "spl", [("interactions", text, "34073-7")], metadata=METADATA)
    # what a tagger trained on abstracts gives: the gene inside the class, no class
    tagged = [lm for lm in linker.mentions(doc) if lm.entity.id in ("NCBIGene:1636",)]
    ex = LabelRelationExtractor(linker)
    read = ex.relink(doc, tagged)
    assert [(lm.mention.text, lm.entity.id) for lm in read] == [
        ("NSAIDs", "MESH:D000894"),
        ("ACE inhibitors", "MESH:D000806"),
    ]
    statements, _ = ex.extract(doc, RuleSentenceSplitter().split(doc), read)
    assert {(s.predicate.value, s.subject, s.object) for s in statements} == {
        ("INTERACTS_WITH", "MESH:D000077144", "MESH:D000894"),
        ("INTERACTS_WITH", "MESH:D000077144", "MESH:D000806"),
    }
    # outside the sections that name interacting drugs, a class is left to the tagger
    ind = Document.from_sections("SPL:c@1", "spl", [("indications", text, "34067-9")], metadata=METADATA)
    assert ex.relink(ind, []) == []


def test_a_drug_class_replaces_the_part_the_tagger_read_as_a_drug():
    arbs = Entity("MESH:D057911", D, "Angiotensin Receptor Antagonists", ("angiotensin receptor blockers",))
    vocab = VOCAB + [arbs, Entity("MESH:D000809", D, "Angiotensins", ("angiotensin",))]
    linker = DictionaryLinker(vocab)
    text = "NSAIDs may diminish the effect of angiotensin receptor blockers."
    doc = Document.from_sections("SPL:c@1", "spl", [("interactions", text, "34073-7")], metadata=METADATA)
    start = text.index("angiotensin")
    part = Mention(start, start + len("angiotensin"), "angiotensin", D, extractor="t")
    tagged = [LinkedMention(part, vocab[-1], 1.0)]
    read = LabelRelationExtractor(linker).relink(doc, tagged)
    assert [(lm.mention.text, lm.entity.id) for lm in read] == [
        ("angiotensin receptor blockers", "MESH:D057911")
    ]


def test_a_targets_action_is_read_from_its_clause_not_a_relative_clause_after_it():
    vocab = VOCAB + [Entity("MESH:D001241", D, "aspirin"), Entity("NCBIGene:5742", G, "COX-1")]
    meta = {"set_id": "a", "version": "1", "active_moieties": "ASPIRIN"}
    text = (
        "Inhibition of COX-1 by aspirin prevents conversion of arachidonic acid to thromboxane "
        "A2, which is a potent agonist of platelet aggregation."
    )
    doc = Document.from_sections("SPL:a@1", "spl", [("moa", text, "43679-0")], metadata=meta)
    linker = DictionaryLinker(vocab)
    statements, _ = LabelRelationExtractor(linker).extract(
        doc, RuleSentenceSplitter().split(doc), linker.mentions(doc)
    )
    assert [(s.object, s.qualifier("action")) for s in statements] == [("NCBIGene:5742", "inhibitor")]


def test_a_combinations_sentence_naming_the_class_of_one_ingredient_is_about_that_one():
    nsaids = Entity("MESH:D000894", D, "Anti-Inflammatory Agents, Non-Steroidal", ("NSAIDs", "NSAID"))
    vocab = VOCAB + [
        nsaids,
        Entity("MESH:D009288", D, "naproxen"),
        Entity("MESH:D018170", D, "sumatriptan"),
        Entity("MESH:D006471", S, "gastrointestinal bleeding"),
        Entity("MESH:D006333", S, "heart failure"),
    ]
    meta = {"set_id": "t", "version": "1", "active_moieties": "SUMATRIPTAN|NAPROXEN"}
    warning = "NSAIDs cause serious gastrointestinal bleeding."
    # the class names its ingredient in its own sentence only: the next is the product's
    assert _section_statements(warning + " Heart failure was reported.", "34066-1", vocab, meta) == {
        ("naproxen", "CAUSES", "gastrointestinal bleeding"),
        ("naproxen", "CAUSES", "heart failure"),
        ("sumatriptan", "CAUSES", "heart failure"),
    }
    # the class tagged nowhere: the label reads it itself, in every section of a combination
    doc = Document.from_sections("SPL:t@1", "spl", [("boxed", warning, "34066-1")], metadata=meta)
    linker = DictionaryLinker(vocab)
    ex = LabelRelationExtractor(linker)
    untagged = [lm for lm in linker.mentions(doc) if lm.entity.id != nsaids.id]
    statements, _ = ex.extract(doc, RuleSentenceSplitter().split(doc), ex.relink(doc, untagged))
    assert {(s.subject, s.object) for s in statements} == {("MESH:D009288", "MESH:D006471")}
    # where the section reads drugs as objects, the class stays an interacting drug, of the
    # ingredient it names: naproxen's "other NSAIDs", not sumatriptan's
    interaction = "Avoid the use of other NSAIDs. NSAIDs may diminish the effect of ACE inhibitors."
    vocab.append(Entity("MESH:D000806", D, "ACE inhibitors"))
    assert _pairs(interaction, "34073-7", vocab, meta) == {
        frozenset(("naproxen", nsaids.name)),
        frozenset(("naproxen", "ACE inhibitors")),
    }
    # and a sentence naming the product names both
    product = "Avoid combining sumatriptan and naproxen sodium tablets with ACE inhibitors."
    assert _pairs(product, "34073-7", vocab, meta) == {
        frozenset((drug, "ACE inhibitors")) for drug in ("sumatriptan", "naproxen")
    }


def test_a_combinations_sentence_naming_the_product_like_others_of_a_class_is_that_ones():
    nsaids = Entity("MESH:D000894", D, "Anti-Inflammatory Agents, Non-Steroidal", ("NSAIDs", "NSAID"))
    vocab = VOCAB + [
        nsaids,
        Entity("MESH:D009288", D, "naproxen", ("naproxen sodium",)),
        Entity("MESH:D018170", D, "sumatriptan"),
        Entity("NCBIGene:5742", G, "COX-1"),
        Entity("MESH:D008881", S, "migraine"),
    ]
    meta = {"set_id": "t", "version": "1", "active_moieties": "SUMATRIPTAN|NAPROXEN"}
    moa = "The mechanism of action of sumatriptan and naproxen sodium, like that of other NSAIDs, involves inhibition of COX-1."
    assert _section_statements(moa, "43679-0", vocab, meta) == {("naproxen", "TARGETS", "COX-1")}
    # an indication's class describes the product, which treats what it names
    indication = "Sumatriptan and naproxen sodium tablets, a triptan and NSAID, are indicated for migraine."
    assert _section_statements(indication, "34067-9", vocab, meta) == {
        ("sumatriptan", "TREATS", "migraine"),
        ("naproxen", "TREATS", "migraine"),
    }


def test_a_combinations_interaction_is_the_ingredient_it_names_alone_or_by_class():
    vocab = VOCAB + [
        Entity("MESH:D000701", D, "Analgesics, Opioid", ("opioids", "opioid")),
        Entity("MESH:D006854", D, "hydrocodone", ("hydrocodone bitartrate",)),
    ]
    vocab += _drugs(D007052="ibuprofen", D008996="MAOIs", D001569="benzodiazepines", D012293="rifampin", D014859="warfarin")
    meta = {"set_id": "hi", "version": "1", "active_moieties": "HYDROCODONE|IBUPROFEN"}
    by_class = (
        "Interactions of MAOIs with opioids may manifest as serotonin syndrome. "
        "Concomitant use of benzodiazepines and other opioids can cause sedation. "
        "Benzodiazepines are not to be combined with this product."
    )
    assert _pairs(by_class, "34073-7", vocab, meta) == {
        frozenset(("hydrocodone", "MAOIs")),
        frozenset(("hydrocodone", "Analgesics, Opioid")),
        frozenset(("hydrocodone", "benzodiazepines")),
        # the sentence naming no ingredient nor a class of one is still both ingredients'
        frozenset(("ibuprofen", "benzodiazepines")),
    }
    # the product named, and an ingredient alone beside it
    alone = (
        "The concomitant use of hydrocodone bitartrate and ibuprofen tablets and rifampin can "
        "decrease the plasma concentration of hydrocodone. "
        "Monitor patients on hydrocodone bitartrate and ibuprofen tablets with warfarin."
    )
    assert _pairs(alone, "34073-7", vocab, meta) == {
        frozenset(("hydrocodone", "rifampin")),
        frozenset(("hydrocodone", "warfarin")),
        frozenset(("ibuprofen", "warfarin")),
    }
