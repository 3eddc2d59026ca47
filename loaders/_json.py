"""Streaming JSON records: ``{"meta": ..., "results": [ {...}, ... ]}`` one element at a time,
JSON lines one line at a time, or a single object (then any objects concatenated after it);
never the whole file in memory, and time linear in the file, however long one value is.

JSON lines or one document? A ``.jsonl``/``.ndjson`` file is JSON lines unless its first
line is visibly the start of a multi-line document (``{"meta": {...}, "results": [``); any
other file is JSON lines only when its first line is a complete record followed by more
lines. In JSON lines a bad line costs that line, and a line holding a whole
``{"results": [...]}`` download gives its records.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import LoaderError, MalformedRecordError
from loaders._io import LongLine, looks_binary, open_binary, read_lines

CHUNK = 1 << 16
MAX_RECORD_CHARS = 64 << 20  # one record bigger than this is not a label
PROBE_LINE_BYTES = 4 << 20  # longer first lines are not probed: the extension decides
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")

_DECODER = json.JSONDecoder()
_WS_RUN = re.compile(r"[ \t\r\n]*")
_STRUCTURAL = re.compile(r'["\[\]{}]')  # outside strings: what changes the nesting
_IN_STRING = re.compile(r'["\\]')  # inside a string: its end or an escape
_SCALAR_END = re.compile(r"[ \t\r\n,\]}:]")
_SCALAR_START = frozenset("-0123456789tfn")
_UTF8_BOM = b"\xef\xbb\xbf"

Item = tuple[int, dict[str, Any]] | LoaderError


class _Truncated(Exception):
    """The file ended inside the JSON."""


class _Bad(Exception):
    """Invalid JSON (or JSON we refuse: nested too deeply, a record too large)."""


def decode_error(exc: BaseException) -> str:
    """What is wrong, for a message (positions are the caller's to give)."""
    if isinstance(exc, RecursionError):  # the C decoder's own depth guard
        return "nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    return str(exc).split(":", 1)[0][:100]  # e.g. an integer of more than 4300 digits


def deep_line(text: str, levels: int = 500) -> int | None:
    """The line where arrays/objects first nest more than ``levels`` deep, if they do: for
    the message when the decoder gives up on depth (its error says nowhere)."""
    depth, i, in_string = 0, 0, False
    while True:
        m = (_IN_STRING if in_string else _STRUCTURAL).search(text, i)
        if m is None:
            return None
        char, i = m.group(), m.end()
        if char == "\\":
            i += 1
        elif char == '"':
            in_string = not in_string
        elif char in "[{":
            depth += 1
            if depth > levels:
                return text.count("\n", 0, i) + 1
        else:
            depth -= 1


class _Reader:
    """A text buffer over a byte stream with incremental UTF-8 decoding.

    A value not whole in the buffer is located by a scan that resumes where it stopped
    when more text arrives (reading geometrically more), then decoded once: linear in
    its length, where retrying the decoder after each chunk would be quadratic."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped from the front of buf
        self.line = 1  # line number of buf[0]
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def more(self, size: int = CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(size)
        if not chunk:
            self.eof = True
            self.buf += self._decoder.decode(b"", final=True)
            return False
        self.buf += self._decoder.decode(chunk)
        return True

    def compact(self, force: bool = False) -> None:
        if self.pos > CHUNK or (force and self.pos):
            self.line += self.buf.count("\n", 0, self.pos)
            self.consumed += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0

    def skip_ws(self) -> str:
        """The next non-space character (not consumed), '' at the end."""
        while True:
            self.pos = _WS_RUN.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.compact(force=True)  # all spaces so far: keep none of them
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        got = self.skip_ws()
        if got == "":
            raise _Truncated(f"expected {char!r}")
        if got != char:
            raise _Bad(f"expected {char!r}, found {got!r}")
        self.pos += 1

    def _grow(self, start: int) -> None:
        """More text for the value starting at ``start``, or the reason there is none."""
        if len(self.buf) - start > MAX_RECORD_CHARS:
            raise _Bad(f"a value longer than {MAX_RECORD_CHARS} characters")
        if not self.more(max(CHUNK, len(self.buf) - start)):
            raise _Truncated("the file ended inside a value")

    def _end_of(self, start: int) -> int:
        """Where the value starting at ``start`` ends (exclusive), reading as needed."""
        first = self.buf[start]
        if first not in '{["':
            if first not in _SCALAR_START:
                raise _Bad(f"expected a value, found {first!r}")
            while True:  # a number or literal: up to the next delimiter
                m = _SCALAR_END.search(self.buf, start)
                if m is not None:
                    return m.start()
                if self.eof:
                    return len(self.buf)
                self._grow(start)
        depth = 0
        in_string = first == '"'
        i = start + 1 if in_string else start
        while True:
            if in_string:
                m = _IN_STRING.search(self.buf, i)
                if m is not None and m.group() == '"':
                    in_string, i = False, m.end()
                    if depth == 0:
                        return i
                    continue
                if m is not None and m.end() < len(self.buf):
                    i = m.end() + 1  # past the escaped character
                    continue
                i = m.start() if m is not None else len(self.buf)  # rescan the escape
            else:
                m = _STRUCTURAL.search(self.buf, i)
                if m is not None:
                    char, i = m.group(), m.end()
                    if char == '"':
                        in_string = True
                    elif char in "[{":
                        depth += 1
                    else:
                        depth -= 1
                        if depth <= 0:
                            return i
                    continue
                i = len(self.buf)
            self._grow(start)

    def value(self) -> Any:
        if self.skip_ws() == "":
            raise _Truncated("expected a value")
        start = self.pos
        try:  # the common case: the value is already whole in the buffer
            obj, stop = _DECODER.raw_decode(self.buf, start)
            if stop < len(self.buf) or self.eof or self.buf[start] in '{["':
                self.pos = stop
                return obj
        except RecursionError:
            raise _Bad("nested too deeply") from None
        except ValueError:
            pass  # cut by the end of the buffer, or invalid: the scan tells which
        self._end_of(start)  # the whole value is in the buffer now: decode it once more
        try:
            obj, stop = _DECODER.raw_decode(self.buf, start)
        except (ValueError, RecursionError) as exc:
            raise _Bad(decode_error(exc)) from None
        self.pos = stop
        return obj

    def where(self) -> str:
        line = self.line + self.buf.count("\n", 0, self.pos)
        return f"line {line} (character {self.consumed + self.pos})"


def iter_json_records(path: str | Path, array_key: str = "results") -> Iterator[Item]:
    """Yield (index, record) or a LoaderError. A parse error ends a JSON document (JSON
    cannot resync); in JSON lines only that line is lost."""
    source = str(path)
    try:
        with open_binary(path) as probe:
            head = probe.read(4096)
        if looks_binary(head):
            yield MalformedRecordError(source, None, "binary data, not JSON")
            return
        if head.startswith(_UTF8_BOM):
            yield MalformedRecordError(source, None, "starts with a byte order mark: not JSON")
            return
        lines = _is_json_lines(path, array_key)
        fh = open_binary(path)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
    with fh:
        if lines:
            yield from _json_lines(fh, source, array_key)
        else:
            yield from _document(fh, source, array_key)


def _suffix(path: str | Path) -> str:
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _first_line_kind(text: str, array_key: str) -> str:
    """'record' (a complete object), 'wrapper' (a complete ``{array_key: [...]}``), 'prefix'
    (the valid start of a multi-line document) or 'damaged'."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        # a line of a pretty-printed document is valid up to its end, between two tokens
        if exc.pos >= len(text) and text[-1] in "[{,:":
            return "prefix"
        return "damaged"
    except (ValueError, RecursionError):
        return "damaged"
    if not isinstance(obj, dict):
        return "damaged"
    return "wrapper" if isinstance(obj.get(array_key), list) else "record"


def _is_json_lines(path: str | Path, array_key: str) -> bool:
    by_name = _suffix(path) in JSON_LINES_SUFFIXES
    with open_binary(path) as probe:
        first = probe.readline(PROBE_LINE_BYTES)
        while first and not first.strip():
            first = probe.readline(PROBE_LINE_BYTES)
        text = first.decode("utf-8", "replace").strip()
        if not text.startswith("{"):
            return by_name
        if len(first) >= PROBE_LINE_BYTES and not first.endswith(b"\n"):
            return by_name  # too long to probe
        kind = _first_line_kind(text, array_key)
        if kind == "prefix" or (kind == "wrapper" and not by_name):
            return False
        if kind == "damaged" or by_name:
            return by_name
        following = probe.readline(4096)
        while following and not following.strip():
            following = probe.readline(4096)
    return bool(following.strip())


def _json_lines(fh: Any, source: str, array_key: str) -> Iterator[Item]:
    index = 0
    number = 0
    try:
        for number, raw in read_lines(fh):
            where = f"line {number}"
            if isinstance(raw, LongLine):
                yield MalformedRecordError(source, where, raw.problem())
                continue
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield MalformedRecordError(source, where, "invalid UTF-8")
                continue
            except (ValueError, RecursionError) as exc:
                column = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
                yield MalformedRecordError(
                    source, where, f"invalid JSON: {decode_error(exc)}{column}"
                )
                continue
            if not isinstance(obj, dict):
                yield MalformedRecordError(source, where, "not a JSON object")
                continue
            items = obj.get(array_key)
            if not isinstance(items, list):
                yield index, obj
                index += 1
                continue
            for i, item in enumerate(items):  # a whole {"results": [...]} download on a line
                if isinstance(item, dict):
                    yield index, item
                    index += 1
                else:
                    yield MalformedRecordError(source, f"{where} #{i}", "not a JSON object")
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"unreadable after line {number}: {exc}")


def _document(fh: Any, source: str, array_key: str) -> Iterator[Item]:
    reader = _Reader(fh)
    index = 0
    try:
        first = reader.skip_ws()
        if first == "":
            yield MalformedRecordError(source, None, "empty file")
            return
        if first == "[":  # a bare array of records
            for item in _array(reader, source):
                if isinstance(item, tuple):
                    index = item[0] + 1
                yield item
            _expect_end(reader)
            return
        found_array = False
        single: dict[str, Any] = {}
        for key in _keys(reader):
            if key == array_key and reader.skip_ws() == "[":
                found_array = True
                for item in _array(reader, source):
                    if isinstance(item, tuple):
                        index = item[0] + 1
                    yield item
            else:
                single[key] = reader.value()
                if reader.consumed + reader.pos > MAX_RECORD_CHARS:
                    raise _Bad(f"a record longer than {MAX_RECORD_CHARS} characters")
            reader.compact()
        if found_array:
            _expect_end(reader)  # a second download or garbage after it is not dropped
            return
        yield 0, single  # the file is one record ...
        index = 1
        while reader.skip_ws():  # ... or the first of concatenated ones (long JSON lines)
            obj = reader.value()
            reader.compact()
            if isinstance(obj, dict):
                yield index, obj
            else:
                yield MalformedRecordError(source, f"#{index}", "not a JSON object")
            index += 1
    except _Truncated as exc:
        yield MalformedRecordError(
            source,
            None,
            f"truncated JSON ({exc.args[0]}) at {reader.where()} after {index} record(s)",
        )
    except _Bad as exc:
        yield MalformedRecordError(
            source,
            None,
            f"invalid JSON ({exc.args[0]}) at {reader.where()} after {index} record(s)",
        )
    except UnicodeDecodeError:
        yield MalformedRecordError(
            source, None, f"invalid UTF-8 near {reader.where()} after {index} record(s)"
        )
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"unreadable after {index} record(s): {exc}")


def _keys(reader: _Reader) -> Iterator[str]:
    """The keys of the object at the reader, each left for the caller to read its value."""
    reader.expect("{")
    if reader.skip_ws() == "}":
        reader.pos += 1
        return
    while True:
        if reader.skip_ws() not in ('"', ""):
            raise _Bad("expected a property name")
        key = reader.value()
        reader.expect(":")
        yield key
        nxt = reader.skip_ws()
        reader.pos += 1
        if nxt == "}":
            return
        if nxt == "":
            raise _Truncated("expected ',' or '}'")
        if nxt != ",":
            reader.pos -= 1
            raise _Bad(f"expected ',' or '}}', found {nxt!r}")


def _array(reader: _Reader, source: str) -> Iterator[Item]:
    reader.expect("[")
    index = 0
    if reader.skip_ws() == "]":
        reader.pos += 1
        return
    while True:
        obj = reader.value()
        reader.compact()
        if isinstance(obj, dict):
            yield index, obj
        else:
            yield MalformedRecordError(source, f"#{index}", "array element is not a JSON object")
        index += 1
        nxt = reader.skip_ws()
        reader.pos += 1
        if nxt == "]":
            return
        if nxt == "":
            raise _Truncated("expected ',' or ']'")
        if nxt != ",":
            reader.pos -= 1
            raise _Bad(f"expected ',' or ']', found {nxt!r}")


def _expect_end(reader: _Reader) -> None:
    if reader.skip_ws():
        found = reader.buf[reader.pos : reader.pos + 20]
        raise _Bad(f"data after the end of the document, starting {found!r}")
