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
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError, UnsafeXMLError
from loaders._io import looks_binary, open_binary, read_head

# How far we look for the DOCTYPE: it must come before the root element, and a prolog
# bigger than this is not something we need to accept.
PROLOG_LIMIT = 1 << 20
_FIRST_READ = 1 << 14

_ROOT_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")
# what can change the scanner's state inside a DOCTYPE: quotes, the subset's brackets and
# the markup (comments, PIs) whose text may hold quotes or brackets
_DOCTYPE_SPECIAL = re.compile(rb"""["'\[\]>]|<!--|<\?""")
_WS = b" \t\r\n"
_POSITION_SUFFIX = re.compile(r",? line \d+, column \d+\s*$")


def localname(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, PIs, entities
        return ""
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class Prolog:
    """What comes before the root element, as far as the bytes seen go."""

    doctype: bytes | None = None  # ``<!DOCTYPE ...>``, cut short if the bytes end inside it
    subset: bytes | None = None  # the internal subset (between ``[`` and ``]``), if any
    root: int | None = None  # offset of the root element's start tag, once seen
    complete: bool = False  # False: the bytes ended inside the prolog (read more)


def _skip_markup(buf: bytes, i: int) -> int | None:
    """End of the comment or PI starting at ``i``; None when it is not closed yet."""
    opener, closer = (b"<!--", b"-->") if buf.startswith(b"<!--", i) else (b"<?", b"?>")
    end = buf.find(closer, i + len(opener))
    return None if end < 0 else end + len(closer)


def _scan_doctype(buf: bytes, start: int) -> tuple[int | None, int | None, int | None]:
    """(end after '>', subset start, subset end) of the DOCTYPE at ``start``; None for
    what the bytes do not reach. Quoted literals, comments and PIs may hold '[', ']' or '>'."""
    i = start + len(b"<!DOCTYPE")
    subset_start: int | None = None
    subset_end: int | None = None
    while True:
        m = _DOCTYPE_SPECIAL.search(buf, i)
        if m is None:
            return None, subset_start, subset_end
        tok, i = m.group(), m.start()
        if tok in (b'"', b"'"):
            close = buf.find(tok, i + 1)
            if close < 0:
                return None, subset_start, subset_end
            i = close + 1
        elif tok in (b"<!--", b"<?"):
            end = _skip_markup(buf, i)
            if end is None:
                return None, subset_start, subset_end
            i = end
        elif tok == b"[" and subset_start is None:
            subset_start = i = i + 1
        elif tok == b"]" and subset_start is not None and subset_end is None:
            subset_end, i = i, i + 1
        elif tok == b">" and (subset_start is None or subset_end is not None):
            return i + 1, subset_start, subset_end
        else:
            i += 1


def scan_prolog(buf: bytes) -> Prolog:
    """Find the DOCTYPE (and its internal subset) and the root element in the first bytes
    of an XML document: only markup allowed before the root is skipped (BOM, whitespace,
    the XML declaration, PIs, comments, one DOCTYPE); anything else ends the scan."""
    i = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
    n = len(buf)
    doctype: bytes | None = None
    subset: bytes | None = None
    while True:
        while i < n and buf[i] in _WS:
            i += 1
        if i >= n:
            return Prolog(doctype, subset)
        if buf.startswith((b"<?", b"<!--"), i):
            end = _skip_markup(buf, i)
            if end is None:
                return Prolog(doctype, subset)
            i = end
            continue
        word = buf[i : i + len(b"<!DOCTYPE")].upper()
        if doctype is None and word == b"<!DOCTYPE":
            end, sub_start, sub_end = _scan_doctype(buf, i)
            doctype = buf[i:end] if end is not None else buf[i:]
            if sub_start is not None:
                subset = buf[sub_start : sub_end if sub_end is not None else n]
            if end is None:
                return Prolog(doctype, subset)
            i = end
            continue
        if n - i < len(b"<!DOCTYPE") and b"<!DOCTYPE".startswith(word):
            return Prolog(doctype, subset)  # perhaps a DOCTYPE cut by the end of the bytes
        root = i if _ROOT_START.match(buf, i) else None
        return Prolog(doctype, subset, root, complete=True)


def _read_prolog(path: str | Path) -> tuple[Prolog, bool]:
    """The prolog, reading until it is complete, the file ends or ``PROLOG_LIMIT`` bytes;
    and whether the limit stopped the reading."""
    with open_binary(path) as fh:
        buf = fh.read(_FIRST_READ)
        while True:
            prolog = scan_prolog(buf)
            if prolog.complete:
                return prolog, False
            if len(buf) >= PROLOG_LIMIT:
                return prolog, True
            # doubling reads: the rescans cost about twice one scan of the final buffer
            chunk = fh.read(min(len(buf), PROLOG_LIMIT - len(buf)))
            if not chunk:
                return prolog, False
            buf += chunk


def check_prolog(path: str | Path, source: str) -> None:
    """Raise ``UnsafeXMLError`` if the DOCTYPE's internal subset declares entities or uses
    parameter entities, or is too large to check. Only the DOCTYPE is looked at: text
    after it may hold '[' or ']>' freely. Read errors (OSError, EOFError, zlib.error)
    propagate."""
    prolog, at_limit = _read_prolog(path)
    check_doctype(prolog, source, at_limit=at_limit)


def check_doctype(prolog: Prolog, source: str, *, at_limit: bool = False) -> None:
    """``check_prolog`` on a prolog already scanned."""
    subset = prolog.subset
    if prolog.doctype is None or subset is None:
        return  # no DOCTYPE, or an external DTD reference only: allowed, never loaded
    if re.search(rb"<!ENTITY\b", subset, re.IGNORECASE):
        kind = "external entity" if re.search(rb"\b(SYSTEM|PUBLIC)\b", subset) else "entity"
        raise UnsafeXMLError(source, None, f"DOCTYPE declares an {kind}; refusing to parse")
    if re.search(rb"%[A-Za-z_][\w.-]*;", subset):
        raise UnsafeXMLError(source, None, "DOCTYPE uses parameter entities; refusing to parse")
    if at_limit:
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
    consumer resumes: take what you need before asking for the next one. A well-formed
    file without one such element yields one error (``EmptyDocumentError`` for an empty
    root, ``MalformedRecordError`` for other content), never nothing at all."""
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
    root_name = ""
    children = 0  # elements directly under the root
    try:
        fh = open_binary(path)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
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
                if depth == 1:
                    children += 1
                if not checked_dtd:
                    checked_dtd = True
                    root_name = localname(el)
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
        if count == 0:  # never a silent file: say that it held nothing we read
            want = " or ".join(f"<{t}>" for t in sorted(wanted))
            if children == 0 and max_depth > 0:
                yield EmptyDocumentError(source, None, f"<{root_name}> holds no {want} record")
            else:
                yield MalformedRecordError(
                    source, None, f"no {want} record in the file (root <{root_name}>)"
                )
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
