"""The extraction pipeline: documents in, ``Extraction`` records out.

Steps (sentence splitting, NER, abbreviations + linking, relations, label rules,
assembly) are built from settings by ``build_pipeline``. Each step is stamped
on its output by ``name@version``; those tags go into the ingestion ledger so
that a new model version triggers re-extraction and nothing else does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from extractors.base import Extraction, Failure
from kg.model import Document
from kg.settings import Settings

log = logging.getLogger(__name__)


class Pipeline(Protocol):
    @property
    def tags(self) -> tuple[str, ...]: ...

    def process(self, docs: Sequence[Document]) -> tuple[list[Extraction], list[Failure]]: ...


@dataclass
class DocumentsOnly:
    """Records documents in the ledger and extracts nothing (``--no-extract``)."""

    tags: tuple[str, ...] = field(default=())

    def process(self, docs: Sequence[Document]) -> tuple[list[Extraction], list[Failure]]:
        return [Extraction(document_id=d.id) for d in docs], []


def build_pipeline(settings: Settings, *, extract: bool = True) -> Pipeline:
    if not extract:
        return DocumentsOnly()
    from extractors.pipeline import build  # heavy: models load lazily inside

    return build(settings)
