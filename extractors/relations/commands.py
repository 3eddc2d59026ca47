"""CLI: ``medkg train re``, ``medkg eval relations``, ``medkg eval labels``,
``medkg eval label-refs``, ``medkg eval summaries``, ``medkg eval targets``.

Heavy imports live inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from extractors.training import default_base

DEFAULT_DATA = os.environ.get("MEDKG_DATA_DIR", "/work/shared/data")


def _model_dir(args: argparse.Namespace) -> Path:
    from extractors.relations.model import resolve_model_dir
    from kg.settings import Settings

    s = Settings.from_env()
    return resolve_model_dir(args.model or s.re_model or None, s.models_dir)


def _print(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=1, sort_keys=True, default=str))
        return
    for key, value in result.items():
        print(f"{key}: {json.dumps(value, default=str)}")


def cmd_train(args: argparse.Namespace) -> int:
    if args.prepare:
        from extractors.relations.prepare import prepare

        base = Path(args.base) if args.base else default_base()
        report = prepare(
            Path(args.data),
            Path(args.prepare),
            base / "tokenizer.json",
            tasks=[t for t in args.tasks.split(",") if t],
            max_tokens=args.max_tokens,
            limit=args.limit or None,
        )
        _print(report, args.json)
        return 0
    from extractors.relations import train

    if not args.out:
        print(
            "medkg train re: give --prepare OUT_DIR, or --data PREPARED_DIR --out MODEL_DIR",
            file=sys.stderr,
        )
        return 2
    argv = ["--data", args.data, "--base", str(args.base or default_base()), "--out", args.out]
    extra = list(args.train_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return train.main(argv + extra)


def cmd_eval_relations(args: argparse.Namespace) -> int:
    from extractors.relations.evaluate import eval_relations

    result = eval_relations(_model_dir(args), Path(args.corpus), args.task, args.entities)
    _print(result, args.json)
    return 0


def cmd_eval_labels(args: argparse.Namespace) -> int:
    from extractors.relations.evaluate import eval_labels

    corpus = Path(args.corpus)
    spl = Path(args.spl) if args.spl else corpus.parent / "spl_labels"
    result = eval_labels(corpus, spl, args.entities)
    _print(result, args.json)
    return 0


def cmd_eval_label_refs(args: argparse.Namespace) -> int:
    from extractors.relations.label_refs import eval_label_refs

    result = eval_label_refs(
        Path(args.spl),
        Path(args.data),
        args.half,
        Path(args.errors) if args.errors else None,
    )
    _print(result, args.json)
    return 0


def cmd_eval_summaries(args: argparse.Namespace) -> int:
    from extractors.relations.summaries import eval_summaries

    _print(eval_summaries(Path(args.corpus), args.limit or None), args.json)
    return 0


def cmd_eval_targets(args: argparse.Namespace) -> int:
    from extractors.relations.lit_targets import eval_targets

    _print(eval_targets([Path(c) for c in args.corpus], Path(args.data)), args.json)
    return 0


def register(sub, groups) -> None:  # noqa: ARG001 - top-level ``sub`` unused here
    p = groups["train"].add_parser(
        "re",
        help="prepare relation training data (--prepare) or train the relation model",
        description="--prepare OUT_DIR converts BioRED/CDR/ChemProt train+dev into JSONL; "
        "otherwise trains (same as python -m extractors.relations.train).",
    )
    p.add_argument("--prepare", metavar="OUT_DIR", help="write train/dev JSONL + labels.json here")
    p.add_argument(
        "--data", default=DEFAULT_DATA, help="corpora root (prepare) or prepared dir (train)"
    )
    p.add_argument("--base", help="base encoder directory (default: the packaged MiniLM)")
    p.add_argument("--out", help="model directory to write (training)")
    p.add_argument("--tasks", default="biored,cdr,chemprot")
    p.add_argument("--max-tokens", type=int, default=510)
    p.add_argument("--limit", type=int, default=0, help="examples per task and split (0: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("train_args", nargs=argparse.REMAINDER, help="further arguments for the trainer")
    p.set_defaults(func=cmd_train)

    e = groups["eval"].add_parser(
        "relations", help="relation extraction against BioRED / BC5CDR / ChemProt"
    )
    e.add_argument("--corpus", required=True, help="PubTator file (biored, cdr) or ChemProt JSONL")
    e.add_argument("--task", required=True, choices=["biored", "cdr", "chemprot"])
    e.add_argument("--entities", default="gold", choices=["gold", "predicted"])
    e.add_argument(
        "--model", help="relation model directory (default: MEDKG_RE_MODEL or models/re)"
    )
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_relations)

    lab = groups["eval"].add_parser("labels", help="label indications (TREATS) against LabeledIn")
    lab.add_argument("--corpus", required=True, help="the LabeledIn directory")
    lab.add_argument(
        "--spl", help="SPL XML directory to compare on (default: CORPUS/../spl_labels)"
    )
    lab.add_argument("--entities", default="predicted", choices=["gold", "predicted"])
    lab.add_argument("--json", action="store_true")
    lab.set_defaults(func=cmd_eval_labels)

    lr = groups["eval"].add_parser(
        "label-refs",
        help="label targets, adverse effects, indications and pharmacogenomic modifiers against "
        "Hetionet binding, SIDER, PharmacotherapyDB and PharmGKB",
    )
    lr.add_argument("--spl", required=True, help="directory of SPL XML labels")
    lr.add_argument(
        "--data",
        default=DEFAULT_DATA,
        help="corpora root with hetionet/, sider4/, drugbank/, pharmacotherapydb/, "
        "disease_ontology/, pharmgkb/",
    )
    lr.add_argument("--half", default="all", choices=["all", "dev", "other"])
    lr.add_argument("--errors", help="write each spurious statement here (JSON lines)")
    lr.add_argument("--json", action="store_true")
    lr.set_defaults(func=cmd_eval_label_refs)

    su = groups["eval"].add_parser(
        "summaries",
        help="the text pipeline against CIViC or PharmGKB curated fields",
    )
    su.add_argument(
        "--corpus",
        required=True,
        help="CIViC ClinicalEvidenceSummaries TSV, or PharmGKB guideline JSON (file or directory)",
    )
    su.add_argument("--limit", type=int, default=0, help="only the first N scored items")
    su.add_argument("--json", action="store_true")
    su.set_defaults(func=cmd_eval_summaries)

    tg = groups["eval"].add_parser(
        "targets",
        help="drug targets the pipeline reads from text, against Hetionet binding and DGIdb",
    )
    tg.add_argument(
        "--corpus", required=True, nargs="+", help="files or directories of any format ingest reads"
    )
    tg.add_argument("--data", default=DEFAULT_DATA, help="corpora root with hetionet/ and dgidb/")
    tg.add_argument("--json", action="store_true")
    tg.set_defaults(func=cmd_eval_targets)
