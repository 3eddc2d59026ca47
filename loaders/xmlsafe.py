"""The one way our loaders read XML: streaming, no DTD, no entities, no network.

``iter_records`` walks a file with lxml ``iterparse`` and hands over each record element
(a child of the root, or the root itself) once it is complete, then frees it, so memory
stays flat on large PubMed files.

Refused with ``UnsafeXMLError`` before any element is read: a DOCTYPE internal subset
that declares entities (billion laughs, ``SYSTEM "file:///etc/passwd"``) or uses parameter
entities. An external DTD *reference* (``<!DOCTYPE PubmedArticleSet PUBLIC ... "...dtd">``)
is fine: it is never loaded or fetched.

A parse error part-way (truncation, invalid UTF-8) yields the records before it and then
one ``MalformedRecordError`` naming the file, the line/column and the last good record.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from lxml import etree

from kg.errors import LoaderError, MalformedRecordError, UnsafeXMLError
from loaders._io import looks_binary, open_binary, read_head

# How far we look for the DOCTYPE: it must come before the root element, and a prolog
# bigger than this is not something we need to accept.
PROLOG_LIMIT = 1 << 20

_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_COMMENT_OR_PI = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_:]")
_POSITION_SUFFIX = re.compile(r",? line \d+, column \d+\s*$")


def localname(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, PIs, entities
        return ""
    return tag.rsplit("}", 1)[-1]


def _read_prolog(path: str | Path) -> bytes:
    with open_binary(path) as fh:
        buf = b""
        while len(buf) < PROLOG_LIMIT:
            chunk = fh.read(16384)
            if not chunk:
                break
            buf += chunk
            stripped = _COMMENT_OR_PI.sub(b"", buf)
            doctype = _DOCTYPE.search(stripped)
            root = _ROOT_START.search(stripped)
            if root and (not doctype or root.start() < doctype.start()):
                return stripped[: root.start()]
            if doctype and b"]>" in stripped[doctype.start() :]:
                return stripped
            if (
                doctype
                and b"[" not in stripped[doctype.start() :]
                and b">" in stripped[doctype.start() :]
            ):
                return stripped
        return buf


def check_prolog(path: str | Path, source: str) -> None:
    """Raise ``UnsafeXMLError`` if the DOCTYPE declares entities or parameter entities."""
    prolog = _read_prolog(path)
    match = _DOCTYPE.search(prolog)
    if not match:
        return
    doctype = prolog[match.start() :]
    if b"[" not in doctype.split(b">", 1)[0] and b"<!ENTITY" not in doctype:
        return  # external DTD reference only: allowed, never loaded
    subset = doctype[max(doctype.find(b"["), 0) :]
    if re.search(rb"<!ENTITY\b", subset, re.IGNORECASE):
        kind = "external entity" if re.search(rb"\b(SYSTEM|PUBLIC)\b", subset) else "entity"
        raise UnsafeXMLError(source, None, f"DOCTYPE declares an {kind}; refusing to parse")
    if re.search(rb"%[A-Za-z_][\w.-]*;", subset):
        raise UnsafeXMLError(source, None, "DOCTYPE uses parameter entities; refusing to parse")
    if len(prolog) >= PROLOG_LIMIT:
        raise UnsafeXMLError(source, None, "DOCTYPE internal subset too large")


def iter_records(
    path: str | Path,
    tags: Collection[str],
    *,
    max_depth: int = 1,
    record_id: Callable[[etree._Element], str | None] | None = None,
) -> Iterator[etree._Element | LoaderError]:
    """Yield each element named in ``tags`` (local names) at depth <= ``max_depth``
    (0 = the root), complete, or a ``LoaderError``. The element is cleared after the
    consumer resumes: take what you need before asking for the next one."""
    source = str(path)
    try:
        head = read_head(path)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
    if not head.strip():
        yield MalformedRecordError(source, None, "empty file")
        return
    if looks_binary(head):
        yield MalformedRecordError(source, None, "binary data, not XML")
        return
    try:
        check_prolog(path, source)
    except UnsafeXMLError as exc:
        yield exc
        return
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return

    wanted = set(tags)
    depth = -1
    record_depth: int | None = None  # depth of the record being built, if any
    count = 0
    last_id: str | None = None
    checked_dtd = False
    fh = open_binary(path)
    try:
        parser = etree.iterparse(
            fh,
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        for event, el in parser:
            if event == "start":
                depth += 1
                if not checked_dtd:
                    checked_dtd = True
                    dtd = el.getroottree().docinfo.internalDTD
                    if dtd is not None and any(True for _ in dtd.iterentities()):
                        yield UnsafeXMLError(
                            source, None, "DOCTYPE declares entities; refusing to parse"
                        )
                        return
                if record_depth is None and depth <= max_depth and localname(el) in wanted:
                    record_depth = depth
                continue
            if depth == record_depth:
                record_depth = None
                count += 1
                if record_id is not None:
                    last_id = record_id(el) or last_id
                yield el
            if record_depth is None and depth > 0:
                # outside any record: free what was handed over and what nobody wants
                el.clear(keep_tail=False)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
            depth -= 1
    except etree.XMLSyntaxError as exc:
        # the error belongs to no record we could name: say where it is and what came before
        line, column = exc.position if exc.position else (exc.lineno, 0)
        after = f" after record {last_id}" if last_id else f" after {count} record(s)"
        msg = _POSITION_SUFFIX.sub("", getattr(exc, "msg", None) or str(exc))
        yield MalformedRecordError(
            source, None, f"XML error at line {line}, column {column}{after}: {msg}"
        )
    except (OSError, EOFError, zlib.error) as exc:  # truncated gzip stream
        after = f" after record {last_id}" if last_id else f" after {count} record(s)"
        yield MalformedRecordError(source, None, f"cannot read{after}: {exc}")
    finally:
        fh.close()


def text_of(el: etree._Element | None) -> str:
    """All text inside ``el`` with whitespace runs collapsed to one space."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())
