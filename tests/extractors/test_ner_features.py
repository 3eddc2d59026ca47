from __future__ import annotations

import numpy as np
import pytest

from extractors.ner import features as F


def test_words_split_like_bert() -> None:
    text = "5-FU-induced BRAF(V600E) at 2.5mg/kg; IL_2"
    spans = F.word_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "5", "-", "FU", "-", "induced", "BRAF", "(", "V600E", ")", "at", "2", ".", "5mg", "/", "kg", ";", "IL", "_", "2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "word,cls",
    [
        ("insulin", F.CASE_LOWER), ("Insulin", F.CASE_TITLE), ("TNF", F.CASE_UPPER), ("A", F.CASE_ONE_UPPER),
        ("BRCA1", F.CASE_UPPER_DIGIT), ("V600E", F.CASE_UPPER_DIGIT), ("p53", F.CASE_LOWER_DIGIT),
        ("mRNA", F.CASE_MIXED), ("IgG", F.CASE_MIXED), ("600", F.CASE_DIGIT), ("-", F.CASE_PUNCT),
    ],
)  # fmt: skip
def test_case_classes(word: str, cls: int) -> None:
    assert F.case_class(word) == cls
    assert 0 <= cls < F.NUM_CASE_CLASSES


def test_bio_round_trip_and_overlaps() -> None:
    tags = F.bio_tags(6, [(0, 2, "Chemical"), (1, 3, "Disease"), (4, 5, "Disease")])
    assert tags == ["B-Chemical", "I-Chemical", "O", "O", "B-Disease", "O"]
    assert F.tag_spans(tags) == [(0, 2, "Chemical"), (4, 5, "Disease")]
    assert F.tag_spans(["I-Gene", "I-Gene", "O", "B-Gene", "B-Gene"]) == [(0, 2, "Gene"), (3, 4, "Gene"), (4, 5, "Gene")]


def test_decode_repairs_a_stray_inside_tag() -> None:
    # argmax reads O, I, I: invalid. Viterbi must turn it into one span B, I (not drop it).
    dist = np.array([[0.9, 0.05, 0.05], [0.2, 0.35, 0.45], [0.1, 0.1, 0.8]])
    assert [(a, b) for a, b, _, _ in F.decode_type(dist)] == [(1, 3)]


def test_decode_keeps_a_valid_argmax_path() -> None:
    dist = np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.9, 0.05, 0.05], [0.1, 0.6, 0.3]])
    spans = F.decode_type(dist)
    assert [(a, b) for a, b, _, _ in spans] == [(0, 2), (3, 4)]
    a, b, mean, low = spans[0]
    assert mean == pytest.approx((0.8 + 0.7) / 2) and low == pytest.approx(0.7)


def test_routing_averages_heads() -> None:
    schema = F.Schema(
        (F.Head("a", ("Disease",)), F.Head("b", ("Chemical", "Disease"))),
        {"Disease": ("a", "b"), "Chemical": ("b",)},
    )
    assert schema.width == 3 + 5 and schema.offsets() == {"a": (0, 3), "b": (3, 8)}
    probs = {
        "a": np.array([[0.1, 0.9, 0.0]]),  # a: B-Disease 0.9
        "b": np.array([[0.5, 0.0, 0.0, 0.5, 0.0]]),  # b: B-Disease 0.5
    }
    spans = F.decode_words(probs, schema)
    assert spans == [(0, 1, "Disease", pytest.approx(0.7), pytest.approx(0.7))]
    assert F.Schema.from_json(schema.to_json()) == schema


def test_score_spans_strict() -> None:
    gold = {("d", 0, 5, "Chemical"), ("d", 10, 15, "Disease")}
    pred = {("d", 0, 5, "Chemical"), ("d", 10, 14, "Disease"), ("d", 20, 25, "Gene")}
    r = F.score_spans(gold, pred, ["Chemical", "Disease"])
    assert r["per_type"]["Chemical"]["f1"] == 1.0
    assert r["per_type"]["Disease"]["f1"] == 0.0
    assert r["micro"]["tp"] == 1 and r["micro"]["fp"] == 1 and r["micro"]["fn"] == 1  # Gene not scored
