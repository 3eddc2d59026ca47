"""CLI registrar for the API: ``medkg serve`` and ``medkg query``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any, groups: dict[str, Any]) -> None:
    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.set_defaults(func=serve_command)

    query = sub.add_parser(
        "query", help="run one GraphQL query in-process against the configured store"
    )
    query.add_argument(
        "query", help="the GraphQL document; @FILE reads it from a file, - from stdin"
    )
    query.add_argument("--variables", help="variables as a JSON object")
    query.add_argument("--operation-name", help="which operation of the document to run")
    query.set_defaults(func=query_command)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from kg.settings import Settings

    settings = Settings.from_env()
    app = create_app(settings, server_process=True)
    # access_log off: uvicorn's would print query strings; the app logs method, path, status.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="info")
    return 0


def _read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        return Path(text[1:]).read_text(encoding="utf-8")
    return text


def query_command(args: argparse.Namespace) -> int:
    from api.app import LazyStore, default_ingestor, optional_linker, optional_variant_normaliser
    from api.execution import QueryService
    from kg.settings import Settings

    variables = None
    if args.variables:
        try:
            variables = json.loads(args.variables)
        except ValueError as exc:
            print(f"medkg: error: --variables is not valid JSON: {exc}", file=sys.stderr)
            return 2
    settings = Settings.from_env()
    store = LazyStore(settings)
    service = QueryService(
        settings,
        store,
        ingest=default_ingestor(settings, store),
        linker=optional_linker(settings),
        variant_normaliser=optional_variant_normaliser(),
    )
    try:
        # In-process use is trusted as far as the configured key goes: the caller
        # could open the store directly anyway.
        outcome = service.execute(
            _read_query(args.query), variables, args.operation_name, api_key=settings.api_key
        )
    finally:
        store.close()
    json.dump(outcome.body, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if "errors" not in outcome.body else 1
