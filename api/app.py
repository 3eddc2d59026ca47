"""The ASGI app (Starlette): the composition root of the HTTP API.

Routes::

    POST /graphql   JSON {query, variables, operationName}; mutations need the API key
                    (Authorization: Bearer <key> or X-API-Key: <key>)
    GET  /graphql   GraphiQL, served from api/static (no CDN)
    GET  /healthz   200 when the store answers, else 503
    GET  /metrics   Prometheus: requests, latency, errors by code

HTTP status: 200 for executed requests (even with field errors), 400 for a
request that could not be parsed, validated or was over the limits, 401 for a
mutation without a valid key, 503 when the store is unavailable.

Nothing here logs request bodies or query strings (patient data travels in them);
the access log line is method, path, status and time.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api import errors as E
from api.execution import QueryService
from api.resolve import Ancestors, Linker, VariantNormaliser
from api.resolvers import Ingestor
from kg.errors import KGError, StoreUnavailableError
from kg.model import Entity, EntityType
from kg.settings import Settings
from kg.store import GraphStore

log = logging.getLogger("medkg.api")

STATIC_DIR = Path(__file__).with_name("static")
MAX_BODY = 1 << 20  # 1 MiB of JSON is far more than any sane query
# Requests executing at once. Execution is mostly Python (GIL-bound): a few threads keep
# latency tails short; more would only add GIL contention. Store round trips (Neo4j)
# release the GIL, so a few still overlap network waits.
EXECUTION_THREADS = 4
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


class LazyStore:
    """Opens the configured store on first use and retries while it is unavailable."""

    def __init__(self, settings: Settings, opener: Callable[[Settings], GraphStore] | None = None):
        self.settings = settings
        self._opener = opener
        self._store: GraphStore | None = None
        self._lock = threading.Lock()

    def __call__(self) -> GraphStore:
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                opener = self._opener
                if opener is None:
                    from kg.stores import open_store

                    opener = open_store
                try:
                    self._store = opener(self.settings)
                except OSError as exc:
                    raise StoreUnavailableError(f"cannot open the store: {exc}") from exc
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def default_ingestor(settings: Settings, store: Callable[[], GraphStore]) -> Ingestor:
    """Runs the lead's ingestion (``api.ingest.Ingestor`` over ``api.pipeline``) on paths."""

    def ingest(paths: Sequence[str]) -> tuple[int, Sequence[tuple[str, str]]]:
        try:
            from api.ingest import Ingestor as Runner
            from api.pipeline import build_pipeline
        except ImportError as exc:
            raise E.NotAvailableError(f"this build has no ingestion pipeline ({exc})") from None
        runner = Runner(
            store(),
            build_pipeline(settings, extract=True),
            batch_size=settings.extraction_batch_size,
            retry_seconds=settings.store_retry_seconds,
            settings=settings,
        )
        report = runner.run_paths(list(paths))
        processed = report.documents_new + report.documents_changed + report.documents_unchanged
        failures = [
            (str(f.get("source") or ""), str(f.get("error") or "failed")) for f in report.failed
        ]
        return processed, failures

    return ingest


MIN_LINK_SCORE = 0.93  # the linker's exact and loose matches; not names found inside the text


class LazyLinker:
    """``extractors.linking``'s KB lookup when installed; the KB loads once, on first use
    or on ``warm_up()`` (the app calls it in the background at start-up)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._linker: Any = None
        self._loaded = False
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if not self._loaded:
            with self._lock:  # one KB per process, however many requests arrive at once
                if not self._loaded:
                    try:
                        from extractors.linking.linker import DictionaryLinker

                        linker = DictionaryLinker(self.settings.kb_path or None)
                        # Load the KB and its indexes now, under the lock, not per request.
                        warm = getattr(linker, "warm_up", None)
                        if callable(warm):
                            warm()
                        else:
                            linker.kb  # noqa: B018
                        self._linker = linker
                    except (ImportError, KGError, OSError) as exc:
                        log.info("no linker for patient input: %s", type(exc).__name__)
                        self._linker = None
                    self._loaded = True
        return self._linker

    def warm_up(self) -> None:
        self._get()

    def __call__(self, text: str, etype: EntityType) -> Sequence[Entity]:
        linker = self._get()
        if linker is None:
            return []
        try:
            hits = linker.lookup(text, [etype], k=5)
        except (KGError, OSError):
            return []
        return [e for e, score in hits if score >= MIN_LINK_SCORE]


def optional_linker(settings: Settings) -> Linker:
    return LazyLinker(settings)


def optional_variant_normaliser() -> VariantNormaliser:
    """``extractors.linking.variants.normalize_change`` when installed."""
    try:
        from extractors.linking.variants import normalize_change
    except ImportError:
        return lambda text: None
    return normalize_change


class Metrics:
    """Per-app Prometheus collectors (a registry per app: no global state)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "medkg_graphql_requests",
            "GraphQL requests by operation type and HTTP status",
            ["operation", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "medkg_graphql_request_seconds",
            "Time to answer a GraphQL request",
            ["operation"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=registry,
        )
        self.errors = Counter(
            "medkg_graphql_errors",
            "GraphQL errors by extensions.code",
            ["code"],
            registry=registry,
        )


def _api_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's execution limiter (made at start-up; lazily if the lifespan did not run)."""
    state = request.app.state
    limiter = getattr(state, "limiter", None)
    if limiter is None:
        limiter = state.limiter = anyio.CapacityLimiter(EXECUTION_THREADS)
    return limiter


def _bad_request(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": E.BAD_REQUEST}}]},
        status_code=status,
    )


async def _read_body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    settings: Settings,
    *,
    store: GraphStore | Callable[[], GraphStore] | None = None,
    ingest: Ingestor | None = None,
    linker: Linker | None = None,
    variant_normaliser: VariantNormaliser | None = None,
    ancestors: Ancestors | None = None,
    registry: CollectorRegistry | None = None,
    extra_routes: Sequence[Route] = (),
    server_process: bool = False,
) -> Starlette:
    """Build the app. ``store`` is a store, or a callable that returns one (may raise
    StoreUnavailableError); by default the store in ``settings`` is opened lazily.

    ``server_process``: this process only serves the API (``medkg serve``): open the store
    at start-up and freeze the garbage collector's view of it. The embedded store keeps
    the graph as millions of Python objects; left unfrozen, every full collection rescans
    them: that multiplied the median latency of a treatment query by ~4 and caused most of
    the p99 tail (benchmarks/bench_api.py). Off by default: tests and embedders keep
    normal GC.
    """
    owned: LazyStore | None = None
    if store is None:
        owned = LazyStore(settings)
        provider: Callable[[], GraphStore] = owned
    elif isinstance(store, GraphStore):
        fixed = store
        provider = lambda: fixed  # noqa: E731
    else:
        provider = store
    service = QueryService(
        settings,
        provider,
        ingest=ingest if ingest is not None else default_ingestor(settings, provider),
        linker=linker if linker is not None else optional_linker(settings),
        variant_normaliser=(
            variant_normaliser if variant_normaliser is not None else optional_variant_normaliser()
        ),
        ancestors=ancestors,
    )
    metrics = Metrics(registry or CollectorRegistry())
    graphiql_html = (STATIC_DIR / "graphiql.html").read_text(encoding="utf-8")

    def record(operation: str, status: int, codes: Sequence[str], started: float) -> None:
        elapsed = time.perf_counter() - started
        metrics.requests.labels(operation, str(status)).inc()
        metrics.latency.labels(operation).observe(elapsed)
        for code in codes:
            metrics.errors.labels(code).inc()
        log.info("POST /graphql %d %.1fms", status, elapsed * 1000)

    async def graphql_post(request: Request) -> Response:
        started = time.perf_counter()

        def refuse(message: str, status: int = 400) -> Response:
            record("unknown", status, (E.BAD_REQUEST,), started)
            return _bad_request(message, status)

        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return refuse("send the request as application/json", 415)
        raw = await _read_body(request)
        if raw is None:
            return refuse(f"request body is larger than {MAX_BODY} bytes", 413)
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return refuse("request body is not valid JSON")
        if not isinstance(payload, dict):
            return refuse("request body must be a JSON object")
        outcome = await anyio.to_thread.run_sync(
            functools.partial(
                service.execute,
                payload.get("query"),
                payload.get("variables"),
                payload.get("operationName"),
                api_key=_api_key(request),
            ),
            limiter=_limiter(request),
        )
        record(outcome.operation, outcome.status, outcome.error_codes, started)
        headers = {"WWW-Authenticate": "Bearer"} if outcome.status == 401 else None
        return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)

    async def graphql_get(request: Request) -> Response:
        return HTMLResponse(graphiql_html, headers={"Content-Security-Policy": CSP})

    async def healthz(request: Request) -> Response:
        def check() -> None:
            provider().ping()

        try:
            await run_in_threadpool(check)
        except KGError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Made here, inside the event loop; shared by every route that runs store work.
        app.state.limiter = anyio.CapacityLimiter(EXECUTION_THREADS)
        if server_process:
            try:
                await anyio.to_thread.run_sync(provider)
            except KGError as exc:  # not fatal: /healthz says 503 and requests retry
                log.warning("store not available at start-up: %s", exc)
            gc.collect()
            gc.freeze()
        warm = getattr(service.linker, "warm_up", None)
        if warm is not None:  # load the linking KB off the request path
            threading.Thread(target=warm, name="medkg-linker-warm-up", daemon=True).start()
        yield
        if owned is not None:
            owned.close()

    routes = [
        Route("/graphql", graphql_post, methods=["POST"]),
        Route("/graphql", graphql_get, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *extra_routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    app.state.metrics = metrics
    return app
