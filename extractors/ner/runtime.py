"""Run a token-classification ONNX model over word-split sentences (tokenizers + onnxruntime + numpy).

The serving path and the trainer's final check both go through ``OnnxTagger.predict``:
sentences are word pieces (capped per word), long ones cut into overlapping windows,
all units sorted by length and batched, and each word's logits read from the window
where it sits furthest from an edge, so nothing is lost or doubled at window edges.

A model directory holds ``model.onnx`` (or ``onnx/model.onnx``), ``tokenizer.json`` and
``labels.json`` (medkg's own) or a ``config.json`` with ``id2label`` (any Hugging Face
token-classification export with BIO labels). ``resolve_model_dir`` accepts a local path
or a hub id; both load through the same code.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.checksums import file_sha256
from extractors.ner.features import NUM_CASE_CLASSES, Head, Schema, case_class

DEFAULT_MAX_LENGTH = 128
MAX_PIECES_PER_WORD = 16  # a 300-letter DNA string must not eat a whole window


class ModelLoadError(Exception):
    """The directory is not a usable model (missing files, labels we cannot read)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    path: Path
    onnx_path: Path
    schema: Schema
    case_types: bool  # token_type_ids carry casing classes (medkg models) or zeros
    max_length: int
    version: str
    label_order: tuple[int, ...] | None = None  # model column of each schema label, if not ours
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a stacked model's (graph prefix, heads) per model


def stack_parts(meta: Mapping) -> list[tuple[str, tuple[str, ...]]]:
    """(graph prefix, its heads' names in the schema) per model of a ``labels.json``: one
    per stacked model, the main one first; a plain model is one part with every head."""
    if meta.get("stack"):
        return [(e["graph_prefix"], tuple(e["prefix"] + h for h in e["heads"])) for e in meta["stack"]]
    return [("", tuple(h["name"] for h in meta["schema"]["heads"]))]


def parts_to_run(info: ModelInfo, heads: Collection[str] | None) -> tuple[int, ...] | None:
    """The stacked models that compute ``heads`` (indices into ``info.parts``), or None when
    every model must run (a plain model, no heads named, or heads in every part)."""
    if heads is None or len(info.parts) < 2:
        return None
    wanted = set(heads)
    keep = tuple(i for i, (_, names) in enumerate(info.parts) if wanted.intersection(names))
    return None if len(keep) == len(info.parts) else keep or (0,)


def resolve_model_dir(spec: str | Path) -> Path:
    """A local directory as is; otherwise a hub id, fetched (or found in the hub cache)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    text = str(spec)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", text) and not text.startswith((".", "/")):
        try:
            from huggingface_hub import snapshot_download
        except ImportError as exc:
            raise ModelLoadError(f"{text}: not a directory, and huggingface_hub is not installed") from exc
        try:
            return Path(snapshot_download(text, allow_patterns=["*.json", "*.onnx", "onnx/*", "*.txt"]))
        except Exception as exc:  # offline, unknown repo, ...: say which
            raise ModelLoadError(f"{text}: not a directory and not fetchable from the hub ({exc})") from exc
    raise ModelLoadError(f"{text}: no such model directory")


def read_model_info(path: Path) -> ModelInfo:
    onnx_path = next((p for p in (path / "model.onnx", path / "onnx" / "model.onnx") if p.is_file()), None)
    if onnx_path is None:
        raise ModelLoadError(f"{path}: no model.onnx")
    if not (path / "tokenizer.json").is_file():
        raise ModelLoadError(f"{path}: no tokenizer.json")
    labels_path = path / "labels.json"
    if labels_path.is_file():
        meta = json.loads(labels_path.read_text())
        try:
            schema = Schema.from_json(meta["schema"])
            parts = tuple(stack_parts(meta)) if meta.get("stack") else ()
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"{labels_path}: {exc!r}") from exc
        return ModelInfo(
            path,
            onnx_path,
            schema,
            meta.get("token_type") == "case",
            int(meta.get("max_length", DEFAULT_MAX_LENGTH)),
            str(meta.get("version") or file_sha256(onnx_path)[:12]),
            parts=parts,
        )
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelLoadError(f"{path}: neither labels.json nor config.json with id2label")
    config = json.loads(config_path.read_text())
    id2label = {int(k): v for k, v in config.get("id2label", {}).items()}
    schema, order = _schema_from_labels([id2label[i] for i in sorted(id2label)], path)
    return ModelInfo(
        path, onnx_path, schema, False, DEFAULT_MAX_LENGTH, file_sha256(onnx_path)[:12], order
    )


def _schema_from_labels(labels: list[str], path: Path) -> tuple[Schema, tuple[int, ...] | None]:
    types: list[str] = []
    for label in labels:
        prefix, _, t = label.partition("-")
        if label == "O":
            continue
        if prefix not in ("B", "I") or not t:
            raise ModelLoadError(f"{path}: label {label!r} is not BIO")
        if t not in types:
            types.append(t)
    if "O" not in labels:
        raise ModelLoadError(f"{path}: labels {labels} have no O")
    head = Head("model", tuple(types))
    schema = Schema((head,), {t: ("model",) for t in types})
    if list(head.labels) == labels:
        return schema, None
    # medkg reads a head as O, B-x, I-x, ...; a foreign order is permuted after each run
    return schema, tuple(labels.index(label) for label in head.labels)


def plan_windows(counts: Sequence[int], limit: int) -> list[tuple[int, int, int, int]]:
    """Cut a sentence of words (``counts`` word pieces each, every one <= limit) into windows.

    Returns (first word, end word, first owned word, end owned word) per window. Windows
    hold at most ``limit`` pieces and overlap by about half; the owned ranges partition
    the sentence, each boundary in the middle of an overlap, so an owned word has about a
    quarter window of context on each side (or the sentence edge).
    """
    n = len(counts)
    cum = np.concatenate([[0], np.cumsum(counts)])
    if cum[-1] <= limit:
        return [(0, n, 0, n)]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = int(np.searchsorted(cum, cum[start] + limit, side="right")) - 1
        end = max(end, start + 1)
        spans.append((start, end))
        if end >= n:
            break
        nxt = int(np.searchsorted(cum, cum[end] - limit // 2, side="left"))
        start = min(max(nxt, start + 1), end)
    bounds = [0]
    for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False):
        middle = (cum[a2] + cum[b1]) / 2
        cut = int(np.searchsorted(cum, middle, side="left"))
        bounds.append(min(max(cut, a2), b1))
    bounds.append(n)
    return [(a, b, bounds[k], bounds[k + 1]) for k, (a, b) in enumerate(spans)]


class OnnxTagger:
    """Per-word logits for word-split sentences. Loads lazily; one object per model.

    ``parts`` (indices into a stacked model's ``info.parts``) runs only those models of the
    stack: the others' columns read as outside, so a routing that reads none of their heads
    does not pay for their encoders.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        threads: int = 0,
        max_batch: int = 64,
        max_tokens: int = 6144,
        max_length: int | None = None,
        parts: Sequence[int] | None = None,
    ) -> None:
        self.path = Path(path)
        self.parts = None if parts is None else tuple(parts)
        self.threads = threads
        self.max_batch = max_batch
        self.max_tokens = max_tokens
        self._max_length = max_length
        self._info: ModelInfo | None = None
        self._session = None
        self._tokenizer = None

    @property
    def info(self) -> ModelInfo:
        if self._info is None:
            self._info = read_model_info(self.path)
        return self._info

    @property
    def schema(self) -> Schema:
        return self.info.schema

    @property
    def max_length(self) -> int:
        return self._max_length or self.info.max_length

    def load(self) -> OnnxTagger:
        if self._session is not None:
            return self
        import onnxruntime as ort
        from tokenizers import Tokenizer

        info = self.info
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = self.threads or min(os.cpu_count() or 1, 8)
        opts.inter_op_num_threads = 1
        self._columns = None
        try:
            source: str | bytes = str(info.onnx_path)
            if self.parts is not None and len(self.parts) < len(info.parts):
                source, self._columns = self._select(info)
            self._session = ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])
            tok = Tokenizer.from_file(str(info.path / "tokenizer.json"))
        except Exception as exc:  # onnx/onnxruntime/tokenizers raise their own types
            self._session = None
            raise ModelLoadError(f"{info.path}: cannot load ({exc})") from exc
        tok.no_truncation()
        tok.no_padding()
        self._tokenizer = tok
        self._inputs = {i.name: (np.int32 if "int32" in i.type else np.int64) for i in self._session.get_inputs()}
        self._cls = tok.token_to_id("[CLS]")
        self._sep = tok.token_to_id("[SEP]")
        if self._cls is None or self._sep is None:
            self._cls = tok.token_to_id("<s>")
            self._sep = tok.token_to_id("</s>")
        if self._cls is None or self._sep is None:
            raise ModelLoadError(f"{info.path}: tokenizer has no [CLS]/[SEP] (or <s>/</s>)")
        self._pad = tok.token_to_id("[PAD]") or tok.token_to_id("<pad>") or 0
        width = info.schema.width
        self._perm = None if info.label_order is None else np.array(info.label_order)
        # a word the tokenizer drops entirely (a lone control character) reads as outside
        self._outside = np.zeros(width, dtype=np.float32)
        for a, _ in info.schema.offsets().values():
            self._outside[a] = 20.0
        return self

    def _select(self, info: ModelInfo) -> tuple[bytes, np.ndarray]:
        """The stacked graph cut down to ``self.parts``, and the schema columns its logits fill."""
        import onnx

        from extractors.ner.stack import select_parts  # stack reads models through this module

        chosen = [info.parts[i] for i in sorted(self.parts)]
        model = select_parts(onnx.load(str(info.onnx_path)), [prefix for prefix, _ in chosen])
        offsets = info.schema.offsets()
        columns = np.concatenate([np.arange(*offsets[h]) for _, heads in chosen for h in heads])
        return model.SerializeToString(), columns

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """[n_words, width] logits per sentence (words as the recognizer cut them)."""
        self.load()
        tok = self._tokenizer
        limit = self.max_length - 2
        encodings = tok.encode_batch([list(s) for s in sentences], is_pretokenized=True, add_special_tokens=False) if sentences else []
        outputs = [np.tile(self._outside, (len(s), 1)) for s in sentences]
        units = []  # (sentence, piece ids, case ids, first-piece positions of owned words, owned word indices)
        for si, (words, enc) in enumerate(zip(sentences, encodings, strict=True)):
            if not words:
                continue
            word_ids = np.array([-1 if w is None else w for w in enc.word_ids], dtype=np.int64)
            ids = np.asarray(enc.ids, dtype=np.int64)
            if len(ids):
                # keep at most MAX_PIECES_PER_WORD pieces of each word
                new_word = np.concatenate([[True], word_ids[1:] != word_ids[:-1]])
                group_start = np.maximum.accumulate(np.where(new_word, np.arange(len(ids)), 0))
                keep = (np.arange(len(ids)) - group_start) < MAX_PIECES_PER_WORD
                ids, word_ids = ids[keep], word_ids[keep]
            n_words = len(words)
            counts = np.bincount(word_ids[word_ids >= 0], minlength=n_words)[:n_words]
            cases = np.array([case_class(w) for w in words], dtype=np.int64) if self.info.case_types else np.zeros(n_words, dtype=np.int64)
            piece_case = cases[np.maximum(word_ids, 0)]
            starts = np.concatenate([[0], np.cumsum(counts)])
            for a, b, own_a, own_b in plan_windows(counts.tolist(), limit):
                pa, pb = int(starts[a]), int(starts[b])
                owned = np.arange(own_a, own_b)
                owned = owned[counts[owned] > 0]
                positions = starts[owned] - pa + 1  # +1 for [CLS]
                units.append((si, ids[pa:pb], piece_case[pa:pb], positions, owned))
        units.sort(key=lambda u: len(u[1]))
        batch: list = []
        for unit in units:
            longest = len(unit[1]) + 2
            if batch and (len(batch) >= self.max_batch or longest * (len(batch) + 1) > self.max_tokens):
                self._run(batch, outputs)
                batch = []
            batch.append(unit)
        if batch:
            self._run(batch, outputs)
        return outputs

    def _run(self, batch: list, outputs: list[np.ndarray]) -> None:
        T = max(len(u[1]) for u in batch) + 2
        B = len(batch)
        ids = np.full((B, T), self._pad, dtype=np.int64)
        types = np.zeros((B, T), dtype=np.int64)
        mask = np.zeros((B, T), dtype=np.int64)
        for i, (_, pieces, case, _, _) in enumerate(batch):
            n = len(pieces)
            ids[i, 0] = self._cls
            ids[i, 1 : n + 1] = pieces
            ids[i, n + 1] = self._sep
            types[i, 1 : n + 1] = case
            mask[i, : n + 2] = 1
        feed = {}
        for name, dtype in self._inputs.items():
            if name == "input_ids":
                feed[name] = ids.astype(dtype)
            elif name == "attention_mask":
                feed[name] = mask.astype(dtype)
            elif name == "token_type_ids":
                feed[name] = np.minimum(types, NUM_CASE_CLASSES - 1).astype(dtype)
            else:
                raise ModelLoadError(f"{self.info.onnx_path}: unexpected model input {name!r}")
        logits = self._session.run(None, feed)[0]
        for i, (si, _, _, positions, owned) in enumerate(batch):
            rows = logits[i, positions]
            if self._columns is not None:
                outputs[si][np.ix_(owned, self._columns)] = rows
            else:
                outputs[si][owned] = rows if self._perm is None else rows[:, self._perm]


class TaggerCache:
    """Taggers by model directory (and the stacked models they run): each is loaded once per
    process that shares this."""

    def __init__(self, **options) -> None:
        self._options = options
        self._taggers: dict[tuple[Path, tuple[int, ...] | None], OnnxTagger] = {}

    def get(self, path: str | Path, heads: Collection[str] | None = None) -> OnnxTagger:
        """The tagger of ``path`` that computes at least ``heads`` (None: every head)."""
        key: tuple[Path, tuple[int, ...] | None] = (Path(path).resolve(), None)
        if key not in self._taggers:
            self._taggers[key] = OnnxTagger(key[0], **self._options)
        if heads is not None:
            parts = parts_to_run(self._taggers[key].info, heads)
            key = (key[0], parts)
            if key not in self._taggers:
                self._taggers[key] = OnnxTagger(key[0], parts=parts, **self._options)
        return self._taggers[key]
