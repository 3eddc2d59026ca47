"""Fuzz: over a thousand generated malformed and hostile inputs for every loader format,
mixed with valid documents, through ``Ingestor.run_paths`` and ``iter_documents``.

The corpus (``tests.loaders.fuzzgen``, seeded) plants each valid record under a fresh id,
so every loaded document is traced to the file that planted it and every expectation is
exact: which ids load (in order), how many errors of which ``LoaderError`` subclasses,
naming which file and record. External entities point at ``/etc/passwd``, at a local
secret file and at a local TCP listener; none may be read or fetched. The ingestion run
happens in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg.embedded import EmbeddedStore
from kg.errors import (
    EmptyDocumentError,
    LoaderError,
    MalformedRecordError,
    UnknownFormatError,
    UnsafeXMLError,
)
from kg.model import Document
from loaders import FORMATS, iter_documents
from tests.loaders.fuzzgen import (
    DTD_SECRET,
    FAMILIES,
    ROOT,
    SECRET,
    Case,
    Corpus,
    Generator,
    generate,
    gzip_bomb,
    load_templates,
)
from tests.loaders.helpers import split

SEED = 20240611
MEMORY_BOUND_MB = 300
NAMED = (UnsafeXMLError, MalformedRecordError, EmptyDocumentError, UnknownFormatError)
FAMILY_FORMAT = {  # which loader each generated family exercises when it loads
    "pubmed": "pubmed",
    "medline": "pubmed",
    "pmc": "pmc",
    "bioc": "bioc",
    "spl": "spl",
    "pubtator": "pubtator",
    "openfda_json": "openfda",
    "openfda_jsonl": "openfda",
    "civic": "civic",
    "pharmgkb": "pharmgkb",
    "text": "text",
}


def _passwd_markers() -> list[str]:
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        lines = []
    return [ln for ln in lines[:3] if ln.count(":") >= 5] + ["root:x:0:0:"]


LEAKS = [SECRET, DTD_SECRET, *_passwd_markers()]


class Listener:
    """A local TCP server that records every connection: nothing may ever reach it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        socket.create_connection(("127.0.0.1", self.port), timeout=5).close()  # self-check
        deadline = time.monotonic() + 5
        while not self.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.connections, "the listener does not see connections: the check is void"
        self.connections.clear()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(addr)
            conn.close()  # a fetch that got here fails fast instead of hanging the test

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@dataclass
class Outcome:
    docs: list[Document] = field(default_factory=list)
    errors: list[LoaderError] = field(default_factory=list)


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    srv = Listener()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> Iterator[Corpus]:
    started = time.perf_counter()
    root = tmp_path_factory.mktemp("fuzz")
    built = generate(root, seed=SEED, port=listener.port)
    print(
        f"\nfuzz corpus: {len(built.cases)} files generated in {time.perf_counter() - started:.1f}s"
    )
    yield built
    shutil.rmtree(root, ignore_errors=True)  # ~250 MB: not worth keeping for three sessions


@pytest.fixture(scope="module")
def walked(corpus: Corpus) -> dict[Path, Outcome]:
    """One ``iter_documents`` walk over the whole tree; documents traced back by their id."""
    by_id = {i: c.path for c in corpus.cases for i in c.planted}
    out: dict[Path, Outcome] = {c.path: Outcome() for c in corpus.cases}
    stray: list[str] = []
    started = time.perf_counter()
    for item in iter_documents(corpus.root):  # an exception here fails every test using it
        if isinstance(item, LoaderError):
            out.setdefault(Path(item.source), Outcome()).errors.append(item)
        elif item.id in by_id:
            out[by_id[item.id]].docs.append(item)
        else:
            stray.append(item.id)
    print(f"fuzz walk: iter_documents over the corpus took {time.perf_counter() - started:.1f}s")
    assert stray == [], f"documents nobody planted: {stray[:10]}"
    return out


# -- the corpus itself -------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_covers_every_format_with_over_a_thousand_hostile_inputs(corpus: Corpus) -> None:
    hostile = Counter(c.family for c in corpus.cases if c.hostile)
    bad = Counter(c.family for c in corpus.cases if c.hostile and c.max_errors)
    gz = Counter(c.family for c in corpus.cases if c.hostile and c.gz)
    huge = [c for c in corpus.cases if c.kind.startswith(("huge", "gzip_bomb"))]
    print("fuzz inputs per family (hostile / reported as errors / gzipped / valid files):")
    for family in FAMILIES:
        valid = sum(1 for c in corpus.cases if c.family == family and not c.hostile)
        print(f"  {family:14} {hostile[family]:4} {bad[family]:4} {gz[family]:4} {valid:4}")
    assert sum(bad.values()) >= 1000  # malformed or hostile inputs that must be reported
    assert set(hostile) == set(FAMILIES) and min(bad.values()) >= 70
    assert all(gz[f] > 0 for f in FAMILIES)
    assert {FAMILY_FORMAT[f] for f in FAMILIES} == set(FORMATS)
    assert {c.family for c in huge} == set(FAMILIES)
    assert all(c.size >= 10 << 20 or c.gz for c in huge)
    kinds = {c.kind for c in corpus.cases}
    for kind in (
        "truncated",
        "truncated_gz",
        "bad_utf8",
        "nul",
        "empty",
        "binary",
        "highbit",
        "misnamed",
        "xml_poison",
        "entity_billion_laughs",
        "entity_quadratic",
        "entity_external_file",
        "entity_external_http",
        "entity_param_external",
        "external_dtd",
        "xinclude",
        "deep100000",
        "padded_prolog",
        "utf16_utf16le",
        "utf16_utf16be",
        "pubtator_offsets_oor",
        "json_poison",
        "bom_json",
    ):
        assert kind in kinds, kind


def test_valid_files_load_exactly_their_planted_ids(tmp_path: Path) -> None:
    """The generator's own check: every valid file it writes (fixture records under fresh
    ids, gzipped, CRLF, BOM, several per file) loads exactly the ids it planted."""
    gen = Generator(tmp_path / "in", tmp_path / "s", SEED, 9, load_templates())
    for family in FAMILIES:
        for _ in range(12):
            gen.valid(family)
    for case in gen.cases:
        docs, errors = split(iter_documents(case.path))
        assert errors == [], (case.path, errors)
        assert [d.id for d in docs] == list(case.docs), case.path
        for d in docs:
            assert d.metadata.get("status", "active") == (
                "deleted" if d.id in case.deleted else "active"
            )


def test_generation_is_deterministic(tmp_path: Path) -> None:
    digests = []
    for run in ("a", "b"):
        gen = Generator(tmp_path / run / "in", tmp_path / "s", SEED, 9, load_templates())
        for family in FAMILIES:
            for mutate, _ in gen.plan(family):
                mutate(family)
            gen.valid(family)
        digests.append(
            [(c.path.relative_to(tmp_path / run), c.path.read_bytes()) for c in gen.cases]
        )
    assert len(digests[0]) > 100 and digests[0] == digests[1]


# -- every file, exactly -------------------------------------------------------------------


def _mismatches(case: Case, got: Outcome) -> list[str]:
    problems: list[str] = []
    ids = [d.id for d in got.docs]
    n = len(ids) - len(case.docs)
    if (
        ids[: len(case.docs)] != list(case.docs)
        or not 0 <= n <= len(case.maybe)
        or ids[len(case.docs) :] != list(case.maybe[:n])
    ):
        problems.append(
            f"loaded {ids}, expected {list(case.docs)} then a prefix of {list(case.maybe)}"
        )
    if not case.min_errors <= len(got.errors) <= case.max_errors:
        problems.append(
            f"{len(got.errors)} errors, expected {case.min_errors}..{case.max_errors}: {[str(e)[:200] for e in got.errors]}"
        )
    for e in got.errors:
        if (
            type(e) is LoaderError
            or not isinstance(e, NAMED)
            or type(e).__name__ not in case.errors
        ):
            problems.append(f"{type(e).__name__} not among {sorted(case.errors)}: {str(e)[:200]}")
        if e.source != str(case.path):
            problems.append(f"error names {e.source!r}")
    missing = set(case.records) - {e.record for e in got.errors}
    if missing:
        problems.append(
            f"no error names record(s) {sorted(missing)}: {[(e.record, str(e)[:120]) for e in got.errors]}"
        )
    for d in got.docs:
        want = "deleted" if d.id in case.deleted else "active"
        if d.metadata.get("status", "active") != want:
            problems.append(f"{d.id} status {d.metadata.get('status')!r}, expected {want}")
    docs = {d.id: d for d in got.docs}
    for doc_id, at_least in case.invalid_mentions:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        if int(doc.metadata.get("invalid_mentions", "0")) < at_least:
            problems.append(
                f"{doc_id}: invalid_mentions {doc.metadata.get('invalid_mentions')} < {at_least}"
            )
        if any(not 0 <= m.start <= m.end <= len(doc.text) for m in doc.mentions):
            problems.append(f"{doc_id}: a gold mention outside the text survived")
    return problems


@pytest.mark.slow
def test_every_file_gets_exactly_its_outcome(corpus: Corpus, walked: dict[Path, Outcome]) -> None:
    assert set(walked) == {c.path for c in corpus.cases}, (
        "errors naming files that were not planted"
    )
    report: dict[str, list[str]] = {}
    for case in corpus.cases:
        problems = _mismatches(case, walked[case.path])
        if problems:
            report[f"{case.path.relative_to(corpus.root)} ({case.kind})"] = problems
    shown = "\n".join(f"{k}:\n    " + "\n    ".join(v) for k, v in list(report.items())[:25])
    assert not report, f"{len(report)} files with the wrong outcome:\n{shown}"


@pytest.mark.slow
def test_nothing_external_is_read_or_fetched(
    corpus: Corpus, walked: dict[Path, Outcome], listener: Listener
) -> None:
    leaks: list[str] = []
    for path, got in walked.items():
        for doc in got.docs:
            parts = [doc.text, doc.title, *doc.metadata.values(), *(m.text for m in doc.mentions)]
            if any(marker in part for part in parts for marker in LEAKS):
                leaks.append(f"{path.name}: {doc.id}")
        for e in got.errors:
            if any(marker in str(e) for marker in LEAKS):
                leaks.append(f"{path.name}: {str(e)[:200]}")
    assert leaks == []
    assert listener.connections == []
    entity_cases = [
        c
        for c in corpus.cases
        if "entity" in c.kind or c.kind in ("external_dtd", "xinclude", "padded_prolog")
    ]
    assert len(entity_cases) >= 100


# -- the ingestion service --------------------------------------------------------------


def _growth_mb(result: dict) -> float:
    if result["growth_kb"] is None:
        pytest.skip("no /proc/self/status: resident memory not measurable here")
    return result["growth_kb"] / 1024


def _run_module(*args: str, timeout: float = 300) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.loaders.fuzzgen", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"child failed (an exception escaped?):\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_ingest_run_reports_every_bad_input_and_ingests_every_valid_document(
    corpus: Corpus, walked: dict[Path, Outcome], listener: Listener, tmp_path: Path
) -> None:
    graph = tmp_path / "g"
    result = _run_module("ingest", str(corpus.root), str(graph))
    report = result["report"]
    growth_mb = _growth_mb(result)
    print(
        f"fuzz ingest: {result['seconds']:.1f}s, peak RSS growth {growth_mb:.0f} MB over "
        f"{result['rss_base_kb'] / 1024:.0f} MB, documents {report['documents']}"
    )
    assert growth_mb < MEMORY_BOUND_MB

    # every file visited, with the documents the direct walk saw
    per_file = report["per_file"]
    assert set(per_file) == {str(c.path) for c in corpus.cases}
    assert {p: n for p, n in per_file.items() if n != len(walked[Path(p)].docs)} == {}
    # every failure names a planted file, and every file that must fail does, as often
    failed = Counter(f["source"] for f in report["failed"])
    assert set(failed) <= set(per_file)
    expected_failures = {
        str(c.path): len(walked[c.path].errors) for c in corpus.cases if walked[c.path].errors
    }
    assert dict(failed) == expected_failures
    assert {str(c.path) for c in corpus.cases if c.min_errors} <= set(failed)
    assert {str(c.path) for c in corpus.cases if not c.max_errors}.isdisjoint(failed)
    assert all(f["error"].startswith(f["source"]) for f in report["failed"])
    assert report["documents"]["failed"] == len(report["failed"])

    # the ledger holds exactly the planted documents that loaded
    exact = {i for c in corpus.cases for i in c.docs}
    deleted = {i for c in corpus.cases for i in c.deleted}
    loaded = {d.id for got in walked.values() for d in got.docs}
    from_prefixes = loaded - exact  # records before the damage of a stream cut mid-buffer
    assert from_prefixes <= {i for c in corpus.cases for i in c.maybe}
    store = EmbeddedStore(graph)
    try:
        ledger = store.ledger(sorted(corpus.planted_ids()))
        assert set(ledger) == loaded and exact <= set(ledger)
        assert {i for i, e in ledger.items() if e.status == "deleted"} == deleted & loaded
        active = len(loaded - deleted)
        print(
            f"fuzz ledger: {len(exact - deleted)} planted valid documents + {len(from_prefixes - deleted)} "
            f"from before the damage in cut streams = {active} active; {len(deleted & loaded)} deletions"
        )
        assert (
            store.counts().documents
            == active
            == len(exact - deleted) + len(from_prefixes - deleted)
        )
    finally:
        store.close()
    assert report["documents"]["seen"] == sum(len(got.docs) for got in walked.values())
    assert listener.connections == []


# -- huge inputs: streamed where the format allows it -------------------------------------


def _write_one_line_pubmed(path: Path, megabytes: int) -> int:
    gen = Generator(path.parent / "g", path.parent / "s", SEED, 9, load_templates())
    head = b'<?xml version="1.0"?>\n<PubmedArticleSet>'
    n = 0
    with path.open("wb") as fh:
        fh.write(head)
        while fh.tell() < megabytes << 20:
            fh.write(gen.record("pubmed").data.replace(b"\n", b" "))
            n += 1
        fh.write(b"</PubmedArticleSet>")
    return n


def _write_one_line_openfda(path: Path, megabytes: int) -> int:
    gen = Generator(path.parent / "g", path.parent / "s", SEED, 9, load_templates())
    n = 0
    with path.open("wb") as fh:
        fh.write(b'{"meta": {}, "results": [')
        while fh.tell() < megabytes << 20:
            fh.write((b", " if n else b"") + gen.record("openfda_json").data.replace(b"\n", b" "))
            n += 1
        fh.write(b"]}")
    return n


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape", ["pubmed_one_line", "openfda_one_line", "pubmed_huge_text_node", "pubmed_gzip_bomb"]
)
def test_huge_inputs_are_streamed(shape: str, tmp_path: Path) -> None:
    """A file of tens of MB on one line is read a record at a time: memory grows by a small
    part of the file, never by the file."""
    path = tmp_path / {"pubmed_gzip_bomb": "bomb.xml.gz", "openfda_one_line": "one.json"}.get(
        shape, "one.xml"
    )
    want_docs, want_errors = 0, 0
    if shape == "pubmed_one_line":
        want_docs = _write_one_line_pubmed(path, 32)
    elif shape == "openfda_one_line":
        want_docs = _write_one_line_openfda(path, 32)
    elif shape == "pubmed_huge_text_node":
        path.write_bytes(
            b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
            b"<ArticleTitle>" + b"w" * (30 << 20) + b"</ArticleTitle></Article>"
            b"</MedlineCitation></PubmedArticle></PubmedArticleSet>"
        )
        want_errors = 1
    else:  # 1 GiB of whitespace after a record, 1 MB on disk
        rec = b"<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>t</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        path.write_bytes(
            gzip_bomb(b"<PubmedArticleSet>" + rec, 1024, b"\n", b"</PubmedArticleSet>")
        )
        want_docs, want_errors = 1, 1
    size_mb = (path.stat().st_size if shape != "pubmed_gzip_bomb" else 1 << 30) / (1 << 20)
    result = _run_module("read", str(path))
    path.unlink()
    growth_mb = _growth_mb(result)
    print(
        f"{shape}: {size_mb:.0f} MB, {result['docs']} docs, {result['errors']} errors, RSS growth {growth_mb:.0f} MB"
    )
    assert (result["docs"], result["errors"]) == (want_docs, want_errors)
    # holding the file would cost at least its size (bytes), twice once decoded; streaming
    # costs a constant (~16 MB for JSON, ~2 MB for XML, whatever the size); libxml2 buffers
    # a text node up to its 10 MB limit before refusing it
    limit = {"pubmed_gzip_bomb": 64, "pubmed_huge_text_node": size_mb / 2}.get(
        shape, size_mb * 0.75
    )
    assert growth_mb < limit


# -- loader bugs the fuzzing found (each was a strict xfail until its fix) ----------------------


@pytest.mark.parametrize(
    "name,data",
    [
        (
            "deep.json",
            b'{"set_id": "a", "version": "1", "openfda": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        ),
        (
            "deep.jsonl",
            b'{"set_id": "a", "version": "1", "indications_and_usage": ["x"]}\n'
            b'{"set_id": "b", "openfda": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        ),
        (
            "deep_pharmgkb.json",
            b'{"guideline": {"id": "PA1", "summaryMarkdown": {"html": "x"}}, "n": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}",
        ),
    ],
)
def test_deeply_nested_json_is_a_named_error(name: str, data: bytes, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "z_after.txt").write_text("Aspirin after the bad file still loads.")
    docs, errors = split(iter_documents(tmp_path))
    assert "TEXT:z_after" in [d.id for d in docs]
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError)
    assert errors[0].source == str(tmp_path / name)


PUBTATOR_OK = b"7|t|Second document.\n7|a|Nothing wrong here.\n"


@pytest.mark.parametrize(
    "offset",
    [
        b"abc",
        b"-5",
        b"\xc2\xb2",
    ],
)
def test_pubtator_offsets_that_are_not_numbers(offset: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bad_offsets.pubtator"
    path.write_bytes(
        b"5|t|Aspirin helps.\n5|a|Really it does.\n5\t"
        + offset
        + b"\t7\tAspirin\tChemical\tD001343\n\n"
        + PUBTATOR_OK
    )
    docs, errors = split(iter_documents(path))
    assert "PMID:7" in [d.id for d in docs]  # the next block is not lost
    bad = [d for d in docs if d.id == "PMID:5"]
    if bad:  # loaded: the bad mention is counted as invalid, not turned into a relation
        assert bad[0].relations == () and bad[0].metadata.get("invalid_mentions") == "1"
        assert errors == []
    else:  # or refused, naming the record
        assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "PMID:5")]


def test_truncated_xml_gzip_past_the_sniff_is_a_named_error(tmp_path: Path) -> None:
    raw = (ROOT / "tests/fixtures/loaders/pubmed/respiratory-misc_15.xml").read_bytes()
    raw = raw.replace(b"<ArticleTitle>", b"<ArticleTitle>[", 1)  # as translated titles are
    packed = gzip.compress(raw)
    cut = next(
        c
        for c in range(len(packed) // 3, len(packed), 64)
        if len(zlib.decompressobj(31).decompress(packed[:c])) > 100_000
    )
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(packed[:cut])
    (tmp_path / "z_after.txt").write_text("Aspirin after the bad file still loads.")
    docs, errors = split(iter_documents(tmp_path))
    assert "TEXT:z_after" in [d.id for d in docs]
    assert [(type(e), e.source) for e in errors] == [(MalformedRecordError, str(path))]


@pytest.mark.parametrize("line,damage", [(2, "garbage"), (1, "bad_utf8")])
def test_one_bad_line_costs_only_that_line_in_json_lines(
    line: int, damage: str, tmp_path: Path
) -> None:
    rows = [
        b'{"set_id": "%s", "version": "1", "indications_and_usage": ["x"]}' % s
        for s in (b"a", b"b", b"c", b"d")
    ]
    bad = b"ZZZ not json" if damage == "garbage" else rows[line - 1].replace(b'["x"]', b'["\xff"]')
    rows[line - 1] = bad
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    docs, errors = split(iter_documents(path))
    assert [d.id for d in docs] == [f"SPL:{s}@1" for i, s in enumerate("abcd", 1) if i != line]
    assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, f"line {line}")]


@pytest.mark.parametrize(
    "name,data,record",
    [
        ("late_nul.txt", b"Aspirin. " + b"x" * 70_000 + b"\n\x00 hidden\n", "TEXT:late_nul"),
        (
            "late_nul.pubtator",
            b"5|t|" + b"x" * 70_000 + b"\n5|a|y\n\n6|t|Ti\x00tle\n6|a|Abs\n",
            "PMID:6",
        ),
        (
            "late_nul.tsv",
            b"evidence_id\tevidence_statement\n5\t" + b"x" * 70_000 + b"\n6\tfoo\x00bar\n",
            "CIVIC:EID6",
        ),
    ],
)
def test_nul_byte_past_the_sniff_window_is_refused(
    name: str, data: bytes, record: str, tmp_path: Path
) -> None:
    (tmp_path / name).write_bytes(data)
    docs, errors = split(iter_documents(tmp_path / name))
    assert not any("\x00" in d.text for d in docs)
    assert [type(e) for e in errors] == [MalformedRecordError] and errors[0].record == record


def test_non_jats_xml_named_nxml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "page.nxml"
    path.write_bytes(b"<html><body><p>Aspirin helps.</p></body></html>")
    items = list(iter_documents(path))
    assert len(items) == 1 and isinstance(items[0], LoaderError) and items[0].source == str(path)


@pytest.mark.parametrize(
    "tail",
    [
        b'{"results": [{"set_id": "b", "version": "1", "indications_and_usage": ["y"]}]}',
        b"\nGARBAGE",
    ],
)
def test_data_after_the_openfda_results_object_is_not_dropped(tail: bytes, tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_bytes(
        b'{"results": [{"set_id": "a", "version": "1", "indications_and_usage": ["x"]}]}' + tail
    )
    docs, errors = split(iter_documents(path))
    assert [d.id for d in docs][:1] == ["SPL:a@1"]
    assert [d.id for d in docs][1:] == ["SPL:b@1"] or len(errors) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,prefix,suffix",
    [
        ("bomb.pubtator.gz", b"1|t|Title\n1|a|Abstract\n\n2|t|", b"\n2|a|x\n"),
        (
            "bomb.jsonl.gz",
            b'{"set_id": "a", "version": "1", "indications_and_usage": ["x"]}\n'
            b'{"set_id": "b", "version": "1", "indications_and_usage": ["',
            b'"]}\n',
        ),
    ],
)
def test_gzip_bomb_with_one_long_line_stays_bounded(
    name: str, prefix: bytes, suffix: bytes, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(gzip_bomb(prefix, 150, b"Z", suffix))
    result = _run_module("read", str(path))
    assert _growth_mb(result) < MEMORY_BOUND_MB


@pytest.mark.slow
def test_one_long_openfda_value_is_read_in_linear_time(tmp_path: Path) -> None:
    def cpu_seconds(megabytes: int) -> float:
        path = tmp_path / f"long{megabytes}.json.gz"
        path.write_bytes(
            gzip_bomb(
                b'{"results": [{"set_id": "a", "version": "1", "indications_and_usage": ["',
                megabytes,
                b"w",
                b'"]}]}',
            )
        )
        started = time.process_time()
        docs, errors = split(iter_documents(path))
        assert len(docs) == 1 and errors == []
        return time.process_time() - started

    small, large = cpu_seconds(3), cpu_seconds(18)
    assert large < 12 * max(small, 0.01)  # 6x the data: linear ~6x, quadratic ~36x
