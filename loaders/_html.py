"""HTML fragments (PharmGKB markdown renderings) to plain text with the stdlib parser:
no network, no entities beyond HTML's own, scripts and styles dropped."""

from __future__ import annotations

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
_CELL = "\x1f"


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_cell = False  # inside a table cell, breaks are spaces: a row stays one line

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in ("td", "th"):
            self.parts.append(_CELL)
            self.in_cell = True
        elif tag in _BLOCK or tag == "br":
            self.parts.append(" " if self.in_cell and tag not in ("tr", "table") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th"):
            self.in_cell = False
        elif tag in _BLOCK:
            if tag in ("tr", "table"):
                self.in_cell = False
            self.parts.append(" " if self.in_cell else "\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


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
