"""Ingestion throughput: the whole pipeline with 1 and 2 workers, and a no-op re-run.

    .venv/bin/python benchmarks/bench_ingest.py [--limit 2000] [--repeats 1] [--json]

Corpus: PubMed abstracts in PubTator form (BC5CDR train+dev+test, then NCBI-disease) from
``../shared/data`` when present, else the 200 abstracts in tests/fixtures repeated under
fresh ids. Each configuration runs `medkg ingest` as a fresh process into a fresh embedded
store (model loading included, as a user sees it); the no-op re-run is the same command
on the store the first run filled. Prints medians, documents/s, the 2-worker speed-up and
the no-op cost as a fraction of the first run (target ≤ 5%).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SOURCES = [
    SHARED / "bc5cdr" / "CDR_TrainingSet.PubTator.txt",
    SHARED / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt",
    SHARED / "bc5cdr" / "CDR_TestSet.PubTator.txt",
    SHARED / "ncbi_disease" / "NCBItrainset_corpus.txt",
]
FALLBACK = ROOT / "tests" / "fixtures" / "ingest" / "cdr_train_200.PubTator.txt"


def corpus(limit: int, dst: Path) -> int:
    blocks: list[str] = []
    seen: set[str] = set()
    for src in [s for s in SOURCES if s.exists()]:
        for block in src.read_text().strip().split("\n\n"):
            pmid = block.split("|", 1)[0]
            if pmid not in seen:
                seen.add(pmid)
                blocks.append(block)
    if not blocks:  # no shared data: re-key the fixture so every copy is a new document
        base = FALLBACK.read_text().strip().split("\n\n")
        for i in range(limit):
            b = base[i % len(base)]
            pmid = b.split("|", 1)[0]
            blocks.append(b.replace(pmid, str(90_000_000 + i)))
    blocks = blocks[:limit]
    dst.write_text("\n\n".join(blocks) + "\n")
    return len(blocks)


def run(path: Path, store: Path, workers: int) -> tuple[float, dict]:
    env = dict(os.environ, MEDKG_STORE=f"embedded:{store}", PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(path), "--json", "--workers", str(workers)],
        env=env, capture_output=True, text=True, check=True,
    )
    return time.perf_counter() - t0, json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="medkg-bench-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "abstracts.PubTator.txt"
        n = corpus(args.limit, data)
        figures: dict[str, list[float]] = {"workers_1": [], "workers_2": [], "noop": []}
        for r in range(args.repeats):
            for w in (1, 2):
                store = tmp_path / f"g{w}-{r}"
                seconds, report = run(data, store, w)
                assert report["documents"]["new"] == n, report["documents"]
                figures[f"workers_{w}"].append(seconds)
                if w == 1:
                    seconds, report = run(data, store, 1)
                    assert report["documents"]["unchanged"] == n and report["batches"] == 0
                    figures["noop"].append(seconds)
        med = {k: statistics.median(v) for k, v in figures.items()}
        result = {
            "documents": n,
            "seconds_median": {k: round(v, 2) for k, v in med.items()},
            "docs_per_second": {
                "workers_1": round(n / med["workers_1"], 2),
                "workers_2": round(n / med["workers_2"], 2),
            },
            "speedup_2_workers": round(med["workers_1"] / med["workers_2"], 2),
            "noop_fraction_of_first_run": round(med["noop"] / med["workers_1"], 4),
            "cpus": os.cpu_count(),
        }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
