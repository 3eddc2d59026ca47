"""Write the tagger as an ONNX graph straight from its weights (onnx + numpy only).

No exporter tracing: the BERT encoder is laid out with ONNX Runtime's fused CPU
operators (``EmbedLayerNormalization``, ``Attention``, ``SkipLayerNormalization``,
``BiasGelu``), which is what its transformer optimizer would produce, and which
``quantize_dynamic`` turns into their int8 forms (QEmbedLayerNormalization,
QAttention, DynamicQuantizeMatMul). Initializers keep the Hugging Face parameter names,
so the weights can be read back out (``read_state``) for the benchmark's torch baseline.

The token-type embedding holds one row per casing class (``features.case_class``);
``token_type_ids`` carries those classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

OPSET = 17


def build(state: Mapping[str, np.ndarray], *, num_heads: int, eps: float = 1e-12):
    """The fp32 graph: int32 input_ids/attention_mask/token_type_ids [B, S] -> logits [B, S, L]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits: list = []
    nodes: list = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def w(name: str) -> np.ndarray:
        return np.asarray(state[name], dtype=np.float32)

    e = "embeddings."
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            [
                "input_ids",
                "token_type_ids",
                init(e + "word_embeddings.weight", w(e + "word_embeddings.weight")),
                init(e + "position_embeddings.weight", w(e + "position_embeddings.weight")),
                init(e + "token_type_embeddings.weight", w(e + "token_type_embeddings.weight")),
                init(e + "LayerNorm.weight", w(e + "LayerNorm.weight")),
                init(e + "LayerNorm.bias", w(e + "LayerNorm.bias")),
                "attention_mask",
            ],
            ["h_emb", "mask_index"],
            domain="com.microsoft",
            epsilon=eps,
            name="embeddings",
        )
    )
    hidden = "h_emb"
    n_layers = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("encoder.layer."))
    for i in range(n_layers):
        p = f"encoder.layer.{i}."
        qkv_w = np.concatenate(
            [w(p + f"attention.self.{x}.weight").T for x in ("query", "key", "value")], axis=1
        )
        qkv_b = np.concatenate([w(p + f"attention.self.{x}.bias") for x in ("query", "key", "value")])
        nodes += [
            helper.make_node(
                "Attention",
                [hidden, init(p + "attention.qkv.weight", qkv_w), init(p + "attention.qkv.bias", qkv_b), "mask_index"],
                [f"l{i}_att"],
                domain="com.microsoft",
                num_heads=num_heads,
                name=f"l{i}_attention",
            ),
            helper.make_node(
                "MatMul",
                [f"l{i}_att", init(p + "attention.output.dense.weight", w(p + "attention.output.dense.weight").T)],
                [f"l{i}_att_out"],
                name=f"l{i}_att_out",
            ),
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}_att_out",
                    hidden,
                    init(p + "attention.output.LayerNorm.weight", w(p + "attention.output.LayerNorm.weight")),
                    init(p + "attention.output.LayerNorm.bias", w(p + "attention.output.LayerNorm.bias")),
                    init(p + "attention.output.dense.bias", w(p + "attention.output.dense.bias")),
                ],
                [f"l{i}_h1"],
                domain="com.microsoft",
                epsilon=eps,
                name=f"l{i}_ln1",
            ),
            helper.make_node(
                "MatMul",
                [f"l{i}_h1", init(p + "intermediate.dense.weight", w(p + "intermediate.dense.weight").T)],
                [f"l{i}_ff1"],
                name=f"l{i}_ff1",
            ),
            helper.make_node(
                "BiasGelu",
                [f"l{i}_ff1", init(p + "intermediate.dense.bias", w(p + "intermediate.dense.bias"))],
                [f"l{i}_gelu"],
                domain="com.microsoft",
                name=f"l{i}_gelu",
            ),
            helper.make_node(
                "MatMul",
                [f"l{i}_gelu", init(p + "output.dense.weight", w(p + "output.dense.weight").T)],
                [f"l{i}_ff2"],
                name=f"l{i}_ff2",
            ),
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}_ff2",
                    f"l{i}_h1",
                    init(p + "output.LayerNorm.weight", w(p + "output.LayerNorm.weight")),
                    init(p + "output.LayerNorm.bias", w(p + "output.LayerNorm.bias")),
                    init(p + "output.dense.bias", w(p + "output.dense.bias")),
                ],
                [f"l{i}_out"],
                domain="com.microsoft",
                epsilon=eps,
                name=f"l{i}_ln2",
            ),
        ]
        hidden = f"l{i}_out"
    width = state["classifier.weight"].shape[0]
    nodes += [
        helper.make_node(
            "MatMul", [hidden, init("classifier.weight", w("classifier.weight").T)], ["cls_mm"], name="classifier"
        ),
        helper.make_node("Add", ["cls_mm", init("classifier.bias", w("classifier.bias"))], ["logits"], name="classifier_bias"),
    ]
    ints = [
        helper.make_tensor_value_info(n, TensorProto.INT32, ["batch", "sequence"])
        for n in ("input_ids", "token_type_ids", "attention_mask")
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", width])
    graph = helper.make_graph(nodes, "medkg_ner", ints, [out], inits)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="medkg",
    )
    model.ir_version = 8  # readable by every onnxruntime since 1.14
    onnx.checker.check_model(model)
    return model


def save(model, path: str | Path) -> None:
    import onnx

    onnx.save_model(model, str(path))


def quantize(fp32_path: str | Path, int8_path: str | Path) -> None:
    """Dynamic int8: weights quantised once, activations per call (no calibration data).

    Per-channel weight scales: per-tensor ones cost 1.5 dev F1 points on the MiniLM
    tagger, per-channel ones 0.1 (measured on the four dev sets).
    """
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # contrib-op outputs have no inferred type; they are all float
    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


def read_state(path: str | Path, prefix: str = "") -> dict[str, np.ndarray]:
    """The fp32 (dequantised where int8) weights of a graph written by ``build``, HF-named.

    ``prefix``: read one model of a stacked graph (``extractors.ner.stack``), e.g. ``m0/``.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    raw = {t.name[len(prefix) :]: numpy_helper.to_array(t) for t in model.graph.initializer if t.name.startswith(prefix)}
    state: dict[str, np.ndarray] = {}
    for name, arr in raw.items():
        if name.endswith(("_scale", "_zero_point")):
            continue
        if name.endswith("_quantized"):
            base = name[: -len("_quantized")]
            scale = raw[base + "_scale"].astype(np.float32)
            zero = raw.get(base + "_zero_point", np.zeros_like(scale)).astype(np.float32)
            state[base] = (arr.astype(np.float32) - zero) * scale
        else:
            state[name] = arr.astype(np.float32)
    out: dict[str, np.ndarray] = {}
    for name, arr in state.items():
        if name.endswith("attention.qkv.weight"):
            p = name[: -len("qkv.weight")]
            for x, part in zip(("query", "key", "value"), np.split(arr, 3, axis=1), strict=True):
                out[f"{p}self.{x}.weight"] = part.T.copy()
        elif name.endswith("attention.qkv.bias"):
            p = name[: -len("qkv.bias")]
            for x, part in zip(("query", "key", "value"), np.split(arr, 3), strict=True):
                out[f"{p}self.{x}.bias"] = part.copy()
        elif name.endswith(".weight") and arr.ndim == 2 and "embeddings" not in name:
            out[name] = arr.T.copy()  # MatMul weights are stored transposed
        else:
            out[name] = arr
    return out
