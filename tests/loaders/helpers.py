"""Shared bits of the loader tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import LoaderError
from kg.model import Document

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "loaders"
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"


def split(items: Iterable[Document | LoaderError]) -> tuple[list[Document], list[LoaderError]]:
    docs: list[Document] = []
    errors: list[LoaderError] = []
    for item in items:
        (errors if isinstance(item, LoaderError) else docs).append(item)
    return docs, errors


def assert_sections_consistent(doc: Document) -> None:
    """Sections are ordered, inside the text, non-overlapping and non-empty."""
    previous_end = 0
    for section in doc.sections:
        assert previous_end <= section.start <= section.end <= len(doc.text), (doc.id, section)
        assert doc.text[section.start : section.end].strip(), (doc.id, section)
        previous_end = section.end
    if doc.text:
        assert doc.sections, doc.id
