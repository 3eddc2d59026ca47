"""Domain-adaptation text and masked-LM training: test text never reaches training."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from extractors.mlm.corpus import (
    MANIFEST,
    TEXT_FILE,
    HeldOut,
    Text,
    pmid_of,
    prepare,
    read_texts,
    sentence_key,
)
from extractors.mlm.train import IGNORE, mask_tokens, pack
from kg.errors import BadInputError

TOKENIZER = Path(__file__).resolve().parents[1] / "assets" / "tiny-ner"

TEST_SENTENCE = "Cisplatin nephrotoxicity was reduced by amifostine in the treated rats."


def pubtator(pmid: int, title: str, abstract: str) -> str:
    return f"{pmid}|t|{title}\n{pmid}|a|{abstract}\n\n"


def data_root(root: Path) -> Path:
    """Every source ``prepare`` reads, a document or two each; test splits get PMIDs 9xxxx."""
    files = {
        "bc5cdr/CDR_TrainingSet.PubTator.txt": pubtator(10001, "Lithium and tremor.", "Tremor followed lithium treatment in two patients."),
        "bc5cdr/CDR_DevelopmentSet.PubTator.txt": pubtator(10002, "Haloperidol dyskinesia.", "Dyskinesia appeared after long haloperidol use."),
        "bc5cdr/CDR_TestSet.PubTator.txt": pubtator(90001, "A test abstract.", TEST_SENTENCE),
        "ncbi_disease/NCBItrainset_corpus.txt": pubtator(10003, "BRCA1 and cancer.", "Germline BRCA1 mutations predispose to breast cancer."),
        "ncbi_disease/NCBIdevelopset_corpus.txt": pubtator(10004, "Ataxia.", "Ataxia telangiectasia is a recessive disorder."),
        "ncbi_disease/NCBItestset_corpus.txt": pubtator(90002, "Another test abstract.", "Huntington disease is caused by CAG expansion."),
        # BioRED reuses a BC5CDR test abstract: its PMID drops it whole
        "biored/Train.PubTator": pubtator(90001, "A test abstract.", TEST_SENTENCE) + pubtator(10005, "KRAS.", "KRAS G12C is targeted by sotorasib."),
        "biored/Dev.PubTator": pubtator(10001, "Lithium and tremor.", "A duplicate of a BC5CDR training abstract."),
        "biored/Test.PubTator": pubtator(90003, "BioRED test.", "EGFR L858R predicts response to gefitinib in lung cancer."),
        "bc2gm/train.tsv": "The\tO\nTP53\tB-GENE\ngene\tO\n.\tO\n\n",
        "bc2gm/devel.tsv": "MDM2\tB-GENE\nbinds\tO\np53\tB-GENE\n.\tO\n\n",
        "bc2gm/test.tsv": "Insulin\tB-GENE\nreceptor\tI-GENE\nsubstrate\tI-GENE\nwas\tO\nphosphorylated\tO\n.\tO\n\n",
        "chemprot/train.jsonl": json.dumps({"text": "<< Aspirin >> inhibits [[ COX-1 ]] irreversibly in platelets.", "label": "INHIBITOR"}) + "\n",
        "chemprot/dev.jsonl": json.dumps({"text": "<< Tamoxifen >> antagonises the [[ estrogen receptor ]] in breast tissue.", "label": "ANTAGONIST"}) + "\n",
        "chemprot/test.jsonl": json.dumps({"text": "<< Imatinib >> inhibits [[ BCR-ABL ]] kinase activity in leukemia cells.", "label": "INHIBITOR"}) + "\n",
        "jnlpba/MUID-PMID-map.txt": "20000001\t10006\n20000002\t90004\n",
        "jnlpba/standoff/train/20000001.txt": "NF-kappa B activation in T cells requires IL-2 signalling.",
        "jnlpba/standoff/test/20000002.txt": "GATA-1 binds the globin promoter in erythroid cells.",
        # the PubMed sample repeats the BC5CDR test sentence in another abstract
        "pubmed/sample.txt": "Methods were standard. " + TEST_SENTENCE + " Outcomes were recorded weekly.",
    }  # fmt: skip
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_sentence_key_ignores_case_spacing_and_punctuation():
    assert sentence_key("IL - 2 , induced") == sentence_key("IL-2, Induced")
    assert pmid_of("PMID:123456") == "123456" and pmid_of("123") == "123"
    assert pmid_of("PMC:PMC3166277") is None and pmid_of("bc2gm:train:10000") is None


def test_held_out_drops_test_documents_and_test_sentences():
    from collections import Counter

    held = HeldOut({"90001"}, {sentence_key(TEST_SENTENCE)})
    stats: Counter = Counter()
    assert held.keep(Text("biored:train", "PMID:90001", "Anything."), stats) is None
    kept = held.keep(Text("pubmed", "PMID:5", "Methods were standard. " + TEST_SENTENCE), stats)
    assert kept is not None and kept.text == "Methods were standard."
    assert stats == {"dropped_test_documents": 1, "dropped_test_sentences": 1}


def test_prepare_keeps_train_and_dev_text_and_no_test_text(tmp_path):
    root = data_root(tmp_path / "data")
    manifest = prepare(tmp_path / "out", root)
    with gzip.open(tmp_path / "out" / TEXT_FILE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    text = " ".join(r["text"] for r in rows)
    for test_text in (
        "Cisplatin nephrotoxicity",
        "Huntington",
        "EGFR L858R",
        "Insulin receptor",
        "Imatinib",
        "GATA-1",
    ):
        assert test_text not in text
    for train_text in (
        "lithium treatment",
        "haloperidol",
        "BRCA1",
        "sotorasib",
        "TP53",
        "MDM2",
        "Aspirin",
        "Tamoxifen",
        "NF-kappa B",
        "Outcomes were recorded",
    ):
        assert train_text in text
    assert text.count("Tremor followed lithium") == 1  # a PMID read once across corpora
    held = manifest["held_out"]
    assert held["dropped_test_documents"] == 1 and held["dropped_test_sentences"] == 1
    assert held["duplicate_documents"] == 1
    assert json.loads((tmp_path / "out" / MANIFEST).read_text()) == manifest
    again = prepare(tmp_path / "again", root)  # reproducible to the byte: the card cites it
    assert again["text_sha256"] == manifest["text_sha256"]
    assert (tmp_path / "again" / TEXT_FILE).read_bytes() == (
        tmp_path / "out" / TEXT_FILE
    ).read_bytes()
    assert {r["split"] for r in rows} <= {"train", "dev"}
    assert read_texts(tmp_path / "out", "train")


def test_prepare_and_read_refuse_missing_inputs(tmp_path):
    with pytest.raises(BadInputError, match="no such data directory"):
        prepare(tmp_path / "out", tmp_path / "nowhere")
    with pytest.raises(BadInputError, match="medkg train mlm --prepare"):
        read_texts(tmp_path, "train")


def test_pack_frames_rows_and_separates_documents():
    rows = pack([[5, 6, 7], [8, 9]], length=5, cls=1, sep=2)
    # stream 5 6 7 SEP 8 9 SEP -> bodies of 3: [5 6 7] [SEP 8 9]; the tail (SEP) is dropped
    assert rows.tolist() == [[1, 5, 6, 7, 2], [1, 2, 8, 9, 2]]
    assert pack([[5]], length=5, cls=1, sep=2).shape == (0, 5)


def test_masking_leaves_special_tokens_and_labels_only_masked_positions():
    rng = np.random.default_rng(0)
    rows = np.tile(np.array([[1] + list(range(10, 210)) + [2]]), (50, 1))
    inputs, labels = mask_tokens(rows, rng, mask_id=3, vocab=300, special={1, 2})
    chosen = labels != IGNORE
    assert not chosen[:, 0].any() and not chosen[:, -1].any()
    assert 0.13 < chosen.mean() < 0.17
    assert (labels[chosen] == rows[chosen]).all()
    assert (inputs[~chosen] == rows[~chosen]).all()
    assert 0.75 < (inputs[chosen] == 3).mean() < 0.85  # 80% [MASK], the rest random or kept


@pytest.mark.slow
def test_train_writes_an_encoder_the_fine_tuners_load(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers import BertModel

    from extractors.mlm import train

    prepare(tmp_path / "data", data_root(tmp_path / "root"))
    out = tmp_path / "adapted"
    argv = ["--data", str(tmp_path / "data"), "--base", str(TOKENIZER), "--out", str(out)]
    argv += [
        "--tiny",
        "--max-steps",
        "2",
        "--batch-size",
        "1",
        "--seq-len",
        "16",
        "--device",
        "cpu",
        "--head-steps",
        "1",
    ]
    assert train.main(argv) == 0
    report = json.loads((out / "adapt.json").read_text())
    assert report["steps"] == 2 and report["train_sequences"] > 0
    assert (out / "tokenizer.json").is_file()
    encoder = BertModel.from_pretrained(str(out), add_pooling_layer=False)
    assert encoder.config.hidden_size == 32
