"""Readers that turn source files into ``Document`` records, or named ``LoaderError``s.

Every reader is a generator ``read_x(path) -> Iterator[Document | LoaderError]``: it streams,
and a bad record yields an error naming the file and the record instead of stopping the
file. ``iter_documents`` walks files and directories (``walk``), detects each file's format
(``detect_format``) and never stops at a bad file either.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError, UnknownFormatError
from kg.model import Document
from loaders._io import NotRegularFileError, looks_binary, open_binary
from loaders.bioc import read_bioc
from loaders.civic import read_civic
from loaders.openfda import read_openfda
from loaders.pharmgkb import read_pharmgkb
from loaders.pmc import read_pmc
from loaders.pubmed import read_pubmed
from loaders.pubtator import read_pubtator
from loaders.spl import read_spl
from loaders.text import read_text
from loaders.xmlsafe import check_prolog, scan_prolog

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
_ROOT = re.compile(rb"<([^\s/>]+)([^>]*)")
_PUBTATOR_LINE = re.compile(r"^[0-9]+\|[ta]\|")
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
    declarations, ``UnknownFormatError`` otherwise (a FIFO, socket or device included)."""
    path = Path(path)
    source = str(path)
    try:
        with open_binary(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except NotRegularFileError as exc:
        raise UnknownFormatError(source, None, _special_kind(path)) from exc
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
        try:  # refuse entity tricks before anything else reads it
            check_prolog(path, source)
        except (OSError, EOFError, zlib.error) as exc:  # a gzip stream cut inside the prolog
            raise MalformedRecordError(source, None, f"cannot read: {exc}") from exc
        return _xml_format(source, head, suffix)
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


def _xml_format(source: str, head: bytes, suffix: str) -> str:
    prolog = scan_prolog(head)
    root = _ROOT.match(head, prolog.root) if prolog.root is not None else None
    if root is None:
        if suffix == ".nxml" and not prolog.complete:
            return "pmc"  # a prolog longer than the sniff: the reader sees what it holds
        raise UnknownFormatError(source, None, "XML without a root element in its first bytes")
    name = root.group(1).decode("utf-8", "replace").split(":")[-1]
    attrs = root.group(2)
    if name == "document" and b"urn:hl7-org:v3" in attrs:
        return "spl"
    if name in _XML_ROOTS:
        return _XML_ROOTS[name]
    # an .nxml that is not JATS (no <article> root) is not ours either, whatever its name
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


def _special_kind(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return f"{kind}, not a file to read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file to read"
    return "not a regular file"


def walk(paths: str | Path | Iterable[str | Path]) -> Iterator[Path]:
    """The files ``iter_documents`` reads, in its order: each path given, and inside each
    directory (recursively, symlinks followed once, loops cut) its files sorted by name
    before its sub-directories. A directory's hidden entries and documentation
    (README, LICENSE, ...) are skipped, and so are FIFOs, sockets and devices (reading one
    could block forever). A dangling symlink in a directory is yielded, like a path given
    that does not exist or a directory that cannot be listed: reading it reports it."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    for item in items:
        path = Path(item)
        if path.is_dir():
            yield from _walk_dir(path, set())
        else:
            yield path


def _walk_dir(directory: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        info = directory.stat()
        key = (info.st_dev, info.st_ino)
        if key in seen:  # reached again through a symlink (perhaps a loop): once is enough
            return
        seen.add(key)
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        yield directory  # reading it says why it cannot be listed
        return
    subdirs: list[Path] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                subdirs.append(Path(entry.path))
            elif entry.is_file():
                if not _DOC_FILE.match(entry.name):
                    yield Path(entry.path)
            elif entry.is_symlink() and not os.path.exists(entry.path):
                yield Path(entry.path)  # dangling: reported when read
            # else a FIFO, socket or device: not data, and opening it could block
        except OSError:
            yield Path(entry.path)
    for sub in subdirs:
        yield from _walk_dir(sub, seen)


def _unreadable(path: Path) -> LoaderError | None:
    """Why a walked path cannot be read as a file, before any format is tried (``walk``
    yields a directory only when it could not list it)."""
    source = str(path)
    if path.is_symlink() and not path.exists():
        return LoaderError(source, None, f"dangling symlink to {os.readlink(path)!r}")
    if not path.exists():
        return LoaderError(source, None, "no such file or directory")
    if path.is_dir():
        try:
            os.scandir(path).close()
        except OSError as exc:
            return LoaderError(source, None, f"cannot list directory: {exc.strerror or exc}")
        return LoaderError(source, None, "directory could not be listed")
    return None


def iter_documents(
    paths: str | Path | Iterable[str | Path], fmt: str | None = None
) -> Iterator[Document | LoaderError]:
    """Stream documents (and errors) from files and directories (``walk``: recursively,
    sorted; hidden files, README/LICENSE files and FIFOs/sockets/devices of a directory are
    skipped).

    ``fmt`` forces one format for every file; otherwise each file's is detected. A bad
    file or record yields a ``LoaderError`` and the walk goes on.
    """
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormatError(fmt, None, f"no such format; choose from {', '.join(FORMATS)}")
    for path in walk(paths):
        problem = _unreadable(path)
        if problem is not None:
            yield problem
            continue
        try:
            name = fmt or detect_format(path)
        except LoaderError as exc:
            yield exc
            continue
        try:
            for item in FORMATS[name](path):
                if isinstance(item, Document) and "\x00" in item.text:
                    # a last net: readers refuse NUL themselves, with the record's context
                    item = MalformedRecordError(str(path), item.id, "NUL character in the text")
                yield item
        except NotRegularFileError:
            yield UnknownFormatError(str(path), None, _special_kind(path))
        except (OSError, EOFError, ValueError, RecursionError, zlib.error, etree.LxmlError) as exc:
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
    "walk",
]
