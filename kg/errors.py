"""One error root; each layer raises its own named subclass."""

from __future__ import annotations


class KGError(Exception):
    """Root of every error medkg raises on purpose."""

    code = "INTERNAL"


class ConfigError(KGError):
    code = "BAD_CONFIG"


class LoaderError(KGError):
    """A record or file could not be read; names the source and the record."""

    code = "BAD_INPUT"

    def __init__(self, source: str, record: str | None, problem: str) -> None:
        self.source = source
        self.record = record
        self.problem = problem
        where = f"{source}" + (f" [{record}]" if record else "")
        super().__init__(f"{where}: {problem}")


class UnsafeXMLError(LoaderError):
    """DTD entities, external references or other constructs we refuse to expand."""


class MalformedRecordError(LoaderError):
    """Truncated XML, bad encoding, missing required fields, binary data..."""


class EmptyDocumentError(LoaderError):
    """A record with no text to extract from (e.g. no title and no abstract)."""


class UnknownFormatError(LoaderError):
    """The file's format could not be detected and none was forced."""


class ExtractionError(KGError):
    code = "EXTRACTION_FAILED"


class ModelNotFoundError(ExtractionError):
    code = "MODEL_NOT_FOUND"


class StoreError(KGError):
    code = "STORE_ERROR"


class StoreUnavailableError(StoreError):
    """The store cannot be reached right now; callers may retry."""

    code = "STORE_UNAVAILABLE"


class NotFoundError(KGError):
    code = "NOT_FOUND"


class BadInputError(KGError):
    code = "BAD_USER_INPUT"
