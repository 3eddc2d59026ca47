"""The ``medkg`` command line: builds concrete objects from settings and runs them.

Areas register their own sub-commands (see ``REGISTRARS``) so that each lives
next to the code it drives; this module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from kg.errors import KGError

# module path -> function(subparsers, groups) that adds its commands
REGISTRARS = (
    "api.commands",
    "api.serve_commands",
    "extractors.ner.commands",
    "extractors.linking.commands",
    "extractors.relations.commands",
    "extractors.mlm.commands",
)

GROUPS = {
    "eval": "measure extraction against a gold corpus",
    "train": "train a model from the corpora",
    "kb": "build or inspect the linking knowledge base",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medkg", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups = {}
    for name, help_text in GROUPS.items():
        g = sub.add_parser(name, help=help_text)
        groups[name] = g.add_subparsers(dest="subcommand", required=True, metavar="WHAT")
    for module_name in REGISTRARS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that area is not installed in this build
            raise
        module.register(sub, groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except KGError as exc:
        print(f"medkg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("medkg: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
