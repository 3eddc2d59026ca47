"""The model pipeline: sentences → NER → abbreviations + linking → relations → assembly.

Drug labels (SPL, openFDA) take the section-rule path, whose relation type comes from
the label's own structure; everything else (papers, CIViC and PharmGKB summaries, plain
text) takes the Transformer relation classifier. A document that fails in any step is
reported as a ``Failure`` and left out of the batch; the others go on.

Models run one document at a time (its sentences batched together). Dynamic int8
quantisation scales activations per batch, so batching across documents would make a
document's scores depend on its neighbours in the stream; per document, re-running
any document gives exactly the same evidence (the crash-safety tests rely on it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.assembly import LABEL_SOURCES, assemble
from extractors.base import Extraction, Failure, LinkedMention
from kg.model import Document, Mention, Sentence
from kg.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ModelPipeline:
    splitter: object
    recognizer: object
    linker: object
    relations: object
    labels: object

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(
            step.tag
            for step in (self.recognizer, self.linker, self.relations, self.labels)
        )

    def _recognize(
        self, docs: list[Document], sentences: list[list[Sentence]]
    ) -> tuple[dict[str, list[Mention]], list[Failure]]:
        out, failed = {}, []
        for d, s in zip(docs, sentences, strict=True):
            try:
                out[d.id] = self.recognizer.recognize_sentences([d], [s])[0]
            except Exception as exc:
                failed.append(Failure(d.id, "ner", f"{type(exc).__name__}: {exc}"))
        return out, failed

    def process(self, docs: Sequence[Document]) -> tuple[list[Extraction], list[Failure]]:
        failed: list[Failure] = []
        ready: list[Document] = []
        sentences: list[list[Sentence]] = []
        for d in docs:
            try:
                sentences.append(self.splitter.split(d))
                ready.append(d)
            except Exception as exc:
                failed.append(Failure(d.id, "sentences", f"{type(exc).__name__}: {exc}"))
        sent_of = {d.id: s for d, s in zip(ready, sentences, strict=True)}
        mentions, ner_failed = self._recognize(ready, sentences)
        failed += ner_failed

        linked: dict[str, list[LinkedMention]] = {}
        for d in ready:
            if d.id not in mentions:
                continue
            try:
                linked[d.id] = self.linker.link(d, mentions[d.id])
            except Exception as exc:
                failed.append(Failure(d.id, "linking", f"{type(exc).__name__}: {exc}"))

        literature = [d for d in ready if d.id in linked and d.source not in LABEL_SOURCES]
        outputs: dict[str, tuple[list, list]] = {}
        for d in literature:
            try:
                outputs[d.id] = self.relations.extract(d, sent_of[d.id], linked[d.id])
            except Exception as exc:
                failed.append(Failure(d.id, "relations", f"{type(exc).__name__}: {exc}"))

        extractions: list[Extraction] = []
        for d in ready:
            if d.id not in linked:
                continue
            try:
                extra = []
                if d.source in LABEL_SOURCES:
                    linked[d.id] = self.labels.relink(d, linked[d.id])
                    outputs[d.id] = self.labels.extract(d, sent_of[d.id], linked[d.id])
                    extra = self.labels.subject_entities(d)
                if d.id not in outputs:
                    continue
                assembled = assemble(
                    d.id,
                    [outputs[d.id]],
                    mentions=linked[d.id],
                    sentences=sent_of[d.id],
                    entities=extra,
                    extractors=self.tags,
                )
                for r in assembled.rejected:
                    log.info("%s: rejected %s (%s)", d.id, r.statement.predicate, r.reason)
                extractions.append(assembled.extraction)
            except Exception as exc:
                failed.append(Failure(d.id, "assembly", f"{type(exc).__name__}: {exc}"))
        return extractions, failed


def build(settings: Settings) -> ModelPipeline:
    """The shipped pipeline; every model loads lazily, on first use."""
    from extractors.abbreviations import AbbreviationFinder
    from extractors.labels import LabelRelationExtractor
    from extractors.linking.hierarchy import Hierarchy
    from extractors.linking.linker import DictionaryLinker
    from extractors.ner.recognizer import NerRecognizer
    from extractors.relations.extractor import TransformerRelationExtractor
    from extractors.relations.model import RelationModel, resolve_model_dir
    from extractors.sentences import RuleSentenceSplitter

    splitter = RuleSentenceSplitter()
    # one finder for NER and linking: it remembers the last texts, so a document's
    # abbreviations are found once
    abbreviations = AbbreviationFinder.from_settings(settings)
    linker = DictionaryLinker(settings.kb_dir, abbreviations=abbreviations)
    return ModelPipeline(
        splitter=splitter,
        recognizer=NerRecognizer.from_settings(
            settings, splitter=splitter, threads=settings.model_threads, abbreviations=abbreviations
        ),
        linker=linker,
        relations=TransformerRelationExtractor(
            RelationModel(
                resolve_model_dir(settings.re_model or None, settings.models_dir),
                threads=settings.model_threads,
            ),
            hierarchy=Hierarchy.in_kb(settings.kb_dir),
        ),
        labels=LabelRelationExtractor(linker),
    )
