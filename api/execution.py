"""One GraphQL request, start to finish: parse, validate, limit, authorise, execute, format.

Shared by the HTTP app and ``medkg query`` so both behave the same. Per request:

1. parse (graphql-core, with a token limit) and validate with graphql-core's
   ``specified_rules``; both results are cached per query text (LRU), except
   for documents that carry patient data as literals (never kept);
2. the depth and cost limits (api/limits.py), which depend on the variables;
3. mutations need the API key (``Settings.api_key``; none configured = none allowed);
4. execute synchronously with a fresh ``RequestContext`` (the per-request batching
   caches), then give every error an ``extensions.code``.

Errors never carry internals: an unexpected exception becomes
INTERNAL_SERVER_ERROR with a fixed message, and only its type and traceback
(no message, no arguments) are logged, so patient data cannot leak into logs.
"""

from __future__ import annotations

import hmac
import logging
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    VariableNode,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.language import ArgumentNode, Visitor, visit

from api import errors as E
from api.limits import check_limits
from api.resolve import Ancestors, Linker, VariantNormaliser, optional_ancestors
from api.resolvers import Ingestor, RequestContext
from api.schema import build_executable_schema
from kg.errors import KGError, StoreUnavailableError
from kg.settings import Settings
from kg.store import GraphStore

log = logging.getLogger("medkg.api")

MAX_TOKENS = 20_000
CACHE_SIZE = 256
PATIENT_ARGS = frozenset({"patient"})


@dataclass(frozen=True, slots=True)
class Outcome:
    body: dict[str, Any]
    status: int
    operation: str  # query | mutation | subscription | unknown
    error_codes: tuple[str, ...]


class _PatientLiteral(Visitor):
    """Finds a `patient:` argument written inline (patient data in the query text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        if node.name.value in PATIENT_ARGS and not isinstance(node.value, VariableNode):
            self.found = True
            return Visitor.BREAK
        return None


def _has_patient_literal(doc: DocumentNode) -> bool:
    v = _PatientLiteral()
    visit(doc, v)
    return v.found


def _never_awaitable(value: Any) -> bool:
    """Every resolver is synchronous: skip graphql-core's per-value awaitable check."""
    return False


def _encodable(value: Any) -> bool:
    """False for strings with lone surrogates (valid JSON escapes, but not text a store can keep)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, Mapping):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


def _error_dict(err: GraphQLError, code: str, message: str | None = None) -> dict[str, Any]:
    d = dict(err.formatted)
    if message is not None:
        d["message"] = message
    ext = dict(d.get("extensions") or {})
    ext["code"] = code
    d["extensions"] = ext
    return d


def _simple_error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def classify(err: GraphQLError) -> tuple[dict[str, Any], str]:
    """The error as a response dict with its code; hides unexpected exceptions."""
    orig = err.original_error
    if isinstance(orig, KGError):
        return _error_dict(err, orig.code, str(orig)), orig.code
    if orig is None:
        given = (err.extensions or {}).get("code")
        # Without a path the error came from coercing variables: the caller's input.
        code = given or (E.INTERNAL if err.path else "BAD_USER_INPUT")
        return _error_dict(err, code), code
    if isinstance(orig, GraphQLError):
        return classify(orig)
    # Type and frames only: an exception's message may quote patient input.
    log.error(
        "internal error at %s: %s\n%s",
        ".".join(str(p) for p in (err.path or [])),
        type(orig).__name__,
        "".join(traceback.format_tb(orig.__traceback__)),
    )
    return _error_dict(err, E.INTERNAL, "internal error"), E.INTERNAL


class QueryService:
    """Executes GraphQL requests against a store; one per process, safe across threads."""

    def __init__(
        self,
        settings: Settings,
        store_provider: Callable[[], GraphStore],
        *,
        schema: GraphQLSchema | None = None,
        ingest: Ingestor | None = None,
        linker: Linker | None = None,
        variant_normaliser: VariantNormaliser | None = None,
        ancestors: Ancestors | None = None,
    ) -> None:
        self.settings = settings
        self.store_provider = store_provider
        self.schema = schema or build_executable_schema()
        self.ingest = ingest
        self.linker = linker
        self.variant_normaliser = variant_normaliser
        self.ancestors = ancestors if ancestors is not None else optional_ancestors(settings.kb_dir)
        self._cache: OrderedDict[str, tuple[DocumentNode, tuple[GraphQLError, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    # -- helpers ----------------------------------------------------------------------

    def authenticated(self, presented: str | None) -> bool:
        expected = self.settings.api_key
        if not expected or not presented:
            return False
        return hmac.compare_digest(presented.encode(), expected.encode())

    def _document(self, query: str) -> tuple[DocumentNode, tuple[GraphQLError, ...]]:
        with self._lock:
            hit = self._cache.get(query)
            if hit is not None:
                self._cache.move_to_end(query)
                return hit
        doc = parse(query, max_tokens=MAX_TOKENS)
        errs = tuple(validate(self.schema, doc, specified_rules))
        if not _has_patient_literal(doc):
            with self._lock:
                self._cache[query] = (doc, errs)
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return doc, errs

    @staticmethod
    def _fail(errors: list[dict[str, Any]], status: int, op: str = "unknown") -> Outcome:
        codes = tuple(e["extensions"]["code"] for e in errors)
        return Outcome({"errors": errors}, status, op, codes)

    # -- the request ------------------------------------------------------------------

    def execute(
        self,
        query: Any,
        variables: Any = None,
        operation_name: Any = None,
        *,
        api_key: str | None = None,
    ) -> Outcome:
        if not isinstance(query, str) or not query.strip():
            return self._fail(
                [_simple_error("`query` must be a non-empty string", E.BAD_REQUEST)], 400
            )
        if variables is not None and not isinstance(variables, Mapping):
            return self._fail(
                [_simple_error("`variables` must be a JSON object", E.BAD_REQUEST)], 400
            )
        if operation_name is not None and not isinstance(operation_name, str):
            return self._fail(
                [_simple_error("`operationName` must be a string", E.BAD_REQUEST)], 400
            )
        if not _encodable(query) or not _encodable(variables):
            return self._fail(
                [
                    _simple_error(
                        "the request contains text that is not valid Unicode", "BAD_USER_INPUT"
                    )
                ],
                400,
            )
        try:
            doc, validation = self._document(query)
        except GraphQLError as err:
            return self._fail([_error_dict(err, E.PARSE_FAILED)], 400)
        if validation:
            return self._fail([_error_dict(e, E.VALIDATION_FAILED) for e in validation], 400)

        op_ast = get_operation_ast(doc, operation_name)
        if op_ast is None:
            msg = (
                f"no operation named {operation_name!r}"
                if operation_name
                else "the document has several operations: give `operationName`"
            )
            return self._fail([_simple_error(msg, E.BAD_REQUEST)], 400)
        op = op_ast.operation.value
        limit_errors = check_limits(self.schema, doc, variables, self.settings, op_ast)
        if limit_errors:
            return self._fail([classify(e)[0] for e in limit_errors], 400, op)

        authenticated = self.authenticated(api_key)
        if op_ast.operation is OperationType.MUTATION and not authenticated:
            why = (
                "mutations are disabled: the server has no API key configured (MEDKG_API_KEY)"
                if not self.settings.api_key
                else "mutations need an API key: send `Authorization: Bearer <key>` or `X-API-Key`"
            )
            return self._fail([_simple_error(why, E.UnauthenticatedError.code)], 401, op)

        try:
            store = self.store_provider()
        except KGError as exc:  # unreachable, or misconfigured (ConfigError)
            status = 503 if isinstance(exc, StoreUnavailableError) else 500
            return self._fail([_simple_error(str(exc), exc.code)], status, op)

        ctx = RequestContext.build(
            store,
            self.settings,
            authenticated=authenticated,
            ingest=self.ingest,
            linker=self.linker,
            variant_normaliser=self.variant_normaliser,
            ancestors=self.ancestors,
        )
        result = execute(
            self.schema,
            doc,
            context_value=ctx,
            variable_values=dict(variables) if variables is not None else None,
            operation_name=operation_name,
            is_awaitable=_never_awaitable,
        )
        assert isinstance(result, ExecutionResult), "resolvers are synchronous"
        body: dict[str, Any] = {"data": result.data}
        codes: list[str] = []
        status = 200
        if result.errors:
            formatted = []
            for err in result.errors:
                d, code = classify(err)
                formatted.append(d)
                codes.append(code)
            body["errors"] = formatted
            if StoreUnavailableError.code in codes:
                status = 503
            elif result.data is None and "BAD_USER_INPUT" in codes:
                status = 400
        if ctx.notices:
            body["extensions"] = {"notices": ctx.notices}
        return Outcome(body, status, op, tuple(codes))
