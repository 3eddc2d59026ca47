"""Train the relation model and write a ready-to-ship directory.

    python -m extractors.relations.train --data DIR --base BASE_MODEL_DIR --out OUT_DIR \\
        [--epochs N] [--max-steps N] [--max-minutes M] [--device auto|cpu|cuda]

``DIR`` is what ``medkg train re --prepare`` wrote (train.jsonl, dev.jsonl, labels.json).
Imports only torch, transformers, onnx, onnxruntime, numpy and the standard library,
so it runs on a bare GPU box with a copy of the repository.

Model: the encoder reads a window with every mention wrapped in its type's marker;
an entity is the log-sum-exp of its mentions' opening-marker vectors (pooled across
windows of the same document); a pair is [s; o; s*o; type(s); type(o)] through a
shared layer and one softmax head per corpus. Heads are trained only on the pairs
their corpus labels (label -1 elsewhere). The best epoch on dev is exported to ONNX
(heads included), dynamically quantised to int8 and evaluated again with onnxruntime;
per-head "none" biases are tuned on dev and stored in labels.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from extractors.checksums import file_sha256
from extractors.relations.tensors import ONNX_INPUTS, collate, head_metrics
from extractors.training import clipped_step

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def log(msg: str) -> None:
    print(f"[train-re {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- data


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line))
                if limit is not None and len(out) >= limit:
                    break
    return out


def encode_examples(examples: list[dict], tokenizer, max_len: int) -> list[dict]:
    """Tokenise windows; mentions become (window, token) and lost ones are dropped."""
    texts = [w for ex in examples for w in ex["windows"]]
    enc = tokenizer(texts, return_offsets_mapping=True, truncation=True, max_length=max_len)
    out = []
    k = 0
    for ex in examples:
        ids, starts = [], []
        for _ in ex["windows"]:
            ids.append(enc["input_ids"][k])
            starts.append({s: t for t, (s, e) in enumerate(enc["offset_mapping"][k]) if e > s})
            k += 1
        slot = {}
        mentions = []
        for m, (w, off) in enumerate(ex["mentions"]):
            t = starts[w].get(off)
            if t is not None:
                slot[m] = len(mentions)
                mentions.append((w, t))
        entities, ent_slot = [], {}
        for e, (etype, ms) in enumerate(ex["entities"]):
            kept = [slot[m] for m in ms if m in slot]
            if kept:
                ent_slot[e] = len(entities)
                entities.append((etype, kept))
        pairs = [
            (ent_slot[p[0]], ent_slot[p[1]], tuple(p[2:]))
            for p in ex["pairs"]
            if p[0] in ent_slot and p[1] in ent_slot
        ]
        if not pairs:
            continue
        out.append(
            {
                "id": ex["id"],
                "task": ex["task"],
                "ids": ids,
                "mentions": mentions,
                "entities": entities,
                "pairs": pairs,
                "tokens": sum(len(x) for x in ids),
            }
        )
    return out


def batches(
    examples: list[dict], max_tokens: int, shuffle: bool, rng: random.Random
) -> list[list[dict]]:
    """Length-sorted chunks under a padded-token budget (shuffled chunk order)."""
    order = sorted(examples, key=lambda e: max(len(x) for x in e["ids"]))
    out, cur, width, rows = [], [], 0, 0
    for ex in order:
        w = max(width, max(len(x) for x in ex["ids"]))
        r = rows + len(ex["ids"])
        if cur and w * r > max_tokens:
            out.append(cur)
            cur, w, r = [], max(len(x) for x in ex["ids"]), len(ex["ids"])
        cur.append(ex)
        width, rows = w, r
    if cur:
        out.append(cur)
    if shuffle:
        rng.shuffle(out)
    return out


# ---------------------------------------------------------------- metrics


def tune_bias(probs: np.ndarray, gold: np.ndarray) -> tuple[float, dict]:
    best = (0.0, head_metrics(probs, gold, 0.0))
    for b in np.arange(-4.0, 4.01, 0.25):
        m = head_metrics(probs, gold, float(b))
        if m["f1"] > best[1]["f1"] + 1e-9:
            best = (float(b), m)
    return best


# ---------------------------------------------------------------- model


def build_model(
    torch,
    encoder,
    n_types: int,
    head_sizes: list[int],
    type_dim: int = 16,
    hidden: int = 256,
    context_pool: bool = False,
):
    """``context_pool`` adds ATLOP's localised context (Zhou et al. 2021): the tokens that
    both entities' markers attend to in the last layer, pooled per pair, so a pair sees the
    words that link its two ends and not only the two ends themselves."""
    nn = torch.nn
    H = encoder.config.hidden_size
    n_vec = 4 if context_pool else 3

    class PairModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.type_emb = nn.Embedding(n_types, type_dim)
            self.shared = nn.Sequential(
                nn.Linear(n_vec * H + 2 * type_dim, hidden), nn.GELU(), nn.Dropout(0.1)
            )
            self.heads = nn.ModuleList([nn.Linear(hidden, c) for c in head_sizes])

        def context(self, attn, flat, mention_index, mention_mask, pair_index):
            # attn [W, heads, T, T] -> per entity an attention vector over all W*T positions
            att = attn.mean(1).float()
            n_win, width = att.shape[0], att.shape[1]
            rows = att.reshape(-1, width)[mention_index]  # [E, M, T]
            win = torch.div(mention_index, width, rounding_mode="floor")
            onehot = (win.unsqueeze(-1) == torch.arange(n_win, device=win.device)).float()
            full = onehot.unsqueeze(-1) * rows.unsqueeze(-2)  # [E, M, W, T]
            full = (full * mention_mask[:, :, None, None]).sum(1)
            full = full / mention_mask.sum(1).clamp(min=1.0)[:, None, None]
            full = full.reshape(full.shape[0], -1)  # [E, W*T]
            q = full[pair_index[:, 0]] * full[pair_index[:, 1]]
            q = q / (q.sum(-1, keepdim=True) + 1e-5)
            return q @ flat

        def logits(
            self, input_ids, attention_mask, mention_index, mention_mask, entity_type, pair_index
        ):
            out = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                output_attentions=context_pool,
            )
            hid = out.last_hidden_state
            flat = hid.reshape(-1, hid.shape[-1]).float()
            m = flat[mention_index]  # [E, M, H]
            m = m + (mention_mask.unsqueeze(-1) - 1.0) * 1e4
            ent = torch.logsumexp(m, dim=1)
            s, o = ent[pair_index[:, 0]], ent[pair_index[:, 1]]
            ts = self.type_emb(entity_type[pair_index[:, 0]])
            to = self.type_emb(entity_type[pair_index[:, 1]])
            parts = [s, o, s * o]
            if context_pool:
                parts.append(
                    self.context(out.attentions[-1], flat, mention_index, mention_mask, pair_index)
                )
            z = self.shared(torch.cat([*parts, ts, to], dim=-1))
            return [h(z) for h in self.heads]

        def forward(
            self, input_ids, attention_mask, mention_index, mention_mask, entity_type, pair_index
        ):
            out = self.logits(
                input_ids, attention_mask, mention_index, mention_mask, entity_type, pair_index
            )
            return tuple(torch.softmax(x, dim=-1) for x in out)

    return PairModel()


def to_torch(torch, arrays: dict[str, np.ndarray], device) -> dict:
    return {k: torch.from_numpy(v).to(device) for k, v in arrays.items()}


def predict_torch(
    torch, model, data: list[list[dict]], n_heads: int, device, amp
) -> tuple[list[np.ndarray], np.ndarray]:
    model.eval()
    probs: list[list[np.ndarray]] = [[] for _ in range(n_heads)]
    gold = []
    with torch.no_grad():
        for b in data:
            arr = collate(b, n_heads)
            t = to_torch(torch, {k: arr[k] for k in ONNX_INPUTS}, device)
            with amp():
                out = model(**t)
            for h in range(n_heads):
                probs[h].append(out[h].float().cpu().numpy())
            gold.append(arr["labels"])
    model.train()
    return [np.concatenate(p) for p in probs], np.concatenate(gold)


def predict_onnx(
    session, data: list[list[dict]], n_heads: int
) -> tuple[list[np.ndarray], np.ndarray]:
    probs: list[list[np.ndarray]] = [[] for _ in range(n_heads)]
    gold = []
    for b in data:
        arr = collate(b, n_heads)
        out = session.run(None, {k: arr[k] for k in ONNX_INPUTS})
        for h in range(n_heads):
            probs[h].append(out[h])
        gold.append(arr["labels"])
    return [np.concatenate(p) for p in probs], np.concatenate(gold)


def evaluate(
    probs: list[np.ndarray],
    gold: np.ndarray,
    tasks: list[str],
    biases: dict[str, float] | None = None,
) -> dict:
    out = {}
    for h, task in enumerate(tasks):
        out[task] = head_metrics(probs[h], gold[:, h], (biases or {}).get(task, 0.0))
    scored = [m["f1"] for m in out.values() if m["support"]]
    out["mean_f1"] = round(sum(scored) / len(scored), 4) if scored else 0.0
    return out


# ---------------------------------------------------------------- export


def export_onnx(torch, model, sample: dict[str, np.ndarray], path: Path, heads: list[str]) -> None:
    model.eval().float().cpu()
    args = tuple(torch.from_numpy(sample[k]) for k in ONNX_INPUTS)
    dynamic = {
        "input_ids": {0: "windows", 1: "tokens"},
        "attention_mask": {0: "windows", 1: "tokens"},
        "mention_index": {0: "entities", 1: "mentions"},
        "mention_mask": {0: "entities", 1: "mentions"},
        "entity_type": {0: "entities"},
        "pair_index": {0: "pairs"},
    }
    for h in heads:
        dynamic[h] = {0: "pairs"}
    kwargs = dict(
        input_names=list(ONNX_INPUTS), output_names=heads, dynamic_axes=dynamic, opset_version=17
    )
    try:  # the TorchScript exporter needs no onnxscript
        torch.onnx.export(model, args, str(path), dynamo=False, **kwargs)
    except TypeError:  # torch without the ``dynamo`` switch
        torch.onnx.export(model, args, str(path), **kwargs)


def quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)


def shard(path: Path, limit: int = 12 * 2**20) -> list[Path]:
    """Keep every file under ``limit`` bytes: tensors larger than a quarter of it (the
    word embeddings) move to ``<name>.data`` next to the model, which onnxruntime loads
    by itself. Model files then fit transfer and repository size limits."""
    import onnx

    if path.stat().st_size <= limit:
        return [path]
    model = onnx.load(str(path))
    data = path.name + ".data"
    (path.parent / data).unlink(missing_ok=True)
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data,
        size_threshold=limit // 4,
    )
    (path.parent / data).chmod(0o644)
    return [path, path.parent / data]


def model_version(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(file_sha256(p).encode())
    return h.hexdigest()[:12]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--base", required=True, type=Path, help="BERT directory (weights + tokenizer)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--epochs", type=float, default=20)
    ap.add_argument(
        "--max-steps", type=int, default=0, help="stop after this many updates (0: no limit)"
    )
    ap.add_argument(
        "--max-minutes", type=float, default=0, help="stop training after this long (0: no limit)"
    )
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--lr", type=float, default=7e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument(
        "--batch-tokens",
        type=int,
        default=0,
        help="padded tokens per batch (0: 8192 on GPU, 4096 on CPU)",
    )
    ap.add_argument("--max-len", type=int, default=512)
    ap.add_argument("--tasks", default="", help="comma-separated subset of tasks to train on")
    ap.add_argument(
        "--train-limit",
        type=int,
        default=0,
        help="use at most this many examples per task (0: all)",
    )
    ap.add_argument(
        "--dev-limit",
        type=int,
        default=0,
        help="use at most this many dev examples per task (0: all)",
    )
    ap.add_argument(
        "--eval-every",
        type=float,
        default=1.0,
        help="evaluate on dev every N epochs (0: only at the end)",
    )
    ap.add_argument(
        "--tiny",
        type=int,
        default=0,
        help="random BERT of this hidden size instead of --base weights (CI model)",
    )
    ap.add_argument(
        "--layers",
        type=int,
        default=0,
        help="keep only the encoder's first N layers (faster serving; 0: all)",
    )
    ap.add_argument(
        "--context-pool",
        action="store_true",
        help="add ATLOP localised context pooling to the pair features",
    )
    ap.add_argument(
        "--train-splits",
        default="train",
        help="prepared splits to train on, comma-separated (train,dev: final fit, no selection)",
    )
    ap.add_argument(
        "--none-bias-from",
        type=Path,
        help="labels.json whose dev-tuned 'none' biases a final fit (dev in --train-splits) keeps",
    )
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.time()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(
        "cuda" if args.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
    )
    if args.device == "cuda" and device.type != "cuda":
        log("CUDA requested but not available")
        return 2
    use_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True

    def amp():
        return (
            torch.autocast("cuda", dtype=torch.bfloat16)
            if use_bf16
            else torch.autocast("cpu", enabled=False)
        )

    labels_meta = json.loads((args.data / "labels.json").read_text())
    tasks = list(labels_meta["tasks"])
    head_sizes = [len(labels_meta["tasks"][t]) for t in tasks]
    wanted = [t for t in args.tasks.split(",") if t] or tasks

    tokenizer = AutoTokenizer.from_pretrained(str(args.base))
    if args.tiny:
        cfg = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=args.tiny,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=args.tiny * 2,
            max_position_embeddings=args.max_len,
            attn_implementation="eager",
        )
        encoder = BertModel(cfg, add_pooling_layer=False)
    else:
        encoder = BertModel.from_pretrained(
            str(args.base), add_pooling_layer=False, attn_implementation="eager"
        )
    encoder = encoder.float()
    if args.layers and args.layers < encoder.config.num_hidden_layers:
        # layer dropping: the lower layers alone, fine-tuned, cost proportionally less
        encoder.encoder.layer = encoder.encoder.layer[: args.layers]
        encoder.config.num_hidden_layers = args.layers
    model = build_model(
        torch,
        encoder,
        len(labels_meta["types"]),
        head_sizes,
        hidden=min(256, max(16, encoder.config.hidden_size * 2 // 3)) if args.tiny else 256,
        context_pool=args.context_pool,
    )
    model.to(device).train()

    def load(split: str, limit: int) -> list[dict]:
        raw = read_jsonl(args.data / f"{split}.jsonl")
        kept, per_task = [], {}
        for ex in raw:
            if ex["task"] not in wanted:
                continue
            per_task[ex["task"]] = per_task.get(ex["task"], 0) + 1
            if limit and per_task[ex["task"]] > limit:
                continue
            kept.append(ex)
        return encode_examples(kept, tokenizer, args.max_len)

    train = [ex for split in args.train_splits.split(",") for ex in load(split, args.train_limit)]
    dev = load("dev", args.dev_limit)
    held_out = "dev" not in args.train_splits.split(",")
    if not held_out:
        args.eval_every = 0  # dev is training data now: nothing to select on
    log(f"device={device} bf16={use_bf16} train={len(train)} dev={len(dev)} tasks={wanted}")
    batch_tokens = args.batch_tokens or (8192 if device.type == "cuda" else 4096)
    dev_batches = batches(dev, batch_tokens * 2, False, rng)

    steps_per_epoch = len(batches(train, batch_tokens, False, rng))
    total = max(1, math.ceil(steps_per_epoch * args.epochs))
    if args.max_steps:
        total = min(total, args.max_steps)
    enc_params = list(model.encoder.parameters())
    enc_ids = {id(p) for p in enc_params}
    other = [p for p in model.parameters() if id(p) not in enc_ids]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": args.lr}, {"params": other, "lr": args.head_lr}],
        weight_decay=0.01,
    )
    warm = max(1, int(0.06 * total))
    # ``plan[0]`` is the schedule's length; with a time limit it is re-estimated from the
    # measured step and dev-eval times so the learning rate still decays to zero in time
    plan = [total]
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (plan[0] - s) / max(1, plan[0] - warm)))
    )
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-1)

    best_score, best_state, best_epoch, history = -1.0, None, 0, []
    step, epoch = 0, 0.0
    deadline = started + args.max_minutes * 60 if args.max_minutes else None
    next_eval = args.eval_every if args.eval_every else float("inf")
    stop = False
    train_time, eval_time, n_evals = 0.0, 0.0, 0
    while not stop:
        for b in batches(train, batch_tokens, True, rng):
            t_step = time.time()
            arr = collate(b, len(tasks))
            t = to_torch(torch, arr, device)
            with amp():
                logits = model.logits(**{k: t[k] for k in ONNX_INPUTS})
            loss = sum(
                loss_fn(logits[h].float(), t["labels"][:, h])
                for h in range(len(tasks))
                if (arr["labels"][:, h] >= 0).any()  # numpy: no device sync per step
            )
            clipped_step(model, opt, loss, sched)
            step += 1
            epoch += 1 / steps_per_epoch
            if step % 50 == 0 or step == 1:
                log(f"step {step}/{plan[0]} epoch {epoch:.2f} loss {float(loss):.4f}")
            train_time += time.time() - t_step
            if deadline and step >= 20 and step % 10 == 0:
                per_eval = eval_time / n_evals if n_evals else 0.0
                left = deadline - time.time()
                per_step = train_time / step
                evals_per_step = 1 / (steps_per_epoch * args.eval_every) if args.eval_every else 0
                fit = int(left / (per_step + per_eval * evals_per_step))
                plan[0] = max(step + 1, min(total, step + fit))
            if step >= plan[0] or (deadline and time.time() > deadline):
                stop = True
                break
            if epoch + 1e-9 >= next_eval:
                next_eval += args.eval_every
                t_eval = time.time()
                probs, gold = predict_torch(torch, model, dev_batches, len(tasks), device, amp)
                m = evaluate(probs, gold, tasks)
                history.append({"epoch": round(epoch, 2), "step": step, **m})
                eval_time += time.time() - t_eval
                n_evals += 1
                log(f"dev epoch {epoch:.2f}: {json.dumps(m)}")
                if m["mean_f1"] > best_score:
                    best_score, best_epoch = m["mean_f1"], round(epoch, 2)
                    best_state = {
                        k: v.detach().clone().cpu() for k, v in model.state_dict().items()
                    }
    m: dict = {}
    if held_out:
        probs, gold = predict_torch(torch, model, dev_batches, len(tasks), device, amp)
        m = evaluate(probs, gold, tasks)
        history.append({"epoch": round(epoch, 2), "step": step, **m})
        log(f"dev final (epoch {epoch:.2f}): {json.dumps(m)}")
    if not held_out or m["mean_f1"] >= best_score or best_state is None:
        best_score, best_epoch = m.get("mean_f1", -1.0), round(epoch, 2)
    else:
        model.load_state_dict(best_state)
    train_seconds = round(time.time() - started, 1)
    log(f"selected epoch {best_epoch} (dev mean F1 {best_score}); exporting")

    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("model*.onnx*"):
        stale.unlink()  # a previous run's files (sharded or not) must not linger
    tmp = args.out / "model.fp32.onnx"
    sample = collate(
        dev_batches[0] if dev_batches else batches(train, batch_tokens, False, rng)[0], len(tasks)
    )
    export_onnx(torch, model, sample, tmp, tasks)
    quantise(tmp, args.out / "model.onnx")
    tmp.unlink()
    for extra in args.out.glob("model.fp32.onnx*"):
        extra.unlink()
    model_files = shard(args.out / "model.onnx")

    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = min(8, os.cpu_count() or 1)
    sess = ort.InferenceSession(
        str(args.out / "model.onnx"), so, providers=["CPUExecutionProvider"]
    )
    biases, tuned, onnx_raw = {}, {}, {}
    if held_out:
        oprobs, ogold = predict_onnx(sess, dev_batches, len(tasks))
        onnx_raw = evaluate(oprobs, ogold, tasks)
        for h, task in enumerate(tasks):
            if (ogold[:, h] > 0).any():
                biases[task], tuned[task] = tune_bias(oprobs[h], ogold[:, h])
        log(f"dev int8 onnx: {json.dumps(onnx_raw)}; tuned none-bias {biases}")
    else:
        # the graph must still load and run: one training batch through onnxruntime
        predict_onnx(sess, batches(train, batch_tokens, False, rng)[:1], len(tasks))
        if args.none_bias_from:
            biases = json.loads(args.none_bias_from.read_text()).get("none_bias", {})
        log(f"final fit on {args.train_splits}: no held-out dev; none-bias {biases}")

    for name in TOKENIZER_FILES:
        src = args.base / name
        if src.exists():
            shutil.copy(src, args.out / name)
    meta = dict(labels_meta)
    meta["none_bias"] = biases
    meta["version"] = model_version(model_files)
    meta["max_len"] = args.max_len
    meta["encoder"] = {
        "hidden_size": encoder.config.hidden_size,
        "layers": encoder.config.num_hidden_layers,
        "base": "tiny-random" if args.tiny else str(args.base.name),
        "context_pool": args.context_pool,
        "train_splits": args.train_splits,
    }
    (args.out / "labels.json").write_text(json.dumps(meta, indent=1))
    metrics = {
        "dev_torch": m,
        "dev_int8_onnx": onnx_raw,
        "dev_int8_onnx_tuned": tuned,
        "selected_epoch": best_epoch,
        "history": history,
        "steps": step,
        "train_examples": len(train),
        "dev_examples": len(dev),
        "tasks": wanted,
        "device": str(device)
        + (f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else ""),
        "seconds": train_seconds,
        "args": {k: str(v) for k, v in vars(args).items()},
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "sha256": {p.name: file_sha256(p) for p in model_files},
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    log(f"wrote {args.out} in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
