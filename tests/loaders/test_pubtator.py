from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document, EntityType
from loaders.pubtator import parse_ids, read_pubtator

FIX = Path(__file__).parents[1] / "fixtures" / "loaders" / "pubtator"


def _load(path: Path) -> tuple[list[Document], list[LoaderError]]:
    docs, errors = [], []
    for item in read_pubtator(path):
        (errors if isinstance(item, LoaderError) else docs).append(item)
    return docs, errors


@pytest.mark.parametrize(
    "name,count",
    [("bc5cdr_train_4.PubTator.txt", 4), ("biored_train_4.PubTator", 4), ("ncbi_disease_3.txt", 3)],
)
def test_counts_offsets_and_mentions(name: str, count: int) -> None:
    docs, errors = _load(FIX / name)
    assert errors == []
    assert len(docs) == count
    for doc in docs:
        assert doc.id.startswith("PMID:") and doc.source == "pubtator"
        title, abstract = doc.sections
        assert (title.name, title.start) == ("title", 0)
        assert doc.text[title.start : title.end] == doc.title
        assert (abstract.name, abstract.start) == ("abstract", len(doc.title) + 1)
        assert abstract.end == len(doc.text)
        assert doc.mentions
        for m in doc.mentions:
            assert m.text == doc.text[m.start : m.end]
            assert m.extractor == "gold"


def test_bc5cdr_ids_and_cid_relations() -> None:
    docs, _ = _load(FIX / "bc5cdr_train_4.PubTator.txt")
    first = docs[0]
    assert first.id == "PMID:227508"
    naloxone = first.mentions[0]
    assert (naloxone.text, naloxone.type, naloxone.label, naloxone.ids) == (
        "Naloxone",
        EntityType.DRUG,
        "Chemical",
        ("MESH:D009270",),
    )
    nalozone = next(m for m in first.mentions if m.text == "nalozone")
    assert nalozone.ids == ()  # '-1' in the corpus
    assert {r.type for d in docs for r in d.relations} == {"CID"}
    for doc in docs:
        ids = {i for m in doc.mentions for i in m.ids}
        for rel in doc.relations:
            assert rel.arg1 in ids and rel.arg2 in ids
    assert any(len(m.ids) == 2 for d in docs for m in d.mentions)  # composite "D1|D2"


def test_biored_types_skips_and_novelty() -> None:
    docs, _ = _load(FIX / "biored_train_4.PubTator")
    types = {m.type for d in docs for m in d.mentions}
    assert types == {EntityType.DRUG, EntityType.DISEASE, EntityType.GENE, EntityType.VARIANT}
    assert {m.label for d in docs for m in d.mentions} >= {"GeneOrGeneProduct", "SequenceVariant"}
    first = docs[0]
    assert "OrganismTaxon:" in first.metadata["skipped_types"]
    assert "CellLine:" in docs[-1].metadata["skipped_types"]
    assert not any(m.label in ("OrganismTaxon", "CellLine") for d in docs for m in d.mentions)
    variant_ids = {
        i for d in docs for m in d.mentions if m.type is EntityType.VARIANT for i in m.ids
    }
    assert "dbSNP:rs74805019" in variant_ids
    assert any(i.startswith("tmVar:") and "|" in i for i in variant_ids)
    rel = first.relations[0]
    assert (rel.type, rel.arg1, rel.arg2, rel.novel) == (
        "Association",
        "NCBIGene:3175",
        "MESH:D003924",
        "No",
    )
    for doc in docs:
        ids = {i for m in doc.mentions for i in m.ids}
        for r in doc.relations:
            assert r.arg1 in ids and r.arg2 in ids and r.novel in ("Novel", "No")


def test_ncbi_disease_labels_and_trailing_space_quirk() -> None:
    docs, _ = _load(FIX / "ncbi_disease_3.txt")
    labels = {m.label for d in docs for m in d.mentions}
    assert labels <= {"SpecificDisease", "DiseaseClass", "Modifier", "CompositeMention"}
    assert {m.type for d in docs for m in d.mentions} == {EntityType.DISEASE}
    quirk = next(d for d in docs if d.id == "PMID:10923035")
    span = next(m for m in quirk.mentions if m.start == 711)
    assert span.text.endswith('"') and "invalid_mentions" not in quirk.metadata


def test_parse_ids() -> None:
    assert parse_ids("-1", EntityType.DRUG) == ()
    assert parse_ids("", EntityType.DISEASE) == ()
    assert parse_ids("D058186|D017093", EntityType.DISEASE) == ("MESH:D058186", "MESH:D017093")
    assert parse_ids("D007674+D006222", EntityType.DISEASE) == ("MESH:D007674", "MESH:D006222")
    assert parse_ids("OMIM:115470", EntityType.DISEASE) == ("OMIM:115470",)
    assert parse_ids("3172,3651", EntityType.GENE) == ("NCBIGene:3172", "NCBIGene:3651")
    assert parse_ids("c|SUB|C|123|T", EntityType.VARIANT) == ("tmVar:c|SUB|C|123|T",)
    assert parse_ids("tmVar:p|SUB|V|600|E;HGVS:p.V600E;RS#:113488022", EntityType.VARIANT) == (
        "tmVar:p|SUB|V|600|E",
        "dbSNP:rs113488022",
    )


def test_bad_blocks_do_not_stop_the_file(tmp_path: Path) -> None:
    good = (FIX / "bc5cdr_train_4.PubTator.txt").read_bytes()
    blocks = good.strip().split(b"\n\n")
    bad_encoding = b"999|t|Caf\xe9 title\n999|a|abstract\n"
    empty = b"998|t|\n998|a|\n"
    garbage = b"997|t|Title\n997|a|Abstract\nthis is not pubtator\n"
    path = tmp_path / "mixed.PubTator"
    path.write_bytes(b"\n\n".join([blocks[0], bad_encoding, empty, garbage, blocks[1]]) + b"\n")
    docs, errors = _load(path)
    assert [d.id for d in docs] == ["PMID:227508", "PMID:354896"]
    assert [type(e) for e in errors] == [
        MalformedRecordError,
        EmptyDocumentError,
        MalformedRecordError,
    ]
    assert [e.record for e in errors] == ["PMID:999", "PMID:998", "PMID:997"]
    assert all(e.source == str(path) for e in errors)
    assert "UTF-8" in errors[0].problem


def test_gzip_and_crlf(tmp_path: Path) -> None:
    import gzip

    raw = (FIX / "biored_train_4.PubTator").read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "x.PubTator.gz"
    path.write_bytes(gzip.compress(raw))
    docs, errors = _load(path)
    assert len(docs) == 4 and errors == []
    assert all(m.text == d.text[m.start : m.end] for d in docs for m in d.mentions)
