"""Opening inputs: gzip transparently, bytes per line so one bad line never sinks a file."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: str | Path) -> BinaryIO:
    """Open a file for reading bytes, gunzipping when it starts with the gzip magic."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the caller
    try:
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    except OSError:
        head = b""
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def read_head(path: str | Path, size: int = 4096) -> bytes:
    """The first ``size`` decompressed bytes (fewer for short or broken gzip files)."""
    with open_binary(path) as fh:
        try:
            return fh.read(size)
        except (OSError, EOFError, gzip.BadGzipFile):
            return b""


def looks_binary(head: bytes) -> bool:
    """NUL bytes never occur in the text formats we read (UTF-16 files are not supported)."""
    return b"\x00" in head


def iter_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line bytes without the line ending)."""
    with open_binary(path) as fh:
        for number, line in enumerate(fh, 1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line.rstrip(b"\r\n")
