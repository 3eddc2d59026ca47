"""Deterministic generator of malformed and hostile loader inputs, mixed with valid
documents, each file with the exact outcome the loaders must give it.

Valid records are the fixtures' (and the demo sample's) own records with fresh ids (one
counter for every format), so every planted document is unique in the ledger and every
loaded document can be traced back to the file that planted it. A damaged multi-record
file plants ids before and after the damage: the ones before must load (``docs``), the
ones after must not. Where the outcome depends on a stream's buffer sizes (a truncated
gzip stream, a bad byte in a JSON file read 64 KiB at a time) the records before the
damage *may* load, as a prefix (``maybe``).

Run as ``python -m tests.loaders.fuzzgen ingest IN GRAPH``: ingests IN into an embedded
store at GRAPH with ``DocumentsOnly`` and prints the report and the peak RSS growth as
JSON (a fresh process, so that the peak belongs to this run alone); ``... read FILE``
does the same for ``iter_documents`` over one file.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "loaders"
SAMPLES = ROOT / "samples"

FAMILIES = (
    "pubmed",
    "medline",
    "pmc",
    "bioc",
    "spl",
    "pubtator",
    "openfda_json",
    "openfda_jsonl",
    "civic",
    "pharmgkb",
    "text",
)
SECRET = "SENTINEL-SECRET-7f3a"  # content of a local file that external entities point at
DTD_SECRET = "SENTINEL-DTD-7f3a"  # an entity value in a local DTD the loaders must not load
HUGE = 20 << 20  # "tens of MB": a single line or text node this long
PLACEHOLDER = b"@@ID@@"
MALFORMED, UNSAFE, EMPTY, UNKNOWN = (
    "MalformedRecordError",
    "UnsafeXMLError",
    "EmptyDocumentError",
    "UnknownFormatError",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_BAD_UTF8 = (
    b"\xff",
    b"\xfe",
    b"\xc3\x28",
    b"\xe9",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"\xe2\x82",
)
# well-formedness errors wherever character data may stand
_XML_POISON = (
    b"</Stray>",
    b"< ",
    b"& ",
    b"&#0;",
    b"&#xD800;",
    b"&#x110000;",
    b"<!-- a -- b -->",
    b'<?xml version="1.0"?>',
    b'<x a="1" a="2"/>',
    b"<1x/>",
    b"\x01",
    b"\x0b",
    b"<![CDATA[never closed",
    b"<x>",
    b"]]>",
)
_JSON_POISON = (
    b",",
    b":",
    b"'k': 1,",
    b"k: 1,",
    b"/* c */",
    b"NaN,",
    b'"a" 1,',
    b'"\x01": 1,',
    b'"a": 01,',
    b'"a": tru,',
    b'"a": [1, 2,],',
    b'"a": "\\x",',
    b'"a": +1,',
)
# mention offsets PubTator must refuse: letters, signs, digits int() reads or chokes on
_NOT_OFFSETS = (
    b"abc",
    b"-5",
    b"+5",
    b"1_0",
    b"1.5",
    b"",
    "²".encode(),
    "٣".encode(),
    "５".encode(),
)
_PROSE = (
    "aspirin inhibits cyclooxygenase and platelet aggregation in patients with stable angina "
    "warfarin clopidogrel CYP2C19 poor metabolisers show reduced activation of the prodrug "
    "β-lactam µg/kg Müller naïve café α-synuclein 5′-UTR ≥ 10 mg — résumé Straße 東京 "
    "hepatotoxicity was observed in 3 of 42 subjects receiving 200 mg daily"
)
_WORDS = _PROSE.split()


@dataclass(frozen=True)
class Record:
    id: str
    data: bytes
    deleted: bool = False


@dataclass(frozen=True)
class Layout:
    head: bytes
    sep: bytes
    tail: bytes
    ext: str


@dataclass(frozen=True)
class Case:
    """One generated file and what the loaders must make of it."""

    path: Path
    family: str
    kind: str
    hostile: bool
    docs: tuple[str, ...]  # ids that must load, in this order
    maybe: tuple[str, ...] = ()  # ids that may follow ``docs``, as a prefix of these
    planted: tuple[str, ...] = ()  # every id written into the file
    errors: frozenset[str] = frozenset()  # allowed LoaderError subclass names
    min_errors: int = 0
    max_errors: int = 0
    records: tuple[str, ...] = ()  # records the errors must name
    deleted: tuple[str, ...] = ()  # ids among docs that are deletions
    invalid_mentions: tuple[tuple[str, int], ...] = ()  # (id, at least n) gold mentions dropped
    gz: bool = False
    size: int = 0


@dataclass
class Corpus:
    root: Path
    cases: list[Case] = field(default_factory=list)

    def planted_ids(self) -> set[str]:
        return {i for c in self.cases for i in c.planted}


# -- templates: fixture records with their id replaced by a placeholder ------------------


def _xml(path: Path) -> etree._Element:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return etree.fromstring(raw, _PARSER)


def _bytes(el: etree._Element) -> bytes:
    return etree.tostring(el, encoding="UTF-8", xml_declaration=False, with_tail=False)


@dataclass(frozen=True)
class Templates:
    pubmed: tuple[bytes, ...]
    medline: tuple[bytes, ...]
    pmc: tuple[bytes, ...]
    bioc: tuple[bytes, ...]
    spl: tuple[tuple[bytes, str], ...]  # (document, version)
    pubtator: tuple[bytes, ...]
    openfda: tuple[tuple[dict, str], ...]  # (record with placeholder set_id, version)
    civic_header: bytes
    civic: tuple[bytes, ...]
    pharmgkb: tuple[dict, ...]
    openfda_meta: dict


def load_templates() -> Templates:
    pubmed: list[bytes] = []
    for p in (
        FIXTURES / "pubmed" / "respiratory-misc_15.xml",
        FIXTURES / "pubmed" / "pubmed-29768149.xml",
        FIXTURES / "pubmed" / "current-dtd-2024_1.xml.gz",
        SAMPLES / "pubmed" / "oncology-pharmacogenomics_39.xml.gz",
        SAMPLES / "pubmed" / "dabrafenib-trametinib-review_1.xml",
    ):
        for art in _xml(p).iterchildren("PubmedArticle"):
            art.find("MedlineCitation/PMID").text = PLACEHOLDER.decode()
            pubmed.append(_bytes(art))
    medline: list[bytes] = []
    for cit in _xml(FIXTURES / "pubmed" / "medline16n0902-first5-and-deletion.xml.gz"):
        if cit.tag == "MedlineCitation":
            cit.find("PMID").text = PLACEHOLDER.decode()
            medline.append(_bytes(cit))
    pmc: list[bytes] = []
    for p in sorted((FIXTURES / "pmc").glob("*.nxml")):
        art = _xml(p)
        for aid in art.iterfind("front/article-meta/article-id"):
            if aid.get("pub-id-type") == "pmc":
                aid.text = PLACEHOLDER.decode()
        pmc.append(_bytes(art))
    bioc: list[bytes] = []
    for doc in _xml(FIXTURES / "bioc" / "pubtator_3docs.BioC.xml").iterchildren("document"):
        doc.find("id").text = PLACEHOLDER.decode()
        bioc.append(_bytes(doc))
    spl: list[tuple[bytes, str]] = []
    h = "{urn:hl7-org:v3}"
    for p in sorted((FIXTURES / "spl").glob("*.xml")):
        doc = _xml(p)
        doc.find(f"{h}setId").set("root", PLACEHOLDER.decode())
        spl.append((_bytes(doc), doc.find(f"{h}versionNumber").get("value").strip()))
    pubtator: list[bytes] = []
    for p in sorted((FIXTURES / "pubtator").iterdir()):
        for block in re.split(rb"\n\s*\n", p.read_bytes().replace(b"\r\n", b"\n")):
            if block.strip():
                pubtator.append(re.sub(rb"(?m)^\d+(?=[|\t])", PLACEHOLDER, block.strip(b"\n")))
    label = json.loads((FIXTURES / "openfda" / "drug_label_3.json").read_text())
    openfda = tuple(
        ({**r, "set_id": PLACEHOLDER.decode(), "id": f"doc-{PLACEHOLDER.decode()}"}, r["version"])
        for r in label["results"]
    )
    civic_rows: list[bytes] = []
    header = b""
    for p in (
        FIXTURES / "civic" / "ClinicalEvidenceSummaries_5.tsv",
        SAMPLES / "civic" / "ClinicalEvidenceSummaries_30.tsv",
    ):
        lines = p.read_bytes().rstrip(b"\n").split(b"\n")
        header = lines[0]
        col = header.split(b"\t").index(b"evidence_id")
        for line in lines[1:]:
            fields = line.split(b"\t")
            fields[col] = PLACEHOLDER
            civic_rows.append(b"\t".join(fields))
    pharmgkb = []
    for p in sorted((SAMPLES / "pharmgkb").glob("*.json.gz")):
        data = json.loads(gzip.decompress(p.read_bytes()))
        data["guideline"]["id"] = f"PA{PLACEHOLDER.decode()}"
        pharmgkb.append(data)
    return Templates(
        pubmed=tuple(pubmed),
        medline=tuple(medline),
        pmc=tuple(pmc),
        bioc=tuple(bioc),
        spl=tuple(spl),
        pubtator=tuple(pubtator),
        openfda=openfda,
        civic_header=header,
        civic=tuple(civic_rows),
        pharmgkb=tuple(pharmgkb),
        openfda_meta=label["meta"],
    )


LAYOUTS = {
    "pubmed": Layout(
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2019//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n'
        b"<PubmedArticleSet>\n",
        b"\n",
        b"\n</PubmedArticleSet>\n",
        ".xml",
    ),
    "medline": Layout(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE MedlineCitationSet PUBLIC "-//NLM//DTD '
        b'Medline Citation, 1st January, 2016//EN" "https://www.nlm.nih.gov/databases/dtd/'
        b'nlmmedlinecitationset_160101.dtd">\n<MedlineCitationSet>\n',
        b"\n",
        b"\n</MedlineCitationSet>\n",
        ".xml",
    ),
    "bioc": Layout(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE collection SYSTEM "BioC.dtd">\n'
        b"<collection><source>PubTator</source><date>2024</date><key>BioC.key</key>\n",
        b"\n",
        b"\n</collection>\n",
        ".xml",
    ),
    "pmc": Layout(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE article PUBLIC "-//NLM//DTD Journal '
        b'Archiving and Interchange DTD v2.3 20070202//EN" "archivearticle.dtd">\n',
        b"",
        b"\n",
        ".nxml",
    ),
    "spl": Layout(b'<?xml version="1.0" encoding="UTF-8"?>\n', b"", b"\n", ".xml"),
    "pubtator": Layout(b"", b"\n\n", b"\n", ".pubtator"),
    "openfda_json": Layout(b"", b",\n", b"]}\n", ".json"),  # head set per corpus (meta)
    "openfda_jsonl": Layout(b"", b"\n", b"\n", ".jsonl"),
    "civic": Layout(b"", b"\n", b"\n", ".tsv"),  # head set per corpus (header line)
    "pharmgkb": Layout(b"", b"", b"\n", ".json"),
    "text": Layout(b"", b"", b"", ".txt"),
}
ROOT_TAG = {
    "pubmed": "PubmedArticleSet",
    "medline": "MedlineCitationSet",
    "bioc": "collection",
    "pmc": "article",
    "spl": "document",
}
TEXT_TAG = {  # an element of each record whose character data we may damage
    "pubmed": b"ArticleTitle",
    "medline": b"ArticleTitle",
    "bioc": b"text",
    "pmc": b"article-title",
    "spl": b"title",
}
XML_FAMILIES = ("pubmed", "medline", "bioc", "pmc", "spl")
SINGLE = ("pmc", "spl", "pharmgkb", "text")
EXTS = {
    "pubmed": (".xml",),
    "medline": (".xml",),
    "bioc": (".xml",),
    "pmc": (".nxml",),
    "spl": (".xml",),
    "pubtator": (".pubtator", ".txt", ".PubTator"),
    "openfda_json": (".json",),
    "openfda_jsonl": (".jsonl", ".ndjson"),
    "civic": (".tsv",),
    "pharmgkb": (".json",),
    "text": (".txt", ".text"),
}
# valid content under another format's extension: detection goes by content
MISNAMED = {
    "pubmed": (".json", ".txt", ".tsv", ".jsonl", ".nxml"),
    "medline": (".json", ".txt", ".tsv"),
    "bioc": (".json", ".txt", ".nxml"),
    "pmc": (".xml", ".json", ".txt"),
    "spl": (".json", ".txt", ".nxml"),
    "pubtator": (".xml", ".json", ".tsv", ".nxml"),
    "openfda_json": (".xml", ".txt", ".tsv", ".nxml", ".jsonl"),
    "openfda_jsonl": (".json", ".xml", ".txt"),
    "civic": (".json", ".txt", ".xml", ".nxml"),
    "pharmgkb": (".xml", ".txt", ".jsonl", ".tsv"),
}


def uuid_for(n: int) -> str:
    return f"{n & 0xFFFFFFFF:08x}-0000-4000-8000-{n:012x}"


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def gzip_bomb(prefix: bytes, megabytes: int, fill: bytes, suffix: bytes) -> bytes:
    """A small gzip file that expands to ``megabytes`` MiB of ``fill`` between the two: one
    compressed MiB repeated as gzip members (their concatenation is what a reader sees)."""
    block = gzip.compress(fill * ((1 << 20) // len(fill)), compresslevel=9, mtime=0)
    return gzip_bytes(prefix) + block * megabytes + gzip_bytes(suffix)


def assemble(layout: Layout, records: Sequence[Record]) -> tuple[bytes, list[tuple[int, int]]]:
    out = bytearray(layout.head)
    spans: list[tuple[int, int]] = []
    for i, rec in enumerate(records):
        if i:
            out += layout.sep
        spans.append((len(out), len(out) + len(rec.data)))
        out += rec.data
    out += layout.tail
    return bytes(out), spans


class Generator:
    """Writes the corpus; one seeded ``random.Random`` decides everything."""

    def __init__(
        self, root: Path, secrets: Path, seed: int, port: int, templates: Templates
    ) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.port = port
        self.t = templates
        self.next_id = 910_000_001
        self.seq = 0
        self.cases: list[Case] = []
        self.secret = secrets / "secret.txt"
        self.dtd = secrets / "evil.dtd"
        self.layouts = dict(LAYOUTS)
        meta = json.dumps(templates.openfda_meta).encode()
        self.layouts["openfda_json"] = Layout(
            b'{"meta": ' + meta + b', "results": [\n', b",\n", b"\n]}\n", ".json"
        )
        self.layouts["civic"] = Layout(templates.civic_header + b"\n", b"\n", b"\n", ".tsv")

    # -- records -------------------------------------------------------------------

    def _n(self) -> int:
        self.next_id += 1
        return self.next_id

    def record(self, family: str, *, deleted: bool = False) -> Record:
        n = self._n()
        ph = PLACEHOLDER
        rng = self.rng
        if family == "pubmed":
            return Record(f"PMID:{n}", rng.choice(self.t.pubmed).replace(ph, b"%d" % n))
        if family == "medline":
            if deleted:
                data = b'<DeleteCitation>\n<PMID Version="1">%d</PMID>\n</DeleteCitation>' % n
                return Record(f"PMID:{n}", data, deleted=True)
            return Record(f"PMID:{n}", rng.choice(self.t.medline).replace(ph, b"%d" % n))
        if family == "pmc":
            return Record(f"PMC:PMC{n}", rng.choice(self.t.pmc).replace(ph, b"%d" % n))
        if family == "bioc":
            return Record(f"PMID:{n}", rng.choice(self.t.bioc).replace(ph, b"%d" % n))
        if family == "spl":
            data, version = rng.choice(self.t.spl)
            return Record(f"SPL:{uuid_for(n)}@{version}", data.replace(ph, uuid_for(n).encode()))
        if family == "pubtator":
            return Record(f"PMID:{n}", rng.choice(self.t.pubtator).replace(ph, b"%d" % n))
        if family in ("openfda_json", "openfda_jsonl"):
            rec, version = rng.choice(self.t.openfda)
            data = json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode()
            return Record(f"SPL:{uuid_for(n)}@{version}", data.replace(ph, uuid_for(n).encode()))
        if family == "civic":
            return Record(f"CIVIC:EID{n}", rng.choice(self.t.civic).replace(ph, b"%d" % n))
        if family == "pharmgkb":
            data = json.dumps(rng.choice(self.t.pharmgkb), ensure_ascii=rng.random() < 0.5)
            return Record(f"PHARMGKB:PA{n}", data.encode().replace(ph, b"%d" % n))
        if family == "text":  # the id comes from the file name: see ``text_record``
            return Record("", self.text_body().encode())
        raise ValueError(family)

    def records(self, family: str, k: int, *, deletions: bool = False) -> list[Record]:
        return [
            self.record(family, deleted=deletions and self.rng.random() < 0.25) for _ in range(k)
        ]

    def text_body(self) -> str:
        rng = self.rng
        paras = []
        for _ in range(rng.randint(1, 4)):
            sentences = [
                " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 20))).capitalize() + "."
                for _ in range(rng.randint(1, 5))
            ]
            paras.append(" ".join(sentences))
        body = "\n\n".join(paras)
        return "Note: " + body  # never starts like PubTator, XML or JSON

    def k(self, family: str, low: int = 1, high: int = 6) -> int:
        return 1 if family in SINGLE else self.rng.randint(low, high)

    # -- writing -------------------------------------------------------------------

    def name(self, family: str, kind: str, ext: str, gz: bool) -> Path:
        self.seq += 1
        return self.root / family / f"{self.seq:05d}_{kind}{ext}{'.gz' if gz else ''}"

    def emit(
        self,
        family: str,
        kind: str,
        data: bytes,
        *,
        ext: str | None = None,
        gz: bool | None = None,
        raw_gz: bool = False,
        hostile: bool = True,
        docs: Sequence[Record] = (),
        maybe: Sequence[Record] = (),
        planted: Sequence[Record] = (),
        errors: Sequence[str] = (),
        n_errors: int | tuple[int, int] = 1,
        records: Sequence[str] = (),
        invalid_mentions: Sequence[tuple[str, int]] = (),
        path: Path | None = None,
    ) -> Case:
        """Write one file. ``gz=None`` gzips at random; ``raw_gz`` means data already is."""
        if gz is None:
            gz = self.rng.random() < 0.25
        ext = ext or self.layouts[family].ext
        path = path or self.name(family, kind, ext, gz or raw_gz)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = gzip_bytes(data) if gz else data
        path.write_bytes(blob)
        if not errors:
            n_errors = 0
        low, high = n_errors if isinstance(n_errors, tuple) else (n_errors, n_errors)
        everything = {r.id: None for r in (*planted, *docs, *maybe)}
        case = Case(
            path=path,
            family=family,
            kind=kind,
            hostile=hostile,
            docs=tuple(r.id for r in docs),
            maybe=tuple(r.id for r in maybe),
            planted=tuple(i for i in everything if i),
            errors=frozenset(errors),
            min_errors=low,
            max_errors=high,
            records=tuple(records),
            deleted=tuple({r.id: None for r in (*docs, *maybe, *planted) if r.deleted}),
            invalid_mentions=tuple(invalid_mentions),
            gz=gz or raw_gz,
            size=len(blob),
        )
        self.cases.append(case)
        return case

    def text_record(self, family: str, kind: str, ext: str, gz: bool) -> tuple[Path, Record]:
        path = self.name(family, kind, ext, gz)
        stem = path.name.split(".", 1)[0]
        return path, Record(f"TEXT:{stem}", self.text_body().encode())

    # -- mutations common to every format ---------------------------------------------

    def valid(self, family: str) -> None:
        hostile, kind = False, "valid"
        rng = self.rng
        gz = rng.random() < 0.3
        if family == "text":
            ext = rng.choice(EXTS["text"])
            path, rec = self.text_record(family, kind, ext, gz)
            data = rec.data
            if rng.random() < 0.2:
                data = data.replace(b"\n", b"\r\n")
            if rng.random() < 0.2:
                data = b"\xef\xbb\xbf" + data
            self.emit(family, kind, data, gz=gz, path=path, hostile=hostile, docs=[rec])
            return
        recs = self.records(family, self.k(family, 1, 8), deletions=family == "medline")
        layout = self.layouts[family]
        data, _ = assemble(layout, recs)
        if rng.random() < 0.2 and family not in ("openfda_json", "pharmgkb"):
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if rng.random() < 0.15 and family not in ("openfda_json", "openfda_jsonl", "pharmgkb"):
            data = b"\xef\xbb\xbf" + data  # a UTF-8 BOM is fine outside JSON
        if family == "pubtator" and rng.random() < 0.3:  # blocks not blank-separated
            data = data.replace(b"\n\n", b"\n")
        ext = rng.choice(EXTS[family])
        self.emit(family, kind, data, ext=ext, gz=gz, hostile=hostile, docs=recs)

    def misnamed(self, family: str) -> None:
        """Valid content under another format's extension: detection goes by content."""
        recs = self.records(family, self.k(family, 1, 4), deletions=family == "medline")
        data, _ = assemble(self.layouts[family], recs)
        self.emit(family, "misnamed", data, ext=self.rng.choice(MISNAMED[family]), docs=recs)

    def _layout_data(
        self, family: str, k: int
    ) -> tuple[bytes, list[Record], list[tuple[int, int]]]:
        if family == "text":
            rec = Record("", self.text_body().encode())
            return rec.data, [rec], [(0, len(rec.data))]
        recs = self.records(family, k, deletions=family == "medline")
        data, spans = assemble(self.layouts[family], recs)
        return data, recs, spans

    def empty(self, family: str) -> None:
        rng = self.rng
        data = (
            b""
            if rng.random() < 0.5
            else bytes(rng.choice(b" \t\r\n") for _ in range(rng.randint(1, 5000)))
        )
        self.emit(family, "empty", data, ext=rng.choice(EXTS[family]), errors=[EMPTY])

    def binary(self, family: str) -> None:
        rng = self.rng
        size = rng.choice((16, 300, 1024, 5000, 70000))
        data = bytearray(rng.randbytes(size))
        if data[0] == 0x1F:
            data[0] = 0
        data[rng.randrange(min(size, 65536))] = 0
        if rng.random() < 0.2:  # looks like gzip, is not
            data[:2] = b"\x1f\x8b"
        self.emit(
            family,
            "binary",
            bytes(data),
            ext=rng.choice(EXTS[family]),
            gz=rng.random() < 0.15,
            errors=[MALFORMED],
        )

    def highbit(self, family: str) -> None:
        """Bytes 0x80-0xFF only: no NUL, so not 'binary', and never valid UTF-8."""
        rng = self.rng
        data = b"\xff" + bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randint(10, 3000)))
        self.emit(
            family, "highbit", data, ext=rng.choice(EXTS[family]), errors=[MALFORMED, UNKNOWN]
        )

    def utf16(self, family: str) -> None:
        rng = self.rng
        data, recs, _ = self._layout_data(family, self.k(family, 1, 3))
        text = data.decode("utf-8")
        enc = rng.choice(("utf-16-le", "utf-16-be", "utf-16", "utf-32-le", "utf-32-be", "utf-32"))
        self.emit(
            family,
            f"utf16_{enc.replace('-', '')}",
            text.encode(enc),
            planted=recs,
            errors=[MALFORMED],
        )

    def nul(self, family: str) -> None:
        rng = self.rng
        data, recs, _ = self._layout_data(family, self.k(family, 1, 4))
        pos = rng.randrange(min(len(data), 65536))
        data = data[:pos] + b"\x00" * rng.randint(1, 4) + data[pos:]
        self.emit(family, "nul", data, planted=recs, errors=[MALFORMED])

    def wrong_content(self, family: str) -> None:
        """Another format's content that its extension cannot make sense of."""
        rng = self.rng
        ext = rng.choice(EXTS[family])
        choices: list[tuple[str, bytes]] = [
            ("json_other", json.dumps({"hello": [1, 2, 3], "meta": {"x": "y"}}).encode()),
            ("xml_other_root", b"<?xml version='1.0'?><html><body><p>Hello</p></body></html>"),
            ("json_array", b"[1, 2, 3]"),
        ]
        if ext not in (".txt", ".text"):
            choices.append(("plain_text", self.text_body().split("\n")[0].encode()))
        if ext not in (".txt", ".text", ".pubtator", ".PubTator"):
            choices.append(("tsv_other", b"a\tb\tc\n1\t2\t3\n"))
        kind, data = rng.choice(choices)
        self.emit(family, f"wrong_{kind}", data, ext=ext, errors=[UNKNOWN, MALFORMED])

    def truncated(self, family: str) -> None:
        rng = self.rng
        if family == "text":
            path, rec = self.text_record(family, "truncated", ".txt", False)
            cont = [i for i in range(1, len(rec.data)) if 0x80 <= rec.data[i] < 0xC0]
            if not cont:
                return
            cut = rng.choice(cont)
            self.emit(
                family,
                "truncated",
                rec.data[:cut],
                gz=False,
                path=path,
                errors=[MALFORMED],
                records=[rec.id],
            )
            return
        if rng.random() < 0.35:
            self.truncated_gz(family)
            return
        k = self.k(family, 1, 6)
        data, recs, spans = self._layout_data(family, k)
        j = rng.randrange(k)
        start, end = spans[j]
        record_names: list[str] = []
        if family == "pubtator":
            lines = list(re.finditer(rb"(?m)^[^\n|]*\t\d+\t\d+\t[^\n]*$", data[start:end]))
            if not lines:
                return
            line = rng.choice(lines)
            tabs = [m.start() for m in re.finditer(rb"\t", line.group())]
            cut = start + line.start() + rng.randint(1, tabs[2])
            record_names = [recs[j].id]
        elif family == "civic":
            last_tab = data.rindex(b"\t", start, end)
            cut = rng.randint(start + 1, last_tab)
        elif family == "openfda_jsonl":
            cut = rng.randint(start + 1, end - 1)
            if j:
                record_names = [f"line {j + 1}"]
        else:
            cut = rng.randint(start + 1, end - 1)
        errors = [MALFORMED]
        if family in SINGLE or (j == 0 and family.startswith("openfda")):
            errors = [MALFORMED, UNKNOWN]  # cut before anything detection recognises
        self.emit(
            family,
            "truncated",
            data[:cut],
            gz=False,
            docs=recs[:j],
            planted=recs,
            errors=errors,
            records=record_names,
        )

    def truncated_gz(self, family: str) -> None:
        """The gzip stream itself is cut. Line and JSON files are made longer than the
        loaders' 64 KiB sniff, so that the records before the cut can load."""
        rng = self.rng
        if family in ("pubtator", "civic", "openfda_json", "openfda_jsonl"):
            recs: list[Record] = []
            while sum(len(r.data) for r in recs) < 100_000:
                recs.append(self.record(family))
            data, spans = assemble(self.layouts[family], recs)
        else:
            data, recs, spans = self._layout_data(family, self.k(family, 1, 6))
        blob = gzip_bytes(data)
        cut = rng.randrange(20, len(blob) - 1)
        prefix = zlib.decompressobj(31).decompress(blob[:cut])
        whole = [r for r, (_, end) in zip(recs, spans, strict=True) if end <= len(prefix)]
        n_errors: int | tuple[int, int] = 1
        if family == "pubtator":  # the block being read when the stream broke is parsed too
            whole = recs[: len(whole) + 1]
            n_errors = (1, 2)
        self.emit(
            family,
            "truncated_gz",
            blob[:cut],
            gz=False,
            raw_gz=True,
            ext=self.layouts[family].ext,
            maybe=whole,
            planted=recs,
            errors=[MALFORMED],
            n_errors=n_errors,
        )

    def bad_utf8(self, family: str) -> None:
        rng = self.rng
        k = self.k(family, 1, 6)
        bad = rng.choice(_BAD_UTF8)
        if family == "text":
            path, rec = self.text_record(family, "bad_utf8", ".txt", False)
            pos = rng.randrange(len(rec.data))
            data = rec.data[:pos] + bad + rec.data[pos:]
            self.emit(
                family, "bad_utf8", data, path=path, gz=False, errors=[MALFORMED], records=[rec.id]
            )
            return
        data, recs, spans = self._layout_data(family, k)
        j = rng.randrange(k)
        start, end = spans[j]
        low = start + 1
        if family == "pubtator":
            low = data.index(b"|", start) + 1  # keep the block's PMID readable
        pos = rng.randint(low, end - 1)
        data = data[:pos] + bad + data[pos:]
        kw: dict = {"planted": recs, "errors": [MALFORMED]}
        if (
            family in XML_FAMILIES
            or family == "civic"
            or family == "pubtator"
            or family == "openfda_jsonl"
        ):
            kw["docs"] = recs[:j]
        if family == "civic":
            kw["docs"] = recs[:j] + recs[j + 1 :]
            kw["records"] = [f"line {j + 2}"]
        elif family == "pubtator":
            kw["docs"] = recs[:j] + recs[j + 1 :]
            kw["records"] = [recs[j].id]
        elif family == "openfda_jsonl":  # a JSON-lines file loses that line only
            kw["docs"] = recs[:j] + recs[j + 1 :]
            kw["records"] = [f"line {j + 1}"]
        elif family == "openfda_json":
            kw["maybe"] = recs[:j]  # decoded 64 KiB at a time: a bad chunk loses its records
        elif family in SINGLE:
            kw["errors"] = [MALFORMED, UNKNOWN]
        self.emit(family, "bad_utf8", data, **kw)

    # -- XML ---------------------------------------------------------------------------

    def _text_point(self, data: bytes, span: tuple[int, int], family: str) -> int | None:
        """A position just inside the character data of the record's text element."""
        tag = TEXT_TAG[family]
        hits = [
            m.end() for m in re.finditer(rb"<" + tag + rb"(\s[^>]*)?>", data[span[0] : span[1]])
        ]
        return span[0] + self.rng.choice(hits) if hits else None

    def _xml_damage(self, family: str, kind: str, make: Callable[[], bytes]) -> None:
        rng = self.rng
        k = self.k(family, 1, 5)
        data, recs, spans = self._layout_data(family, k)
        j = rng.randrange(k)
        pos = self._text_point(data, spans[j], family)
        if pos is None:
            return
        data = data[:pos] + make() + data[pos:]
        self.emit(
            family,
            kind,
            data,
            docs=recs[:j],
            planted=recs,
            errors=[MALFORMED],
        )

    def xml_poison(self, family: str) -> None:
        poison = self.rng.choice(_XML_POISON)
        self._xml_damage(family, "xml_poison", lambda: poison)

    def deep(self, family: str) -> None:
        depth = self.rng.choice((300, 2_000, 20_000, 100_000))
        tag = self.rng.choice((b"i", b"sup", b"x"))
        self._xml_damage(
            family, f"deep{depth}", lambda: b"<%s>" % tag * depth + b"deep" + b"</%s>" % tag * depth
        )

    def _doctype(self, family: str, subset: bytes) -> bytes:
        return b"<!DOCTYPE " + ROOT_TAG[family].encode() + b" [\n" + subset + b"\n]>\n"

    def _with_prolog(self, family: str, prolog: bytes, refs: bytes) -> tuple[bytes, list[Record]]:
        """The family's layout with ``prolog`` instead of its DOCTYPE and ``refs`` in a text."""
        k = self.k(family, 1, 4)
        recs = self.records(family, k)
        layout = self.layouts[family]
        head = re.sub(rb"<!DOCTYPE[^>]*>\n?", b"", layout.head)
        decl_end = head.index(b"?>") + 2 if head.startswith(b"<?xml") else 0
        if self.rng.random() < 0.3:
            prolog = b"<!-- a comment first -->\n" + prolog
        head = head[:decl_end] + b"\n" + prolog + head[decl_end:].lstrip(b"\n")
        data, spans = assemble(Layout(head, layout.sep, layout.tail, layout.ext), recs)
        pos = self._text_point(data, spans[0], family)
        if pos is not None and refs:
            data = data[:pos] + refs + data[pos:]
        return data, recs

    def entity_attack(self, family: str) -> None:
        rng = self.rng
        secret = self.secret.as_uri().encode()
        http = b"http://127.0.0.1:%d" % self.port
        kind = rng.choice(
            (
                "billion_laughs",
                "quadratic",
                "external_file",
                "external_http",
                "param_external",
                "param_internal",
                "attr_entity",
                "lowercase",
            )
        )
        if kind == "billion_laughs":
            levels, width = rng.randint(5, 10), rng.randint(5, 12)
            decls = [b'<!ENTITY lol0 "lol">']
            decls += [
                b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * width)
                for i in range(1, levels)
            ]
            subset, refs = b"\n".join(decls), b"&lol%d;" % (levels - 1)
        elif kind == "quadratic":
            subset = b'<!ENTITY a "' + b"x" * rng.randint(10_000, 60_000) + b'">'
            refs = b"&a;" * rng.randint(1_000, 5_000)
        elif kind == "external_file":
            target = rng.choice(
                (b"file:///etc/passwd", secret, b"/etc/passwd", b"../../../../../../etc/passwd")
            )
            subset, refs = b'<!ENTITY xxe SYSTEM "' + target + b'">', b"&xxe;"
        elif kind == "external_http":
            subset = rng.choice(
                (
                    b'<!ENTITY xxe SYSTEM "%s/xxe">' % http,
                    b'<!ENTITY xxe PUBLIC "-//X//Y" "%s/xxe">' % http,
                )
            )
            refs = b"&xxe;"
        elif kind == "param_external":
            target = rng.choice(
                (b"file:///etc/passwd", secret, http + b"/evil.dtd", self.dtd.as_uri().encode())
            )
            subset, refs = b'<!ENTITY % ext SYSTEM "' + target + b'">\n%ext;', b"&secret;"
        elif kind == "param_internal":
            subset = b"<!ENTITY % a \"<!ENTITY b 'x'>\">\n%a;"
            refs = b""
            if rng.random() < 0.5:  # a parameter entity declared by an external DTD, used here
                return self._emit_prolog(
                    family,
                    "param_ref",
                    b'<!DOCTYPE %s SYSTEM "%s/evil.dtd" [ %%ext; ]>\n'
                    % (ROOT_TAG[family].encode(), http),
                    b"",
                )
        elif kind == "attr_entity":
            subset, refs = b'<!ENTITY a "' + b"y" * 5000 + b'">', b'<b x="&a;&a;&a;">z</b>'
        else:  # keyword case the XML parser would reject, refused all the same
            subset, refs = b'<!entity xxe SYSTEM "file:///etc/passwd">', b""
            doctype = b"<!doctype " + ROOT_TAG[family].encode() + b" [\n" + subset + b"\n]>\n"
            return self._emit_prolog(family, kind, doctype, refs)
        self._emit_prolog(family, kind, self._doctype(family, subset), refs)

    def _emit_prolog(self, family: str, kind: str, prolog: bytes, refs: bytes) -> None:
        data, recs = self._with_prolog(family, prolog, refs)
        self.emit(family, f"entity_{kind}", data, planted=recs, errors=[UNSAFE])

    def external_dtd(self, family: str) -> None:
        """An external DTD *reference* is fine; it is never loaded or fetched."""
        rng = self.rng
        http = b"http://127.0.0.1:%d" % self.port
        target = rng.choice(
            (http + b"/evil.dtd", self.dtd.as_uri().encode(), b"file:///etc/passwd", b"evil.dtd")
        )
        root = ROOT_TAG[family].encode()
        prolog = rng.choice(
            (
                b'<!DOCTYPE %s SYSTEM "%s">\n' % (root, target),
                b'<!DOCTYPE %s PUBLIC "-//Evil//DTD X//EN" "%s">\n' % (root, target),
            )
        )
        refs = b"&secret;" if rng.random() < 0.5 else b""
        data, recs = self._with_prolog(family, prolog, refs)
        self.emit(family, "external_dtd", data, docs=recs)

    def xinclude(self, family: str) -> None:
        rng = self.rng
        href = rng.choice(
            (
                b"file:///etc/passwd",
                self.secret.as_uri().encode(),
                b"http://127.0.0.1:%d/xi" % self.port,
            )
        )
        inc = (
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
            + href
            + b'" parse="text"/>'
        )
        k = self.k(family, 1, 3)
        data, recs, spans = self._layout_data(family, k)
        pos = self._text_point(data, spans[rng.randrange(k)], family)
        if pos is None:
            return
        # inside the text element, after its first words (the element's .text stays)
        close = data.index(b"<", pos)
        pos = (pos + close) // 2 if close > pos + 2 else pos
        while pos < close and data[pos] & 0xC0 == 0x80:
            pos += 1  # not inside a multi-byte character
        data = data[:pos] + inc + data[pos:]
        self.emit(family, "xinclude", data, docs=recs)

    def padded_prolog(self, family: str) -> None:
        """1 MiB of comment before the DOCTYPE: past the prolog scan, caught by the parser."""
        rng = self.rng
        pad = b"<!--" + b"x" * ((1 << 20) + 1000) + b"-->\n"
        subset = rng.choice(
            (
                b'<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
                b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
                b'<!ENTITY % ext SYSTEM "' + self.dtd.as_uri().encode() + b'"> %ext;',
            )
        )
        data, recs = self._with_prolog(
            family, pad + self._doctype(family, subset), b"&lol2;" if b"lol2" in subset else b""
        )
        self.emit(family, "padded_prolog", data, gz=False, planted=recs, errors=[UNSAFE, MALFORMED])

    # -- JSON --------------------------------------------------------------------------

    def _json_records(
        self, family: str, k: int, j: int, replace: Callable[[Record], bytes]
    ) -> tuple[bytes, list[Record]]:
        recs = self.records(family, k)
        damaged = list(recs)
        damaged[j] = Record(recs[j].id, replace(recs[j]))
        data, _ = assemble(self.layouts[family], damaged)
        return data, recs

    def json_damage(self, family: str) -> None:
        rng = self.rng
        kinds = ["poison", "big_number", "not_object", "missing_ids", "no_sections"]
        if family == "openfda_json":
            kinds.append("trailing")
        kind = rng.choice(kinds)
        if family == "pharmgkb":
            self._pharmgkb_damage()
            return
        k = rng.randint(2, 5)
        j = rng.randrange(k)
        if kind == "not_object" and family == "openfda_jsonl":
            j = rng.randrange(1, k)  # a first line that is not an object is no JSON we know
        if kind == "trailing":  # a second download, or garbage, after the results object
            recs = self.records(family, k)
            data, _ = assemble(self.layouts[family], recs)
            data += rng.choice(
                (
                    b"GARBAGE",
                    b"]}",
                    b"{}",
                    b',{"a": 1}',
                    assemble(self.layouts[family], self.records(family, 1))[0],
                )
            )
            self.emit(family, "json_trailing", data, docs=recs, planted=recs, errors=[MALFORMED])
            return
        if kind == "poison":
            poison = rng.choice(_JSON_POISON)
            data, recs = self._json_records(family, k, j, lambda r: b"{" + poison + r.data[1:])
            rec_name = [f"line {j + 1}"] if family == "openfda_jsonl" else []
            docs = recs[:j] + recs[j + 1 :] if family == "openfda_jsonl" else recs[:j]
        elif kind == "big_number":
            data, recs = self._json_records(
                family, k, j, lambda r: b'{"x": ' + b"7" * 5000 + b", " + r.data[1:]
            )
            rec_name = [f"line {j + 1}"] if family == "openfda_jsonl" else []
            docs = recs[:j] + recs[j + 1 :] if family == "openfda_jsonl" else recs[:j]
        elif kind == "not_object":
            value = rng.choice((b"[1, 2]", b'"a string"', b"42", b"null", b"true"))
            data, recs = self._json_records(family, k, j, lambda r: value)
            rec_name = [f"line {j + 1}"] if family == "openfda_jsonl" else [f"#{j}"]
            docs = recs[:j] + recs[j + 1 :]
        elif kind == "missing_ids":

            def strip_ids(r: Record) -> bytes:
                obj = json.loads(r.data)
                for key in ("set_id", "id", "version"):
                    obj.pop(key, None)
                return json.dumps(obj).encode()

            data, recs = self._json_records(family, k, j, strip_ids)
            rec_name, docs = [f"#{j}"], recs[:j] + recs[j + 1 :]
        else:

            def strip_sections(r: Record) -> bytes:
                obj = json.loads(r.data)
                return json.dumps(
                    {key: obj[key] for key in ("set_id", "id", "version", "openfda")}
                ).encode()

            data, recs = self._json_records(family, k, j, strip_sections)
            rec_name, docs = [recs[j].id], recs[:j] + recs[j + 1 :]
        errors = [EMPTY] if kind == "no_sections" else [MALFORMED]
        self.emit(
            family, f"json_{kind}", data, docs=docs, planted=recs, errors=errors, records=rec_name
        )

    def _pharmgkb_damage(self) -> None:
        rng = self.rng
        rec = self.record("pharmgkb")
        obj = json.loads(rec.data)
        kind = rng.choice(("poison", "big_number", "no_id", "empty_html", "guideline_not_object"))
        records: list[str] = []
        errors = [MALFORMED]
        if kind == "poison":
            pos = rec.data.index(b"{", 1) + 1
            data = rec.data[:pos] + rng.choice(_JSON_POISON) + rec.data[pos:]
        elif kind == "big_number":
            data = b'{"x": ' + b"7" * 5000 + b", " + rec.data[1:]
        elif kind == "no_id":
            obj["guideline"].pop("id")
            data = json.dumps(obj).encode()
        elif kind == "empty_html":
            for key in ("summaryMarkdown", "textMarkdown", "pediatricContext"):
                if isinstance(obj["guideline"].get(key), dict):
                    obj["guideline"][key]["html"] = rng.choice(
                        ("", "   ", "<p> </p>", "<script>x()</script>")
                    )
            data = json.dumps(obj).encode()
            errors, records = [EMPTY], [rec.id]
        else:
            data = json.dumps({"guideline": "PA1", "summaryMarkdown": {"html": "x"}}).encode()
        self.emit("pharmgkb", f"json_{kind}", data, planted=[rec], errors=errors, records=records)

    def bom_json(self, family: str) -> None:
        data, recs, _ = self._layout_data(family, self.k(family, 1, 3))
        self.emit(family, "bom_json", b"\xef\xbb\xbf" + data, planted=recs, errors=[MALFORMED])

    # -- line formats -------------------------------------------------------------------

    def pubtator_damage(self, family: str) -> None:
        rng = self.rng
        k = rng.randint(1, 5)
        recs = self.records(family, k)
        j = rng.randrange(k)
        lines = recs[j].data.split(b"\n")
        pmid = recs[j].id.split(":")[1].encode()
        mention_rows = [i for i, ln in enumerate(lines) if re.match(rb"^\d+\t\d+\t\d+\t", ln)]
        kind = rng.choice(
            (
                "pmid_mismatch",
                "non_numeric_pmid",
                "no_text",
                "few_fields",
                "offsets_oor",
                "offsets_not_numbers",
            )
        )
        errors, rec_name, invalid = [MALFORMED], [recs[j].id], []
        docs = recs[:j] + recs[j + 1 :]
        if kind == "pmid_mismatch":
            i = rng.randrange(1, len(lines))
            lines[i] = re.sub(rb"^\d+", b"%d" % self._n(), lines[i])
        elif kind == "non_numeric_pmid":
            lines = [re.sub(rb"^\d+", b"PMID" + pmid, ln) for ln in lines]
            rec_name = []
        elif kind == "no_text":
            lines = [ln for ln in lines if not re.match(rb"^\d+\|[ta]\|", ln)]
            errors = [EMPTY]
            if not lines:
                return
        elif kind == "few_fields":
            if not mention_rows:
                return
            i = rng.choice(mention_rows)
            lines[i] = b"\t".join(lines[i].split(b"\t")[:3])
        elif kind == "offsets_not_numbers":  # never a relation line, never an exception
            if not mention_rows:
                return
            i = rng.choice(mention_rows)
            f = lines[i].split(b"\t")
            f[rng.choice((1, 2))] = rng.choice(_NOT_OFFSETS)
            lines[i] = b"\t".join(f)
        else:
            mapped = [
                i
                for i in mention_rows
                if len(lines[i].split(b"\t")) > 4
                and lines[i].split(b"\t")[4].decode() in _pubtator_types()
            ]
            if not mapped:
                return
            chosen = rng.sample(mapped, rng.randint(1, len(mapped)))
            for i in chosen:
                f = lines[i].split(b"\t")
                if rng.random() < 0.5:
                    start = rng.randint(100_000, 10**9)
                    f[1], f[2] = b"%d" % start, b"%d" % (start + len(f[3]))
                else:  # start after end
                    f[1], f[2] = f[2], f[1]
                    if f[1] == f[2]:
                        f[1] = b"%d" % (int(f[2]) + 1)
                lines[i] = b"\t".join(f)
            errors, rec_name, docs = [], [], recs
            invalid = [(recs[j].id, len(chosen))]
        damaged = list(recs)
        damaged[j] = Record(recs[j].id, b"\n".join(lines))
        data, _ = assemble(self.layouts[family], damaged)
        self.emit(
            family,
            f"pubtator_{kind}",
            data,
            docs=docs,
            planted=recs,
            errors=errors,
            records=rec_name,
            invalid_mentions=invalid,
        )

    def civic_damage(self, family: str) -> None:
        rng = self.rng
        k = rng.randint(1, 5)
        recs = self.records(family, k)
        j = rng.randrange(k)
        fields = recs[j].data.split(b"\t")
        header = self.t.civic_header.split(b"\t")
        kind = rng.choice(
            ("extra_field", "missing_field", "bad_eid", "empty_statement", "bad_header")
        )
        errors, rec_name = [MALFORMED], [recs[j].id]
        if kind == "extra_field":
            fields.append(b"extra")
        elif kind == "missing_field":
            fields.pop()
        elif kind == "bad_eid":
            fields[header.index(b"evidence_id")] = rng.choice(
                (b"EID12", b"", b"12a", b"-5", b"1 2", "٣".encode(), "²".encode(), b"+5")
            )
            rec_name = [f"line {j + 2}"]
        elif kind == "empty_statement":
            fields[header.index(b"evidence_statement")] = rng.choice((b"", b"   "))
            errors = [EMPTY]
        damaged = list(recs)
        damaged[j] = Record(recs[j].id, b"\t".join(fields))
        layout = self.layouts[family]
        if kind == "bad_header":
            bad = self.t.civic_header.replace(b"evidence_statement", b"statement")
            layout = Layout(bad + b"\n", layout.sep, layout.tail, layout.ext)
            data, _ = assemble(layout, recs)
            self.emit(family, "civic_bad_header", data, planted=recs, errors=[UNKNOWN])
            return
        data, _ = assemble(layout, damaged)
        self.emit(
            family,
            f"civic_{kind}",
            data,
            docs=recs[:j] + recs[j + 1 :],
            planted=recs,
            errors=errors,
            records=rec_name,
        )

    def single_damage(self, family: str) -> None:
        """Missing ids, wrong namespace and the like in single-document formats."""
        rng = self.rng
        rec = self.record(family)
        head, tail = self.layouts[family].head, self.layouts[family].tail
        data, errors, records = rec.data, [MALFORMED], []
        if family == "spl":
            kind = rng.choice(("no_setid", "no_version", "wrong_ns"))
            setid = rec.id.split(":", 1)[1].split("@")[0]
            if kind == "no_setid":
                data = re.sub(rb"<setId [^>]*/>", b"", data)
            elif kind == "no_version":
                data = re.sub(rb"<versionNumber [^>]*/>", b"", data)
                records = [f"SPL:{setid}"]
            else:  # detection may still see urn:hl7-org:v3 in xsi:schemaLocation
                data = data.replace(b'xmlns="urn:hl7-org:v3"', b'xmlns="urn:example:not-spl"')
                errors = [UNKNOWN, MALFORMED]
        elif family == "pmc":
            kind = "no_ids"
            front, rest = data.split(b"</article-meta>", 1)
            data = (
                re.sub(rb"<article-id [^>]*>[^<]*</article-id>", b"", front)
                + b"</article-meta>"
                + rest
            )
        else:
            return
        self.emit(
            family,
            f"{family}_{kind}",
            head + data + tail,
            planted=[rec],
            errors=errors,
            records=records,
        )

    def bioc_damage(self, family: str) -> None:
        rng = self.rng
        k = rng.randint(1, 4)
        recs = self.records(family, k)
        j = rng.randrange(k)
        kind = rng.choice(("bad_offset", "bad_passage_offset", "no_id", "offsets_oor"))
        data = recs[j].data
        errors, rec_name, docs, invalid = [MALFORMED], [recs[j].id], recs[:j] + recs[j + 1 :], []
        if kind == "bad_offset":
            data = re.sub(
                rb'offset="\d+"', rng.choice((b'offset="x"', b'offset="1.5"', b'offset=""')), data
            )
        elif kind == "bad_passage_offset":
            data = re.sub(rb"<offset>\d+</offset>", b"<offset>abc</offset>", data, count=1)
        elif kind == "no_id":
            data = re.sub(rb"<id>\d+</id>", b"", data, count=1)
            rec_name = []
        else:
            types = _pubtator_types()
            n = sum(
                1
                for ann in etree.fromstring(data, _PARSER).iter("annotation")
                if ann.findtext("infon[@key='type']") in types and ann.find("location") is not None
            )
            data = re.sub(rb'<location offset="\d+"', b'<location offset="99999999"', data)
            errors, rec_name, docs, invalid = [], [], recs, [(recs[j].id, n)]
        damaged = list(recs)
        damaged[j] = Record(recs[j].id, data)
        blob, _ = assemble(self.layouts[family], damaged)
        self.emit(
            family,
            f"bioc_{kind}",
            blob,
            docs=docs,
            planted=recs,
            errors=errors,
            records=rec_name,
            invalid_mentions=invalid,
        )

    # -- huge inputs (tens of MB) ---------------------------------------------------------

    def huge(self, family: str) -> None:
        rng = self.rng
        if family in XML_FAMILIES:
            k = self.k(family, 2, 3)
            recs = self.records(family, k)  # no deletions: each record has a text element
            data, spans = assemble(self.layouts[family], recs)
            j = rng.randrange(k)
            pos = self._text_point(data, spans[j], family)
            assert pos is not None
            data = data[:pos] + b"a" * HUGE + data[pos:]  # one text node past libxml2's 10 MB
            self.emit(
                family,
                "huge_text_node",
                data,
                gz=False,
                docs=recs[:j],
                planted=recs,
                errors=[MALFORMED],
            )
            if family == "pubmed":  # and a gzip bomb: 200 MiB of whitespace between records
                recs = self.records(family, 2)
                head, _ = assemble(self.layouts[family], recs[:1])
                blob = gzip_bomb(
                    head[: -len(self.layouts[family].tail)],
                    200,
                    b" \n",
                    recs[1].data + self.layouts[family].tail,
                )
                self.emit(
                    family,
                    "gzip_bomb",
                    blob,
                    gz=False,
                    raw_gz=True,
                    docs=recs[:1],
                    planted=recs,
                    errors=[MALFORMED],
                )
            return
        if family == "openfda_json":
            recs = self.records(family, 2)
            data, _ = assemble(self.layouts[family], recs)
            cut = data.rindex(b"]")
            data = data[:cut] + b",\n" + b"@" * HUGE + data[cut:]
            self.emit(family, "huge_garbage_value", data, gz=False, docs=recs, errors=[MALFORMED])
        elif family in ("openfda_jsonl", "pubtator", "civic"):
            recs = self.records(family, 3)
            layout = self.layouts[family]
            line = Record("", rng.choice((b"Z", b"\xce\xb1")) * (HUGE // 2))
            data, _ = assemble(layout, [recs[0], recs[1], line, recs[2]])
            names = {"openfda_jsonl": ["line 3"], "civic": ["line 4"], "pubtator": []}[family]
            self.emit(
                family, "huge_line", data, gz=False, docs=recs, errors=[MALFORMED], records=names
            )
        elif family == "pharmgkb":
            rec = self.record(family)
            obj = json.loads(rec.data)
            obj["guideline"]["summaryMarkdown"]["html"] = "<p>" + "n" * HUGE + "</p>"
            self.emit(family, "huge_valid_line", json.dumps(obj).encode(), gz=False, docs=[rec])
            rec = self.record(family)
            blob = gzip_bomb(rec.data[:-1] + b', "pad": "', 80, b"p", b'"}')
            self.emit(
                family, "gzip_bomb", blob, gz=False, raw_gz=True, planted=[rec], errors=[MALFORMED]
            )
        elif family == "text":
            path, rec = self.text_record(family, "huge_valid_line", ".txt", False)
            self.emit(
                family,
                "huge_valid_line",
                rec.data.replace(b"\n", b" ") * (HUGE // len(rec.data) + 1),
                gz=False,
                path=path,
                docs=[rec],
            )
            path, rec = self.text_record(family, "gzip_bomb", ".txt", True)
            blob = gzip_bomb(b"Note: ", 80, b"word ", b"\n")
            self.emit(
                family,
                "gzip_bomb",
                blob,
                gz=False,
                raw_gz=True,
                path=path,
                errors=[MALFORMED],
                records=[rec.id],
            )

    # -- the plan -----------------------------------------------------------------------

    def plan(self, family: str) -> list[tuple[Callable[[str], None], int]]:
        common: list[tuple[Callable[[str], None], int]] = [
            (self.empty, 2),
            (self.binary, 3),
            (self.highbit, 2),
            (self.utf16, 3),
            (self.nul, 3),
            (self.wrong_content, 3),
            (self.truncated, 8),
            (self.bad_utf8, 8),
        ]
        if family != "text":
            common.append((self.misnamed, 3))
        if family in XML_FAMILIES:
            common += [
                (self.xml_poison, 8),
                (self.deep, 2),
                (self.entity_attack, 10),
                (self.external_dtd, 3),
                (self.xinclude, 2),
            ]
        if family in ("openfda_json", "openfda_jsonl", "pharmgkb"):
            common += [(self.json_damage, 12), (self.bom_json, 2)]
        if family == "pubtator":
            common.append((self.pubtator_damage, 14))
        if family == "civic":
            common.append((self.civic_damage, 14))
        if family in ("spl", "pmc"):
            common.append((self.single_damage, 4))
        if family == "bioc":
            common.append((self.bioc_damage, 8))
        return common

    def family(self, family: str, hostile: int, valid: int) -> None:
        plan = self.plan(family)
        start = len(self.cases)
        for mutate, _ in plan:  # every mutation at least once
            mutate(family)
        if family == "pmc":
            self.padded_prolog(family)
        self.huge(family)
        funcs, weights = zip(*plan, strict=True)
        while sum(c.hostile for c in self.cases[start:]) < hostile:
            self.rng.choices(funcs, weights)[0](family)
        for _ in range(valid):
            self.valid(family)


_TYPES: set[str] = set()


def _pubtator_types() -> set[str]:
    if not _TYPES:
        from loaders.pubtator import TYPE_MAP

        _TYPES.update(TYPE_MAP)
    return _TYPES


def generate(
    root: Path, *, seed: int, port: int, hostile_per_family: int = 110, valid_per_family: int = 20
) -> Corpus:
    """Write the corpus under ``root`` (and the local targets of its external references
    under ``root/_secret``, outside the ingested tree) and return what each file must give."""
    data_root = root / "in"
    gen = Generator(data_root, root / "secrets", seed, port, load_templates())
    gen.secret.parent.mkdir(parents=True, exist_ok=True)
    gen.secret.write_text(SECRET + "\n")
    gen.dtd.write_text(f'<!ENTITY secret "{DTD_SECRET}">\n<!ENTITY % ext "">\n')
    for family in FAMILIES:
        gen.family(family, hostile_per_family, valid_per_family)
    return Corpus(data_root, gen.cases)


# -- measured runs, each in a fresh process ------------------------------------------------


def _status_kb(field_name: str) -> int | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(ln.split()[1]) for ln in lines if ln.startswith(field_name + ":")), None)


def peak_growth_kb(run: Callable[[], dict]) -> dict:
    """``run()``'s result plus how far resident memory rose above where it stood before
    (``None`` without Linux /proc). The kernel's high-water mark is reset first when it can
    be (clear_refs 5); otherwise it still holds the import peak, an upper bound. Not
    ru_maxrss: after fork+exec that starts at the parent's (pytest's) size."""
    import gc

    gc.collect()
    base = _status_kb("VmRSS")
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    result = run()
    peak = _status_kb("VmHWM")
    result["rss_base_kb"] = base
    result["rss_peak_kb"] = peak
    result["growth_kb"] = peak - base if peak is not None and base is not None else None
    return result


def ingest_and_measure(data: str, graph: str) -> dict:
    import time

    import loaders  # noqa: F401  (imported before the baseline)
    from api.ingest import Ingestor
    from api.pipeline import DocumentsOnly
    from kg.embedded import EmbeddedStore

    store = EmbeddedStore(graph)

    def run() -> dict:
        started = time.perf_counter()
        report = Ingestor(store, DocumentsOnly()).run_paths([data])
        return {"report": report.as_dict(), "seconds": time.perf_counter() - started}

    try:
        return peak_growth_kb(run)
    finally:
        store.close()


def read_and_measure(path: str) -> dict:
    from loaders import iter_documents

    def run() -> dict:
        docs = errors = 0
        for item in iter_documents([path]):
            if isinstance(item, Exception):
                errors += 1
            else:
                docs += 1
        return {"docs": docs, "errors": errors}

    return peak_growth_kb(run)


if __name__ == "__main__":
    import sys

    if sys.argv[1] == "ingest":
        print(json.dumps(ingest_and_measure(sys.argv[2], sys.argv[3])))
    elif sys.argv[1] == "read":
        print(json.dumps(read_and_measure(sys.argv[2])))
