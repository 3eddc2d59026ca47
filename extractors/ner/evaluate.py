"""Strict-span evaluation of a recognizer on a gold corpus (``medkg eval ner``)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from extractors.ner.corpora import EVAL_NAME
from extractors.ner.features import score_spans
from kg.model import Document, Sentence


def evaluate(recognizer, docs: Sequence[Document], *, presplit: bool = False) -> dict:
    """P/R/F1 per gold type and micro, strict (start, end, type) match; sentences/second.

    Only the types the corpus annotates are scored (NCBI-disease has no chemicals, so a
    predicted chemical there is neither right nor wrong). ``presplit``: each document is
    one sentence already (CoNLL corpora), so the splitter is not applied.
    """
    types = sorted({EVAL_NAME[m.type] for d in docs for m in d.mentions})
    recognizer.load()  # model loading is not recognition time
    if presplit:
        sentences = [[Sentence(0, len(d.text), d.text)] for d in docs]
    else:
        sentences = [recognizer.splitter.split(d) for d in docs]
    t0 = time.perf_counter()
    if presplit:
        predicted = recognizer.recognize_sentences(docs, sentences)
    else:
        predicted = recognizer.recognize(docs)  # splitting counts as recognition time here
    elapsed = time.perf_counter() - t0
    gold = {(d.id, m.start, m.end, EVAL_NAME[m.type]) for d in docs for m in d.mentions}
    pred = {(d.id, m.start, m.end, EVAL_NAME[m.type]) for d, ms in zip(docs, predicted, strict=True) for m in ms}
    result = score_spans(gold, pred, types)
    n_sentences = sum(len(s) for s in sentences)
    result["sentences_per_second"] = round(n_sentences / elapsed, 1) if elapsed > 0 else 0.0
    result["documents"] = len(docs)
    result["sentences"] = n_sentences
    result["model"] = recognizer.tag
    return result
