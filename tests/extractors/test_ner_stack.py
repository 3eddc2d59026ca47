"""Stacked NER models: one graph whose logits are the models' logits side by side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from extractors.ner.features import Head, Schema
from extractors.ner.recognizer import NerRecognizer
from extractors.ner.runtime import OnnxTagger, stack_parts
from extractors.ner.stack import StackError, main, stack, stacked_schema
from kg.model import Document

TINY = Path(__file__).parents[1] / "assets" / "tiny-ner"
SENTENCES = [
    ["BRCA1", "mutations", "in", "p53", "-", "null", "mice"],
    ["The", "IL", "-", "2", "receptor", "alpha", "chain", "(", "IL-2R", ")", "binds", "cisplatin"],
]


def _twin(tmp_path: Path) -> Path:
    """A second model directory: the tiny model's weights under another version."""
    twin = tmp_path / "twin"
    shutil.copytree(TINY, twin)
    meta = json.loads((twin / "labels.json").read_text())
    meta["version"] = "twin-1"
    (twin / "labels.json").write_text(json.dumps(meta))
    return twin


def test_stacked_logits_are_each_models_logits_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "stacked"
    meta = stack(TINY, {"gene": _twin(tmp_path)}, {"Gene": ("bc2gm", "gene.bc2gm")}, out)
    one = OnnxTagger(TINY, threads=1).predict(SENTENCES)
    stacked = OnnxTagger(out, threads=1).predict(SENTENCES)
    width = OnnxTagger(TINY).schema.width
    for a, s in zip(one, stacked, strict=True):
        assert s.shape == (a.shape[0], 2 * width)
        np.testing.assert_array_equal(s[:, :width], a)
        np.testing.assert_array_equal(s[:, width:], a)
    heads = [h["name"] for h in meta["schema"]["heads"]]
    assert heads == ["bc5cdr", "ncbi", "bc2gm", "biored", "gene.bc5cdr", "gene.ncbi", "gene.bc2gm", "gene.biored"]
    assert meta["schema"]["routing"]["Gene"] == ["bc2gm", "gene.bc2gm"]
    assert meta["schema"]["routing"]["Chemical"] == ["bc5cdr"]  # the main model's routing stays
    assert [s["version"] for s in meta["stack"]] == [json.loads((TINY / "labels.json").read_text())["version"], "twin-1"]
    assert meta["version"] != meta["stack"][0]["version"]  # new weights, new version: ingestion re-extracts


def test_a_recognizer_reads_a_stacked_model_like_any_other(tmp_path: Path) -> None:
    out = tmp_path / "stacked"
    stack(TINY, {"gene": _twin(tmp_path)}, {"Gene": ("bc2gm", "gene.bc2gm")}, out)
    doc = Document(id="d1", source="text", text="BRCA1 and TP53 mutations were treated with cisplatin in breast cancer.")
    alone = NerRecognizer(TINY, threads=1, abbreviations=False).recognize([doc])[0]
    both = NerRecognizer(out, threads=1, abbreviations=False).recognize([doc])[0]
    # two identical heads averaged are that head: the same mentions, and a new tag
    assert [(m.start, m.end, m.type) for m in both] == [(m.start, m.end, m.type) for m in alone]
    assert both and {m.extractor for m in both} != {m.extractor for m in alone}


def test_routing_to_a_head_no_model_has_is_refused() -> None:
    schema = Schema((Head("bc2gm", ("Gene",)),), {"Gene": ("bc2gm",)})
    with pytest.raises(StackError, match="no head"):
        stacked_schema([schema, schema], ["", "gene."], {"Gene": ("bc2gm", "genes.bc2gm")})
    with pytest.raises(StackError, match="clash"):
        stacked_schema([schema, schema], ["", ""], {})


def test_a_model_with_another_tokenizer_is_refused(tmp_path: Path) -> None:
    twin = _twin(tmp_path)
    (twin / "tokenizer.json").write_text((TINY / "tokenizer.json").read_text().replace("[UNK]", "[UNK2]", 1))
    with pytest.raises(StackError, match="tokenizer"):
        stack(TINY, {"gene": twin}, {}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_command_line_stacks_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "stacked"
    argv = ["--main", str(TINY), "--add", f"gene={_twin(tmp_path)}", "--route", "Gene=bc2gm+gene.bc2gm", "--out", str(out)]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["routing"]["Gene"] == ["bc2gm", "gene.bc2gm"] and (out / "model.onnx").is_file()
    assert main(["--main", str(TINY), "--add", f"gene={TINY}", "--route", "Gene=nothere", "--out", str(out)]) == 2
    assert "no head" in capsys.readouterr().err


def test_each_part_reads_back_out_and_a_stack_is_not_stacked_again(tmp_path: Path) -> None:
    from extractors.ner.onnx_build import read_state

    out = tmp_path / "stacked"
    meta = stack(TINY, {"gene": _twin(tmp_path)}, {}, out)
    alone = read_state(TINY / "model.onnx")
    heads = ("bc5cdr", "ncbi", "bc2gm", "biored")
    assert stack_parts(json.loads((TINY / "labels.json").read_text())) == [("", heads)]
    assert stack_parts(meta) == [("m0/", heads), ("m1/", tuple(f"gene.{h}" for h in heads))]
    for prefix, _ in stack_parts(meta):
        state = read_state(out / "model.onnx", prefix)
        assert state.keys() == alone.keys()
        assert all(np.array_equal(state[k], alone[k]) for k in alone)
    with pytest.raises(StackError, match="stacked model already"):
        stack(out, {"gene": TINY}, {}, tmp_path / "again")


def _shifted_twin(tmp_path: Path) -> Path:
    """The tiny model with every logit one higher (its classifier's bias): a part whose
    logits tell it apart from the main model's, with the same probabilities."""
    import onnx
    from onnx import numpy_helper

    twin = _twin(tmp_path)
    model = onnx.load(str(twin / "model.onnx"))
    bias = next(t for t in model.graph.initializer if t.name == "classifier.bias")
    bias.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(bias) + 1, bias.name))
    onnx.save_model(model, str(twin / "model.onnx"))
    return twin


def test_a_tagger_runs_only_the_stacked_models_it_is_asked_for(tmp_path: Path) -> None:
    import onnx

    from extractors.ner.stack import select_parts

    out = tmp_path / "stacked"
    stack(TINY, {"gene": _shifted_twin(tmp_path)}, {}, out)
    full = OnnxTagger(out, threads=1).predict(SENTENCES)
    width = OnnxTagger(TINY).schema.width
    main_cols, twin_cols = slice(0, width), slice(width, 2 * width)
    np.testing.assert_allclose(full[0][:, twin_cols], full[0][:, main_cols] + 1, atol=1e-4)
    for parts, kept, dropped in (((0,), main_cols, twin_cols), ((1,), twin_cols, main_cols)):
        for f, p in zip(full, OnnxTagger(out, threads=1, parts=parts).predict(SENTENCES), strict=True):
            np.testing.assert_array_equal(p[:, kept], f[:, kept])
            assert set(np.unique(p[:, dropped])) == {0.0, 20.0}  # every dropped head reads as outside
    stacked, alone = onnx.load(str(out / "model.onnx")), onnx.load(str(TINY / "model.onnx"))
    pruned = select_parts(stacked, ["m1/"])
    assert len(pruned.graph.node) == len(alone.graph.node) + 1  # one model and the concat
    assert len(pruned.graph.initializer) == len(alone.graph.initializer)
    with pytest.raises(StackError, match="not a stacked graph"):
        select_parts(alone, ["m0/"])


def test_a_routing_that_reads_one_stacked_model_runs_that_model_alone(tmp_path: Path) -> None:
    out = tmp_path / "stacked"
    stack(TINY, {"gene": _shifted_twin(tmp_path)}, {"Gene": ("bc2gm", "gene.bc2gm")}, out)
    doc = Document(id="d1", source="text", text="BRCA1 and TP53 mutations were treated with cisplatin in breast cancer.")
    alone = NerRecognizer(TINY, threads=1, abbreviations=False).recognize([doc])[0]
    both = NerRecognizer(out, threads=1, abbreviations=False)
    assert both.tagger.parts is None  # the stack's own routing reads both models
    main_only = NerRecognizer(out, threads=1, abbreviations=False, routing={"Gene": ("bc2gm",)})
    assert main_only.tagger.parts == (0,)
    twin_routing = {"Chemical": ("gene.bc5cdr",), "Disease": ("gene.bc5cdr",), "Gene": ("gene.bc2gm",), "Variant": ("gene.biored",)}
    twin_only = NerRecognizer(out, threads=1, abbreviations=False, routing=twin_routing)
    assert twin_only.tagger.parts == (1,)
    tiny_routing = {"Chemical": ("bc5cdr",), "Disease": ("bc5cdr",), "Gene": ("bc2gm",), "Variant": ("biored",)}
    expected = NerRecognizer(TINY, threads=1, abbreviations=False, routing=tiny_routing).recognize([doc])[0]
    assert alone and [(m.start, m.end, m.type) for m in main_only.recognize([doc])[0]] == [(m.start, m.end, m.type) for m in alone]
    assert expected and [(m.start, m.end, m.type) for m in twin_only.recognize([doc])[0]] == [(m.start, m.end, m.type) for m in expected]


def test_a_stack_entry_without_its_graph_prefix_is_a_named_load_error(tmp_path: Path) -> None:
    from extractors.ner.runtime import ModelLoadError, read_model_info

    out = tmp_path / "stacked"
    meta = stack(TINY, {"gene": _twin(tmp_path)}, {}, out)
    del meta["stack"][1]["graph_prefix"]
    (out / "labels.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="labels.json.*graph_prefix"):
        read_model_info(out)
