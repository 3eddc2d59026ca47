"""Relation extraction: marking, windows, predicate mapping, and the extractor run on the
tiny committed ONNX model (tests/assets/tiny-re/model)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.base import LinkedMention
from extractors.relations.extractor import TransformerRelationExtractor
from extractors.relations.model import RelationModel, resolve_model_dir
from extractors.relations.schema import (
    MARKERS,
    TASK_LABELS,
    response_direction,
    to_predicates,
)
from extractors.relations.windows import Span, build_windows, mark, split_sentences
from kg.biolink import DOMAIN_RANGE
from kg.errors import ModelNotFoundError
from kg.model import Document, Entity, EntityType, Mention, Predicate, ResponseDirection, Sentence

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "tiny-re"
TINY = ASSETS / "model"
D, G, V, S = EntityType.DRUG, EntityType.GENE, EntityType.VARIANT, EntityType.DISEASE


def heads(**fired: str) -> dict[str, dict[str, float]]:
    """Head outputs where each named task puts 0.9 on one label."""
    out = {}
    for task, label in fired.items():
        probs = {lab: 0.1 / (len(TASK_LABELS[task]) - 1) for lab in TASK_LABELS[task]}
        probs[label] = 0.9
        out[task] = probs
    return out


# -- marking and windows -------------------------------------------------------------


def test_mark_wraps_each_mention_in_its_type_marker():
    text = "Aspirin inhibits COX-1."
    marked, where = mark(text, [(0, 0, 7, D), (1, 17, 22, G)])
    assert marked == "@ Aspirin @ inhibits # COX-1 #."
    assert marked[where[0]] == MARKERS[D] and marked[where[1]] == MARKERS[G]


def test_mark_nests_markers_of_nested_mentions():
    text = "severe metabolic acidosis"
    marked, where = mark(text, [(0, 7, 25, S), (1, 17, 25, S)])
    assert marked == "severe $ metabolic $ acidosis $ $"
    assert where[0] < where[1]


def test_windows_pack_sentences_under_the_budget_and_keep_marker_offsets():
    text = "A one. B two. C three."
    sents = split_sentences(text)
    assert [text[s:e] for s, e in sents] == ["A one.", "B two.", "C three."]
    spans = [Span(0, 1, D), Span(7, 8, G), Span(14, 15, S)]
    count = lambda texts: [len(t.split()) for t in texts]  # noqa: E731 - a word "tokenizer"
    windows = build_windows(text, sents, spans, count, max_tokens=8)
    assert len(windows) == 2  # 4 + 4 words fit, the third sentence does not
    seen = {}
    for w in windows:
        for idx, off in zip(w.spans, w.markers, strict=True):
            seen[idx] = w.text[off + 2 : off + 3]
    assert seen == {0: "A", 1: "B", 2: "C"}


def test_a_sentence_split_inside_a_mention_is_rejoined():
    text = "Dr. Smith gave drug X. Then nothing."
    spans = [Span(0, 9, D)]  # "Dr. Smith" straddles the bad split after "Dr."
    windows = build_windows(text, [(0, 3), (4, 22), (23, 36)], spans, lambda t: [1] * len(t))
    assert len(windows) == 1 and windows[0].spans == (0,)
    assert "@ Dr. Smith @" in windows[0].text


# -- predicate mapping ------------------------------------------------------------------


def test_chemprot_class_becomes_targets_with_action():
    rels = to_predicates(
        D, G, heads(biored="Negative_Correlation", chemprot="CPR:4"), "X inhibits Y"
    )
    assert [(r.predicate, dict(r.qualifiers)) for r in rels] == [
        (Predicate.TARGETS, {"action": "inhibitor"})
    ]
    assert rels[0].subject_is_first


def test_chemical_disease_negative_correlation_treats_and_cid_causes():
    treats = to_predicates(D, S, heads(biored="Negative_Correlation", cdr="none"))
    causes = to_predicates(D, S, heads(biored="Association", cdr="CID"))
    assert [r.predicate for r in treats] == [Predicate.TREATS]
    assert [r.predicate for r in causes] == [Predicate.CAUSES]


def test_variant_drug_pair_affects_response_with_direction_and_variant_as_subject():
    rels = to_predicates(
        D, V, heads(biored="Association"), "carriers of the variant showed resistance to X"
    )
    assert len(rels) == 1 and rels[0].predicate is Predicate.AFFECTS_RESPONSE
    assert not rels[0].subject_is_first  # variant -> drug
    assert dict(rels[0].qualifiers) == {"direction": "resistance"}


def test_gene_drug_pair_in_a_genotype_sentence_affects_response():
    text = "CYP2C19 poor metabolizers have higher exposure to the drug"
    rels = to_predicates(D, G, heads(biored="Association", chemprot="CPR:9"), text)
    assert [r.predicate for r in rels] == [Predicate.AFFECTS_RESPONSE]
    assert dict(rels[0].qualifiers)["direction"] == ResponseDirection.METABOLISM.value


@pytest.mark.parametrize(
    "text, direction",
    [
        ("Cell lines with a PAPSS1-BRAF fusion were resistant to X.", "resistance"),
        ("Patients with ALK-rearranged NSCLC responded to X.", "sensitivity"),
        ("Tumours with ERBB2 amplification were sensitive to X.", "sensitivity"),
    ],
)
def test_gene_drug_pair_about_a_tumours_alteration_affects_response(text, direction):
    rels = to_predicates(D, G, heads(biored="Association", chemprot="CPR:4"), text)
    assert [(r.predicate, dict(r.qualifiers)) for r in rels] == [
        (Predicate.AFFECTS_RESPONSE, {"direction": direction})
    ]


def test_gene_drug_pair_without_alteration_or_response_words_stays_a_target():
    text = "Crenolanib showed higher potency than imatinib in inhibiting the kinase activity of PDGFRA."
    rels = to_predicates(D, G, heads(biored="Association", chemprot="CPR:4"), text)
    assert [r.predicate for r in rels] == [Predicate.TARGETS]


def test_gene_disease_association_and_nothing_for_none():
    assert [r.predicate for r in to_predicates(G, S, heads(biored="Positive_Correlation"))] == [
        Predicate.ASSOCIATED_WITH
    ]
    assert to_predicates(G, S, heads(biored="none")) == []
    assert to_predicates(G, G, heads(biored="Bind")) == []  # no gene-gene predicate


def test_every_mapped_predicate_fits_the_graph_schema():
    combos = [(D, G), (D, S), (D, D), (D, V), (G, S), (V, S)]
    for a, b in combos:
        for label in TASK_LABELS["biored"][1:]:
            for cpr in TASK_LABELS["chemprot"]:
                for cid in TASK_LABELS["cdr"]:
                    for r in to_predicates(
                        a, b, heads(biored=label, chemprot=cpr, cdr=cid), "text"
                    ):
                        subj, obj = (a, b) if r.subject_is_first else (b, a)
                        domain, range_ = DOMAIN_RANGE[r.predicate]
                        assert subj in domain and obj in range_, (a, b, label, r)


def test_response_direction_reads_the_evidence_words():
    assert response_direction("increased risk of toxicity") is ResponseDirection.TOXICITY
    assert response_direction("dose reduction is recommended") is ResponseDirection.DOSAGE
    assert response_direction("better response") is ResponseDirection.SENSITIVITY
    for text in (
        "have low response rate to X",
        "were less sensitive to X",
        "X was ineffective",
        "DIMINISHED ANTIPLATELET EFFECT IN PATIENTS WITH TWO LOSS-OF-FUNCTION ALLELES",
    ):
        assert response_direction(text) is ResponseDirection.RESISTANCE, text
    # a poor metaboliser's exposure, as labels' pharmacogenomics sections write it, is no
    # sensitivity: the treatment query would have taken it as a reason to give the drug
    for text in (
        "showed celecoxib systemic levels that were 3- to 7-fold higher in these subjects",
        "polymorphisms that lead to reduced enzyme activity, such as CYP2C9*3",
        "the AUC of X was doubled in CYP2C19*2 carriers",
    ):
        assert response_direction(text) is ResponseDirection.METABOLISM, text


def test_a_drug_inhibiting_the_mutant_is_sensitivity_whatever_the_correlation_sign():
    text = "Trametinib can inhibit ERK phosphorylation of cells expressing ARAF S214C."
    rels = to_predicates(D, V, heads(biored="Negative_Correlation"), text)
    assert [dict(r.qualifiers) for r in rels] == [{"direction": "sensitivity"}]


# -- the extractor on the tiny model ----------------------------------------------------


def test_missing_model_is_a_named_error(tmp_path):
    with pytest.raises(ModelNotFoundError):
        resolve_model_dir(tmp_path)


@pytest.fixture(scope="module")
def eager_model(tmp_path_factory) -> Path:
    """The tiny model with its "none" class suppressed, so every candidate pair fires."""
    out = tmp_path_factory.mktemp("eager-re")
    for f in TINY.iterdir():
        shutil.copy(f, out / f.name)
    meta = json.loads((out / "labels.json").read_text())
    meta["none_bias"] = {t: -50.0 for t in meta["tasks"]}
    meta["version"] = "eager"
    (out / "labels.json").write_text(json.dumps(meta))
    return out


def linked(doc_text: str, spans: list[tuple[str, EntityType, str]]) -> list[LinkedMention]:
    out = []
    pos: dict[str, int] = {}
    for text, etype, cid in spans:
        start = doc_text.index(text, pos.get(text, 0))
        pos[text] = start + 1
        out.append(
            LinkedMention(
                Mention(start, start + len(text), text, etype), Entity(cid, etype, text), 1.0
            )
        )
    return out


def sentences_of(doc: Document) -> list[Sentence]:
    return [Sentence(s, e, doc.text[s:e], "abstract") for s, e in split_sentences(doc.text)]


def test_tiny_model_loads_lazily_and_predicts_probabilities():
    model = RelationModel(TINY)
    assert model._session is None  # nothing loaded by the constructor
    ex = TransformerRelationExtractor(model)
    doc = Document("PMID:1", "text", "Aspirin inhibits COX-1 in platelets and prevents stroke.")
    lms = linked(
        doc.text,
        [
            ("Aspirin", D, "MESH:D001241"),
            ("COX-1", G, "NCBIGene:5742"),
            ("stroke", S, "MESH:D020521"),
        ],
    )
    preds = ex.classify_many([(doc, sentences_of(doc), lms)])[0]
    assert model._session is not None
    pairs = {(p.first.id, p.second.id) for p in preds}
    # pairs are ordered chemical < gene < disease, and each gets only its heads
    assert pairs == {
        ("MESH:D001241", "NCBIGene:5742"),
        ("MESH:D001241", "MESH:D020521"),
        ("NCBIGene:5742", "MESH:D020521"),
    }
    for p in preds:
        for probs in p.heads.values():
            assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
    by_pair = {(p.first.type, p.second.type): set(p.heads) for p in preds}
    assert by_pair[(D, G)] == {"biored", "chemprot"}
    assert by_pair[(D, S)] == {"biored", "cdr"}
    assert by_pair[(G, S)] == {"biored"}


def test_negated_and_speculative_sentences_are_marked_not_dropped(eager_model):
    ex = TransformerRelationExtractor(eager_model)
    text = "Aspirin did not inhibit COX-2 in these cells. Aspirin may inhibit COX-2 in vivo."
    doc = Document("PMID:2", "text", text)
    lms = linked(
        text,
        [
            ("Aspirin", D, "MESH:D001241"),
            ("COX-2", G, "NCBIGene:5743"),
            ("Aspirin", D, "MESH:D001241"),
            ("COX-2", G, "NCBIGene:5743"),
        ],
    )
    statements, evidence = ex.extract(doc, sentences_of(doc), lms)
    assert [s.predicate for s in statements] == [Predicate.TARGETS]
    flags = sorted((e.sentence, e.negated, e.speculative) for e in evidence)
    assert flags == [
        ("Aspirin did not inhibit COX-2 in these cells.", True, False),
        ("Aspirin may inhibit COX-2 in vivo.", False, True),
    ]
    for e in evidence:
        assert text[e.subject_start : e.subject_end] == "Aspirin"
        assert text[e.object_start : e.object_end] == "COX-2"
        assert e.extractor == "re-minilm" and e.extractor_version == "eager+s10"


def test_cross_sentence_pairs_get_evidence_spanning_both_sentences(eager_model):
    text = "Imatinib was given daily for a year. Remission of leukemia followed in most patients."
    doc = Document("PMID:3", "text", text)
    lms = linked(text, [("Imatinib", D, "MESH:D000068877"), ("leukemia", S, "MESH:D007938")])
    statements, evidence = TransformerRelationExtractor(eager_model).extract(
        doc, sentences_of(doc), lms
    )
    assert len(statements) == 1 and statements[0].predicate in (Predicate.TREATS, Predicate.CAUSES)
    (ev,) = evidence
    assert (ev.sentence_start, ev.sentence_end) == (0, len(text))
    assert text[ev.object_start : ev.object_end] == "leukemia"
    within = TransformerRelationExtractor(eager_model, cross_sentence=False).extract(
        doc, sentences_of(doc), lms
    )
    assert within == ([], [])


def test_statements_always_fit_the_schema_on_a_real_abstract(eager_model):
    from extractors.relations.evaluate import gold_linked
    from loaders.pubtator import read_pubtator

    docs = [
        d for d in read_pubtator(ASSETS / "corpus" / "biored.PubTator") if isinstance(d, Document)
    ]
    ex = TransformerRelationExtractor(eager_model)
    results = ex.extract_many([(d, [], gold_linked(d)) for d in docs])
    assert len(results) == len(docs) == 2
    for doc, (statements, evidence) in zip(docs, results, strict=True):
        types = {m_id: m.type for m in doc.mentions for m_id in m.ids}
        keys = {s.key for s in statements}
        assert statements and evidence
        for st in statements:
            domain, range_ = DOMAIN_RANGE[st.predicate]
            assert types[st.subject] in domain and types[st.object] in range_
        for ev in evidence:
            assert ev.statement_key in keys and ev.document_id == doc.id
            assert ev.sentence == doc.text[ev.sentence_start : ev.sentence_end]
            assert ev.sentence_start <= min(ev.subject_start, ev.object_start)
            assert max(ev.subject_end, ev.object_end) <= ev.sentence_end


def test_unlinked_mentions_and_single_entities_give_nothing():
    doc = Document("PMID:4", "text", "Aspirin helps.")
    ex = TransformerRelationExtractor(TINY)
    lone = [LinkedMention(Mention(0, 7, "Aspirin", D), None, 0.0)]
    assert ex.extract(doc, [], lone) == ([], [])


def test_long_texts_are_cut_into_segments_and_far_pairs_are_not_classified(monkeypatch):
    import extractors.relations.model as model_module

    filler = " ".join(["the cohort was followed up"] * 70)
    text = f"Aspirin inhibits COX-1 and {filler}. Later {filler} then stroke. End {filler} aspirin."
    doc = Document("PMC:1", "text", text)
    lms = linked(
        text,
        [
            ("Aspirin", D, "MESH:D001241"),
            ("COX-1", G, "NCBIGene:5742"),
            ("stroke", S, "MESH:D020521"),
        ],
    )
    sents = sentences_of(doc)
    whole = TransformerRelationExtractor(TINY).classify_many([(doc, sents, lms)])[0]
    assert len(whole) == 3 and all(p.heads for p in whole)  # 3 windows, pooled together
    monkeypatch.setattr(model_module, "MAX_WINDOWS", 1)
    cut = TransformerRelationExtractor(TINY).classify_many([(doc, sents, lms)])[0]
    classified = {(p.first.id, p.second.id) for p in cut if p.heads}
    assert classified == {("MESH:D001241", "NCBIGene:5742")}  # only the pair sharing a window


def test_a_disease_broader_than_another_caused_one_is_dropped(eager_model):
    from extractors.linking.hierarchy import Hierarchy

    doc = Document(
        "PMID:9", "text", "Isoniazid caused toxic hepatitis, one of the liver diseases seen."
    )
    lms = linked(
        doc.text,
        [
            ("Isoniazid", D, "MESH:D007538"),
            ("toxic hepatitis", S, "MESH:D056486"),
            ("liver diseases", S, "MESH:D008107"),
        ],
    )
    causes = lambda sts: {s.object for s in sts if s.predicate is Predicate.CAUSES}  # noqa: E731
    plain = TransformerRelationExtractor(eager_model)
    statements, evidence = plain.extract(doc, sentences_of(doc), lms)
    assert causes(statements) == {"MESH:D056486", "MESH:D008107"}

    tree = Hierarchy({"MESH:D056486": ("MESH:D008107",), "MESH:D008107": ("MESH:D008107x",)})
    ex = TransformerRelationExtractor(eager_model, hierarchy=tree)
    kept, kept_evidence = ex.extract(doc, sentences_of(doc), lms)
    assert causes(kept) == {"MESH:D056486"}
    assert {e.statement_key for e in kept_evidence} == {s.key for s in kept}
    # the other predicates of the pair stay: only the broader CAUSES goes
    assert {s.key for s in statements} - {s.key for s in kept} == {
        s.key
        for s in statements
        if s.predicate is Predicate.CAUSES and s.object == "MESH:D008107"
    }
    # the rule is part of the extractor's version, so stored documents are re-extracted
    assert ex.version == "eager+s10" and ex.tag == "re-minilm@eager+s10"


def test_a_gene_named_as_a_drugs_class_is_its_target_and_nothing_else(eager_model):
    text = (
        "Resistance to the ALK inhibitor crizotinib emerged. "
        "The PARP inhibitor olaparib is effective in BRCA1-mutated cancer."
    )
    doc = Document("PMID:10", "text", text)
    lms = linked(
        text,
        [
            ("ALK", G, "NCBIGene:238"),
            ("crizotinib", D, "MESH:D000077547"),
            ("PARP", G, "NCBIGene:142"),
            ("olaparib", D, "MESH:C531550"),
            ("BRCA1", G, "NCBIGene:672"),
            ("cancer", S, "MESH:D009369"),
        ],
    )
    statements, evidence = TransformerRelationExtractor(eager_model).extract(
        doc, sentences_of(doc), lms
    )
    targets = {
        (s.subject, s.object, s.qualifier("action"))
        for s in statements
        if s.predicate is Predicate.TARGETS
    }
    assert ("MESH:D000077547", "NCBIGene:238", "inhibitor") in targets
    assert ("MESH:C531550", "NCBIGene:142", "inhibitor") in targets
    # ALK and PARP are only classes here: no other relation, across sentences or within
    for st in statements:
        ends = {st.subject, st.object}
        if ends & {"NCBIGene:238", "NCBIGene:142"}:
            assert st.predicate is Predicate.TARGETS and st.qualifier("action") == "inhibitor"
            assert ends in ({"MESH:D000077547", "NCBIGene:238"}, {"MESH:C531550", "NCBIGene:142"})
    # the model still reads the genotype beside the class
    assert any({s.subject, s.object} == {"NCBIGene:672", "MESH:C531550"} for s in statements)
    by_key = {s.key: s for s in statements}
    rule = [e for e in evidence if e.note == "class name"]
    ends = {(text[e.subject_start : e.subject_end], text[e.object_start : e.object_end]) for e in rule}
    assert ends == {("crizotinib", "ALK"), ("olaparib", "PARP")}
    for e in rule:
        assert by_key[e.statement_key].predicate is Predicate.TARGETS
        assert e.score == 0.9 and not e.negated and e.sentence in text


def test_the_chemprot_head_speaks_only_for_pairs_within_a_sentence(eager_model):
    """ChemProt annotates pairs in one sentence; across sentences the BioRED head decides."""
    ex = TransformerRelationExtractor(eager_model)

    def notes(text: str) -> set[str]:
        doc = Document("PMID:11", "text", text)
        lms = linked(text, [("Aspirin", D, "MESH:D001241"), ("COX-1", G, "NCBIGene:5742")])
        statements, evidence = ex.extract(doc, sentences_of(doc), lms)
        assert statements
        return {e.note for e in evidence}

    assert any(n.startswith("CPR:") for n in notes("Aspirin inhibits COX-1 in platelets."))
    across = notes("Aspirin was given daily for a year. COX-1 activity in platelets fell.")
    assert across and not any(n.startswith("CPR:") for n in across)
    assert across <= set(TASK_LABELS["biored"])


def test_one_span_read_as_two_types_is_no_place_that_states_their_pair(eager_model):
    """The tagger and the abbreviation's long form may read one "MTX" as the drug and as
    the gene MTX1: the same words state no relation with themselves."""
    ex = TransformerRelationExtractor(eager_model)
    text = "No effect of ABCG2 on plasma concentrations of MTX was seen."
    doc = Document("PMID:12", "text", text)
    lms = linked(text, [("ABCG2", G, "NCBIGene:9429"), ("MTX", D, "MESH:D008727")])
    m = lms[1].mention
    lms.append(
        LinkedMention(Mention(m.start, m.end, "MTX", G), Entity("NCBIGene:4580", G, "MTX1"), 1.0)
    )
    statements, evidence = ex.extract(doc, sentences_of(doc), lms)
    pairs = {(s.subject, s.object) for s in statements}
    assert ("MESH:D008727", "NCBIGene:4580") not in pairs
    assert ("MESH:D008727", "NCBIGene:9429") in pairs  # the drug's other pair stands
    assert all((e.subject_start, e.subject_end) != (e.object_start, e.object_end) for e in evidence)


def test_a_chemical_named_in_an_enzyme_or_assay_takes_part_in_no_relation(eager_model):
    ex = TransformerRelationExtractor(eager_model)
    text = "EGFR tyrosine kinase inhibitors and gefitinib were given; thymidine incorporation fell."
    doc = Document("PMID:14", "text", text)
    lms = linked(
        text,
        [
            ("EGFR", G, "NCBIGene:1956"),
            ("tyrosine", D, "MESH:D014443"),
            ("gefitinib", D, "MESH:D000077156"),
            ("thymidine", D, "MESH:D013936"),
        ],
    )
    statements, _ = ex.extract(doc, sentences_of(doc), lms)
    ends = {x for s in statements for x in (s.subject, s.object)}
    assert "MESH:D000077156" in ends  # gefitinib, given, is read
    assert not ends & {"MESH:D014443", "MESH:D013936"}


def test_a_chemical_inside_a_genes_name_takes_part_in_no_relation(eager_model):
    """BC5CDR tags "glutathione" of "glutathione S-transferase P1" a chemical, the gene
    tagger the whole name a gene: the chemical is a word of the gene's name, not a drug
    that acts on it."""
    ex = TransformerRelationExtractor(eager_model)
    text = "Hypermethylation of glutathione S-transferase P1 was found with cisplatin resistance."
    doc = Document("PMID:15", "text", text)
    lms = linked(
        text,
        [
            ("glutathione S-transferase P1", G, "NCBIGene:2950"),
            ("cisplatin", D, "MESH:D002945"),
        ],
    )
    start = text.index("glutathione")
    lms.append(
        LinkedMention(
            Mention(start, start + len("glutathione"), "glutathione", D),
            Entity("MESH:D005978", D, "Glutathione"),
            1.0,
        )
    )
    statements, _ = ex.extract(doc, sentences_of(doc), lms)
    ends = {x for s in statements for x in (s.subject, s.object)}
    assert "MESH:D002945" in ends  # cisplatin, named apart, is read
    assert "MESH:D005978" not in ends


def test_evidence_records_how_each_end_was_linked(eager_model):
    text = "Acetylsalicylic acid (ASA) did not inhibit COX-2 in these cells."
    doc = Document("PMID:9", "text", text)
    asa, cox2 = linked(text, [("ASA", D, "MESH:D001241"), ("COX-2", G, "NCBIGene:5743")])
    lms = [replace(asa, how="long:exact"), replace(cox2, how="fuzzy")]
    _, evidence = TransformerRelationExtractor(eager_model).extract(doc, sentences_of(doc), lms)
    assert evidence
    for ev in evidence:  # the drug is the subject whatever the predicate
        assert (text[ev.subject_start : ev.subject_end], ev.subject_link) == ("ASA", "long:exact")
        assert (text[ev.object_start : ev.object_end], ev.object_link) == ("COX-2", "fuzzy")
