"""Opening inputs: gzip transparently, regular files only, bytes per line (capped) so one bad
line never sinks a file; strict ASCII numbers for ids and offsets."""

from __future__ import annotations

import gzip
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
# One line longer than this (decompressed) is reported, not read: no record of ours is that
# big, and a small gzip file can hold a line of gigabytes.
MAX_LINE_BYTES = 64 << 20
LONG_LINE_HEAD = 4096  # what is kept of an over-long line, to name its record
_SKIP_CHUNK = 1 << 20
_ASCII_INT = re.compile(r"[0-9]+")


class NotRegularFileError(OSError):
    """A FIFO, socket or device: reading it could block forever or never end."""


def open_binary(path: str | Path) -> BinaryIO:
    """Open a regular file for reading bytes, gunzipping when it starts with the gzip magic.

    Opened non-blocking and checked with fstat before anything is read, so a FIFO, socket or
    device raises ``NotRegularFileError`` (an ``OSError``) instead of hanging."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(f"not a regular file: {path}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        raw = open(fd, "rb")  # noqa: SIM115 - handed to the caller
    except BaseException:
        os.close(fd)
        raise
    if raw.peek(2)[:2] != GZIP_MAGIC:
        return raw
    gz = gzip.GzipFile(fileobj=raw, mode="rb")
    gz.myfileobj = raw  # closed with it, as ``gzip.open(path)`` does with the file it opens
    return gz  # type: ignore[return-value]


def read_head(path: str | Path, size: int = 4096) -> bytes:
    """The first ``size`` decompressed bytes; a corrupt gzip raises OSError/EOFError."""
    with open_binary(path) as fh:
        return fh.read(size)


def looks_binary(head: bytes) -> bool:
    """NUL bytes never occur in the text formats we read (UTF-16 files are not supported)."""
    return b"\x00" in head


def is_ascii_int(text: str) -> bool:
    """Only ASCII digits: ``str.isdigit`` also takes '²' and '٣', which ``int`` rejects or
    reads as another number."""
    return _ASCII_INT.fullmatch(text) is not None


def join_unique(values: Iterable[str]) -> str:
    """A metadata list: each value with its whitespace collapsed, empty ones and repeats
    dropped, order kept, joined with "|"."""
    seen: list[str] = []
    for v in values:
        v = " ".join(v.split())
        if v and v not in seen:
            seen.append(v)
    return "|".join(seen)


def ascii_int(text: str) -> int:
    """A non-negative integer written in ASCII digits only (surrounding spaces allowed);
    ``ValueError`` otherwise (``int`` would take '+5', '1_0' and '٣')."""
    stripped = text.strip()
    if not is_ascii_int(stripped):
        raise ValueError(f"{text[:40]!r} is not a non-negative integer")
    return int(stripped)


@dataclass(frozen=True)
class LongLine:
    """A line longer than the cap: its first bytes and its length, the rest never held."""

    head: bytes
    length: int
    limit: int

    def problem(self) -> str:
        return f"line of {self.length} bytes, longer than the {self.limit}-byte limit"


def read_lines(
    fh: BinaryIO, max_bytes: int | None = None
) -> Iterator[tuple[int, bytes | LongLine]]:
    """Yield (1-based line number, line bytes without the line ending), or a ``LongLine``
    for a line over ``max_bytes`` (default ``MAX_LINE_BYTES``); memory stays within about
    ``max_bytes`` whatever the line."""
    if max_bytes is None:
        max_bytes = MAX_LINE_BYTES
    number = 0
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if len(line) > max_bytes and not line.endswith(b"\n"):
            head, length = line[:LONG_LINE_HEAD], len(line)
            del line
            while True:  # drop the rest of the line a chunk at a time
                rest = fh.readline(_SKIP_CHUNK)
                length += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, LongLine(head, length, max_bytes)
            continue
        yield number, line.rstrip(b"\r\n")


def iter_lines(
    path: str | Path, max_bytes: int | None = None
) -> Iterator[tuple[int, bytes | LongLine]]:
    """``read_lines`` over a file opened with ``open_binary``."""
    with open_binary(path) as fh:
        yield from read_lines(fh, max_bytes)
