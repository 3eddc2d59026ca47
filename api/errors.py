"""API-level errors and how every error becomes a GraphQL error with ``extensions.code``."""

from __future__ import annotations

from kg.errors import BadInputError, KGError


class UnauthenticatedError(KGError):
    """A mutation without a valid API key (or with no key configured on the server)."""

    code = "UNAUTHENTICATED"


class NotAvailableError(KGError):
    """A feature this deployment does not provide (e.g. no ingestion pipeline installed)."""

    code = "NOT_AVAILABLE"


class QueryLimitError(BadInputError):
    """Raised by the query limits; carries its own code (QUERY_TOO_DEEP, QUERY_TOO_COSTLY)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# Codes given to errors that graphql-core raises before execution.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"
INTERNAL = "INTERNAL_SERVER_ERROR"
