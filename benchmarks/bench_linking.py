"""Linking cost: KB load time, memory, mentions/s (gold spans of a PubTator corpus).

    .venv/bin/python benchmarks/bench_linking.py [--corpus FILE] [--kb DIR] [--repeat N] [--json]

Default corpus: the small BC5CDR fixture in tests/; pass the BC5CDR dev file for real
numbers. Reports each stage separately (abbreviation detection, dictionary + fuzzy
linking) so a slow one is visible, and peak RSS after loading.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors.abbreviations import AbbreviationFinder  # noqa: E402
from extractors.linking.evaluate import evaluate, read_corpus  # noqa: E402
from extractors.linking.linker import DictionaryLinker, LinkerConfig  # noqa: E402
from kg.model import EntityType  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "linking" / "bc5cdr_train_sample.PubTator"
_SENTENCE = re.compile(r"[.!?](?:\s+|$)")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(SAMPLE))
    ap.add_argument("--kb", default=str(ROOT / "models" / "kb"))
    ap.add_argument("--repeat", type=int, default=1, help="link the corpus this many times")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    out: dict[str, float | int | str] = {"corpus": args.corpus, "rss_start_mb": round(rss_mb(), 1)}
    docs = read_corpus(args.corpus)
    n_mentions = sum(len(d.mentions) for d in docs)
    n_sentences = sum(len(_SENTENCE.findall(d.text)) or 1 for d in docs)

    linker = DictionaryLinker(args.kb)
    t = time.perf_counter()
    linker.warm_up(())
    out["kb_load_s"] = round(time.perf_counter() - t, 2)
    out["rss_after_kb_mb"] = round(rss_mb(), 1)
    t = time.perf_counter()
    linker.warm_up([EntityType.DRUG, EntityType.DISEASE])
    out["fuzzy_index_build_s"] = round(time.perf_counter() - t, 2)
    out["rss_after_fuzzy_mb"] = round(rss_mb(), 1)

    finder = AbbreviationFinder()
    finder.find(docs[0])  # load spaCy outside the timing
    t = time.perf_counter()
    for d in docs:
        finder.find(d)
    abbrev_s = time.perf_counter() - t
    out["abbreviations_docs_per_s"] = round(len(docs) / abbrev_s, 1)

    for label, cfg in (
        ("full", LinkerConfig()),
        ("no_abbreviations", LinkerConfig(abbreviations=False)),
    ):
        run = DictionaryLinker(kb=linker.kb, config=cfg, abbreviations=finder)
        run._fuzzy = linker._fuzzy  # share the built indexes: time linking, not loading
        t = time.perf_counter()
        report = None
        for _ in range(args.repeat):
            report, _ = evaluate(docs, run)
        seconds = (time.perf_counter() - t) / args.repeat
        out[f"{label}_mentions_per_s"] = round(n_mentions / seconds, 1)
        out[f"{label}_sentences_per_s"] = round(n_sentences / seconds, 1)
        if report is not None:
            out[f"{label}_micro_f1"] = report.as_dict()["micro"]["f1"]  # type: ignore[index]
    out.update(documents=len(docs), mentions=n_mentions, sentences_approx=n_sentences)
    out["rss_peak_mb"] = round(rss_mb(), 1)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:32s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
