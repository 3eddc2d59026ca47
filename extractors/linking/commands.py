"""CLI: ``medkg kb build``, ``medkg kb lookup``, ``medkg eval linking`` (registered by api.cli)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction, groups: dict) -> None:
    kb = groups["kb"]
    p = kb.add_parser("build", help="build the linking KB from the vocabularies")
    p.add_argument("--data", required=True, help="the shared data directory (mesh/, genes/, ...)")
    p.add_argument("--out", required=True, help="output directory, e.g. models/kb")
    p.add_argument(
        "--corpus-splits",
        default="train,dev",
        help="corpus splits whose mention strings become synonyms ('' for none; never test)",
    )
    p.add_argument(
        "--with",
        dest="extra",
        action="append",
        default=[],
        choices=["pharmgkb"],
        help="optional source (pharmgkb: MeSH ids for more drugs; makes the KB CC BY-SA)",
    )
    p.add_argument("--json", action="store_true", help="print kb.json")
    p.set_defaults(func=cmd_kb_build)

    p = kb.add_parser("lookup", help="resolve free text to KB entities")
    p.add_argument("text", nargs="+")
    p.add_argument(
        "--type", dest="types", action="append", default=[], help="Drug, Disease or Gene"
    )
    p.add_argument("--kb", default=None, help="KB directory (default: MEDKG_KB or models/kb)")
    p.add_argument("-k", type=int, default=5)
    p.set_defaults(func=cmd_kb_lookup)

    p = groups["eval"].add_parser("linking", help="document-level concept P/R/F1 (BC5CDR DNER)")
    p.add_argument("--corpus", required=True, help="a PubTator file with gold ids")
    p.add_argument(
        "--mentions", choices=["gold", "ner"], default="ner", help="link gold spans or NER output"
    )
    p.add_argument("--kb", default=None, help="KB directory (default: MEDKG_KB or models/kb)")
    p.add_argument("--ner-model", default=None, help="NER model directory (default: settings)")
    p.add_argument(
        "--errors", default=None, help="write per-document misses/spurious concepts here (JSON)"
    )
    p.add_argument(
        "--no-abbreviations", action="store_true", help="ablation: skip abbreviation expansion"
    )
    p.add_argument("--no-fuzzy", action="store_true", help="ablation: dictionary only")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_linking)


def cmd_kb_build(args: argparse.Namespace) -> int:
    from extractors.linking.build import build_kb
    from extractors.linking.kb import write_kb

    started = time.perf_counter()
    splits = [s.strip() for s in args.corpus_splits.split(",") if s.strip()]
    data = build_kb(Path(args.data), splits, args.extra)
    meta = write_kb(data, Path(args.out))
    meta["build_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(meta, indent=2, sort_keys=True))
    else:
        counts = meta["counts"]
        print(
            f"kb written to {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    return 0


def _linker(args: argparse.Namespace):
    from extractors.linking.linker import DictionaryLinker, LinkerConfig

    cfg = LinkerConfig(
        abbreviations=not getattr(args, "no_abbreviations", False),
        fuzzy=not getattr(args, "no_fuzzy", False),
    )
    return DictionaryLinker(args.kb, config=cfg)


def cmd_kb_lookup(args: argparse.Namespace) -> int:
    from kg.errors import BadInputError
    from kg.model import EntityType

    try:
        types = [EntityType(t) for t in args.types] or None
    except ValueError as exc:
        raise BadInputError(f"--type: {exc}") from exc
    linker = _linker(args)
    for entity, score in linker.lookup(" ".join(args.text), types, k=args.k):
        xrefs = ",".join(entity.xrefs[:4])
        print(f"{score:.3f}\t{entity.id}\t{entity.type.value}\t{entity.name}\t{xrefs}")
    return 0


def load_recognizer(model: str | None):
    """The NER side's recogniser: ``extractors.ner.recognizer`` offers ``load_recognizer``
    (or a ``*Recognizer`` class that takes the model path)."""
    from kg.errors import ModelNotFoundError

    try:
        module = importlib.import_module("extractors.ner.recognizer")
    except ModuleNotFoundError as exc:
        raise ModelNotFoundError(
            "no NER recogniser installed (extractors.ner.recognizer); use --mentions gold"
        ) from exc
    factory = getattr(module, "load_recognizer", None)
    if callable(factory):
        return factory(model) if model else factory()
    for name in dir(module):
        cls = getattr(module, name)
        if isinstance(cls, type) and name.endswith("Recognizer") and hasattr(cls, "recognize"):
            return cls(model) if model else cls()
    raise ModelNotFoundError(
        "extractors.ner.recognizer has no load_recognizer() or *Recognizer class"
    )


def cmd_eval_linking(args: argparse.Namespace) -> int:
    from extractors.linking.evaluate import evaluate, read_corpus

    docs = read_corpus(args.corpus)
    recognizer = load_recognizer(args.ner_model) if args.mentions == "ner" else None
    linker = _linker(args)
    report, _ = evaluate(docs, linker, recognizer=recognizer, keep_errors=bool(args.errors))
    result = report.as_dict()
    result["mentions_from"] = args.mentions
    result["kb"] = {k: linker.kb.meta.get(k) for k in ("counts", "corpus_splits", "extra_sources")}
    if args.errors:
        Path(args.errors).write_text(json.dumps(report.errors, indent=1))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for t, s in result["per_type"].items():
        print(f"{t:10s} P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}")
    m = result["micro"]
    print(f"{'micro':10s} P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}")
    print(
        f"{result['documents']} documents, {result['mentions']} mentions, {result['seconds']} s",
        file=sys.stderr,
    )
    return 0
