"""CLI: ingest, stats, export, reextract (registered into ``medkg`` by api.cli)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kg.settings import Settings


def register(sub: argparse._SubParsersAction, groups: dict) -> None:
    p = sub.add_parser("ingest", help="load documents, extract, and write the graph")
    p.add_argument("paths", nargs="*", help="files or directories")
    p.add_argument("--format", dest="fmt", default=None, help="force a format (default: detect)")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    p.add_argument("--workers", type=int, default=1, help="extraction worker processes")
    p.add_argument("--batch-size", type=int, default=32, help="documents per atomic write")
    p.add_argument("--no-extract", action="store_true", help="record documents only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--watch", metavar="DIR", default=None, help="keep ingesting new/changed files")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between watch scans")
    p.add_argument("--once", action="store_true", help="with --watch: one scan, then exit (cron)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("reextract", help="re-run extraction over ingested documents")
    p.add_argument("--extractor", required=True, help="extractor name whose model changed")
    p.add_argument("--json", action="store_true")
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("stats", help="count nodes, edges, documents and unlinked mentions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("export", help="export the graph")
    p.add_argument("--format", dest="fmt", choices=["kgx", "graphml"], default="kgx")
    p.add_argument("--out", default="-", help="output directory (kgx) or file (graphml)")
    p.set_defaults(func=cmd_export)


def _open(settings: Settings):
    from kg.stores import open_store

    return open_store(settings)


def _print_report(report, as_json: bool) -> None:
    data = report.as_dict()
    if as_json:
        print(json.dumps(data, indent=2))
        return
    d = data["documents"]
    print(
        f"documents: {d['seen']} seen, {d['new']} new, {d['changed']} changed, "
        f"{d['unchanged']} unchanged, {d['retired']} retired, {d['failed']} failed"
    )
    print(
        f"statements: +{data['statements']['added']} -{data['statements']['removed']}; "
        f"evidence: +{data['evidence']['added']} -{data['evidence']['removed']}; "
        f"unlinked mentions: +{data['unlinked_mentions']['added']} "
        f"-{data['unlinked_mentions']['removed']}; "
        f"{data['seconds']}s ({data['documents_per_second']} docs/s)"
    )
    for path, n in data["per_file"].items():
        print(f"  {n:6d}  {path}")
    for f in data["failed"]:
        print(f"  FAILED {f['source']} [{f['record']}]: {f['error']}", file=sys.stderr)


def _ingestor(settings: Settings, args, store, stop):
    from api.ingest import Ingestor
    from api.pipeline import build_pipeline

    extract = not getattr(args, "no_extract", False)
    pipeline = build_pipeline(settings, extract=extract)
    return Ingestor(
        store,
        pipeline,
        batch_size=getattr(args, "batch_size", 32),
        workers=args.workers,
        retry_seconds=settings.store_retry_seconds,
        settings=settings,
        extract=extract,
        progress=not getattr(args, "no_progress", False) and sys.stderr.isatty(),
        stop=stop,
    )


def cmd_ingest(args) -> int:
    from api.ingest import StopFlag

    settings = Settings.from_env()
    if not args.paths and not args.watch:
        print("medkg ingest: give PATH... or --watch DIR", file=sys.stderr)
        return 2
    stop = StopFlag()
    stop.install()
    store = _open(settings)
    try:
        ingestor = _ingestor(settings, args, store, stop)
        if not args.watch:
            report = ingestor.run_paths(args.paths, args.fmt)
            _print_report(report, args.json)
            return 1 if report.interrupted else 0
        return _watch(ingestor, Path(args.watch), args, stop)
    finally:
        store.close()


def _signature(root: Path) -> dict[str, tuple[int, int]]:
    from api.ingest import iter_paths

    sig = {}
    for p in iter_paths([root]):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        sig[str(p)] = (st.st_mtime_ns, st.st_size)
    return sig


def _watch(ingestor, root: Path, args, stop) -> int:
    """Scan, ingest what is new or changed, sleep; the ledger makes rescans cheap."""
    seen: dict[str, tuple[int, int]] = {}
    while not stop.stopped:
        current = _signature(root)
        changed = sorted(p for p, s in current.items() if seen.get(p) != s)
        if changed:
            report = ingestor.run_paths(changed, args.fmt)
            _print_report(report, args.json)
            sys.stdout.flush()
            # A file that failed wholesale is retried on the next scan.
            failed_files = {f["source"] for f in report.failed}
            for p in changed:
                if p not in failed_files and not report.interrupted:
                    seen[p] = current[p]
        if args.once:
            break
        deadline = time.monotonic() + args.interval
        while not stop.stopped and time.monotonic() < deadline:
            time.sleep(min(0.2, args.interval))
    return 0


def cmd_reextract(args) -> int:
    """Re-run the pipeline over documents whose ledger lacks the current version of NAME."""
    from api.ingest import IngestReport, StopFlag
    from loaders import iter_documents

    settings = Settings.from_env()
    stop = StopFlag()
    stop.install()
    store = _open(settings)
    try:
        ingestor = _ingestor(settings, args, store, stop)
        current = [t for t in ingestor.tags if t.split("@", 1)[0] == args.extractor]
        if not current:
            print(f"medkg reextract: no extractor named {args.extractor!r} in the pipeline "
                  f"(have: {', '.join(ingestor.tags) or 'none'})", file=sys.stderr)
            return 2
        stale: dict[str, set[str]] = {}
        for entry in store.iter_ledger():
            if entry.status == "active" and current[0] not in entry.extractors:
                fmt, _, path = entry.source.partition(":")
                stale.setdefault(path, set()).add(entry.document_id)
        report = IngestReport()

        def items():
            for path, ids in sorted(stale.items()):
                if not path or not Path(path).exists():
                    for doc_id in sorted(ids):
                        report.failed.append({"source": path or "?", "record": doc_id,
                                              "error": "source file is gone; re-ingest it"})
                    continue
                for item in iter_documents([path]):
                    if not hasattr(item, "id") or item.id in ids:
                        yield item

        report = ingestor.run(items(), report)
        _print_report(report, args.json)
        return 0
    finally:
        store.close()


def cmd_stats(args) -> int:
    settings = Settings.from_env()
    store = _open(settings)
    try:
        counts = store.counts().as_dict()
    finally:
        store.close()
    if args.json:
        print(json.dumps(counts, indent=2, sort_keys=True))
    else:
        for section in ("nodes", "edges"):
            print(f"{section}:")
            for k, v in sorted(counts[section].items()):
                print(f"  {k:20s} {v}")
        print(f"documents: {counts['documents']}\nevidence:  {counts['evidence']}")
        print(f"unlinked mentions: {counts['unlinked_mentions']}")
    return 0


def cmd_export(args) -> int:
    from kg.export import write_graphml, write_kgx

    settings = Settings.from_env()
    store = _open(settings)
    try:
        if args.fmt == "graphml":
            write_graphml(store, sys.stdout.buffer if args.out == "-" else Path(args.out))
        else:
            if args.out == "-":
                print("medkg export --format kgx needs --out DIR", file=sys.stderr)
                return 2
            paths = write_kgx(store, Path(args.out))
            for p in paths:
                print(p)
    finally:
        store.close()
    return 0
