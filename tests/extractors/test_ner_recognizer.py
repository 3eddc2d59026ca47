"""The whole NER path on the tiny committed model: load, split, batch, tag, decode, evaluate."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from api.cli import main
from extractors.ner.corpora import read_corpus
from extractors.ner.recognizer import NerRecognizer, load_recognizer, parse_routing, rules_digest
from extractors.ner.runtime import TaggerCache
from kg.errors import BadInputError, ModelNotFoundError
from kg.model import Document, EntityType, Mention, Sentence
from kg.settings import Settings

TINY = Path(__file__).parents[1] / "assets" / "tiny-ner"
SAMPLES = TINY / "samples"
BC5CDR = SAMPLES / "bc5cdr_train_3.PubTator.txt"
BC2GM = SAMPLES / "bc2gm_train_25.tsv"

TEXT = (
    "Cisplatin-induced nephrotoxicity in rats was reduced by N-acetylcysteine (NAC). "
    "BRAF V600E and KRAS G12D were found in patients with colorectal cancer (Fig. 2). "
    + "Patients received aspirin and developed fever after treatment " * 40
)


@pytest.fixture(scope="module")
def recognizer() -> NerRecognizer:
    return NerRecognizer(TINY, threads=1).load()


def test_construction_is_lazy_and_cache_shares_models() -> None:
    cache = TaggerCache(threads=1)
    a = NerRecognizer(TINY, cache=cache)
    b = NerRecognizer(str(TINY) + "/", cache=cache)
    assert a._tagger is None  # nothing loaded until first use
    assert a.tagger is b.tagger
    weights = json.loads((TINY / "labels.json").read_text())["version"]
    assert a.tag == f"ner@{weights}+{rules_digest(a.schema.routing)}"


def test_the_version_changes_with_the_routing_not_with_its_spelling() -> None:
    cache = TaggerCache(threads=1)
    plain = NerRecognizer(TINY, cache=cache)
    same = NerRecognizer(TINY, cache=cache, routing=dict(plain.schema.routing))
    other = NerRecognizer(TINY, cache=cache, routing={"Disease": ("bc5cdr", "ncbi")})
    assert same.version == plain.version
    assert other.version != plain.version
    assert other.version.split("+")[0] == plain.version.split("+")[0]  # the same weights


def test_missing_model_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError):
        NerRecognizer(tmp_path / "nothing").recognize([Document(id="d", source="text", text="x")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError):
        NerRecognizer(tmp_path / "empty").load()
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken, ignore=shutil.ignore_patterns("samples"))
    (broken / "model.onnx").write_bytes(b"not an onnx file")
    with pytest.raises(ModelNotFoundError):
        NerRecognizer(broken).load()


def test_settings_choose_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDKG_NER_MODEL", str(TINY))
    assert load_recognizer().model == str(TINY)
    settings = Settings(models_dir=Path("/somewhere"))
    assert NerRecognizer.from_settings(settings).model == "/somewhere/ner"


def test_mentions_have_valid_offsets_scores_and_provenance(recognizer: NerRecognizer) -> None:
    docs = [
        Document(id="a", source="text", text=TEXT),
        Document(id="empty", source="text", text=""),
        *read_corpus(BC5CDR),
    ]
    result = recognizer.recognize(docs)
    assert len(result) == len(docs) and result[1] == []
    total = 0
    for doc, mentions in zip(docs, result, strict=True):
        for m in mentions:
            assert doc.text[m.start : m.end] == m.text and m.text.strip() == m.text
            assert isinstance(m.type, EntityType)
            assert 0.0 < m.score <= 1.0
            assert m.extractor == recognizer.tag
        assert mentions == sorted(mentions, key=lambda m: (m.start, m.end, m.type.value))
        total += len(mentions)
    assert total > 0
    # the grammar's variants, tied to their genes when the model finds the genes
    variants = {m.text: m for m in result[0] if m.type is EntityType.VARIANT}
    assert {"V600E", "G12D"} <= set(variants)
    assert variants["V600E"].ids[0].endswith("p.V600E")


def test_a_span_the_grammar_reads_as_a_variant_has_that_one_type(recognizer: NerRecognizer) -> None:
    text = "EGFR T790M confers resistance."
    doc = Document(id="v", source="text", text=text)
    model = [
        Mention(0, 4, "EGFR", EntityType.GENE, score=0.9, extractor="t"),
        Mention(5, 10, "T790M", EntityType.DRUG, score=0.6, extractor="t"),  # mistyped
    ]
    out = recognizer._with_variants(doc, [Sentence(0, len(text), text)], model, "t")
    assert [(m.text, m.type) for m in out] == [("EGFR", EntityType.GENE), ("T790M", EntityType.VARIANT)]


def test_a_bracketed_genotype_the_grammar_reads_outranks_the_taggers_fragments(
    recognizer: NerRecognizer,
) -> None:
    # CPIC tables write DPYD genotypes in HGVS brackets; the tagger cut them into pieces
    # and read the last allele's "T" as testosterone
    text = "DPYD | c.[2846A>T];[2846A>T] | Decreased DPD activity"
    doc = Document(id="v", source="text", text=text)

    def at(word: str, kind: EntityType, nth: int = 0) -> Mention:
        s = -1
        for _ in range(nth + 1):
            s = text.index(word, s + 1)
        return Mention(s, s + len(word), word, kind, score=0.6, extractor="t")

    model = [
        at("DPYD", EntityType.GENE),
        at("c.", EntityType.VARIANT),
        at("2846A>T", EntityType.VARIANT),
        at("2846A>", EntityType.DRUG, nth=1),
        Mention(text.index("];[") + 9, text.index("];[") + 10, "T", EntityType.DRUG, score=0.6, extractor="t"),
        at("DPD", EntityType.GENE),
    ]
    assert text[model[4].start : model[4].end] == "T"
    out = recognizer._with_variants(doc, [Sentence(0, len(text), text)], model, "t")
    assert [(m.text, m.type, m.ids) for m in out if m.type is not EntityType.GENE] == [
        ("c.[2846A>T];[2846A>T]", EntityType.VARIANT, ("VAR:DPYD:c.2846A>T",))
    ]
    assert [m.text for m in out if m.type is EntityType.GENE] == ["DPYD", "DPD"]


def test_batch_composition_moves_logits_only_slightly(recognizer: NerRecognizer) -> None:
    # dynamic int8 scales activations per batch, so other sentences in a batch move the
    # logits a little (exact order-independence is checked on an fp32 model in
    # test_ner_windows.py)
    words = [["Aspirin", "reduced", "fever", "."], ["BRAF", "V600E"], [], TEXT.split()[:300]]
    batch = recognizer.tagger.predict(words)
    for w, rows in zip(words, batch, strict=True):
        single = recognizer.tagger.predict([w])[0]
        assert rows.shape == (len(w), recognizer.schema.width)
        np.testing.assert_allclose(rows, single, atol=0.05)


def test_routing_override(recognizer: NerRecognizer) -> None:
    assert parse_routing("Disease=bc5cdr+ncbi, Gene=bc2gm") == {"Disease": ("bc5cdr", "ncbi"), "Gene": ("bc2gm",)}
    with pytest.raises(BadInputError):
        parse_routing("Disease")
    r = NerRecognizer(TINY, routing={"Disease": ("ncbi",)}, threads=1)
    assert r.schema.routing["Disease"] == ("ncbi",)
    # the deployment's setting applies unless the caller routes explicitly
    configured = Settings(ner_model=str(TINY), ner_routing="Disease=ncbi")
    assert NerRecognizer.from_settings(configured, threads=1).schema.routing["Disease"] == ("ncbi",)
    explicit = NerRecognizer.from_settings(configured, routing={"Disease": ("bc5cdr",)}, threads=1)
    assert explicit.schema.routing["Disease"] == ("bc5cdr",)
    assert Settings.from_env({"MEDKG_NER_ROUTING": "Gene=biored"}).ner_routing == "Gene=biored"
    with pytest.raises(BadInputError):
        NerRecognizer(TINY, routing={"Disease": ("nope",)}).load()


def _eval_json(capsys: pytest.CaptureFixture, *args: str) -> dict:
    assert main(["eval", "ner", "--model", str(TINY), "--threads", "1", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_eval_ner_pubtator_contract(capsys: pytest.CaptureFixture) -> None:
    report = _eval_json(capsys, "--corpus", str(BC5CDR))
    assert set(report["per_type"]) == {"Chemical", "Disease"}
    for m in [*report["per_type"].values(), report["micro"]]:
        assert {"precision", "recall", "f1"} <= set(m)
        assert 0.0 <= m["f1"] <= 1.0
        assert m["tp"] + m["fn"] > 0
    gold = sum(len(d.mentions) for d in read_corpus(BC5CDR))
    assert report["micro"]["tp"] + report["micro"]["fn"] == gold
    assert report["sentences_per_second"] > 0 and report["documents"] == 3


def test_eval_ner_conll_and_ncbi_types(capsys: pytest.CaptureFixture) -> None:
    report = _eval_json(capsys, "--corpus", str(BC2GM), "--format", "conll")
    assert list(report["per_type"]) == ["Gene"] and report["sentences"] == 25
    report = _eval_json(capsys, "--corpus", str(SAMPLES / "ncbi_train_2.txt"), "--route", "Disease=ncbi")
    assert list(report["per_type"]) == ["Disease"]  # four NCBI subtypes, one type
    report = _eval_json(capsys, "--corpus", str(SAMPLES / "biored_train_2.PubTator"))
    assert set(report["per_type"]) <= {"Chemical", "Disease", "Gene", "Variant"}


def test_eval_ner_text_report(capsys: pytest.CaptureFixture) -> None:
    assert main(["eval", "ner", "--model", str(TINY), "--corpus", str(BC5CDR), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "Chemical" in out and "sentences/s" in out


def _data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "bc5cdr").mkdir(parents=True)
    for split in ("TrainingSet", "DevelopmentSet"):
        shutil.copy(BC5CDR, root / "bc5cdr" / f"CDR_{split}.PubTator.txt")
    (root / "bc2gm").mkdir()
    for split in ("train", "devel"):
        shutil.copy(BC2GM, root / "bc2gm" / f"{split}.tsv")
    return root


def test_prepare_writes_words_and_tags_from_gold(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "prepared"
    assert main(["train", "ner", "--prepare", str(out), "--data-root", str(_data_root(tmp_path)), "--corpora", "bc5cdr,bc2gm"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [h["name"] for h in manifest["heads"]] == ["bc5cdr", "bc2gm"]
    with gzip.open(out / "bc5cdr.train.jsonl.gz", "rt") as fh:
        records = [json.loads(line) for line in fh]
    gold = [m for d in read_corpus(BC5CDR) for m in d.mentions]
    assert sum(t.startswith("B-") for r in records for t in r["tags"]) == len(gold)
    first = records[0]
    assert len(first["words"]) == len(first["tags"])
    tagged = [w for w, t in zip(first["words"], first["tags"], strict=True) if t != "O"]
    assert tagged and all(t == "O" or t[2:] in ("Chemical", "Disease") for t in first["tags"])
    with gzip.open(out / "bc2gm.dev.jsonl.gz", "rt") as fh:
        assert sum(1 for _ in fh) == 25  # CoNLL sentences are kept as they are


@pytest.mark.slow
def test_train_command_writes_a_loadable_model(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    prepared = tmp_path / "prepared"
    main(["train", "ner", "--prepare", str(prepared), "--data-root", str(_data_root(tmp_path)), "--corpora", "bc5cdr,bc2gm"])
    capsys.readouterr()
    base = tmp_path / "base"  # --tiny needs only the tokenizer of the base
    base.mkdir()
    shutil.copy(TINY / "tokenizer.json", base / "tokenizer.json")
    out = tmp_path / "model"
    assert main(["train", "ner", "--data", str(prepared), "--base", str(base), "--out", str(out),
                 "--tiny", "--max-steps", "3", "--device", "cpu", "--threads", "1"]) == 0  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train"]["steps"] == 3 and metrics["model_bytes"] < 3_000_000
    assert "dev_onnx_int8" in metrics and set(metrics["dev_onnx_int8_served"]["scores"]) == {"bc5cdr", "bc2gm"}
    assert main(["eval", "ner", "--model", str(out), "--corpus", str(BC5CDR), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["per_type"]) == {"Chemical", "Disease"}

    # a gene specialist starts from the trained model: its encoder and its bc2gm head
    from extractors.ner import train
    from extractors.ner.runtime import OnnxTagger

    spec = tmp_path / "spec"
    assert train.main(["--data", str(prepared), "--base", str(base), "--out", str(spec), "--tiny", "--corpora", "bc2gm",
                       "--init-from", str(out), "--max-steps", "1", "--lr", "0", "--head-lr", "0", "--device", "cpu",
                       "--threads", "1", "--no-int8-check"]) == 0  # fmt: skip
    words = [["BRCA1", "binds", "p53", "in", "cisplatin", "-", "treated", "cells"]]
    a, b = OnnxTagger(out).schema.offsets()["bc2gm"]
    np.testing.assert_allclose(OnnxTagger(spec).predict(words)[0], OnnxTagger(out).predict(words)[0][:, a:b], atol=0.05)
    # from a stacked model, training starts from its main part
    from extractors.ner.stack import stack

    stack(out, {"gene": spec}, {"Gene": ("bc2gm", "gene.bc2gm")}, tmp_path / "stacked")
    again = tmp_path / "again"
    assert train.main(["--data", str(prepared), "--base", str(base), "--out", str(again), "--tiny", "--corpora", "bc2gm",
                       "--init-from", str(tmp_path / "stacked"), "--max-steps", "1", "--lr", "0", "--head-lr", "0",
                       "--device", "cpu", "--threads", "1", "--no-int8-check"]) == 0  # fmt: skip
    np.testing.assert_allclose(OnnxTagger(again).predict(words)[0], OnnxTagger(out).predict(words)[0][:, a:b], atol=0.05)
