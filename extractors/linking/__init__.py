"""Entity linking: abbreviation-aware dictionary + TF-IDF fallback over an offline KB.

``linker.DictionaryLinker`` is the ``Linker``; ``kb`` the KB format and loader; ``build``
the ``medkg kb build`` pipeline; ``variants`` canonical variant ids; ``evaluate`` the
BC5CDR document-level measure. Nothing is imported until asked for (the CLI imports
``commands`` to build its parser and must stay fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractors.linking.linker import DictionaryLinker, LinkerConfig

__all__ = ["DictionaryLinker", "LinkerConfig"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from extractors.linking import linker

        return getattr(linker, name)
    raise AttributeError(name)
