#!/usr/bin/env python3
"""Statement writes to Neo4j: batched UNWIND (Neo4jStore.apply) vs one transaction per statement.

    .venv/bin/python benchmarks/bench_neo4j_writes.py [--statements 10000] [--repeats 5] [--warmup 6]
        [--batch 2000] [--uri bolt://127.0.0.1:7687 --password PW]

Without --uri it starts a throw-away Neo4j through scripts/neo4j.py and stops it at the end.
Both writers get the same synthetic statements (TARGETS and TREATS, one evidence each) on
the same server in the same run; entities are written first and not timed. The naive writer
runs the store's own write Cypher (evidence node, then the relationship with its support)
with a one-row ``$rows`` in its own transaction, skipping the store's lock and reads: the
ratio is therefore conservative. After untimed warm-up rounds (plan cache, JIT) it prints
medians over the repetitions. Six warm-up rounds, because the batched path kept getting faster
until about the sixth (10,000 statements: 2.27, 1.30, 1.24, 1.04, 0.85, 0.81, 0.80 s, then flat).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg import cypher  # noqa: E402
from kg.confidence import combine  # noqa: E402
from kg.model import (  # noqa: E402
    Entity,
    EntityType,
    Evidence,
    Predicate,
    SourceKind,
    Statement,
    TargetAction,
    WriteBatch,
)
from kg.neo4j_store import Neo4jStore, evidence_row  # noqa: E402

PASSWORD = "medkg-bench-password"


def synthetic(n: int, seed: int = 1) -> tuple[list[Entity], list[Statement], list[Evidence]]:
    rng = random.Random(seed)
    drugs = [Entity(f"MESH:D{i:06d}", EntityType.DRUG, f"drug {i}") for i in range(400)]
    genes = [Entity(f"NCBIGene:{i}", EntityType.GENE, f"GENE{i}") for i in range(1, 801)]
    diseases = [Entity(f"MESH:C{i:06d}", EntityType.DISEASE, f"disease {i}") for i in range(400)]
    actions = [a.value for a in TargetAction]
    statements: dict[str, Statement] = {}
    while len(statements) < n:
        d = rng.choice(drugs)
        if rng.random() < 0.6:
            st = Statement.make(
                d.id, Predicate.TARGETS, rng.choice(genes).id, action=rng.choice(actions)
            )
        else:
            st = Statement.make(d.id, Predicate.TREATS, rng.choice(diseases).id)
        statements[st.key] = st
    evidence = []
    for i, st in enumerate(statements.values()):
        sentence = f"synthetic sentence {i} supporting {st.predicate.value.lower()}"
        evidence.append(
            Evidence(
                statement_key=st.key,
                document_id=f"PMID:{100000 + i // 4}",
                sentence=sentence,
                sentence_start=0,
                sentence_end=len(sentence),
                subject_start=0,
                subject_end=4,
                object_start=10,
                object_end=14,
                score=round(rng.uniform(0.5, 1.0), 3),
                extractor="bench-re",
                extractor_version="1",
                section="abstract",
                source_kind=SourceKind.LITERATURE,
            )
        )
    return drugs + genes + diseases, list(statements.values()), evidence


def write_batched(store: Neo4jStore, sts: list[Statement], evs: list[Evidence], batch: int) -> None:
    for i in range(0, len(sts), batch):
        store.apply(
            WriteBatch(statements=tuple(sts[i : i + batch]), evidence=tuple(evs[i : i + batch]))
        )


def write_naive(store: Neo4jStore, sts: list[Statement], evs: list[Evidence]) -> None:
    """One transaction per statement, running the same Cypher with a single row."""

    def one(tx, st: Statement, ev: Evidence) -> None:
        tx.run(cypher.CREATE_EVIDENCE, rows=[evidence_row(ev, st.predicate)]).consume()
        row = {
            "subject": st.subject,
            "object": st.object,
            "key": st.key,
            **dict(st.qualifiers),
            "confidence": combine([ev]),
            "evidence_count": 1,
            "document_count": 1,
        }
        tx.run(cypher.CREATE_STATEMENTS[st.predicate], rows=[row]).consume()

    with store._driver.session(database=store.database) as session:
        for st, ev in zip(sts, evs, strict=True):
            session.execute_write(one, st, ev)


def reset(store: Neo4jStore, entities: list[Entity]) -> None:
    store.clear()
    store.apply(WriteBatch(entities=tuple(entities)))


def check(store: Neo4jStore, n: int) -> None:
    c = store.counts()
    if sum(c.edges.values()) != n or c.evidence != n:
        raise SystemExit(
            f"wrote {dict(c.edges)} statements and {c.evidence} evidence, expected {n}"
        )


def start_server() -> tuple[str, Path, float]:
    data = Path(tempfile.mkdtemp(prefix="medkg-bench-neo4j-"))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "neo4j.py"),
            "start",
            "--data",
            str(data),
            "--port",
            str(port),
            "--password",
            PASSWORD,
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"could not start Neo4j:\n{proc.stderr}")
    return proc.stdout.strip().splitlines()[-1], data, time.monotonic() - t0


def stop_server(data: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "neo4j.py"), "stop", "--data", str(data)],
        capture_output=True,
    )
    shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--statements", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--batch", type=int, default=2000, help="statements per WriteBatch (apply call)")
    p.add_argument("--unwind", type=int, default=2000, help="rows per UNWIND (store batch_size)")
    p.add_argument("--warmup", type=int, default=6, help="untimed rounds first")
    p.add_argument("--uri", help="an existing server (default: start one)")
    p.add_argument("--password", default=PASSWORD)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()

    data = None
    startup = None
    uri = args.uri
    if uri is None:
        uri, data, startup = start_server()
        print(f"neo4j: started at {uri} in {startup:.1f}s")
    store = Neo4jStore(uri, password=args.password, batch_size=args.unwind)
    try:
        entities, sts, evs = synthetic(args.statements)
        # Untimed warm-up: Cypher plans get cached and the JVM's JIT compiles the hot paths.
        for _ in range(args.warmup):
            reset(store, entities)
            write_batched(store, sts, evs, args.batch)
            reset(store, entities)
            write_naive(store, sts[:500], evs[:500])
        timings: dict[str, list[float]] = {"batched": [], "naive": []}
        for rep in range(args.repeats):
            for mode in ("batched", "naive"):
                reset(store, entities)
                t0 = time.perf_counter()
                if mode == "batched":
                    write_batched(store, sts, evs, args.batch)
                else:
                    write_naive(store, sts, evs)
                elapsed = time.perf_counter() - t0
                check(store, args.statements)
                timings[mode].append(elapsed)
                print(
                    f"rep {rep + 1} {mode:8s} {elapsed:7.2f}s  {args.statements / elapsed:9.0f} statements/s"
                )
        med = {m: statistics.median(t) for m, t in timings.items()}
        rate = {m: args.statements / t for m, t in med.items()}
        ratio = rate["batched"] / rate["naive"]
        print(
            f"\n{args.statements} statements (+1 evidence each), medians of {args.repeats}:\n"
            f"  batched UNWIND (apply of {args.batch}, UNWIND {args.unwind}): {rate['batched']:9.0f} statements/s\n"
            f"  one transaction per statement:            {rate['naive']:9.0f} statements/s\n"
            f"  ratio: {ratio:.1f}x   (targets: >= 20x and >= 10,000 statements/s)"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "statements": args.statements,
                        "repeats": args.repeats,
                        "batch": args.batch,
                        "unwind": args.unwind,
                        "seconds": timings,
                        "statements_per_s": rate,
                        "ratio": ratio,
                        "neo4j_startup_s": startup,
                    },
                    indent=2,
                )
            )
    finally:
        store.close()
        if data is not None:
            stop_server(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
