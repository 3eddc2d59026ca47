"""scripts/gpu_prepare.py: the fp16 base and the models/ hand-off around a device call."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_prepare.py"
_spec = importlib.util.spec_from_file_location("gpu_prepare", SCRIPT)
gpu_prepare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_prepare)


def test_the_base_travels_in_fp16_with_its_tokenizer(tmp_path):
    safetensors = pytest.importorskip("safetensors.numpy")
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    weights = {
        "w": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        "ids": np.arange(3, dtype=np.int64),
    }
    safetensors.save_file(weights, str(src / "model.safetensors"))
    (src / "config.json").write_text("{}")
    (src / "tokenizer.json").write_text("{}")
    gpu_prepare.write_fp16_base(src, dst)
    half = safetensors.load_file(str(dst / "model.safetensors"))
    assert half["w"].dtype == np.float16 and half["ids"].dtype == np.int64
    np.testing.assert_allclose(half["w"].astype(np.float32), weights["w"], atol=1e-3)
    assert (dst / "config.json").is_file() and (dst / "tokenizer.json").is_file()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def test_models_leave_the_index_for_a_call_and_come_back_unchanged(tmp_path):
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    (root / "models" / "model.onnx").write_bytes(b"weights")
    (root / "code.py").write_text("x = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    gpu_prepare.set_models_tracked(root, tracked=False)
    assert _git(root, "ls-files").split() == ["code.py"]
    # nothing of models/ travels: not tracked, and ignored rather than untracked
    assert _git(root, "status", "--porcelain").splitlines() == ["D  models/model.onnx"]
    assert (root / "models" / "model.onnx").read_bytes() == b"weights"
    gpu_prepare.set_models_tracked(root, tracked=True)
    assert _git(root, "ls-files").split() == ["code.py", "models/model.onnx"]
    assert _git(root, "status", "--porcelain") == ""
    assert "/models/" not in (root / ".git" / "info" / "exclude").read_text()
