"""Readers that turn source files into ``Document`` records, or named ``LoaderError``s.

Every reader is a generator ``read_x(path) -> Iterator[Document | LoaderError]``: it streams,
and a bad record yields an error naming the file and the record instead of stopping the
file. ``iter_documents`` walks files and directories, detects each file's format
(``detect_format``) and never stops at a bad file either.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError, UnknownFormatError
from kg.model import Document
from loaders._io import looks_binary, open_binary
from loaders.bioc import read_bioc
from loaders.civic import read_civic
from loaders.openfda import read_openfda
from loaders.pharmgkb import read_pharmgkb
from loaders.pmc import read_pmc
from loaders.pubmed import read_pubmed
from loaders.pubtator import read_pubtator
from loaders.spl import read_spl
from loaders.text import read_text
from loaders.xmlsafe import check_prolog

Reader = Callable[[str | Path], Iterator[Document | LoaderError]]

FORMATS: dict[str, Reader] = {
    "pubmed": read_pubmed,
    "pmc": read_pmc,
    "spl": read_spl,
    "bioc": read_bioc,
    "pubtator": read_pubtator,
    "openfda": read_openfda,
    "civic": read_civic,
    "pharmgkb": read_pharmgkb,
    "text": read_text,
}

SNIFF_BYTES = 1 << 16
# extensions whose files we expect to read: binary content there is damage, not another format
_OUR_EXTENSIONS = {
    ".xml",
    ".nxml",
    ".json",
    ".jsonl",
    ".ndjson",
    ".txt",
    ".text",
    ".tsv",
    ".pubtator",
}
_XML_ROOTS = {
    "PubmedArticleSet": "pubmed",
    "MedlineCitationSet": "pubmed",
    "PubmedArticle": "pubmed",
    "PubmedBookArticle": "pubmed",
    "MedlineCitation": "pubmed",
    "article": "pmc",
    "pmc-articleset": "pmc",
    "collection": "bioc",
}
_PROLOG_JUNK = re.compile(
    r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\]\s*>|[^>]*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)([^>]*)>?")
_PUBTATOR_LINE = re.compile(r"^\d+\|[ta]\|")
# a data folder's own documentation: skipped in directory walks (still read if named)
_DOC_FILE = re.compile(r"^(README|LICENSE|LICENCE|NOTICE|COPYING)(\.[A-Za-z]+)?$", re.IGNORECASE)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def detect_format(path: str | Path) -> str:
    """The name (a key of ``FORMATS``) of the file's format, from a sniff of its first
    bytes (gzip read transparently) and its extension. Raises a ``LoaderError``:
    ``EmptyDocumentError`` for an empty file, ``MalformedRecordError`` for binary data where
    text was expected or a corrupt gzip, ``UnsafeXMLError`` for XML with entity
    declarations, ``UnknownFormatError`` otherwise."""
    path = Path(path)
    source = str(path)
    try:
        with open_binary(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise MalformedRecordError(source, None, f"cannot read: {exc}") from exc
    suffix = _suffix(path)
    if not head.strip():
        raise EmptyDocumentError(source, None, "empty file")
    if looks_binary(head):
        if suffix in _OUR_EXTENSIONS:
            raise MalformedRecordError(source, None, f"binary data in a {suffix} file")
        raise UnknownFormatError(source, None, "binary file, not a format we read")
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")

    if text.startswith("<"):
        check_prolog(path, source)  # refuse entity tricks before anything else reads it
        return _xml_format(source, text, suffix)
    if text[:1] in "{[":
        return _json_format(source, text, suffix)
    first_line = text.split("\n", 1)[0]
    if _PUBTATOR_LINE.match(first_line) or suffix == ".pubtator":
        return "pubtator"
    header = first_line.split("\t")
    if "evidence_statement" in header and "evidence_id" in header:
        return "civic"
    if suffix in (".txt", ".text"):
        return "text"
    raise UnknownFormatError(source, None, f"unrecognised content (extension {suffix or 'none'!r})")


def _xml_format(source: str, text: str, suffix: str) -> str:
    body = _PROLOG_JUNK.sub("", text)
    root = _ROOT.search(body)
    if root is None:
        if suffix == ".nxml":
            return "pmc"
        raise UnknownFormatError(source, None, "XML without a root element in its first bytes")
    name, attrs = root.group(1).split(":")[-1], root.group(2)
    if name == "document" and "urn:hl7-org:v3" in attrs:
        return "spl"
    if name in _XML_ROOTS:
        return _XML_ROOTS[name]
    if suffix == ".nxml":
        return "pmc"
    raise UnknownFormatError(source, None, f"XML root <{name}> is not a format we read")


def _json_format(source: str, text: str, suffix: str) -> str:
    if '"guideline"' in text and ("pharmgkb.org" in text or '"summaryMarkdown"' in text):
        return "pharmgkb"
    label_keys = ('"set_id"', '"openfda"', '"indications_and_usage"', '"spl_product_data_elements"')
    if any(k in text for k in label_keys):
        return "openfda"
    raise UnknownFormatError(
        source, None, "JSON that is neither an openFDA label nor a PharmGKB guideline"
    )


def _walk(paths: str | Path | Iterable[str | Path]) -> Iterator[Path | LoaderError]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    for item in items:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not _DOC_FILE.match(name):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            yield LoaderError(str(path), None, "no such file or directory")


def iter_documents(
    paths: str | Path | Iterable[str | Path], fmt: str | None = None
) -> Iterator[Document | LoaderError]:
    """Stream documents (and errors) from files and directories (recursively, sorted;
    hidden files and README/LICENSE files of a directory are skipped).

    ``fmt`` forces one format for every file; otherwise each file's is detected. A bad
    file or record yields a ``LoaderError`` and the walk goes on.
    """
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormatError(fmt, None, f"no such format; choose from {', '.join(FORMATS)}")
    for path in _walk(paths):
        if isinstance(path, LoaderError):
            yield path
            continue
        try:
            name = fmt or detect_format(path)
        except LoaderError as exc:
            yield exc
            continue
        try:
            yield from FORMATS[name](path)
        except (OSError, EOFError, ValueError, zlib.error, etree.LxmlError) as exc:
            # a reader's own errors are yielded; this is a last guard so one file never
            # ends the walk
            yield MalformedRecordError(str(path), None, f"{name} reader failed: {exc!r}")


__all__ = [
    "FORMATS",
    "detect_format",
    "iter_documents",
    "read_bioc",
    "read_civic",
    "read_openfda",
    "read_pharmgkb",
    "read_pmc",
    "read_pubmed",
    "read_pubtator",
    "read_spl",
    "read_text",
]
