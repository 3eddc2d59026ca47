"""scripts/gpu_train.sh end to end on CPU with tiny models: the glue a GPU session relies on.

A device session has one try at this script, so its plumbing (adaptation feeding the
fine-tuners, the bias hand-over, the packing) is checked here where retries are free.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from api.cli import main
from extractors.mlm.corpus import prepare as prepare_mlm
from extractors.ner.recognizer import NerRecognizer
from extractors.relations.prepare import prepare as prepare_re
from kg.model import Document
from tests.extractors.test_mlm import data_root as mlm_root
from tests.extractors.test_ner_prepare import _jnlpba_root as ner_root
from tests.extractors.test_relations_train import ASSETS as RE_ASSETS
from tests.extractors.test_relations_train import corpora_tree

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_train.sh"


@pytest.mark.slow
def test_gpu_script_adapts_trains_hands_over_biases_and_packs(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("onnx")
    base = tmp_path / "base"  # tiny runs take only the tokenizer from the base
    shutil.copytree(RE_ASSETS / "model", base)
    ner_data, re_data, mlm_data = tmp_path / "ner", tmp_path / "re", tmp_path / "mlm"
    ner_args = ["--data-root", str(ner_root(tmp_path / "n")), "--corpora", "bc5cdr,bc2gm,jnlpba"]
    assert main(["train", "ner", "--prepare", str(ner_data), *ner_args]) == 0
    capsys.readouterr()
    prepare_re(corpora_tree(tmp_path / "r"), re_data, base / "tokenizer.json")
    prepare_mlm(mlm_data, mlm_root(tmp_path / "m"))
    pack, work = tmp_path / "pack", tmp_path / "work"
    # a previous run's output on a warm machine (a tiny model writes no external data)
    stale = work / "ner_fit" / "model.onnx.data"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    pack.mkdir()
    (pack / "re.tar.09").write_bytes(b"stale")
    env = {
        **os.environ,
        "BASE": str(base),
        "NER_DATA": str(ner_data),
        "RE_DATA": str(re_data),
        "MLM_DATA": str(mlm_data),
        "WORK": str(work),
        "PACK": str(pack),
        "PY": sys.executable,
        "DEVICE": "cpu",
        "MLM_SECONDS": "0",
        "MLM_EXTRA": "--tiny --max-steps 2 --batch-size 1 --seq-len 16 --head-steps 1",
        "NER_EXTRA": "--tiny --max-steps 2 --dev-limit 5",
        "NER_CORPORA": "bc5cdr,bc2gm",
        "NER_AUX": "jnlpba",
        "RE_EXTRA": "--tiny 8 --max-steps 2 --train-limit 8 --dev-limit 8",
        "HF_HUB_OFFLINE": "1",
    }
    run = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for name in (
        "ner_base",
        "ner_adapt",
        "ner_fit",
        "ner_aux",
        "ner_aux_fit",
        "re_base",
        "re_adapt",
        "re_fit",
    ):
        assert f"{name} rc=0" in run.stdout
    adapt = json.loads((work / "adapted" / "adapt.json").read_text())
    assert adapt["steps"] == 2
    # the adapted encoder, not the packaged one, fed the adapted runs
    for name in ("ner_adapt", "ner_fit", "ner_aux", "ner_aux_fit"):
        args = json.loads((work / name / "metrics.json").read_text())["train"]["args"]
        assert args["base"] == str(work / "adapted")
    # the auxiliary head trains beside the others but serves no type; the other runs lack it
    schema = json.loads((work / "ner_aux_fit" / "labels.json").read_text())["schema"]
    assert [h["name"] for h in schema["heads"]] == ["bc5cdr", "bc2gm", "jnlpba"]
    assert schema["routing"]["Gene"] == ["bc2gm"]
    assert (
        "jnlpba"
        not in json.loads((work / "ner_aux" / "metrics.json").read_text())["dev_onnx_int8"][
            "scores"
        ]
    )
    schema = json.loads((work / "ner_fit" / "labels.json").read_text())["schema"]
    assert [h["name"] for h in schema["heads"]] == ["bc5cdr", "bc2gm"]
    re_args = json.loads((work / "re_adapt" / "metrics.json").read_text())["args"]
    assert re_args["base"] == str(work / "adapted") and re_args["context_pool"] == "True"
    tuned = json.loads((work / "re_adapt" / "labels.json").read_text())["none_bias"]
    assert tuned and json.loads((work / "re_fit" / "labels.json").read_text())["none_bias"] == tuned
    assert not stale.exists()  # it would have been packed beside this run's model.onnx
    parts = sorted(p.name for p in pack.iterdir())
    assert "logs.tgz" in parts and "ner.tar.00" in parts and "re.tar.00" in parts
    assert "ner_aux.tar.00" in parts
    assert "re.tar.09" not in parts
    with tarfile.open(pack / "logs.tgz") as tar:
        names = tar.getnames()
    assert "adapted/adapt.json" in names and "re_fit/labels.json" in names
    # the packed auxiliary candidate serves like any model: its extra head is read by nobody
    served = tmp_path / "served"
    served.mkdir()
    (served / "model.tar").write_bytes(
        b"".join(p.read_bytes() for p in sorted(pack.glob("ner_aux.tar.*")))
    )
    with tarfile.open(served / "model.tar") as tar:
        tar.extractall(served, filter="data")
    shutil.copy(base / "tokenizer.json", served / "tokenizer.json")
    recognizer = NerRecognizer(served, abbreviations=False)
    assert recognizer.schema.routing["Gene"] == ("bc2gm",)
    recognizer.recognize([Document(id="d1", source="text", text="TP53 binds MDM2 in cells.")])
