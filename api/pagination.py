"""Cursor pagination over the store's stable, offset-addressable neighbour lists.

A cursor is an opaque token for an item's position in its list (the store orders
neighbours by confidence, then id, so positions are stable between requests while
the graph does not change). ``after: <cursor>`` continues with the next item.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from kg.errors import BadInputError

_PREFIX = "o:"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise BadInputError("`after` is not a cursor returned by this API") from None
    if not raw.startswith(_PREFIX) or not raw[len(_PREFIX) :].isdigit():
        raise BadInputError("`after` is not a cursor returned by this API")
    return int(raw[len(_PREFIX) :])


@dataclass(frozen=True, slots=True)
class Page:
    offset: int
    size: int
    clamped_from: int | None = None  # the `first` asked for, when it was above the maximum


def page_size(first: int | None, *, default: int, maximum: int) -> tuple[int, int | None]:
    """(size, clamped_from): never silently caps; the caller reports a clamp."""
    if first is None:
        return min(default, maximum), None
    if first < 0:
        raise BadInputError(f"`first` must be zero or positive, not {first}")
    if first > maximum:
        return maximum, first
    return first, None


def make_page(first: int | None, after: str | None, *, default: int, maximum: int) -> Page:
    size, clamped = page_size(first, default=default, maximum=maximum)
    offset = 0 if after is None else decode_cursor(after) + 1
    return Page(offset, size, clamped)
