"""Relation extraction throughput: one shared encoder pass per window vs one pass per pair.

    .venv/bin/python benchmarks/bench_relations.py [--corpus BioRED.PubTator] [--docs 100]
        [--threads 2] [--model models/re] [--pipeline]

Why the shared pass: an abstract has tens of linked entities and hundreds of candidate
pairs. Classic entity-marker classification encodes the text once per pair (the pair's
two mentions marked); the shared pass marks every mention once and encodes each window
once, so its cost is that of the NER pass, whatever the number of pairs. This script
measures both on the same ONNX encoder and documents (gold entities), and, with
``--pipeline``, the whole pipeline (sentences, NER, linking, relations) from raw text.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/data/biored/Test.PubTator")
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", default=str(ROOT / "models" / "re"))
    ap.add_argument(
        "--per-pair-docs", type=int, default=20, help="documents for the slow per-pair variant"
    )
    ap.add_argument(
        "--pipeline", action="store_true", help="also time the whole pipeline from raw text"
    )
    args = ap.parse_args()

    from extractors.relations.evaluate import gold_linked
    from extractors.relations.extractor import TransformerRelationExtractor
    from extractors.relations.model import PairInput, RelationModel
    from extractors.relations.windows import Span, build_windows
    from extractors.sentences import RuleSentenceSplitter
    from kg.model import Document
    from loaders.pubtator import read_pubtator

    docs = [d for d in read_pubtator(args.corpus) if isinstance(d, Document)][: args.docs]
    splitter = RuleSentenceSplitter()
    items = [(d, splitter.split(d), gold_linked(d)) for d in docs]
    model = RelationModel(args.model, threads=args.threads)
    ex = TransformerRelationExtractor(model)
    ex.extract_many(items[:2])  # load and warm up

    result: dict[str, object] = {
        "documents": len(docs),
        "threads": args.threads,
        "model": model.version,
    }
    t = time.perf_counter()
    outputs = ex.extract_many(items)
    shared_s = time.perf_counter() - t
    preds = ex.classify_many(items)
    n_pairs = sum(len(p) for p in preds)
    result["shared_pass"] = {
        "seconds": round(shared_s, 3),
        "abstracts_per_s": round(len(docs) / shared_s, 2),
        "candidate_pairs": n_pairs,
        "pairs_per_s": round(n_pairs / shared_s, 1),
        "statements": sum(len(s) for s, _ in outputs),
        "evidence": sum(len(e) for _, e in outputs),
    }

    # per-pair entity markers: one encoder input per co-occurring pair, only its two ends marked
    sub = items[: args.per_pair_docs]
    inputs = []
    for doc, sents, lms in sub:
        for sent in sents:
            inside = [
                lm for lm in lms if sent.start <= lm.mention.start and lm.mention.end <= sent.end
            ]
            ents: dict[str, tuple] = {}
            for lm in inside:
                ents.setdefault(lm.entity.id, (lm.entity.type, lm.mention))
            keys = sorted(ents)
            for i in range(len(keys)):
                for j in range(i + 1, len(keys)):
                    (ta, ma), (tb, mb) = ents[keys[i]], ents[keys[j]]
                    if (ma.start, ma.end) == (mb.start, mb.end):
                        continue
                    spans = [Span(ma.start, ma.end, ta), Span(mb.start, mb.end, tb)]
                    windows = build_windows(
                        doc.text, [(sent.start, sent.end)], spans, model.count_tokens
                    )
                    inputs.append(PairInput(tuple(windows), ((ta, (0,)), (tb, (1,))), ((0, 1),)))
    t = time.perf_counter()
    model.predict(inputs)
    per_pair_s = time.perf_counter() - t
    result["per_pair_markers"] = {
        "documents": len(sub),
        "encoder_passes": len(inputs),
        "seconds": round(per_pair_s, 3),
        "abstracts_per_s": round(len(sub) / per_pair_s, 2) if per_pair_s else None,
        "note": "sentence-level pairs only (cross-sentence pairs would add more passes)",
    }

    if args.pipeline:
        from kg.settings import Settings

        bare = [Document(d.id, d.source, d.text, d.title, d.sections, d.metadata) for d in docs]
        settings = Settings.from_env()
        try:
            from extractors.pipeline import build
        except ImportError:
            build = None
        if build is not None:  # the lead's pipeline: sentences, NER, linking, relations, ...
            pipe = build(settings)
            pipe.process(bare[:2])
            t = time.perf_counter()
            extractions, failures = pipe.process(bare)
            whole_s = time.perf_counter() - t
            what = "extractors.pipeline"
        else:  # the same steps composed here: splitter, NerRecognizer, DictionaryLinker, RE
            from extractors.relations.evaluate import _compose_ner_linking

            _compose_ner_linking(docs[:2], bare[:2], settings)
            t = time.perf_counter()
            prepared = _compose_ner_linking(docs, bare, settings)
            ex.extract_many([(p.doc, p.sentences, p.mentions) for p in prepared])
            whole_s = time.perf_counter() - t
            what = "rule sentences + NerRecognizer + DictionaryLinker + relations"
        result["whole_pipeline"] = {
            "steps": what,
            "seconds": round(whole_s, 3),
            "abstracts_per_s": round(len(docs) / whole_s, 2),
        }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
