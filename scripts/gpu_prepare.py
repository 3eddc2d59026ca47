"""Fill ``.carry/`` for ``scripts/gpu_train.sh`` and check that a device call can take it.

    python scripts/gpu_prepare.py [--out .carry] [--data-root DIR] [--ner-corpora LIST]

Writes ``base/`` (the packaged encoder, weights in fp16: half the bytes, cast back to fp32 by
the trainers on load), ``ner_data/``, ``re_data/`` and ``mlm_data/``. A device call carries
the tracked files and the carried folders, 64 MiB in all. The shipped models alone are about
50 MB, so the report names what to leave out of the call: ``--untrack`` takes ``models/``
out of git's index and into ``.git/info/exclude`` for the call, and ``--retrack`` puts both
back afterwards (the files themselves never move). Training reads nothing from ``models/``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 64 * 2**20
BASE_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)
EXCLUDE_LINE = "/models/"


def write_fp16_base(src: Path, dst: Path) -> None:
    import numpy as np
    from safetensors.numpy import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, dst / name)
    weights = load_file(str(src / "model.safetensors"))
    half = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in weights.items()}
    save_file(half, str(dst / "model.safetensors"), metadata={"format": "pt"})


def tree_bytes(paths: list[Path]) -> int:
    return sum(
        f.stat().st_size
        for p in paths
        for f in ([p] if p.is_file() else p.rglob("*"))
        if f.is_file()
    )


def tracked_bytes(root: Path) -> int:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout
    return sum(
        (root / n).stat().st_size for n in out.decode().split("\0") if n and (root / n).is_file()
    )


def set_models_tracked(root: Path, tracked: bool) -> None:
    exclude = root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    lines = exclude.read_text().splitlines() if exclude.is_file() else []
    lines = [x for x in lines if x != EXCLUDE_LINE]
    if tracked:
        subprocess.run(["git", "reset", "-q", "--", "models"], cwd=root, check=True)
    else:
        subprocess.run(["git", "rm", "-r", "-q", "--cached", "models"], cwd=root, check=True)
        lines.append(EXCLUDE_LINE)
    exclude.write_text("".join(f"{x}\n" for x in lines))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / ".carry")
    p.add_argument("--data-root", default="/work/shared/data")
    p.add_argument(
        "--ner-corpora", default="bc5cdr,ncbi,bc2gm,biored", help="add jnlpba for NER_AUX=jnlpba"
    )
    p.add_argument("--skip", default="", help="comma-separated parts not to write: base,ner,re,mlm")
    p.add_argument(
        "--untrack", action="store_true", help="leave models/ out of the next device call"
    )
    p.add_argument("--retrack", action="store_true", help="undo --untrack")
    args = p.parse_args(argv)
    if args.untrack or args.retrack:
        set_models_tracked(ROOT, tracked=args.retrack)
        return 0
    sys.path.insert(0, str(ROOT))
    from api.cli import main as medkg
    from extractors.training import default_base

    skip = set(args.skip.split(","))
    out = args.out
    if "base" not in skip:
        write_fp16_base(default_base(), out / "base")
    if "ner" not in skip:
        medkg(["train", "ner", "--prepare", str(out / "ner_data"), "--data-root", args.data_root,
               "--corpora", args.ner_corpora])  # fmt: skip
    if "re" not in skip:
        medkg(["train", "re", "--prepare", str(out / "re_data"), "--data", args.data_root])
    if "mlm" not in skip:
        medkg(["train", "mlm", "--prepare", str(out / "mlm_data"), "--data-root", args.data_root])
    carried = tree_bytes(
        [out / x for x in ("base", "ner_data", "re_data", "mlm_data") if (out / x).exists()]
    )
    tracked = tracked_bytes(ROOT)
    models = tree_bytes([ROOT / "models"])
    print(f"carried {carried / 2**20:.1f} MiB, tracked {tracked / 2**20:.1f} MiB "
          f"(models/ {models / 2**20:.1f} MiB); a device call takes {LIMIT / 2**20:.0f} MiB")  # fmt: skip
    if carried + tracked - models > LIMIT:
        print("too much even without models/: carry fewer parts (--skip)")
        return 1
    if carried + tracked > LIMIT:
        print("too much with models/: run with --untrack before the call and --retrack after it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
