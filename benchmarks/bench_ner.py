"""NER speed: the production path against a plain transformers pipeline, same weights.

    python benchmarks/bench_ner.py [--corpus BC5CDR_TEST.PubTator] [--model models/ner]
        [--threads 2] [--baseline-sentences 400] [--routing Gene=bc2gm] [--json]

Production: ``NerRecognizer`` (rule sentence splitter, words, length-bucketed batches
across documents, ONNX Runtime, int8) over every abstract of the corpus.
Baseline: ``transformers.pipeline("token-classification")`` on a torch
``BertForTokenClassification`` holding the same weights (read back out of the shipped
ONNX file, int8 weights dequantised), called once per sentence, on the first
``--baseline-sentences`` sentences (it is slow; its rate does not depend on how many).
A stacked model (``extractors.ner.stack``: the tagger and a gene specialist in one graph)
is one such pipeline per encoder, each called on every sentence; with ``--routing`` that
reads the heads of some of its encoders only, both paths run just those.
Each path runs in its own process so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = "/work/shared/data/bc5cdr/CDR_TestSet.PubTator.txt"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rates(n: int, wall: float, cpu: float, threads: int) -> dict:
    """Wall-clock rate, plus the rate the CPU time spent implies on ``threads`` idle cores
    (on a shared machine the wall clock mostly measures the neighbours)."""
    return {
        "seconds": round(wall, 2),
        "sentences_per_second": round(n / wall, 1),
        "cpu_seconds": round(cpu, 2),
        "sentences_per_second_cpu_time": round(n * threads / cpu, 1) if cpu else None,
    }


def run_production(args) -> dict:
    from extractors.ner.corpora import read_corpus
    from extractors.ner.recognizer import NerRecognizer, parse_routing

    docs = read_corpus(args.corpus)
    recognizer = NerRecognizer(args.model, threads=args.threads, routing=parse_routing(args.routing) or None).load()
    n_sent = sum(len(recognizer.splitter.split(d)) for d in docs)
    recognizer.recognize(docs[:5])  # warm-up
    t0, c0 = time.perf_counter(), _cpu()
    mentions = recognizer.recognize(docs)
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    return {
        "path": "production (rule splitter + ONNX Runtime int8, batched, length-bucketed)",
        "model": recognizer.tag,
        "encoders": len(recognizer.tagger.parts or recognizer.tagger.info.parts or [0]),
        "documents": len(docs),
        "sentences": n_sent,
        "mentions": sum(len(m) for m in mentions),
        **_rates(n_sent, elapsed, cpu, args.threads),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


def run_pipeline(args) -> dict:
    import json as _json

    import numpy as np
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast, pipeline

    from extractors.ner.corpora import read_corpus
    from extractors.ner.features import Schema
    from extractors.ner.onnx_build import read_state
    from extractors.ner.recognizer import parse_routing
    from extractors.ner.runtime import parts_to_run, read_model_info, stack_parts
    from extractors.sentences import RuleSentenceSplitter

    torch.set_num_threads(args.threads)
    model_dir = Path(args.model)
    meta = _json.loads((model_dir / "labels.json").read_text())
    schema = Schema.from_json(meta["schema"])
    tokenizer = BertTokenizerFast.from_pretrained(model_dir)
    parts = stack_parts(meta)
    routing = {**schema.routing, **parse_routing(args.routing)}
    chosen = parts_to_run(read_model_info(model_dir), {h for names in routing.values() for h in names})
    pipes = []
    for graph_prefix, head_names in [parts[i] for i in chosen] if chosen else parts:  # a pipeline per encoder run
        config = BertConfig.from_pretrained(model_dir)
        labels = []
        for h in map(schema.head, head_names):
            labels += [lab if lab == "O" else f"{lab[:2]}{h.name}_{lab[2:]}" for lab in h.labels]
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {lab: i for i, lab in enumerate(labels)}
        model = BertForTokenClassification(config)
        weights = read_state(model_dir / "model.onnx", graph_prefix)
        state = {("bert." + k if not k.startswith("classifier") else k): torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and all("position_ids" in m or "pooler" in m for m in missing), (missing, unexpected)
        model.eval()
        pipes.append(pipeline("token-classification", model=model, tokenizer=tokenizer, aggregation_strategy="simple", device=-1))
    splitter = RuleSentenceSplitter()
    sentences = [s.text for d in read_corpus(args.corpus) for s in splitter.split(d)][: args.baseline_sentences]
    for ner in pipes:
        ner(sentences[0])  # warm-up
    t0, c0 = time.perf_counter(), _cpu()
    found = 0
    with torch.inference_mode():
        for s in sentences:
            for ner in pipes:
                found += len(ner(s))
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    return {
        "path": "transformers pipeline per sentence (torch fp32, same weights dequantised)",
        "encoders": len(pipes),
        "sentences": len(sentences),
        "mentions": found,
        **_rates(len(sentences), elapsed, cpu, args.threads),
        "peak_rss_mb": round(_peak_mb(), 1),
        "torch": torch.__version__,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--model", default=str(ROOT / "models" / "ner"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--baseline-sentences", type=int, default=400)
    p.add_argument("--routing", default="", help="TYPE=HEAD[+HEAD...],... over the model's own routing")
    p.add_argument("--only", choices=["production", "pipeline"], help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.only:
        result = run_production(args) if args.only == "production" else run_pipeline(args)
        print(json.dumps(result))
        return 0
    results: dict = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    for which in ("production", "pipeline"):
        cmd = [sys.executable, __file__, "--only", which, "--corpus", args.corpus, "--model", args.model,
               "--threads", str(args.threads), "--baseline-sentences", str(args.baseline_sentences),
               "--routing", args.routing]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        results[which] = json.loads(out.stdout.strip().splitlines()[-1])
    prod, base = results["production"], results["pipeline"]
    results["speedup"] = round(prod["sentences_per_second"] / base["sentences_per_second"], 2)
    results["speedup_cpu_time"] = round(prod["sentences_per_second_cpu_time"] / base["sentences_per_second_cpu_time"], 2)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["threads"] = args.threads
    results["routing"] = args.routing or "the model's own"
    results["cpu_count"] = os.cpu_count()
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for which in ("production", "pipeline"):
            r = results[which]
            print(
                f"{which:<11} {r['sentences_per_second']:>8} sentences/s wall, {r['sentences_per_second_cpu_time']:>8} by CPU time "
                f"({r['sentences']} sentences, {r['seconds']} s)  peak RSS {r['peak_rss_mb']} MB"
            )
        print(f"speed-up    {results['speedup']}x wall, {results['speedup_cpu_time']}x CPU time ({args.threads} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
