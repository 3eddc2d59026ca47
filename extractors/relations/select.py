"""Choose between relation-model runs by their held-out dev score.

    python -m extractors.relations.select RUN_DIR [RUN_DIR ...]

prints the winner as shell assignments (``RE_WINNER``, ``RE_EPOCHS``, ``RE_FLAGS``) for
the final fit in ``scripts/gpu_train.sh``. The score is the mean over heads of the int8
ONNX dev F1 with the "none" bias tuned, i.e. the model as it would ship; runs trained
on dev themselves are refused, they have no held-out score.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path


class SelectionError(ValueError):
    pass


def dev_score(run: Path) -> float:
    metrics = json.loads((run / "metrics.json").read_text())
    if "dev" in metrics["args"].get("train_splits", "train").split(","):
        raise SelectionError(f"{run}: trained on dev, no held-out score")
    tuned = metrics.get("dev_int8_onnx_tuned") or {}
    scores = [m["f1"] for m in tuned.values() if m.get("support")]
    if not scores:
        raise SelectionError(f"{run}: no tuned dev scores in metrics.json")
    return sum(scores) / len(scores)


def pick(runs: list[Path]) -> tuple[Path, dict]:
    """The best-scoring run that finished (has metrics.json); ties go to the first."""
    scored = [(dev_score(r), i, r) for i, r in enumerate(runs) if (r / "metrics.json").is_file()]
    if not scored:
        raise SelectionError("no finished run among " + ", ".join(map(str, runs)))
    _, _, best = max(scored, key=lambda x: (x[0], -x[1]))
    metrics = json.loads((best / "metrics.json").read_text())
    return best, metrics


def main(argv: list[str] | None = None) -> int:
    runs = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    try:
        best, metrics = pick(runs)
    except SelectionError as exc:
        print(f"select: {exc}", file=sys.stderr)
        return 2
    flags = "--context-pool" if metrics["args"].get("context_pool") == "True" else ""
    for r in runs:
        if (r / "metrics.json").is_file():
            print(f"# {r}: dev {dev_score(r):.4f}", file=sys.stderr)
    print(f"RE_WINNER={shlex.quote(str(best))}")
    print(f"RE_EPOCHS={max(1.0, float(metrics['selected_epoch'])):g}")
    print(f"RE_FLAGS={shlex.quote(flags)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
