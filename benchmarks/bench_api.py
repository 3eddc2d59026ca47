"""GraphQL API load benchmark: a server process on loopback, load from this process.

    python benchmarks/bench_api.py                       # embedded store, 60 s
    python benchmarks/bench_api.py --duration 20 --check # shorter; exit 1 if a target is missed
    python benchmarks/bench_api.py --store neo4j://127.0.0.1:7687   # MEDKG_NEO4J_* for credentials

1. Builds a synthetic graph of >= 50,000 statements (1-3 evidence each, skewed degrees,
   deterministic) unless the store already holds one (``--reset`` rebuilds).
2. Starts ``medkg``'s ASGI app in a second process (uvicorn, 127.0.0.1, a free port), with one
   extra route for the comparison: ``POST /direct/drug-targets`` calls the store directly for
   the same data as the GraphQL ``drug { targets }`` query and returns the same JSON.
3. Drives it with ``--clients`` concurrent keep-alive connections (default 32), each in a
   closed loop (or paced, ``--rate`` requests/s in total, latency then counted from the
   scheduled send time), for a bounded time:
     phase 1 (half of --duration): drug { targets } through GraphQL and the direct route,
             picked at random per request, so both see the same load ("same run");
     phase 2 (the other half): personalizedTreatment.
4. Prints median/p99 per kind, the GraphQL/direct ratio over HTTP and in-process, errors,
   and each target: targets p99 <= 30 ms (60 ms on Neo4j), personalizedTreatment p99 <= 250 ms,
   GraphQL <= 1.5x direct, zero errors.

Only loopback traffic; every loop is bounded by the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.model import (  # noqa: E402
    Entity,
    EntityType,
    Evidence,
    Predicate,
    SourceKind,
    Statement,
    WriteBatch,
)

TARGETS_QUERY = """query($id: ID!) { drug(id: $id) { name targets(first: 10) { totalCount edges {
  action confidence evidenceCount node { id name } evidence(first: 2) { document sentence score } } } } }"""

TREATMENT_QUERY = """query($p: PatientInput!) { personalizedTreatment(patient: $p, first: 10) {
  totalCandidates unresolved
  candidates { rank score drug { id name }
    reasons { kind message confidence }
    warnings { kind message confidence evidence(first: 1) { document } } } } }"""

# -- the synthetic graph -------------------------------------------------------------------

SIZES = {"drugs": 3000, "genes": 4000, "diseases": 2000, "variants": 1500}
MIX = [  # predicate, subject kind, object kind, share of statements
    (Predicate.TARGETS, "drugs", "genes", 0.35),
    (Predicate.TREATS, "drugs", "diseases", 0.25),
    (Predicate.CAUSES, "drugs", "diseases", 0.14),
    (Predicate.INTERACTS_WITH, "drugs", "drugs", 0.10),
    (Predicate.ASSOCIATED_WITH, "genes", "diseases", 0.08),
    (Predicate.AFFECTS_RESPONSE, "variants", "drugs", 0.06),
    (Predicate.CONTRAINDICATED_IN, "drugs", "diseases", 0.02),
]
CHANGES = ["L858R", "V600E", "T790M", "G12C", "R175H", "E545K", "H1047R", "G719S"]


def synthetic_entities() -> dict[str, list[Entity]]:
    drugs = [
        Entity(f"BENCH:DRUG{i:05d}", EntityType.DRUG, f"benchdrug{i:05d}", (f"Brand{i:05d}",))
        for i in range(SIZES["drugs"])
    ]
    genes = [
        Entity(f"BENCH:GENE{i:05d}", EntityType.GENE, f"BG{i:05d}", ())
        for i in range(SIZES["genes"])
    ]
    diseases = [
        Entity(f"BENCH:DIS{i:05d}", EntityType.DISEASE, f"bench disease {i:05d}", ())
        for i in range(SIZES["diseases"])
    ]
    variants = []
    for i in range(SIZES["variants"]):
        gene = genes[i % len(genes)]
        change = CHANGES[i % len(CHANGES)]
        variants.append(
            Entity(
                f"VAR:{gene.name}:p.{change}",
                EntityType.VARIANT,
                f"{gene.name} p.{change}",
                (f"{gene.name} {change}",),
                (gene.id,),
            )
        )
    return {"drugs": drugs, "genes": genes, "diseases": diseases, "variants": variants}


def bench_ancestors(entity_id: str) -> list[str]:
    """A synthetic disease tree (parent of disease i is i // 4): every diagnosis has broader
    diseases, so a treatment plan also looks up the contraindications in them."""
    if not entity_id.startswith("BENCH:DIS"):
        return []
    i, out = int(entity_id.removeprefix("BENCH:DIS")), []
    while i > 0:
        i //= 4
        out.append(f"BENCH:DIS{i:05d}")
    return out


def _skewed(rng: random.Random, n: int) -> int:
    """Index with a heavy head: a few hubs, a long tail (like real drug-target graphs)."""
    return min(n - 1, int(n * rng.random() ** 2.2))


def synthetic_batches(n_statements: int, seed: int = 7, batch_size: int = 5000):
    rng = random.Random(seed)
    ents = synthetic_entities()
    all_entities = tuple(e for group in ents.values() for e in group)
    seen: set[str] = set()
    statements: list[Statement] = []
    evidence: list[Evidence] = []
    first = True
    doc = 0
    while len(seen) < n_statements:
        r, acc, entry = rng.random(), 0.0, MIX[-1]
        for entry in MIX:
            acc += entry[3]
            if r <= acc:
                break
        pred, skind, okind, _ = entry
        subj = ents[skind][_skewed(rng, len(ents[skind]))]
        obj = ents[okind][rng.randrange(len(ents[okind]))]
        if subj.id == obj.id:
            continue
        q: dict[str, str] = {}
        if pred is Predicate.TARGETS:
            q["action"] = rng.choice(["inhibitor", "inhibitor", "agonist", "antagonist", "binder"])
        elif pred is Predicate.AFFECTS_RESPONSE:
            q["direction"] = rng.choice(
                ["sensitivity", "sensitivity", "resistance", "toxicity", "metabolism"]
            )
        st = Statement.make(subj.id, pred, obj.id, **q)
        if st.key in seen:
            continue
        seen.add(st.key)
        statements.append(st)
        for _ in range(rng.randint(1, 3)):
            doc += 1
            sentence = f"{subj.name} {pred.value.lower()} {obj.name} in a synthetic study {doc}."
            evidence.append(
                Evidence(
                    st.key,
                    f"PMID:{40_000_000 + doc}",
                    sentence,
                    0,
                    len(sentence),
                    0,
                    5,
                    10,
                    15,
                    round(rng.uniform(0.5, 0.99), 3),
                    "bench-re",
                    "1",
                    "abstract",
                    SourceKind.LITERATURE,
                )
            )
        if len(statements) >= batch_size:
            yield WriteBatch(
                entities=all_entities if first else (),
                statements=tuple(statements),
                evidence=tuple(evidence),
            )
            first, statements, evidence = False, [], []
    if statements or first:
        yield WriteBatch(
            entities=all_entities if first else (),
            statements=tuple(statements),
            evidence=tuple(evidence),
        )


def populate(store: Any, n_statements: int) -> float:
    t0 = time.perf_counter()
    for batch in synthetic_batches(n_statements):
        store.apply(batch)
    return time.perf_counter() - t0


# -- the server process --------------------------------------------------------------------


def serve(args: argparse.Namespace) -> int:
    import anyio.to_thread
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from api.app import create_app
    from kg.settings import Settings
    from kg.stores import open_store

    settings = Settings.from_env().with_(store=args.store)
    store = open_store(settings)

    def direct_targets(drug_id: str) -> dict[str, Any]:
        """The same store calls and JSON as TARGETS_QUERY, without GraphQL."""
        spec = {
            "predicates": [Predicate.TARGETS],
            "direction": "out",
            "other_types": [EntityType.GENE],
        }
        drug = store.get_entities([drug_id]).get(drug_id)
        if drug is None:
            return {"data": {"drug": None}}
        edges = store.neighbours([drug_id], limit=11, offset=0, **spec)[drug_id][:10]
        total = store.count_neighbours([drug_id], **spec)[drug_id]
        ev = store.evidence([e.statement.key for e in edges], limit=2)
        return {
            "data": {
                "drug": {
                    "name": drug.name,
                    "targets": {
                        "totalCount": total,
                        "edges": [
                            {
                                "action": e.statement.qualifier("action"),
                                "confidence": e.confidence,
                                "evidenceCount": e.evidence_count,
                                "node": {"id": e.other.id, "name": e.other.name},
                                "evidence": [
                                    {
                                        "document": x.document_id,
                                        "sentence": x.sentence,
                                        "score": x.score,
                                    }
                                    for x in ev[e.statement.key]
                                ],
                            }
                            for e in edges
                        ],
                    },
                }
            }
        }

    async def direct(request: Request) -> JSONResponse:
        body = await request.json()
        # Same thread limiter as /graphql, so both wait in the same queue.
        data = await anyio.to_thread.run_sync(
            direct_targets, body["variables"]["id"], limiter=request.app.state.limiter
        )
        return JSONResponse(data)

    app = create_app(
        settings,
        store=store,
        ancestors=bench_ancestors,
        extra_routes=[Route("/direct/drug-targets", direct, methods=["POST"])],
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


# -- the load generator --------------------------------------------------------------------


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes
) -> tuple[int, bytes]:
    writer.write(
        b"POST "
        + path.encode()
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def drive(port: int, make, clients: int, seconds: float, rate: float) -> dict[str, Any]:
    """Run ``clients`` connections until the deadline; make(rng) -> (kind, path, body bytes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    samples: list[str] = []
    interval = clients / rate if rate > 0 else 0.0

    async def client(i: int) -> None:
        rng = random.Random(1000 + i)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        next_at = loop.time() + (rng.random() * interval if interval else 0.0)
        try:
            while True:
                if interval:
                    delay = next_at - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    start = next_at
                    next_at += interval
                else:
                    start = loop.time()
                if start >= deadline:
                    return
                kind, path, body = make(rng)
                try:
                    status, payload = await _request(reader, writer, path, body)
                    ok = status == 200 and b'"errors"' not in payload
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    ok, payload = False, str(exc).encode()
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                lat.setdefault(kind, []).append(loop.time() - start)
                if not ok:
                    errors[kind] = errors.get(kind, 0) + 1
                    if len(samples) < 3:
                        samples.append(payload[:300].decode("utf-8", "replace"))
        finally:
            writer.close()

    t0 = loop.time()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return {"latencies": lat, "errors": errors, "samples": samples, "seconds": loop.time() - t0}


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit("server did not become healthy")


def in_process_ratio(store: Any, ids: list[str], n: int = 400) -> tuple[float, float]:
    """Median seconds per request: GraphQL execution vs the direct store calls, no HTTP."""
    from api.execution import QueryService
    from kg.settings import Settings

    service = QueryService(Settings(), lambda: store)
    spec = {"predicates": [Predicate.TARGETS], "direction": "out", "other_types": [EntityType.GENE]}

    def direct(i: str) -> None:
        store.get_entities([i])
        edges = store.neighbours([i], limit=11, offset=0, **spec)[i][:10]
        store.count_neighbours([i], **spec)
        ev = store.evidence([e.statement.key for e in edges], limit=2)
        json.dumps(
            [[e.other.name, e.confidence, [x.sentence for x in ev[e.statement.key]]] for e in edges]
        )

    def gql(i: str) -> None:
        json.dumps(service.execute(TARGETS_QUERY, {"id": i}).body)

    times: dict[str, list[float]] = {"graphql": [], "direct": []}
    for k in range(n):
        for name, fn in (("graphql", gql), ("direct", direct)):
            t = time.perf_counter()
            fn(ids[k % len(ids)])
            times[name].append(time.perf_counter() - t)
    return statistics.median(times["graphql"]), statistics.median(times["direct"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="store URI (default: a new embedded store in a temp dir)")
    ap.add_argument("--statements", type=int, default=50_000)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load in total")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--rate", type=float, default=0.0, help="total requests/s (0: closed loop)")
    ap.add_argument("--reset", action="store_true", help="clear the store and rebuild the graph")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        return serve(args)

    from kg.settings import Settings
    from kg.stores import open_store

    tmp = None
    if not args.store:
        tmp = tempfile.TemporaryDirectory(prefix="medkg-bench-")
        args.store = f"embedded:{tmp.name}/graph"
    settings = Settings.from_env().with_(store=args.store)
    kind = settings.store_kind
    store = open_store(settings)
    if args.reset:
        store.clear()
    counts = store.counts()
    built = None
    if sum(counts.edges.values()) < args.statements:
        if sum(counts.edges.values()) and not args.reset:
            raise SystemExit(f"{args.store} holds another graph; use --reset to replace it")
        built = populate(store, args.statements)
        counts = store.counts()
    n_statements = sum(counts.edges.values())
    print(
        f"store {args.store} ({kind}): {n_statements:,} statements, {counts.evidence:,} evidence"
        + (f", built in {built:.1f}s" if built else "")
    )

    ents = synthetic_entities()
    drug_ids = [d.id for d in ents["drugs"]]
    treated = store.neighbours(
        [d.id for d in ents["diseases"]], predicates=[Predicate.TREATS], direction="in"
    )
    diseases = [d for d in ents["diseases"] if treated.get(d.id)]
    variants = [v for v in ents["variants"]]
    gc.collect()
    gc.freeze()  # as the server does (api/app.py, server_process)
    g_med, d_direct = in_process_ratio(store, drug_ids)
    store.close()

    port = _free_port()
    env = dict(os.environ, MEDKG_STORE=args.store)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            "--store",
            args.store,
            "--port",
            str(port),
        ],
        env=env,
    )
    try:
        _wait_healthy(port, proc, timeout=300)

        def targets(rng: random.Random) -> tuple[str, str, bytes]:
            body = json.dumps(
                {"query": TARGETS_QUERY, "variables": {"id": drug_ids[_skewed(rng, len(drug_ids))]}}
            ).encode()
            if rng.random() < 0.5:
                return "targets_graphql", "/graphql", body
            return "targets_direct", "/direct/drug-targets", body

        def treatment(rng: random.Random) -> tuple[str, str, bytes]:
            patient = {
                "diagnoses": [rng.choice(diseases).name for _ in range(rng.randint(1, 2))],
                "variants": [rng.choice(variants).synonyms[0] for _ in range(rng.randint(0, 2))],
                "medications": [rng.choice(ents["drugs"]).synonyms[0]],
                "allergies": ["aspirin"],
            }
            return (
                "treatment",
                "/graphql",
                json.dumps({"query": TREATMENT_QUERY, "variables": {"p": patient}}).encode(),
            )

        # Warm-up, not measured: also waits for the server's linker to load its KB.
        warm = min(5.0, args.duration / 10)
        asyncio.run(drive(port, treatment, 2, warm, 0.0))
        asyncio.run(drive(port, targets, args.clients, warm, args.rate))
        phase1 = asyncio.run(drive(port, targets, args.clients, args.duration / 2, args.rate))
        phase2 = asyncio.run(drive(port, treatment, args.clients, args.duration / 2, args.rate))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if tmp is not None:
            tmp.cleanup()

    lat = {**phase1["latencies"], **phase2["latencies"]}
    errors = {**phase1["errors"], **phase2["errors"]}
    rows = {}
    for name, values in lat.items():
        rows[name] = {
            "requests": len(values),
            "rps": round(
                len(values) / (phase1 if name.startswith("targets") else phase2)["seconds"], 1
            ),
            "p50_ms": round(_pct(values, 50) * 1000, 2),
            "p99_ms": round(_pct(values, 99) * 1000, 2),
            "errors": errors.get(name, 0),
        }
    print(
        f"\nload: {args.clients} clients, {'closed loop' if not args.rate else f'{args.rate:g} req/s'}, "
        f"{args.duration:g}s; loadavg {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'kind':<18}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in rows.items():
        print(
            f"{name:<18}{r['requests']:>10}{r['rps']:>9}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['errors']:>8}"
        )
    g, d = rows["targets_graphql"], rows["targets_direct"]
    ratio_http = g["p50_ms"] / d["p50_ms"]
    ratio_inproc = g_med / d_direct
    print(
        f"\nGraphQL / direct, same run over HTTP: p50 {ratio_http:.2f}x, p99 {g['p99_ms'] / d['p99_ms']:.2f}x"
    )
    print(
        f"GraphQL / direct, in-process (no HTTP): {g_med * 1000:.2f} ms / {d_direct * 1000:.2f} ms = {ratio_inproc:.2f}x"
    )
    if phase1["samples"] or phase2["samples"]:
        print("error samples:", *(phase1["samples"] + phase2["samples"]), sep="\n  ")

    limit = 30.0 if kind == "embedded" else 60.0
    checks = {
        f"drug{{targets}} p99 <= {limit:g} ms": g["p99_ms"] <= limit,
        "personalizedTreatment p99 <= 250 ms": rows["treatment"]["p99_ms"] <= 250.0,
        "GraphQL <= 1.5x direct (p50, HTTP)": ratio_http <= 1.5,
        "zero errors": not errors,
        f">= 50,000 statements ({n_statements:,})": n_statements >= 50_000,
    }
    print()
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "store": kind,
                    "statements": n_statements,
                    "clients": args.clients,
                    "rate": args.rate,
                    "duration": args.duration,
                    "rows": rows,
                    "ratio_http_p50": ratio_http,
                    "ratio_in_process": ratio_inproc,
                    "checks": checks,
                },
                indent=2,
            )
        )
    return 1 if args.check and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
