"""The LabeledIn reader behind ``medkg eval labels`` (its files' real formats)."""

from __future__ import annotations

from extractors.relations.evaluate import read_labeledin

ANNOTATED = (
    "10113|706E938F-A0A0-42F6-B99B-60C31CBFB441|Palladone is indicated for the management of "
    '<u> persistent, </u> <annotation cui="C0278140;C0278139">moderate to severe pain</annotation>'
    ' in patients with <annotation cui="C0006142">breast cancer</annotation>.|\n'
)
STRUCTURED = (
    "10113|706e938f-a0a0-42f6-b99b-60c31cbfb441|C0278140;C0278139;C0006142;|3423|372427;|"
    "897677;|372427;|897677;\n"
)


def test_annotations_with_several_cuis_give_a_mention_per_cui(tmp_path):
    (tmp_path / "LabeledIn_annotated_XML.txt").write_text(ANNOTATED)
    (tmp_path / "LabeledIn_Structured_Results.txt").write_text(STRUCTURED)
    lab = read_labeledin(tmp_path)["706e938f-a0a0-42f6-b99b-60c31cbfb441"]
    assert "<" not in lab.text and "persistent," in lab.text
    spans = {(lab.text[s:e], cui) for s, e, cui in lab.mentions}
    assert spans == {
        ("moderate to severe pain", "C0278140"),
        ("moderate to severe pain", "C0278139"),
        ("breast cancer", "C0006142"),
    }
    assert lab.cuis == {"C0278140", "C0278139", "C0006142"}
    assert lab.rxcui == "3423"


def test_the_eval_runs_the_model_one_document_at_a_time_as_the_product_does(monkeypatch):
    """Dynamic int8 scales activations per batch: documents batched together would move
    each other's scores, so a change to one document would move figures in others."""
    from pathlib import Path

    from extractors.relations import evaluate
    from extractors.relations.extractor import TransformerRelationExtractor
    from extractors.relations.model import RelationModel

    corpus = Path(__file__).resolve().parents[1] / "assets" / "tiny-re" / "corpus"
    ex = TransformerRelationExtractor(RelationModel(corpus.parent / "model"))
    sizes: list[int] = []
    classify = ex.classify_many

    def counted(items):
        sizes.append(len(items))
        return classify(items)

    monkeypatch.setattr(ex, "classify_many", counted)
    report = evaluate.eval_documents(ex, corpus / "biored.PubTator", "biored", "gold")
    assert report["documents"] == 2 and sizes == [1, 1]
    sizes.clear()
    report = evaluate.eval_chemprot(ex, corpus / "chemprot.jsonl")
    assert sizes and set(sizes) == {1} and len(sizes) == report["sentences"]
