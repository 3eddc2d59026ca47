"""Ingestion: stream documents, skip what the ledger says is done, extract, write.

Safety comes from three properties, each tested:

* every ``WriteBatch`` carries its documents' ledger entries, so the store
  commits a document's evidence and the record that it was processed together;
* a batch replaces its documents' earlier evidence, so replaying a batch that
  was interrupted (or re-ingesting a changed document) gives the same graph;
* a document is skipped only when its content hash *and* the extractor versions
  in the ledger match, so a skip is always safe and costs no model work.

A process killed at any point therefore restarts into exactly the graph an
uninterrupted run produces.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.assembly import unlinked_mentions
from extractors.base import Extraction, Failure
from kg.errors import LoaderError, StoreUnavailableError
from kg.model import Document, LedgerEntry, WriteBatch
from kg.store import GraphStore

log = logging.getLogger(__name__)

RETIRED = {"retracted", "deleted"}


@dataclass
class IngestReport:
    documents_seen: int = 0
    documents_new: int = 0
    documents_changed: int = 0
    documents_unchanged: int = 0
    documents_retired: int = 0
    documents_failed: int = 0
    statements_added: int = 0
    statements_removed: int = 0
    evidence_added: int = 0
    evidence_removed: int = 0
    mentions_added: int = 0
    mentions_removed: int = 0
    entities_added: int = 0
    batches: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    per_file: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": {
                "seen": self.documents_seen,
                "new": self.documents_new,
                "changed": self.documents_changed,
                "unchanged": self.documents_unchanged,
                "retired": self.documents_retired,
                "failed": self.documents_failed,
            },
            "statements": {"added": self.statements_added, "removed": self.statements_removed},
            "evidence": {"added": self.evidence_added, "removed": self.evidence_removed},
            "unlinked_mentions": {"added": self.mentions_added, "removed": self.mentions_removed},
            "entities_added": self.entities_added,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(
                (self.documents_new + self.documents_changed) / self.seconds, 2
            )
            if self.seconds
            else 0.0,
            "interrupted": self.interrupted,
            "per_file": dict(self.per_file),
            "failed": list(self.failed),
        }


class StopFlag:
    """Set by SIGTERM/SIGINT: the batch in flight is finished, then the run stops."""

    def __init__(self) -> None:
        self.stopped = False

    def set(self, *_: object) -> None:
        self.stopped = True

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.set)
        signal.signal(signal.SIGINT, self.set)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_batch(
    docs: Sequence[Document],
    extractions: Sequence[Extraction],
    tags: tuple[str, ...],
    paths: dict[str, str] | None = None,
) -> WriteBatch:
    """One atomic write for a group of documents: replace their evidence and unlinked
    mentions, record the ledger."""
    by_id = {e.document_id: e for e in extractions}
    entities: dict[str, Any] = {}
    statements: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    mentions: dict[str, Any] = {}
    ledger = []
    for doc in docs:
        status = doc.metadata.get("status", "active")
        ext = by_id.get(doc.id)
        if ext is not None and status not in RETIRED:
            for ent in ext.entities:
                entities.setdefault(ent.id, ent)
            for st in ext.statements:
                statements.setdefault(st.key, st)
            for ev in ext.evidence:
                evidence.setdefault(ev.id, ev)
            for um in unlinked_mentions(doc, ext.mentions, ext.sentences, extractors=ext.extractors):
                mentions.setdefault(um.key, um)
        ledger.append(
            LedgerEntry(
                document_id=doc.id,
                content_hash=doc.content_hash,
                extractors=tags,
                ingested_at=_now(),
                # format:path, so that re-extraction can find the document again
                source=f"{doc.source}:{(paths or {}).get(doc.id, '')}",
                status=status if status in RETIRED else "active",
            )
        )
    return WriteBatch(
        entities=tuple(entities.values()),
        statements=tuple(statements.values()),
        evidence=tuple(evidence.values()),
        ledger=tuple(ledger),
        mentions=tuple(mentions.values()),
        replace_documents=tuple(d.id for d in docs),
    )


def with_retry(
    call: Callable[[], Any],
    *,
    give_up_after: float,
    sleep: Callable[[float], None] = time.sleep,
    stop: StopFlag | None = None,
) -> Any:
    """Retry an unreachable store with capped exponential backoff, then give up loudly."""
    delay, waited = 0.5, 0.0
    while True:
        try:
            return call()
        except StoreUnavailableError as exc:
            if waited >= give_up_after or (stop is not None and stop.stopped):
                raise StoreUnavailableError(
                    f"store still unreachable after {waited:.0f}s ({exc}); "
                    "everything committed before this batch is kept — run again to resume"
                ) from exc
            log.warning("store unavailable (%s); retrying in %.1fs", exc, delay)
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 10.0)


def apply_with_retry(
    store: GraphStore,
    batch: WriteBatch,
    *,
    give_up_after: float,
    sleep: Callable[[float], None] = time.sleep,
    stop: StopFlag | None = None,
) -> Any:
    return with_retry(lambda: store.apply(batch), give_up_after=give_up_after, sleep=sleep, stop=stop)


# -- worker processes ---------------------------------------------------------

_WORKER: dict[str, Any] = {}  # per-process cache of the pipeline (one model load per worker)


def _worker_init(settings: Any, extract: bool, workers: int) -> None:
    import os

    from api.pipeline import build_pipeline

    # N workers share the cores: one model each, without oversubscribing threads.
    if settings is not None and not settings.model_threads:
        settings = settings.with_(model_threads=max(1, (os.cpu_count() or 1) // workers))

    _WORKER["pipeline"] = build_pipeline(settings, extract=extract)


def _worker_process(docs: list[Document]) -> tuple[list[Extraction], list[Failure]]:
    return _WORKER["pipeline"].process(docs)


class Ingestor:
    """Runs documents through a pipeline into a store, one atomic batch at a time."""

    def __init__(
        self,
        store: GraphStore,
        pipeline: Any,
        *,
        batch_size: int = 32,
        workers: int = 1,
        retry_seconds: float = 60.0,
        settings: Any = None,
        extract: bool = True,
        progress: bool = False,
        stop: StopFlag | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.batch_size = batch_size
        self.workers = workers
        self.retry_seconds = retry_seconds
        self.settings = settings
        self.extract = extract
        self.progress = progress
        self.stop = stop or StopFlag()
        self.on_batch = on_batch
        self._paths: dict[str, str] = {}  # document id -> file it came from, for the ledger

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.pipeline.tags)

    def _chunks(
        self, items: Iterable[Document | LoaderError], report: IngestReport
    ) -> Iterator[list[Document]]:
        chunk: list[Document] = []
        for item in items:
            if isinstance(item, LoaderError):
                report.documents_failed += 1
                report.failed.append(
                    {"source": item.source, "record": item.record, "error": str(item)}
                )
                continue
            report.documents_seen += 1
            chunk.append(item)
            if len(chunk) >= self.batch_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _triage(self, docs: list[Document], report: IngestReport) -> list[Document]:
        """Drop unchanged documents (and duplicates within a chunk): no model work for them."""
        unique: dict[str, Document] = {}
        for d in docs:
            unique[d.id] = d  # the last version in the stream wins
        ledger = with_retry(
            lambda: self.store.ledger(list(unique)), give_up_after=self.retry_seconds, stop=self.stop
        )
        todo = []
        for doc in unique.values():
            prior = ledger.get(doc.id)
            status = doc.metadata.get("status", "active")
            if prior is None:
                if status in RETIRED:
                    report.documents_retired += 1
                else:
                    report.documents_new += 1
                todo.append(doc)
            elif prior.content_hash == doc.content_hash and prior.extractors == self.tags:
                report.documents_unchanged += 1
            else:
                if status in RETIRED:
                    report.documents_retired += 1
                else:
                    report.documents_changed += 1
                todo.append(doc)
        return todo

    def _write(self, docs: list[Document], extractions: list[Extraction], report: IngestReport) -> None:
        batch = build_batch(docs, extractions, self.tags, self._paths)
        result = apply_with_retry(self.store, batch, give_up_after=self.retry_seconds, stop=self.stop)
        report.batches += 1
        report.statements_added += result.statements_added
        report.statements_removed += result.statements_removed
        report.evidence_added += result.evidence_added
        report.evidence_removed += result.evidence_removed
        report.mentions_added += result.mentions_added
        report.mentions_removed += result.mentions_removed
        report.entities_added += result.entities_added
        if self.on_batch is not None:
            self.on_batch(report.batches)

    def _record_failures(
        self, failures: list[Failure], docs: list[Document], report: IngestReport
    ) -> list[Document]:
        if not failures:
            return docs
        bad = {f.document_id for f in failures}
        for f in failures:
            report.documents_failed += 1
            report.failed.append({"source": f.step, "record": f.document_id, "error": f.error})
        # A failed document is not written to the ledger, so the next run retries it.
        return [d for d in docs if d.id not in bad]

    def run_paths(self, paths: Sequence[str | Path], fmt: str | None = None) -> IngestReport:
        """Ingest files and directories, counting documents per file."""
        from loaders import iter_documents

        report = IngestReport()

        def items() -> Iterator[Document | LoaderError]:
            for path in iter_paths(paths):
                n = 0
                for item in iter_documents([path], fmt):
                    if isinstance(item, Document):
                        n += 1
                        self._paths[item.id] = str(path)
                    yield item
                report.per_file[str(path)] = n

        return self.run(items(), report)

    def run(
        self, items: Iterable[Document | LoaderError], report: IngestReport | None = None
    ) -> IngestReport:
        report = report or IngestReport()
        started = time.perf_counter()
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(unit="doc", file=sys.stderr, dynamic_ncols=True, desc="ingest")
        pool = None
        try:
            if self.workers > 1:
                import multiprocessing as mp

                ctx = mp.get_context("spawn")
                pool = ctx.Pool(
                    self.workers, initializer=_worker_init, initargs=(self.settings, self.extract, self.workers)
                )
            todo_chunks = (
                (docs, self._triage(docs, report)) for docs in self._chunks(items, report)
            )
            if pool is not None:
                results = self._parallel(pool, todo_chunks)
            else:
                results = (
                    (docs, todo, *(self.pipeline.process(todo) if todo else ([], [])))
                    for docs, todo in todo_chunks
                )
            for docs, todo, extractions, failures in results:
                if todo:
                    ok = self._record_failures(failures, todo, report)
                    if ok:
                        self._write(ok, extractions, report)
                for d in docs:
                    self._paths.pop(d.id, None)
                if bar is not None:
                    bar.update(len(docs))
                if self.stop.stopped:
                    report.interrupted = True
                    break
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            if bar is not None:
                bar.close()
            report.seconds = time.perf_counter() - started
        return report

    def _parallel(
        self, pool: Any, chunks: Iterator[tuple[list[Document], list[Document]]]
    ) -> Iterator[tuple[list[Document], list[Document], list[Extraction], list[Failure]]]:
        """Keep a few chunks in flight per worker; yield results in input order."""
        pending: list[tuple[list[Document], list[Document], Any]] = []
        depth = self.workers * 2
        for docs, todo in chunks:
            pending.append((docs, todo, pool.apply_async(_worker_process, (todo,)) if todo else None))
            while len(pending) >= depth:
                docs0, todo0, res = pending.pop(0)
                yield (docs0, todo0, *(res.get() if res is not None else ([], [])))
        for docs0, todo0, res in pending:
            yield (docs0, todo0, *(res.get() if res is not None else ([], [])))


def iter_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The same walk the loaders use (sorted; README, LICENSE and hidden files skipped)."""
    from loaders import walk

    return list(walk(paths))
