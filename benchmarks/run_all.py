"""Run every benchmark with its defaults, one after another, printing each one's figures.

    .venv/bin/python benchmarks/run_all.py [NAME ...]    # e.g. ner api

The machine is shared and noisy: each benchmark reports medians and ratios measured
against its own baseline in the same run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["neo4j_writes", "ner", "linking", "relations", "ingest", "api", "name_search"]


def main(argv: list[str]) -> int:
    names = argv or ORDER
    failed = []
    for name in names:
        script = HERE / f"bench_{name}.py"
        print(f"\n=== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
