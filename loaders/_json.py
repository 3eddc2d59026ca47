"""Streaming JSON records: ``{"meta": ..., "results": [ {...}, ... ]}`` one element at a time,
JSON lines one line at a time, or a single object; never the whole file in memory
(except a single-object file, which is one record anyway)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import LoaderError, MalformedRecordError
from loaders._io import looks_binary, open_binary

CHUNK = 1 << 16
MAX_RECORD_CHARS = 64 << 20  # one record bigger than this is not a label
PROBE_LINE_BYTES = 4 << 20  # longer first lines are parsed as concatenated JSON instead

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


class _Truncated(Exception):
    pass


class _Reader:
    """A text buffer over a byte stream with incremental UTF-8 decoding."""

    def __init__(self, fh: Any, source: str) -> None:
        self.fh = fh
        self.source = source
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped from the front of buf
        self._decoder = __import__("codecs").getincrementaldecoder("utf-8")("strict")

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(CHUNK)
        if not chunk:
            self.eof = True
            self.buf += self._decoder.decode(b"", final=True)
            return False
        self.buf += self._decoder.decode(chunk)
        return True

    def compact(self) -> None:
        if self.pos > CHUNK:
            self.consumed += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0

    def skip_ws(self) -> str:
        """The next non-space character (not consumed), '' at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.skip_ws() != char:
            raise json.JSONDecodeError(f"expected {char!r}", self.buf, self.pos)
        self.pos += 1

    def value(self) -> Any:
        self.skip_ws()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_RECORD_CHARS:
                    raise
                if not self.more():  # the file ended inside this value
                    raise _Truncated(exc.msg) from None
                continue
            # a number at the very end of the buffer might continue in the next chunk
            if end == len(self.buf) and not self.eof and self.more():
                continue
            self.pos = end
            return obj

    def where(self) -> int:
        return self.consumed + self.pos


def iter_json_records(
    path: str | Path, array_key: str = "results"
) -> Iterator[tuple[int, dict[str, Any]] | LoaderError]:
    """Yield (index, record) or a LoaderError. A parse error ends the file (JSON cannot
    resync), except in JSON lines where only that line is lost."""
    source = str(path)
    try:
        with open_binary(path) as probe:
            head = probe.read(4096)
        if looks_binary(head):
            yield MalformedRecordError(source, None, "binary data, not JSON")
            return
        lines = head.lstrip().startswith(b"{") and _is_json_lines(path)
        fh = open_binary(path)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
    with fh:
        if lines:
            yield from _json_lines(fh, source)
        else:
            yield from _document(fh, source, array_key)


def _is_json_lines(path: str | Path) -> bool:
    """Two or more lines, the first a complete JSON object."""
    with open_binary(path) as probe:
        first = probe.readline(PROBE_LINE_BYTES)
        second = probe.readline(4096)
        while second and not second.strip():
            second = probe.readline(4096)
    if not second.strip():
        return False
    try:
        return isinstance(json.loads(first), dict) and second.lstrip()[:1] == b"{"
    except ValueError:
        return False


def _json_lines(fh: Any, source: str) -> Iterator[tuple[int, dict[str, Any]] | LoaderError]:
    index = 0
    try:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield MalformedRecordError(source, f"line {number}", "invalid UTF-8")
                continue
            except ValueError as exc:
                yield MalformedRecordError(source, f"line {number}", f"invalid JSON: {exc}")
                continue
            if not isinstance(obj, dict):
                yield MalformedRecordError(source, f"line {number}", "not a JSON object")
                continue
            yield index, obj
            index += 1
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"unreadable after {index} record(s): {exc}")


def _document(
    fh: Any, source: str, array_key: str
) -> Iterator[tuple[int, dict[str, Any]] | LoaderError]:
    reader = _Reader(fh, source)
    index = 0
    try:
        first = reader.skip_ws()
        if first == "":
            yield MalformedRecordError(source, None, "empty file")
            return
        if first == "[":  # a bare array of records
            yield from _array(reader, source)
            return
        reader.expect("{")
        found_array = False
        single: dict[str, Any] = {}
        while True:
            nxt = reader.skip_ws()
            if nxt == "}":
                reader.pos += 1
                break
            if nxt == ",":
                reader.pos += 1
                continue
            key = reader.value()
            reader.expect(":")
            if key == array_key and reader.skip_ws() == "[":
                found_array = True
                for item in _array(reader, source):
                    if isinstance(item, tuple):
                        index = item[0] + 1
                    yield item
            else:
                single[key] = reader.value()
            reader.compact()
        if not found_array:
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
        why = f" ({exc.args[0]})" if exc.args else ""
        yield MalformedRecordError(
            source,
            None,
            f"truncated or invalid JSON{why} near character {reader.where()} after {index} record(s)",
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        what = (
            "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) else f"invalid JSON ({exc.msg})"
        )
        yield MalformedRecordError(
            source, None, f"{what} near character {reader.where()} after {index} record(s)"
        )
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"unreadable after {index} record(s): {exc}")


def _array(reader: _Reader, source: str) -> Iterator[tuple[int, dict[str, Any]] | LoaderError]:
    reader.expect("[")
    index = 0
    while True:
        nxt = reader.skip_ws()
        if nxt == "]":
            reader.pos += 1
            return
        if nxt == ",":
            reader.pos += 1
            continue
        if nxt == "":
            raise _Truncated()
        obj = reader.value()
        reader.compact()
        if isinstance(obj, dict):
            yield index, obj
        else:
            yield MalformedRecordError(source, f"#{index}", "array element is not a JSON object")
        index += 1
