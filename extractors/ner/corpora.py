"""Gold NER corpora as ``Document``s: PubTator files (through the loader), IOB/CoNLL files
and brat standoff folders.

Type names follow the corpora: ``Chemical``, ``Disease``, ``Gene``, ``Variant``
(NCBI-disease's four subtypes are all ``Disease``; BC2GM's ``GENE`` is ``Gene``; JNLPBA's
protein, DNA and RNA are ``Gene``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import BadInputError
from kg.model import Document, EntityType, Mention

log = logging.getLogger(__name__)

# our entity type -> the name corpora and the eval report use
EVAL_NAME: dict[EntityType, str] = {
    EntityType.DRUG: "Chemical",
    EntityType.DISEASE: "Disease",
    EntityType.GENE: "Gene",
    EntityType.VARIANT: "Variant",
}
FROM_EVAL_NAME: dict[str, EntityType] = {v: k for k, v in EVAL_NAME.items()}

# IOB tag types seen in the corpora -> our entity type
_IOB_TYPES: dict[str, EntityType] = {
    "chemical": EntityType.DRUG,
    "chemicalentity": EntityType.DRUG,
    "drug": EntityType.DRUG,
    "disease": EntityType.DISEASE,
    "diseaseorphenotypicfeature": EntityType.DISEASE,
    "gene": EntityType.GENE,
    "geneorgeneproduct": EntityType.GENE,
    "protein": EntityType.GENE,
    "variant": EntityType.VARIANT,
    "sequencevariant": EntityType.VARIANT,
    "mutation": EntityType.VARIANT,
}
# brat entity types (JNLPBA) -> our entity type; cell types and cell lines are not entities here
_BRAT_TYPES: dict[str, EntityType] = {
    "protein": EntityType.GENE,
    "dna": EntityType.GENE,
    "rna": EntityType.GENE,
}


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    name: str
    types: tuple[str, ...]
    format: str
    splits: dict[str, str]  # split -> path relative to the data root
    pmid_map: str | None = None  # document id -> PubMed id table, where ids are not PMIDs


# The corpora the shipped model learns from (train) and is selected on (dev).
CORPORA: dict[str, CorpusSpec] = {
    "bc5cdr": CorpusSpec(
        "bc5cdr",
        ("Chemical", "Disease"),
        "pubtator",
        {
            "train": "bc5cdr/CDR_TrainingSet.PubTator.txt",
            "dev": "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
            "test": "bc5cdr/CDR_TestSet.PubTator.txt",
        },
    ),
    "ncbi": CorpusSpec(
        "ncbi",
        ("Disease",),
        "pubtator",
        {
            "train": "ncbi_disease/NCBItrainset_corpus.txt",
            "dev": "ncbi_disease/NCBIdevelopset_corpus.txt",
            "test": "ncbi_disease/NCBItestset_corpus.txt",
        },
    ),
    "bc2gm": CorpusSpec(
        "bc2gm",
        ("Gene",),
        "conll",
        {"train": "bc2gm/train.tsv", "dev": "bc2gm/devel.tsv", "test": "bc2gm/test.tsv"},
    ),
    "biored": CorpusSpec(
        "biored",
        ("Chemical", "Disease", "Gene", "Variant"),
        "pubtator",
        {
            "train": "biored/Train.PubTator",
            "dev": "biored/Dev.PubTator",
            "test": "biored/Test.PubTator",
        },
    ),
}


# Corpora that only train the encoder: a head of their own, no dev split, so they are never
# routed (each type goes to the first corpus above that annotates it) nor selected on. Named
# explicitly (`--corpora ...,jnlpba`); the default prepare reads CORPORA alone.
AUXILIARY: dict[str, CorpusSpec] = {
    "jnlpba": CorpusSpec(
        "jnlpba",
        ("Gene",),
        "brat",
        {"train": "jnlpba/standoff/train", "test": "jnlpba/standoff/test"},
        pmid_map="jnlpba/MUID-PMID-map.txt",  # its files are named by MEDLINE UID
    ),
}


def corpus_spec(name: str) -> CorpusSpec:
    spec = CORPORA.get(name) or AUXILIARY.get(name)
    if spec is None:
        raise BadInputError(f"unknown corpus {name!r}; known: {sorted([*CORPORA, *AUXILIARY])}")
    return spec


def detect_format(path: Path) -> str:
    if path.is_dir():
        return "brat"
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            head = line.split("\t")[0]
            return "pubtator" if "|t|" in line or "|a|" in line or head.isdigit() else "conll"
    raise BadInputError(f"{path}: empty corpus file")


def read_corpus(path: str | Path, fmt: str | None = None) -> list[Document]:
    """Every document of a gold corpus; duplicate ids (NCBI's 8528200) are read once."""
    path = Path(path)
    if not (path.is_file() or (path.is_dir() and fmt in (None, "brat"))):
        raise BadInputError(f"{path}: no such corpus file")
    fmt = fmt or detect_format(path)
    if fmt == "pubtator":
        docs = list(_read_pubtator(path))
    elif fmt == "conll":
        docs = list(read_conll(path))
    elif fmt == "brat":
        docs = list(read_brat(path))
    else:
        raise BadInputError(f"unknown corpus format {fmt!r} (pubtator, conll or brat)")
    seen: set[str] = set()
    out = []
    for d in docs:
        if d.id not in seen:
            seen.add(d.id)
            out.append(d)
    return out


def _read_pubtator(path: Path) -> list[Document]:
    # the policy every eval shares: a bad record is logged and skipped, the rest is scored
    from loaders.pubtator import read_gold_documents

    return read_gold_documents(path)


def read_conll(path: str | Path) -> Iterator[Document]:
    """One document per sentence: tokens joined by single spaces, mentions from the tags."""
    path = Path(path)
    tokens: list[str] = []
    tags: list[str] = []
    index = 0
    with open(path, encoding="utf-8") as fh:
        for line in [*fh, ""]:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("-DOCSTART-"):
                parts = line.split("\t") if "\t" in line else line.split()
                tokens.append(parts[0])
                tags.append(parts[-1] if len(parts) > 1 else "O")
                continue
            if tokens:
                yield _conll_doc(f"{path.stem}:{index}", tokens, tags)
                index += 1
            tokens, tags = [], []


def _conll_doc(doc_id: str, tokens: list[str], tags: list[str]) -> Document:
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok) + 1
    text = " ".join(tokens)
    mentions = []
    i = 0
    while i < len(tags):
        prefix, _, raw = tags[i].partition("-")
        if prefix not in ("B", "I"):
            i += 1
            continue
        j = i + 1
        while j < len(tags) and tags[j] == f"I-{raw}":
            j += 1
        etype = _IOB_TYPES.get(raw.lower())
        if etype is not None:
            s, e = starts[i], starts[j - 1] + len(tokens[j - 1])
            mentions.append(Mention(s, e, text[s:e], etype, label=raw, extractor="gold"))
        i = j
    return Document(id=doc_id, source="conll", text=text, mentions=tuple(mentions))


def read_brat(directory: str | Path) -> Iterator[Document]:
    """One document per ``NAME.txt`` + ``NAME.ann`` pair of a brat standoff folder.

    Text-bound annotations (``T<n>  <type> <start> <end>  <text>``, tab-separated) of the
    types in ``_BRAT_TYPES`` become mentions; other types are not entities here. A document
    with an annotation that is not contiguous, or whose offsets do not select its own text,
    is logged with its file and line and skipped (the policy of the PubTator reader)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BadInputError(f"{directory}: no such brat folder")
    read = 0
    for txt in sorted(directory.glob("*.txt")):
        try:
            doc = _brat_document(txt)
        except BadInputError as exc:
            log.warning("skipping %s", exc)
            continue
        read += 1
        yield doc
    if not read:
        raise BadInputError(f"{directory}: no documents read")


def _brat_document(txt: Path) -> Document:
    text = txt.read_text(encoding="utf-8")
    ann = txt.with_suffix(".ann")
    mentions = []
    lines = ann.read_text(encoding="utf-8").splitlines() if ann.is_file() else []
    for n, line in enumerate(lines, 1):
        if not line.startswith("T"):
            continue
        try:
            _, kind, surface = line.split("\t", 2)
            label, start, end = kind.split(" ")
            s, e = int(start), int(end)
        except ValueError:
            raise BadInputError(
                f"{ann}:{n}: not a contiguous text-bound annotation: {line!r}"
            ) from None
        if text[s:e] != surface:
            raise BadInputError(f"{ann}:{n}: offsets {s}-{e} select {text[s:e]!r}, not {surface!r}")
        etype = _BRAT_TYPES.get(label.lower())
        if etype is not None:
            mentions.append(Mention(s, e, surface, etype, label=label, extractor="gold"))
    return Document(id=txt.stem, source="brat", text=text, mentions=tuple(mentions))
