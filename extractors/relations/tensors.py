"""Model inputs as numpy arrays, shared by training and serving (numpy + stdlib only).

An example is a dict with ``ids`` (token ids per window), ``mentions`` ((window, token)
of each opening marker), ``entities`` ((type index, [mention, ...])) and ``pairs``
((entity, entity, labels per head)). A batch of examples becomes one ONNX call: windows
are padded together and mention indices are flattened over windows x tokens, so an
entity pools its mentions from every window of its document.
"""

from __future__ import annotations

import numpy as np

ONNX_INPUTS = (
    "input_ids",
    "attention_mask",
    "mention_index",
    "mention_mask",
    "entity_type",
    "pair_index",
)


def collate(batch: list[dict], n_heads: int) -> dict[str, np.ndarray]:
    windows = [w for ex in batch for w in ex["ids"]]
    width = max(len(w) for w in windows)
    input_ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for i, w in enumerate(windows):
        input_ids[i, : len(w)] = w
        mask[i, : len(w)] = 1
    ents, etypes, pairs, labels = [], [], [], []
    w_off = 0
    for ex in batch:
        flat = [(w_off + w) * width + t for w, t in ex["mentions"]]
        e_off = len(ents)
        for etype, ms in ex["entities"]:
            ents.append([flat[m] for m in ms])
            etypes.append(etype)
        for a, b, *lab in ex["pairs"]:
            pairs.append((e_off + a, e_off + b))
            labels.append(lab[0] if lab else [-1] * n_heads)
        w_off += len(ex["ids"])
    m_max = max(len(e) for e in ents)
    mention_index = np.zeros((len(ents), m_max), dtype=np.int64)
    mention_mask = np.zeros((len(ents), m_max), dtype=np.float32)
    for i, e in enumerate(ents):
        mention_index[i, : len(e)] = e
        mention_mask[i, : len(e)] = 1.0
    return {
        "input_ids": input_ids,
        "attention_mask": mask,
        "mention_index": mention_index,
        "mention_mask": mention_mask,
        "entity_type": np.asarray(etypes, dtype=np.int64),
        "pair_index": np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
        "labels": np.asarray(labels, dtype=np.int64).reshape(-1, n_heads),
    }


def head_metrics(probs: np.ndarray, gold: np.ndarray, bias: float = 0.0) -> dict:
    """Micro P/R/F1 over the positive classes of one head (rows with gold >= 0)."""
    keep = gold >= 0
    if not keep.any():
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    logp = np.log(np.clip(probs[keep], 1e-9, 1.0))
    logp[:, 0] += bias
    pred = logp.argmax(1)
    g = gold[keep]
    tp = int(((pred == g) & (g > 0)).sum())
    n_pred = int((pred > 0).sum())
    n_gold = int((g > 0).sum())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": n_gold}
