"""Stack NER models into one: one ONNX graph that runs each and lays their heads side by side.

A second tagger trained for one type (a gene specialist) is read together with the main
model by averaging their heads' distributions, which the routing already does for heads of
one model (``Gene=bc2gm+gene.bc2gm``). Stacking the graphs keeps the serving path as it
is: one model directory, one ``model.onnx``, one ``labels.json``, read by ``OnnxTagger``.
Every stacked model must share the tokenizer and the casing features of the first.

    python -m extractors.ner.stack --main TAGGER_DIR --add gene=SPECIALIST_DIR \\
        --route Gene=bc2gm+bc2gm+gene.bc2gm --out models/ner
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from extractors.checksums import file_sha256
from extractors.ner.features import Head, Schema
from extractors.ner.runtime import read_model_info

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CONCAT = "stack_concat"  # the node that lays the models' logits side by side
COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "config.json")


class StackError(Exception):
    """Models that cannot be read as one (other tokenizer, other features, a clashing name)."""


def graph_prefix(index: int) -> str:
    """The prefix of the stacked graph's names that come from its ``index``-th model."""
    return f"m{index}/"


def stack_graphs(models: Sequence):
    """One graph: the models' nodes side by side on the same inputs, logits concatenated
    on the last axis in the order given. Each model's names get a prefix of its own
    (``graph_prefix``: ``m0/``, ``m1/``, ...), so that no initializer or edge of one shadows
    another's."""
    import onnx
    from onnx import helper

    nodes, inits, value_infos, outputs = [], [], [], []
    opsets: dict[str, int] = {}
    for index, model in enumerate(models):
        prefix = graph_prefix(index)
        graph = model.graph
        if sorted(i.name for i in graph.input) != sorted(INPUTS) or len(graph.output) != 1:
            raise StackError(f"model {index}: expected inputs {INPUTS} and one output")

        def rename(name: str, prefix: str = prefix) -> str:
            return name if not name or name in INPUTS else prefix + name

        for node in graph.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            copy.name = rename(node.name)
            copy.input[:] = [rename(x) for x in node.input]
            copy.output[:] = [rename(x) for x in node.output]
            nodes.append(copy)
        for init in graph.initializer:
            copy = onnx.TensorProto()
            copy.CopyFrom(init)
            copy.name = rename(init.name)
            inits.append(copy)
        for info in graph.value_info:
            copy = onnx.ValueInfoProto()
            copy.CopyFrom(info)
            copy.name = rename(info.name)
            value_infos.append(copy)
        outputs.append(rename(graph.output[0].name))
        for op in model.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    nodes.append(helper.make_node("Concat", outputs, ["logits"], axis=-1, name=CONCAT))
    first = models[0].graph
    graph = helper.make_graph(
        nodes,
        "medkg_ner_stack",
        list(first.input),
        [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["batch", "pieces", "labels"])],
        initializer=inits,
        value_info=value_infos,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())])
    model.ir_version = max(m.ir_version for m in models)
    return model


def select_parts(model, prefixes: Sequence[str]):
    """A stacked graph (``stack_graphs``) with only the models whose names start with one of
    ``prefixes``: their logits concatenated in graph order, the rest of the graph gone."""
    from onnx import helper

    keep = tuple(prefixes)
    graph = model.graph
    concat = [n for n in graph.node if n.name == CONCAT]
    if len(concat) != 1 or not keep:
        raise StackError(f"not a stacked graph, or no model chosen ({keep})")

    def kept(name: str) -> bool:
        return name.startswith(keep)

    # every name a stacked model brings has its prefix; an omitted optional output is ""
    nodes = [n for n in graph.node if n.name != CONCAT and all(kept(o) for o in n.output if o)]
    logits = [x for x in concat[0].input if kept(x)]
    nodes.append(helper.make_node("Concat", logits, list(concat[0].output), axis=-1, name=CONCAT))
    pruned = helper.make_graph(
        nodes,
        graph.name,
        list(graph.input),
        list(graph.output),
        initializer=[t for t in graph.initializer if kept(t.name)],
        value_info=[v for v in graph.value_info if kept(v.name)],
    )
    out = helper.make_model(pruned, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    return out


def stacked_schema(schemas: Sequence[Schema], prefixes: Sequence[str], routing: Mapping[str, Sequence[str]]) -> Schema:
    """The heads of each schema under its prefix, in graph order; the first schema's
    routing, with ``routing`` overriding it type by type."""
    heads = tuple(Head(p + h.name, h.types) for s, p in zip(schemas, prefixes, strict=True) for h in s.heads)
    names = {h.name for h in heads}
    if len(names) != len(heads):
        raise StackError(f"head names clash: {[h.name for h in heads]}")
    merged = {t: tuple(hs) for t, hs in {**schemas[0].routing, **routing}.items()}
    for etype, hs in merged.items():
        unknown = [h for h in hs if h not in names]
        if unknown:
            raise StackError(f"routing {etype}: no head {unknown} (heads: {sorted(names)})")
    return Schema(heads, merged)


def stack(main: Path, added: Mapping[str, Path], routing: Mapping[str, Sequence[str]], out: Path) -> dict:
    """Write the stacked model directory ``out``; returns its labels.json content."""
    import onnx

    infos = [read_model_info(main)] + [read_model_info(p) for p in added.values()]
    metas = [json.loads((i.path / "labels.json").read_text()) for i in infos]
    for info, meta in zip(infos, metas, strict=True):
        if meta.get("stack"):
            raise StackError(f"{info.path}: a stacked model already; stack its parts instead")
    tokenizer = (main / "tokenizer.json").read_bytes()
    for info, meta in zip(infos[1:], metas[1:], strict=True):
        if (info.path / "tokenizer.json").read_bytes() != tokenizer:
            raise StackError(f"{info.path}: its tokenizer is not {main}'s")
        for key in ("features_version", "token_type", "max_length"):
            if meta.get(key) != metas[0].get(key):
                raise StackError(f"{info.path}: {key} {meta.get(key)!r} is not {metas[0].get(key)!r}")
    prefixes = [""] + [f"{name}." for name in added]
    schema = stacked_schema([i.schema for i in infos], prefixes, routing)
    model = stack_graphs([onnx.load(str(i.onnx_path)) for i in infos])
    onnx.checker.check_model(model)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(out / "model.onnx"))
    for name in COPIED:
        if (main / name).is_file():
            shutil.copy(main / name, out / name)
    sha = file_sha256(out / "model.onnx")
    meta = {
        **{k: v for k, v in metas[0].items() if k not in ("schema", "version", "stack")},
        "schema": schema.to_json(),
        "version": time.strftime("%Y%m%d") + "-" + sha[:8],
        # per model: its heads' prefix, the prefix of its names in the graph (``read_state``), its record
        "stack": [
            {"prefix": p, "graph_prefix": graph_prefix(i), "heads": [h.name for h in info.schema.heads],
             "version": m.get("version"), "base": m.get("base")}
            for i, (p, info, m) in enumerate(zip(prefixes, infos, metas, strict=True))
        ],  # fmt: skip
    }
    (out / "labels.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    from extractors.ner.recognizer import parse_routing

    p = argparse.ArgumentParser(prog="python -m extractors.ner.stack", description=__doc__.splitlines()[0])
    p.add_argument("--main", type=Path, required=True, help="the main model directory (its heads keep their names)")
    p.add_argument("--add", action="append", default=[], metavar="NAME=DIR", help="a model whose heads read as NAME.HEAD")
    p.add_argument("--route", default="", help="routing over the stacked heads, e.g. Gene=bc2gm+gene.bc2gm")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    added = {}
    for spec in args.add:
        name, sep, path = spec.partition("=")
        if not sep or not name.isidentifier():
            p.error(f"--add {spec!r}: expected NAME=DIR")
        added[name] = Path(path)
    try:
        meta = stack(args.main, added, parse_routing(args.route), args.out)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"out": str(args.out), "version": meta["version"], "routing": meta["schema"]["routing"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
