"""Name search on the embedded store: the trigram index against a scan of every name.

    .venv/bin/python benchmarks/bench_name_search.py [--entities 30000] [--repeat 20] [--json]

``drug(name: …)`` and friends search names by exact, prefix and substring match. A
substring that matches nothing (a misspelt or unknown drug) used to scan every name of
the graph; the index answers it from the postings of its trigrams. Entities are made-up
names from drug-like syllables (three names each), queries are unknown names, names
found only inside others, and common fragments. The baseline, a plain scan over the same
sorted names, runs in the same process. Prints medians in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.embedded import EmbeddedStore  # noqa: E402
from kg.model import Entity, EntityType, WriteBatch  # noqa: E402

SYLLABLES = ["ta", "ni", "mab", "zol", "pra", "vir", "cin", "lo", "ex", "ide", "ol", "ra", "fen"]
QUERIES = {"unknown": "zzqxw", "inside only": "olpravir", "common fragment": "mab"}


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1e3, 3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(7)

    def name(n: int) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(n))

    entities = tuple(
        Entity(f"MESH:C{i:07d}", EntityType.DRUG, name(4), synonyms=(name(3), name(5)))
        for i in range(args.entities)
    )
    report: dict[str, object] = {"entities": args.entities}
    with tempfile.TemporaryDirectory() as d:
        store = EmbeddedStore(d)
        store.apply(WriteBatch(entities=entities))
        t0 = time.perf_counter()
        store.find_entities("warm-up")  # builds the sorted names and the trigram index
        report["index_build_s"] = round(time.perf_counter() - t0, 3)
        names = store._g.names()
        report["names"] = len(names)
        for label, q in QUERIES.items():
            report[label] = {
                "query": q,
                "found": len(store.find_entities(q)),
                "indexed_ms": median_ms(lambda q=q: store.find_entities(q), args.repeat),
                "scan_ms": median_ms(
                    lambda q=q: [eid for n, eid in names if q in n], max(3, args.repeat // 4)
                ),
            }
        store.close()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for k, v in report.items():
            print(f"{k:20} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
