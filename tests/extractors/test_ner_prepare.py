"""NER training files: an auxiliary corpus trains its own head and never brings test text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from extractors.ner.prepare import prepare
from kg.errors import BadInputError
from tests.extractors.test_mlm import TEST_SENTENCE, data_root


def _jnlpba_root(tmp_path: Path) -> Path:
    root = data_root(tmp_path / "data")
    train = root / "jnlpba" / "standoff" / "train"
    text = (train / "20000001.txt").read_text()
    (train / "20000001.ann").write_text(
        "T1\tprotein 0 10\tNF-kappa B\nT2\tcell_type 25 32\tT cells\nT3\tprotein 42 46\tIL-2\n"
    )
    assert text[0:10] == "NF-kappa B" and text[42:46] == "IL-2"
    # a training abstract that repeats a BC5CDR test sentence, and one that is a test abstract
    (train / "20000003.txt").write_text("STAT3 is phosphorylated. " + TEST_SENTENCE)
    (train / "20000003.ann").write_text("T1\tprotein 0 5\tSTAT3\n")
    (train / "20000004.txt").write_text("GATA-1 binds the globin promoter.")
    (train / "20000004.ann").write_text("T1\tprotein 0 6\tGATA-1\n")
    with open(root / "jnlpba" / "MUID-PMID-map.txt", "a") as fh:
        fh.write("20000003\t10007\n20000004\t90001\n")
    return root


def _records(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as fh:
        return [json.loads(line) for line in fh]


def test_an_auxiliary_corpus_gets_a_head_no_dev_split_and_no_test_text(tmp_path):
    out = tmp_path / "prepared"
    manifest = prepare(out, _jnlpba_root(tmp_path), corpora=["bc2gm", "jnlpba"])
    assert [h["name"] for h in manifest["heads"]] == ["bc2gm", "jnlpba"]
    assert manifest["heads"][1]["types"] == ["Gene"]
    assert sorted(manifest["files"]) == ["bc2gm.dev", "bc2gm.train", "jnlpba.train"]
    stats = manifest["files"]["jnlpba.train"]
    assert stats["dropped_test_documents"] == 1  # 20000004 is PubMed 90001, a BC5CDR test abstract
    assert stats["dropped_test_sentences"] == 1
    records = _records(out / "jnlpba.train.jsonl.gz")
    words = [w for r in records for w in r["words"]]
    assert "Cisplatin" not in words and "GATA-1" not in words and "STAT3" in words
    first = records[0]
    tagged = [(w, t) for w, t in zip(first["words"], first["tags"], strict=True) if t != "O"]
    # cell types are not genes: "T cells" stays outside
    assert [w for w, _ in tagged] == ["NF", "-", "kappa", "B", "IL", "-", "2"]
    assert [t for _, t in tagged][:2] == ["B-Gene", "I-Gene"]


def test_the_corpora_with_test_splits_are_prepared_as_given(tmp_path):
    # the test filter is for auxiliary text; the evaluated corpora keep their own splits
    manifest = prepare(tmp_path / "prepared", _jnlpba_root(tmp_path), corpora=["biored"])
    assert "dropped_test_documents" not in manifest["files"]["biored.train"]


def test_an_unknown_corpus_names_the_known_ones(tmp_path):
    with pytest.raises(BadInputError, match="jnlpba"):
        prepare(tmp_path / "prepared", tmp_path, corpora=["genia"])


def test_training_on_a_corpus_that_was_not_prepared_stops_with_its_name(tmp_path):
    from extractors.ner.train import load_data

    out = tmp_path / "prepared"
    prepare(out, _jnlpba_root(tmp_path), corpora=["bc2gm"])
    heads, data = load_data(out, ["bc2gm"])
    assert [h.name for h in heads] == ["bc2gm"] and data["bc2gm"]["train"]
    # an auxiliary run must not quietly train without its auxiliary corpus
    with pytest.raises(SystemExit, match=r"\['jnlpba'\] were not prepared"):
        load_data(out, ["bc2gm", "jnlpba"])
