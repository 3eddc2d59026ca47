"""Long sentences go through overlapping windows: no mention lost or doubled at an edge.

The check needs a model whose output does not depend on context, so that a windowed
run must agree exactly with a whole-sentence run. It is built here, through the same
ONNX writer as the shipped model, from weights chosen by hand: attention and
feed-forward outputs are zero and position embeddings are zero, so each word's label
comes from its first word piece alone ("aspirin" -> B-Chemical, "salicylic" ->
I-Chemical, "fever" -> B-Disease, everything else -> O).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from extractors.ner.features import NUM_CASE_CLASSES
from extractors.ner.recognizer import NerRecognizer
from extractors.ner.runtime import OnnxTagger, plan_windows
from kg.model import Document, EntityType

ASSETS = Path(__file__).parents[1] / "assets" / "tiny-ner"
H = 8


@pytest.fixture(scope="module")
def context_free_model(tmp_path_factory) -> Path:
    pytest.importorskip("onnx")
    from tokenizers import Tokenizer

    from extractors.ner import onnx_build

    out = tmp_path_factory.mktemp("context-free")
    shutil.copy(ASSETS / "tokenizer.json", out / "tokenizer.json")
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    vocab = tok.get_vocab_size()
    # label k <- one-hot direction k of the embedding space
    direction = {"aspirin": 1, "salicylic": 2, "fever": 3}
    word = np.zeros((vocab, H), np.float32)
    word[:, 0] = 1.0
    for w, k in direction.items():
        first = tok.encode(w, add_special_tokens=False).ids[0]
        word[first] = 0.0
        word[first, k] = 1.0
    eye = np.eye(H, dtype=np.float32)
    normed = (eye - eye.mean(1, keepdims=True)) / eye.std(1, keepdims=True)
    state = {
        "embeddings.word_embeddings.weight": word,
        "embeddings.position_embeddings.weight": np.zeros((512, H), np.float32),
        "embeddings.token_type_embeddings.weight": np.zeros((NUM_CASE_CLASSES, H), np.float32),
        "embeddings.LayerNorm.weight": np.ones(H, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(H, np.float32),
        "classifier.weight": 5.0 * normed[:5],  # O, B-Chemical, I-Chemical, B-Disease, I-Disease
        "classifier.bias": np.zeros(5, np.float32),
    }
    p = "encoder.layer.0."
    for name in ("query", "key", "value"):
        state[p + f"attention.self.{name}.weight"] = np.zeros((H, H), np.float32)
        state[p + f"attention.self.{name}.bias"] = np.zeros(H, np.float32)
    state[p + "attention.output.dense.weight"] = np.zeros((H, H), np.float32)
    state[p + "attention.output.dense.bias"] = np.zeros(H, np.float32)
    state[p + "intermediate.dense.weight"] = np.zeros((2 * H, H), np.float32)
    state[p + "intermediate.dense.bias"] = np.zeros(2 * H, np.float32)
    state[p + "output.dense.weight"] = np.zeros((H, 2 * H), np.float32)
    state[p + "output.dense.bias"] = np.zeros(H, np.float32)
    for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
        state[p + ln + ".weight"] = np.ones(H, np.float32)
        state[p + ln + ".bias"] = np.zeros(H, np.float32)
    onnx_build.save(onnx_build.build(state, num_heads=2), out / "model.onnx")
    labels = {
        "format": "medkg-ner/1",
        "token_type": "case",
        "max_length": 128,
        "version": "context-free",
        "schema": {"heads": [{"name": "test", "types": ["Chemical", "Disease"]}]},
    }
    (out / "labels.json").write_text(json.dumps(labels))
    return out


def test_plan_windows_partition_and_limits() -> None:
    rng = random.Random(7)
    for _ in range(300):
        limit = rng.randint(4, 40)
        counts = [rng.randint(0, min(6, limit)) for _ in range(rng.randint(1, 120))]
        windows = plan_windows(counts, limit)
        owned = [w for _, _, a, b in windows for w in range(a, b)]
        assert owned == list(range(len(counts)))  # every word owned once, in order
        for a, b, oa, ob in windows:
            assert a <= oa <= ob <= b
            assert sum(counts[a:b]) <= limit
        for (_, b1, _, _), (a2, _, _, _) in zip(windows, windows[1:], strict=False):
            assert a2 < b1 or sum(counts[a2:b1]) == 0 or limit < 8  # windows overlap


def test_plan_windows_keeps_context_around_owned_words() -> None:
    counts = [1] * 200
    windows = plan_windows(counts, 32)
    for k, (a, b, oa, ob) in enumerate(windows):
        if k > 0:
            assert oa - a >= 6  # owned words are not at the window's left edge
        if k < len(windows) - 1:
            assert b - ob >= 6


def _sentence(n: int, inserts: dict[int, str]) -> str:
    filler = ["the", "patients", "were", "given", "a", "dose", "and", "then", "seen"]
    return " ".join(inserts.get(i, filler[i % len(filler)]) for i in range(n))


@pytest.mark.parametrize("max_length", [6, 10, 17, 40])
def test_windowed_logits_equal_whole_sentence(context_free_model: Path, max_length: int) -> None:
    text = _sentence(150, {3: "aspirin", 40: "fever", 41: "aspirin", 42: "salicylic"})
    words = text.split()
    whole = OnnxTagger(context_free_model, max_length=512).predict([words])[0]
    windowed = OnnxTagger(context_free_model, max_length=max_length).predict([words])[0]
    assert whole.shape == windowed.shape == (150, 5)
    np.testing.assert_allclose(windowed, whole, atol=1e-4)


def test_no_mention_lost_or_doubled_at_any_window_edge(context_free_model: Path) -> None:
    cache_whole = NerRecognizer(context_free_model, variants=False)
    small = NerRecognizer(context_free_model, variants=False, max_length=10)  # windows of 8 pieces
    for pos in range(0, 30):
        text = _sentence(60, {pos: "aspirin", pos + 1: "salicylic", pos + 5: "fever"})
        doc = Document(id=f"d{pos}", source="text", text=text)
        expected = [
            (text.index("aspirin salicylic"), text.index("aspirin salicylic") + len("aspirin salicylic"), EntityType.DRUG),
            (text.index("fever"), text.index("fever") + len("fever"), EntityType.DISEASE),
        ]
        for recognizer in (cache_whole, small):
            got = [(m.start, m.end, m.type) for m in recognizer.recognize([doc])[0]]
            assert got == expected, (pos, recognizer.tagger.max_length)


def test_order_and_batching_are_restored(context_free_model: Path) -> None:
    recognizer = NerRecognizer(context_free_model, variants=False, batch_size=3, max_length=12)
    docs = [
        Document(id=str(n), source="text", text=_sentence(n, {n // 2: "aspirin", n // 3: "fever"}) + ". Fever and aspirin.")
        for n in (5, 80, 11, 33, 2, 60)
    ]
    together = recognizer.recognize(docs)
    alone = [recognizer.recognize([d])[0] for d in reversed(docs)][::-1]
    assert together == alone
    for doc, mentions in zip(docs, together, strict=True):
        assert [m.text for m in mentions].count("aspirin") == doc.text.count("aspirin")
