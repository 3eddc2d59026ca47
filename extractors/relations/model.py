"""The relation model at serving time: tokenizers + onnxruntime + numpy, no torch.

``RelationModel`` is created cheaply and loads its files on first use (once; thread
safe). ``predict`` takes any number of documents' windows, entities and pairs, runs them
in length-sorted batches under a token budget, and returns per-pair probabilities per
head with the dev-tuned "none" bias applied.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.relations.schema import TYPE_INDEX
from extractors.relations.tensors import ONNX_INPUTS, collate
from extractors.relations.windows import MAX_TOKENS, Window
from kg.errors import ModelNotFoundError
from kg.model import EntityType

REQUIRED = ("model.onnx", "tokenizer.json", "labels.json")
MAX_WINDOWS = 16  # windows per encoder call for one text (bounds memory on full papers)


@dataclass(frozen=True, slots=True)
class PairInput:
    """One document's share of a model call.

    ``entities`` are (type, [span index, ...]); spans are located through the windows
    (``Window.spans`` / ``Window.markers``). ``pairs`` index ``entities``.
    """

    windows: tuple[Window, ...]
    entities: tuple[tuple[EntityType, tuple[int, ...]], ...]
    pairs: tuple[tuple[int, int], ...]


def resolve_model_dir(spec: str | Path | None, models_dir: Path | None = None) -> Path:
    """A directory with the shipped files; ``spec`` empty means ``models_dir/re``."""
    path = (
        Path(spec)
        if spec
        else (models_dir or Path(__file__).resolve().parents[2] / "models") / "re"
    )
    missing = [f for f in REQUIRED if not (path / f).is_file()]
    if missing:
        raise ModelNotFoundError(f"relation model {path}: missing {', '.join(missing)}")
    return path


class RelationModel:
    def __init__(self, path: str | Path, *, threads: int = 0, batch_tokens: int = 8192) -> None:
        self.path = Path(path)
        self.threads = threads
        self.batch_tokens = batch_tokens
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None
        self._meta: dict | None = None

    # -- lazy state -----------------------------------------------------------------------
    @property
    def meta(self) -> dict:
        if self._meta is None:
            self._meta = json.loads((self.path / "labels.json").read_text())
        return self._meta

    @property
    def tasks(self) -> list[str]:
        return list(self.meta["tasks"])

    @property
    def labels(self) -> Mapping[str, list[str]]:
        return self.meta["tasks"]

    @property
    def version(self) -> str:
        return str(self.meta.get("version") or "unversioned")

    @property
    def max_tokens(self) -> int:
        return min(MAX_TOKENS, int(self.meta.get("max_len", 512)) - 2)

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            resolve_model_dir(self.path)
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            tok.no_padding()
            tok.enable_truncation(int(self.meta.get("max_len", 512)))
            so = ort.SessionOptions()
            so.intra_op_num_threads = self.threads or min(4, os.cpu_count() or 1)
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = ort.InferenceSession(
                str(self.path / "model.onnx"), so, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = tok

    def count_tokens(self, texts: list[str]) -> list[int]:
        self._load()
        return [len(e.ids) - 2 for e in self._tokenizer.encode_batch(texts)]

    # -- inference ------------------------------------------------------------------------
    def _examples(self, item: PairInput, encodings: list) -> list[dict]:
        """One example per run of at most ``MAX_WINDOWS`` windows.

        A long text (a full paper) is cut into independent segments so that one call's
        memory stays bounded; an entity then pools its mentions within a segment only,
        and a pair is classified in every segment where both ends occur.
        """
        out = []
        for lo in range(0, len(item.windows), MAX_WINDOWS):
            ex = self._example(item, encodings, lo, min(len(item.windows), lo + MAX_WINDOWS))
            if ex is not None:
                out.append(ex)
        return out

    def _example(self, item: PairInput, encodings: list, lo: int, hi: int) -> dict | None:
        where: dict[int, tuple[int, int]] = {}
        for w_i in range(hi - lo):
            w, enc = item.windows[lo + w_i], encodings[lo + w_i]
            starts = {s: t for t, (s, e) in enumerate(enc.offsets) if e > s}
            for span, off in zip(w.spans, w.markers, strict=True):
                t = starts.get(off)
                if t is not None:
                    where.setdefault(span, (w_i, t))
        mentions: list[tuple[int, int]] = []
        slot: dict[tuple[int, int], int] = {}
        entities: list[tuple[int, list[int]]] = []
        ent_slot: dict[int, int] = {}
        for e, (etype, spans) in enumerate(item.entities):
            ms = []
            for sp in spans:
                if sp in where:
                    if where[sp] not in slot:
                        slot[where[sp]] = len(mentions)
                        mentions.append(where[sp])
                    ms.append(slot[where[sp]])
            if ms:
                ent_slot[e] = len(entities)
                entities.append((TYPE_INDEX[etype], sorted(set(ms))))
        pairs = [
            (ent_slot[a], ent_slot[b]) for a, b in item.pairs if a in ent_slot and b in ent_slot
        ]
        if not pairs:
            return None
        keep = [i for i, (a, b) in enumerate(item.pairs) if a in ent_slot and b in ent_slot]
        return {
            "ids": [e.ids for e in encodings[lo:hi]],
            "mentions": mentions,
            "entities": entities,
            "pairs": pairs,
            "keep": keep,
        }

    def predict(self, items: Sequence[PairInput]) -> list[dict[str, np.ndarray]]:
        """Per item, task -> [pairs x labels] probabilities (bias applied, rows sum to 1).

        Pairs whose mentions were all cut off by truncation get all-zero rows.
        """
        self._load()
        n_heads = len(self.tasks)
        texts = [w.text for it in items for w in it.windows]
        encs = self._tokenizer.encode_batch(texts) if texts else []
        examples: list[tuple[int, dict]] = []
        k = 0
        for i, it in enumerate(items):
            examples.extend((i, ex) for ex in self._examples(it, encs[k : k + len(it.windows)]))
            k += len(it.windows)
        results = [
            {
                t: np.zeros((len(it.pairs), len(self.labels[t])), dtype=np.float32)
                for t in self.tasks
            }
            for it in items
        ]
        bias = self.meta.get("none_bias", {})
        examples.sort(key=lambda x: max(len(ids) for ids in x[1]["ids"]))
        batch: list[tuple[int, dict]] = []
        width = rows = 0
        for entry in examples + [None]:  # type: ignore[list-item]
            if entry is not None:
                ex = entry[1]
                w = max(width, max(len(ids) for ids in ex["ids"]))
                r = rows + len(ex["ids"])
                if not batch or w * r <= self.batch_tokens:
                    batch.append(entry)
                    width, rows = w, r
                    continue
            if batch:
                self._run(batch, results, n_heads, bias)
            if entry is not None:
                batch = [entry]
                width, rows = max(len(ids) for ids in entry[1]["ids"]), len(entry[1]["ids"])
        return results

    def _run(self, batch, results, n_heads: int, bias: Mapping[str, float]) -> None:
        arr = collate([ex for _, ex in batch], n_heads)
        out = self._session.run(None, {k: arr[k] for k in ONNX_INPUTS})
        row = 0
        for i, ex in batch:
            n = len(ex["pairs"])
            for h, task in enumerate(self.tasks):
                probs = out[h][row : row + n].astype(np.float32)
                b = float(bias.get(task, 0.0))
                if b:
                    probs = probs.copy()
                    probs[:, 0] *= np.exp(b)
                    probs /= probs.sum(1, keepdims=True)
                # a pair seen in several segments keeps its most confident relation
                current = results[i][task][ex["keep"]]
                better = (current.sum(1) == 0) | (probs[:, 0] < current[:, 0])
                current[better] = probs[better]
                results[i][task][ex["keep"]] = current
            row += n
