"""The training script end to end on CPU: prepare -> train -> ONNX int8 -> serve."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extractors.relations.prepare import CORPORA, SPLITS, chemprot_sentences, prepare
from kg.model import EntityType

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "tiny-re"
FIXTURE = {"biored": "biored.PubTator", "cdr": "cdr.PubTator", "chemprot": "chemprot.jsonl"}


def corpora_tree(root: Path) -> Path:
    """The corpus layout ``prepare`` expects, with the tiny fixtures as every split."""
    for task, paths in CORPORA.items():
        for _split, rel in zip(SPLITS, paths, strict=True):
            dst = root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ASSETS / "corpus" / FIXTURE[task], dst)
    return root


def test_chemprot_grouping_recovers_types_and_negatives():
    with open(ASSETS / "corpus" / "chemprot.jsonl", encoding="utf-8") as fh:
        lines = fh.readlines()
    sentences = list(chemprot_sentences(lines))
    # one line per annotated pair; lines of the same sentence collapse into one example
    assert 0 < len(sentences) < len(lines)
    first = sentences[0]
    names = {first.text[s:e]: t for s, e, t in first.entities}
    assert names["Epidermal growth factor receptor"] is EntityType.GENE
    assert names["gefitinib"] is EntityType.DRUG
    positives = sum(1 for cs in sentences for label in cs.pairs.values() if label != "none")
    assert positives == len(lines)
    for cs in sentences:
        for i, j in cs.pairs:
            assert cs.entities[i][2] is EntityType.DRUG and cs.entities[j][2] is EntityType.GENE


def test_prepare_writes_marked_windows_and_head_labels(tmp_path):
    out = tmp_path / "prepared"
    report = prepare(corpora_tree(tmp_path / "data"), out, ASSETS / "model" / "tokenizer.json")
    assert report["train/biored"]["examples"] == 2 and report["train/cdr"]["examples"] == 2
    labels = json.loads((out / "labels.json").read_text())
    tasks = list(labels["tasks"])
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    for ex in rows:
        for w, off in ex["mentions"]:
            assert ex["windows"][w][off] in labels["markers"].values()
        for pair in ex["pairs"]:
            assert len(pair) == 2 + len(tasks)
            own = pair[2 + tasks.index(ex["task"])]
            assert own >= 0  # every pair is labelled for its own corpus's head
    assert sum(1 for ex in rows for p in ex["pairs"] if p[2 + tasks.index(ex["task"])] > 0) == sum(
        report[f"train/{t}"]["positives"] for t in tasks
    )


@pytest.mark.slow
def test_train_exports_a_servable_int8_model(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("onnx")
    from extractors.relations import train
    from extractors.relations.evaluate import gold_linked
    from extractors.relations.extractor import TransformerRelationExtractor
    from loaders.pubtator import read_pubtator

    prepared = tmp_path / "prepared"
    prepare(corpora_tree(tmp_path / "data"), prepared, ASSETS / "model" / "tokenizer.json")
    out = tmp_path / "model"
    rc = train.main(
        [
            "--data",
            str(prepared),
            "--base",
            str(ASSETS / "model"),
            "--out",
            str(out),
            "--tiny",
            "8",
            "--max-steps",
            "3",
            "--device",
            "cpu",
            "--threads",
            "1",
        ]
    )
    assert rc == 0
    for name in ("model.onnx", "tokenizer.json", "labels.json", "metrics.json"):
        assert (out / name).is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 3 and set(metrics["dev_int8_onnx"]) >= {"biored", "cdr", "chemprot"}
    meta = json.loads((out / "labels.json").read_text())
    assert set(metrics["sha256"]) == {"model.onnx"}  # a tiny model needs no external data
    assert meta["version"] == train.model_version([out / "model.onnx"])
    docs = list(read_pubtator(ASSETS / "corpus" / "biored.PubTator"))
    ex = TransformerRelationExtractor(out)
    preds = ex.classify_many([(docs[0], [], gold_linked(docs[0]))])[0]
    assert preds and all(abs(sum(p.heads["biored"].values()) - 1) < 1e-3 for p in preds)
    assert ex.model.version == meta["version"] and ex.version.startswith(meta["version"] + "+")


def test_large_weights_move_to_external_data_and_still_serve(tmp_path):
    pytest.importorskip("onnx")
    from extractors.relations import train
    from extractors.relations.evaluate import gold_linked
    from extractors.relations.extractor import TransformerRelationExtractor
    from loaders.pubtator import read_pubtator

    for f in (ASSETS / "model").iterdir():
        shutil.copy(f, tmp_path / f.name)
    files = train.shard(tmp_path / "model.onnx", limit=200_000)
    assert [f.name for f in files] == ["model.onnx", "model.onnx.data"]
    assert all(f.stat().st_size <= 200_000 for f in files[:1])
    doc = next(iter(read_pubtator(ASSETS / "corpus" / "biored.PubTator")))
    item = [(doc, [], gold_linked(doc))]
    split = TransformerRelationExtractor(tmp_path).classify_many(item)[0]
    whole = TransformerRelationExtractor(ASSETS / "model").classify_many(item)[0]
    assert [p.heads for p in split] == [p.heads for p in whole]


def _tiny_run(tmp_path: Path, out: Path, *extra: str) -> dict:
    from extractors.relations import train

    prepared = tmp_path / "prepared"
    if not prepared.exists():
        prepare(corpora_tree(tmp_path / "data"), prepared, ASSETS / "model" / "tokenizer.json")
    args = ["--data", str(prepared), "--base", str(ASSETS / "model"), "--out", str(out)]
    args += ["--tiny", "8", "--max-steps", "3", "--device", "cpu", "--threads", "1", *extra]
    assert train.main(args) == 0
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
def test_context_pooling_model_serves_documents_of_any_window_count(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from extractors.relations.evaluate import gold_linked
    from extractors.relations.extractor import TransformerRelationExtractor
    from loaders.pubtator import read_pubtator

    out = tmp_path / "cp"
    _tiny_run(tmp_path, out, "--context-pool")
    assert json.loads((out / "labels.json").read_text())["encoder"]["context_pool"] is True
    docs = list(read_pubtator(ASSETS / "corpus" / "biored.PubTator"))
    ex = TransformerRelationExtractor(out)
    # one document alone, then all together: the exported graph's window count is dynamic
    alone = ex.classify_many([(docs[0], [], gold_linked(docs[0]))])[0]
    together = ex.classify_many([(d, [], gold_linked(d)) for d in docs])[0]
    assert alone and len(alone) == len(together)
    for a, b in zip(alone, together, strict=True):
        assert a.heads["biored"].keys() == b.heads["biored"].keys()
        for label, p in a.heads["biored"].items():
            # int8 dynamic quantisation scales activations per call: close, not identical
            assert abs(p - b.heads["biored"][label]) < 0.02


@pytest.mark.slow
def test_final_fit_on_train_and_dev_keeps_the_selected_runs_bias_and_selection(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from extractors.relations import select

    held = tmp_path / "held"
    plain = _tiny_run(tmp_path, held)
    assert plain["history"]  # dev scored: a held-out run
    best, _ = select.pick([tmp_path / "missing", held])
    assert best == held
    fit = tmp_path / "fit"
    metrics = _tiny_run(
        tmp_path, fit, "--train-splits", "train,dev", "--none-bias-from", str(held / "labels.json")
    )
    assert metrics["train_examples"] > plain["train_examples"]
    assert metrics["history"] == [] and metrics["dev_int8_onnx"] == {}
    fit_bias = json.loads((fit / "labels.json").read_text())["none_bias"]
    assert fit_bias == json.loads((held / "labels.json").read_text())["none_bias"]
    with pytest.raises(select.SelectionError, match="trained on dev"):
        select.pick([fit])
