"""HTML fragments (PharmGKB markdown renderings) to plain text with the stdlib parser:
no network, no entities beyond HTML's own, scripts and styles dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "dt",
    "dd",
}
_SKIP = {"script", "style", "head", "title"}
# a superscript that is a footnote mark ("1905+1G>A<sup>g</sup>", "<sup>a,b</sup>", "†") is
# dropped: glued to the word before, it would change the word. Others ("10<sup>9</sup>") stay.
_FOOTNOTE_MARK = re.compile(r"[a-z](?:\s*,\s*[a-z])*|[*†‡§¶#]+")
_CELL = "\x1f"


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_cell = False  # inside a table cell, breaks are spaces: a row stays one line
        self.sup: list[str] | None = None  # the text of an open <sup>

    def close(self) -> None:
        super().close()
        self._unclosed_sup()

    def _unclosed_sup(self) -> None:
        """A <sup> still open at another tag keeps its text where it stood."""
        if self.sup is not None:
            self.parts.extend(self.sup)
            self.sup = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "sup":
            self._unclosed_sup()
        if tag in _SKIP:
            self.skip += 1
        elif tag == "sup":
            self.sup = []
        elif tag in ("td", "th"):
            self.parts.append(_CELL)
            self.in_cell = True
        elif tag in _BLOCK or tag == "br":
            self.parts.append(" " if self.in_cell and tag not in ("tr", "table") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag != "sup":
            self._unclosed_sup()
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "sup" and self.sup is not None:
            text, self.sup = "".join(self.sup), None
            if not _FOOTNOTE_MARK.fullmatch(text.strip()):
                self.parts.append(text)
        elif tag in ("td", "th"):
            self.in_cell = False
        elif tag in _BLOCK:
            if tag in ("tr", "table"):
                self.in_cell = False
            self.parts.append(" " if self.in_cell else "\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            (self.sup if self.sup is not None else self.parts).append(data.replace("\n", " "))


def html_to_text(fragment: str) -> str:
    """One line per block (paragraph, list item, table row as ``a | b``)."""
    parser = _TextParser()
    parser.feed(fragment)
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        cells = [" ".join(part.split()) for part in line.split(_CELL)]
        joined = " | ".join(c for c in cells if c)
        if joined:
            lines.append(joined)
    return "\n".join(lines)
