"""Regressions around the fuzz findings: the shared file walk, strict numbers in ids and
offsets, strict JSON, JSON lines vs one document, line caps, NUL bytes and the XML prolog."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import loaders._io
from kg.errors import (
    EmptyDocumentError,
    LoaderError,
    MalformedRecordError,
    UnknownFormatError,
    UnsafeXMLError,
)
from loaders import iter_documents, walk
from loaders._io import LongLine, ascii_int, is_ascii_int, read_lines
from loaders.pubtator import read_pubtator
from loaders.xmlsafe import check_prolog, scan_prolog
from tests.loaders.helpers import FIXTURES, split

REC = b'{"set_id": "%s", "version": "1", "indications_and_usage": ["x"]}'


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO opened for reading blocks)."""

    def boom(*_: object) -> None:
        raise TimeoutError("hung")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _ids(items: list) -> list[str]:
    return [i.id for i in items]


# -- the walk ------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_walk_skips_fifos_and_sockets_and_reports_dangling_links(
    tmp_path: Path, no_hang: None
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b_note.txt").write_text("Aspirin helps.")
    (tmp_path / "sub" / "c_note.txt").write_text("Warfarin too.")
    (tmp_path / "README").write_text("about")
    (tmp_path / ".hidden.txt").write_text("hidden")
    os.mkfifo(tmp_path / "a_pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    with contextlib.suppress(OSError):  # a path too long for AF_UNIX on some systems
        sock.bind(str(tmp_path / "a_sock.txt"))
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)  # a cycle: walked once only
    try:
        walked = list(walk(tmp_path))
        items = list(iter_documents(tmp_path))
    finally:
        sock.close()
    assert walked == [
        tmp_path / "b_note.txt",
        tmp_path / "dangling.txt",
        tmp_path / "sub" / "c_note.txt",
    ]
    assert [i.source if isinstance(i, LoaderError) else i.id for i in items] == [
        "TEXT:b_note",
        str(tmp_path / "dangling.txt"),
        "TEXT:c_note",
    ]
    assert "dangling symlink" in str(items[1])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_explicitly_is_an_error_not_a_hang(tmp_path: Path, no_hang: None) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    (err,) = iter_documents(pipe)
    assert isinstance(err, UnknownFormatError) and err.source == str(pipe)
    assert "FIFO" in err.problem
    (err,) = iter_documents(pipe, fmt="text")
    assert isinstance(err, LoaderError) and err.source == str(pipe)


def test_walk_is_the_order_iter_documents_reads(tmp_path: Path) -> None:
    (tmp_path / "z").mkdir()
    shutil.copy(FIXTURES / "civic" / "ClinicalEvidenceSummaries_5.tsv", tmp_path / "z" / "c.tsv")
    (tmp_path / "b.txt").write_text("Second note.")
    (tmp_path / "a.txt").write_text("First note.")
    (tmp_path / "LICENSE.txt").write_text("skipped")
    sources = []
    for path in walk([tmp_path, tmp_path / "missing.xml"]):
        sources += [
            i.source if isinstance(i, LoaderError) else i.metadata.get("file", "civic")
            for i in iter_documents([path])
        ]
    assert sources == ["a.txt", "b.txt"] + ["civic"] * 5 + [str(tmp_path / "missing.xml")]


# -- numbers: ASCII digits only ---------------------------------------------------------


def test_ascii_numbers() -> None:
    assert is_ascii_int("0123") and ascii_int(" 42 ") == 42
    for bad in ("²", "٣", "５", "-5", "+5", "1_0", "1.5", "", "abc"):
        assert not is_ascii_int(bad)
        with pytest.raises(ValueError):
            ascii_int(bad)


def test_non_ascii_digits_never_make_ids(tmp_path: Path) -> None:
    civic = tmp_path / "civic.tsv"
    civic.write_text("evidence_id\tevidence_statement\n٣\tA statement.\n4\tAnother one.\n")
    docs, errors = split(iter_documents(civic))
    assert _ids(docs) == ["CIVIC:EID4"]
    assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "line 2")]

    pubtator = tmp_path / "p.pubtator"
    pubtator.write_text("²|t|A title\n²|a|An abstract\n\n7|t|Good\n7|a|Fine\n")
    docs, errors = split(read_pubtator(pubtator))
    assert _ids(docs) == ["PMID:7"] and len(errors) == 1 and errors[0].record is None

    pubmed = tmp_path / "pm.xml"
    pubmed.write_text(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>١٢</PMID><Article>"
        "<ArticleTitle>T</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        "<DeleteCitation><PMID>٣</PMID><PMID>9</PMID></DeleteCitation></PubmedArticleSet>"
    )
    docs, errors = split(iter_documents(pubmed))
    assert _ids(docs) == ["PMID:9"]
    assert [type(e) for e in errors] == [MalformedRecordError, MalformedRecordError]


def test_bioc_offsets_and_ids_are_strict(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    path.write_text(
        "<collection><document><id>٣</id><passage><offset>0</offset><text>Aspirin</text>"
        "</passage></document><document><id>5</id><passage><offset>٣</offset>"
        "<text>Aspirin</text></passage></document></collection>"
    )
    docs, errors = split(iter_documents(path))
    assert _ids(docs) == ["BIOC:٣"]  # not claimed to be a PMID
    assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "PMID:5")]


# -- PubTator lines: mention or relation ------------------------------------------------


@pytest.mark.parametrize(
    "line,relations,error",
    [
        ("5\tAssociation\t3175\tD003924\tNovel", 1, False),  # a numeric gene argument
        ("5\tCID\tD008750\tD007022", 1, False),
        ("5\t0\t7\tAspirin\tChemical", 0, False),  # a mention without an id
        ("5\tabc\t7\tAspirin\tChemical", 0, True),  # five fields, an entity type last
        ("5\t0\tx\tAspirin\tChemical\tD001241", 0, True),
        ("5\t٣\t7\tAspirin\tChemical\tD001241", 0, True),
    ],
)
def test_pubtator_mentions_and_relations(
    tmp_path: Path, line: str, relations: int, error: bool
) -> None:
    path = tmp_path / "x.pubtator"
    path.write_text(f"5|t|Aspirin use.\n5|a|More text.\n{line}\n\n7|t|Next\n7|a|Doc\n")
    docs, errors = split(read_pubtator(path))
    if error:
        assert _ids(docs) == ["PMID:7"]
        assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "PMID:5")]
        assert "line 3" in errors[0].problem
    else:
        assert errors == [] and _ids(docs) == ["PMID:5", "PMID:7"]
        assert len(docs[0].relations) == relations
        assert len(docs[0].mentions) == (0 if relations else 1)


def test_pubtator_nul_and_long_line_cost_their_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders._io, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "x.pubtator"
    path.write_bytes(
        b"5|t|Ti\x00tle\n5|a|Abs\n\n6|t|" + b"w" * 5000 + b"\n6|a|Abs\n\n7|t|Good\n7|a|Fine\n"
    )
    docs, errors = split(read_pubtator(path))
    assert _ids(docs) == ["PMID:7"]
    assert [(type(e), e.record) for e in errors] == [
        (MalformedRecordError, "PMID:5"),
        (MalformedRecordError, "PMID:6"),
    ]
    assert "NUL" in errors[0].problem and "limit" in errors[1].problem


# -- line caps ----------------------------------------------------------------------------


def test_read_lines_caps_a_line_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "l.txt.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbfshort\r\n" + b"x" * 10_000 + b"\nafter\nlast"))
    with loaders._io.open_binary(path) as fh:
        lines = list(read_lines(fh, max_bytes=100))
    assert lines[0] == (1, b"short") and lines[2:] == [(3, b"after"), (4, b"last")]
    number, long = lines[1]
    assert number == 2 and isinstance(long, LongLine)
    assert long.length == 10_001 and long.head.startswith(b"xxx") and len(long.head) <= 4096


def test_long_lines_in_civic_and_json_lines_are_named_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders._io, "MAX_LINE_BYTES", 1000)
    civic = tmp_path / "c.tsv"
    civic.write_bytes(b"evidence_id\tevidence_statement\n1\t" + b"s" * 2000 + b"\n2\tShort.\n")
    docs, errors = split(iter_documents(civic))
    assert _ids(docs) == ["CIVIC:EID2"]
    assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "line 2")]
    jsonl = tmp_path / "l.jsonl"
    long = b'{"set_id": "b", "version": "1", "indications_and_usage": ["' + b"y" * 2000 + b'"]}'
    jsonl.write_bytes(REC % b"a" + b"\n" + long + b"\n" + REC % b"c" + b"\n")
    docs, errors = split(iter_documents(jsonl))
    assert _ids(docs) == ["SPL:a@1", "SPL:c@1"]
    assert [(type(e), e.record) for e in errors] == [(MalformedRecordError, "line 2")]


# -- JSON: strict syntax, lines or document, what follows the results -----------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{,"results": [' + REC % b"a" + b"]}",
        b'{"results": [' + REC % b"a" + b",]}",
        b'{"results": [,' + REC % b"a" + b"]}",
        b'{"results": [' + REC % b"a" + b" " + REC % b"b" + b"]}",
        b'{"meta": {} "results": [' + REC % b"a" + b"]}",
        b'{"results": [' + REC % b"a" + b"],}",
        b"[" + REC % b"a" + b"] []",
        REC.replace(b'"1",', b'"1",,') % b"a",
    ],
)
def test_invalid_json_syntax_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(data)
    docs, errors = split(iter_documents(path))
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError), errors
    assert len(docs) <= 1  # records before the fault may load


@pytest.mark.parametrize(
    "name,data,ids,error_records",
    [
        # JSON lines named .json: decided by the first line, a bad line costs that line
        ("l.json", REC % b"a" + b"\nZZZ\n" + REC % b"c", ["SPL:a@1", "SPL:c@1"], ["line 2"]),
        # a pretty-printed download named .jsonl is still one document
        ("d.jsonl", b'{"meta": {},\n"results": [\n' + REC % b"a" + b"\n]}\n", ["SPL:a@1"], []),
        # whole downloads one per line: each expanded
        (
            "w.jsonl",
            b'{"results": [' + REC % b"a" + b"]}\n" + b'{"results": [' + REC % b"b" + b"]}\n",
            ["SPL:a@1", "SPL:b@1"],
            [],
        ),
        # a .jsonl whose first line is cut mid-value still reads its other lines
        ("c.jsonl", b'{"set_id": "a", "ver\n' + REC % b"b", ["SPL:b@1"], ["line 1"]),
        # a record's own NUL (a JSON escape) is refused, not loaded
        (
            "n.jsonl",
            (REC % b"a").replace(b'"x"', b'"a\\u0000b"') + b"\n" + REC % b"b",
            ["SPL:b@1"],
            ["SPL:a@1"],
        ),
    ],
)
def test_json_lines_or_document(
    tmp_path: Path, name: str, data: bytes, ids: list[str], error_records: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    docs, errors = split(iter_documents(path))
    assert _ids(docs) == ids
    assert [(type(e), e.record) for e in errors] == [
        (MalformedRecordError, r) for r in error_records
    ]


def test_a_long_whitespace_run_is_linear(tmp_path: Path) -> None:
    def seconds(megabytes: int) -> float:
        path = tmp_path / f"ws{megabytes}.json"
        path.write_bytes(
            b'{"results": [' + REC % b"a" + b"," + b" \n" * (megabytes << 19) + REC % b"b" + b"]}"
        )
        started = time.process_time()
        docs, errors = split(iter_documents(path))
        assert _ids(docs) == ["SPL:a@1", "SPL:b@1"] and errors == []
        return time.process_time() - started

    small, large = seconds(2), seconds(16)
    assert large < 0.5 + 12 * small  # 8x the data: linear ~8x, quadratic ~64x


# -- XML: the prolog, and files with no record ---------------------------------------------


def test_scan_prolog_looks_only_inside_the_doctype() -> None:
    external = b'<?xml version="1.0"?>\n<!DOCTYPE a PUBLIC "-//X//Y" "a.dtd">\n<a>[ no ]> here</a>'
    prolog = scan_prolog(external)
    assert prolog.complete and prolog.subset is None and external[prolog.root :].startswith(b"<a>")
    tricky = b'<!DOCTYPE a [<!-- ]> --><!ENTITY x "]>">]><a>&x;</a>'
    prolog = scan_prolog(tricky)
    assert prolog.complete and b"<!ENTITY" in (prolog.subset or b"")
    lower = scan_prolog(b'<!doctype a [<!entity x SYSTEM "file:///etc/passwd">]><a/>')
    assert lower.subset is not None and b"entity" in lower.subset
    assert not scan_prolog(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY').complete
    assert not scan_prolog(b"<!-- a comment not yet closed").complete
    assert not scan_prolog(b"<!DOC").complete


def test_check_prolog_reads_no_further_than_the_root(tmp_path: Path) -> None:
    raw = (FIXTURES / "pubmed" / "respiratory-misc_15.xml").read_bytes()
    raw = raw.replace(b"<ArticleTitle>", b"<ArticleTitle>[", 1)
    packed = gzip.compress(raw)
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(packed[: len(packed) // 2])
    check_prolog(path, str(path))  # no EOFError: the cut is far past the root element
    entity = tmp_path / "e.xml"
    entity.write_bytes(b'<!DOCTYPE a [<!ENTITY x "]>">]><a>&x;</a>')
    with pytest.raises(UnsafeXMLError):
        check_prolog(entity, str(entity))


@pytest.mark.parametrize(
    "name,data,error",
    [
        ("page.nxml", b"<html><body><p>Aspirin helps.</p></body></html>", UnknownFormatError),
        ("empty_set.xml", b"<PubmedArticleSet>\n</PubmedArticleSet>", EmptyDocumentError),
        ("other.xml", b"<PubmedArticleSet><Other/></PubmedArticleSet>", MalformedRecordError),
    ],
)
def test_xml_without_records_is_reported(
    tmp_path: Path, name: str, data: bytes, error: type
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    items = list(iter_documents(path))
    assert [type(i) for i in items] == [error] and items[0].source == str(path)


def test_forced_pmc_on_non_jats_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "page.nxml"
    path.write_bytes(b"<html><body><p>Aspirin helps.</p></body></html>")
    items = list(iter_documents(path, fmt="pmc"))
    assert [type(i) for i in items] == [MalformedRecordError]


def test_deep_json_errors_say_where(tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    pharmgkb = tmp_path / "g.json"
    pharmgkb.write_bytes(
        b'{"guideline": {"id": "PA1", "summaryMarkdown": {"html": "x"}},\n"n": ' + deep + b"}"
    )
    label = tmp_path / "l.json"
    label.write_bytes(b'{"results": [' + REC % b"a" + b',\n{"set_id": "b", "x": ' + deep + b"}]}")
    (g_err,) = iter_documents(pharmgkb)
    assert isinstance(g_err, MalformedRecordError) and "line 2" in g_err.problem
    docs, errors = split(iter_documents(label))
    assert _ids(docs) == ["SPL:a@1"] and len(errors) == 1
    assert "nested too deeply" in errors[0].problem and "line 2" in errors[0].problem
