"""Train the NER tagger and write a ready-to-ship model directory (step 2 of ``medkg train ner``).

    python -m extractors.ner.train --data DIR --base BASE_MODEL_DIR --out OUT_DIR \\
        [--epochs N] [--max-steps N] [--time-budget S] [--device auto]

Imports only torch, transformers, tokenizers, onnx, onnxruntime, numpy, the standard
library and medkg's pure ``extractors.ner`` modules, so it runs on a bare GPU machine.

The model: the MiniLM encoder, its token-type embedding widened to one row per casing
class (the encoder is uncased), and one linear BIO head per corpus. Each batch comes
from one corpus and trains only that corpus's head, so a corpus that does not annotate
a type (BC2GM has no chemicals) never teaches the others that the type is "outside".
Model selection is on the dev splits (mean over corpora of the mean F1 of their types);
the selected weights are written as ONNX, dynamically quantised to int8, and the int8
model is scored on dev again through the serving code.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from extractors.checksums import file_sha256
from extractors.ner.features import (
    FEATURES_VERSION,
    NUM_CASE_CLASSES,
    Counts,
    Head,
    Schema,
    case_class,
    decode_words,
    head_probabilities,
    tag_spans,
)
from extractors.training import clipped_step

log = logging.getLogger("medkg.ner.train")

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")
MAX_PIECES_PER_WORD = 16  # as runtime.MAX_PIECES_PER_WORD
IGNORE = -100


# ---------------------------------------------------------------- data


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def load_data(data_dir: Path, corpora: list[str] | None) -> tuple[list[Head], dict[str, dict[str, list[dict]]]]:
    manifest = json.loads((data_dir / "manifest.json").read_text())
    if manifest.get("features_version") != FEATURES_VERSION:
        raise SystemExit(f"{data_dir}: prepared with features {manifest.get('features_version')}, need {FEATURES_VERSION}")
    heads = [Head(h["name"], tuple(h["types"])) for h in manifest["heads"] if not corpora or h["name"] in corpora]
    missing = sorted(set(corpora or ()) - {h.name for h in heads})
    if missing:
        raise SystemExit(f"{data_dir}: corpora {missing} were not prepared (prepare them with --corpora)")
    data: dict[str, dict[str, list[dict]]] = {}
    for h in heads:
        data[h.name] = {}
        for split in ("train", "dev"):
            path = data_dir / f"{h.name}.{split}.jsonl.gz"
            data[h.name][split] = read_jsonl(path) if path.is_file() else []
    return heads, data


def encode(tokenizer, records: list[dict], head: Head, head_index: int, max_len: int) -> list[tuple]:
    """(piece ids, case ids, labels, head index, record index) per example; long sentences
    become several chunks."""
    label_id = {label: i for i, label in enumerate(head.labels)}
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    encs = tokenizer.encode_batch([r["words"] for r in records], is_pretokenized=True, add_special_tokens=False)
    out = []
    limit = max_len - 2
    for ri, (rec, enc) in enumerate(zip(records, encs, strict=True)):
        words, tags = rec["words"], rec["tags"]
        pieces: list[list[int]] = [[] for _ in words]
        for pid, wid in zip(enc.ids, enc.word_ids, strict=True):
            if wid is not None and len(pieces[wid]) < MAX_PIECES_PER_WORD:
                pieces[wid].append(pid)
        chunk_ids: list[int] = []
        chunk_case: list[int] = []
        chunk_lab: list[int] = []
        for w, ps in enumerate(pieces):
            if not ps:
                continue
            if chunk_ids and len(chunk_ids) + len(ps) > limit:
                out.append(_example(cls, sep, chunk_ids, chunk_case, chunk_lab, head_index, ri))
                chunk_ids, chunk_case, chunk_lab = [], [], []
            ps = ps[:limit]
            c = case_class(words[w])
            chunk_ids += ps
            chunk_case += [c] * len(ps)
            chunk_lab += [label_id.get(tags[w], 0)] + [IGNORE] * (len(ps) - 1)
        if chunk_ids:
            out.append(_example(cls, sep, chunk_ids, chunk_case, chunk_lab, head_index, ri))
    return out


def _example(cls, sep, ids, case, labels, head_index, record):
    return (
        np.array([cls, *ids, sep], dtype=np.int64),
        np.array([0, *case, 0], dtype=np.int64),
        np.array([IGNORE, *labels, IGNORE], dtype=np.int64),
        head_index,
        record,
    )


def make_batches(examples: list[tuple], batch_size: int, rng: random.Random) -> list[list[tuple]]:
    """One-corpus, length-bucketed batches: shuffle each corpus, sort within pools of 50
    batches, cut, then shuffle all batches together."""
    by_head: dict[int, list[int]] = {}
    for i, e in enumerate(examples):
        by_head.setdefault(e[3], []).append(i)
    pool = batch_size * 50
    batches = []
    for order in by_head.values():
        rng.shuffle(order)
        for i in range(0, len(order), pool):
            chunk = sorted(order[i : i + pool], key=lambda j: len(examples[j][0]))
            batches += [[examples[j] for j in chunk[k : k + batch_size]] for k in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(batch: list[tuple], torch, device):
    T = max(len(e[0]) for e in batch)
    ids = np.zeros((len(batch), T), dtype=np.int64)
    types = np.zeros((len(batch), T), dtype=np.int64)
    labels = np.full((len(batch), T), IGNORE, dtype=np.int64)
    mask = np.zeros((len(batch), T), dtype=np.int64)
    for i, (a, c, lab, _, _) in enumerate(batch):
        n = len(a)
        ids[i, :n], types[i, :n], labels[i, :n], mask[i, :n] = a, c, lab, 1
    t = lambda x: torch.from_numpy(x).to(device, non_blocking=True)  # noqa: E731
    return t(ids), t(mask), t(types), t(labels)


# ---------------------------------------------------------------- scoring (dev)


def score_head(head: Head, word_logits: list[np.ndarray], records: list[dict]) -> dict[str, dict]:
    """Strict word-span P/R/F1 per type of one head over its dev sentences (``word_logits``:
    that head's columns alone)."""
    own = Schema((head,), {t: (head.name,) for t in head.types})
    return score_served(own, head, word_logits, records)


def score_served(schema: Schema, head: Head, logits: list[np.ndarray], records: list[dict]) -> dict[str, dict]:
    """Strict word-span P/R/F1 per type of one corpus's dev sentences, each type read the way
    ``schema.routing`` reads it (serving: NCBI's diseases through the BC5CDR head, say),
    which a corpus's own head does not show."""
    per = {t: Counts() for t in head.types}
    for row, rec in zip(logits, records, strict=True):
        probs = head_probabilities(row, schema)
        gold = tag_spans(rec["tags"])
        pred = decode_words(probs, schema, head.types)
        for t in head.types:
            per[t].add({(a, b) for a, b, g in gold if g == t}, {(a, b) for a, b, g, _, _ in pred if g == t})
    return {t: c.as_dict() for t, c in per.items()}


def selection_score(dev: dict[str, dict[str, dict]]) -> float:
    """Mean over corpora of the mean F1 of the corpus's types."""
    per_corpus = [sum(m["f1"] for m in types.values()) / len(types) for types in dev.values() if types]
    return sum(per_corpus) / len(per_corpus) if per_corpus else 0.0


# ---------------------------------------------------------------- model


def build_model(args, width: int):
    import torch
    from torch import nn
    from transformers import BertConfig, BertModel

    if args.tiny:
        config = BertConfig(
            vocab_size=30522,
            hidden_size=args.tiny_hidden,
            num_hidden_layers=args.tiny_layers,
            num_attention_heads=2,
            intermediate_size=args.tiny_hidden * 2,
            max_position_embeddings=512,
            type_vocab_size=NUM_CASE_CLASSES,
        )
        torch.manual_seed(args.seed)
        encoder = BertModel(config, add_pooling_layer=False)
    else:
        encoder = BertModel.from_pretrained(args.base, add_pooling_layer=False).float()
        # one token-type row per casing class, each starting as BERT's segment-0 row
        old = encoder.embeddings.token_type_embeddings.weight.data
        new = nn.Embedding(NUM_CASE_CLASSES, old.shape[1])
        new.weight.data[:] = old[0]
        encoder.embeddings.token_type_embeddings = new
        encoder.config.type_vocab_size = NUM_CASE_CLASSES

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = encoder
            self.dropout = nn.Dropout(encoder.config.hidden_dropout_prob)
            self.classifier = nn.Linear(encoder.config.hidden_size, width)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            return self.classifier(self.dropout(h))

    return Tagger()


def export_state(model) -> dict[str, np.ndarray]:
    """HF-named fp32 numpy weights (``bert.`` dropped) for ``onnx_build.build``."""
    out = {}
    for k, v in model.state_dict().items():
        out[k.removeprefix("bert.")] = v.detach().float().cpu().numpy()
    return out


# ---------------------------------------------------------------- main


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m extractors.ner.train", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="directory written by `medkg train ner --prepare`")
    p.add_argument("--base", type=Path, help="base encoder directory (Hugging Face BERT layout)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--corpora", help="comma-separated subset of the prepared corpora")
    p.add_argument("--epochs", type=float, default=10.0)
    p.add_argument(
        "--train-splits",
        default="train",
        help="prepared splits to train on (train,dev: final fit; dev scores are then not held out)",
    )
    p.add_argument("--max-steps", type=int, default=0, help="train this many steps (0: --epochs decides)")
    p.add_argument("--time-budget", type=float, default=0.0, help="seconds of training; shortens the schedule to fit")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=float, default=0.06)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--evals", type=int, default=5, help="dev evaluations over the second half of training")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--tiny", action="store_true", help="random tiny encoder (CI model), same tokenizer")
    p.add_argument("--tiny-hidden", type=int, default=32)
    p.add_argument("--tiny-layers", type=int, default=2)
    p.add_argument("--dev-limit", type=int, default=0, help="score only the first N dev sentences per corpus")
    p.add_argument("--no-int8-check", action="store_true", help="skip scoring the fp32 ONNX on dev")
    p.add_argument("--save-torch", action="store_true", help="also keep the selected torch weights")
    p.add_argument("--from-state", type=Path, help="skip training: export these saved weights (torch_state.pt)")
    p.add_argument(
        "--init-from",
        type=Path,
        help="start from a trained medkg NER model directory (its ONNX weights, dequantised; heads matched by name)",
    )
    args = p.parse_args(argv)
    if args.base is None:
        p.error("--base is required (the base encoder, or its tokenizer for --tiny)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    import torch
    from tokenizers import Tokenizer

    t_start = time.time()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    cuda = device.type == "cuda"

    heads, data = load_data(args.data, args.corpora.split(",") if args.corpora else None)
    schema = Schema(tuple(heads), _default_routing(heads))
    offsets = schema.offsets()
    tokenizer = Tokenizer.from_file(str(args.base / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    train, dev = [], {}
    for hi, h in enumerate(heads):
        for split in args.train_splits.split(","):
            train += encode(tokenizer, data[h.name][split], h, hi, args.max_length)
        if data[h.name]["dev"]:
            dev[h.name] = data[h.name]["dev"][: args.dev_limit or None]
    log.info("%d training examples from %s; device %s", len(train), [h.name for h in heads], device)

    model = build_model(args, schema.width).to(device)
    if args.from_state:
        saved = torch.load(args.from_state, map_location="cpu")
        model.load_state_dict({k: v.float() for k, v in saved.items()})
        args.max_steps, args.epochs = 0, 0.0
    elif args.init_from:
        _init_from(model, args.init_from, schema, torch)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if n.startswith("bert.") and not n.endswith(no_decay)], "weight_decay": args.weight_decay, "lr": args.lr},
        {"params": [p for n, p in model.named_parameters() if n.startswith("bert.") and n.endswith(no_decay)], "weight_decay": 0.0, "lr": args.lr},
        {"params": list(model.classifier.parameters()), "weight_decay": 0.0, "lr": args.head_lr},
    ]
    for g in groups:
        g["initial_lr"] = g["lr"]
    opt = torch.optim.AdamW(groups, lr=args.lr, fused=cuda)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    total = args.max_steps or int(steps_per_epoch * args.epochs)
    planned = total
    eval_at = _eval_points(total, args.evals)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else torch.autocast("cpu", enabled=False)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)

    step, best, best_state, history = 0, -1.0, None, []
    t_train = time.time()
    model.train()
    done = False
    epoch = 0
    while not done and total > 0:
        epoch += 1
        for batch in make_batches(train, args.batch_size, rng):
            if step >= total:
                done = True
                break
            warm = max(1, int(args.warmup * total))
            lr_scale = (step + 1) / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))
            for g in opt.param_groups:
                g["lr"] = g["initial_lr"] * lr_scale
            ids, mask, types, labels = collate(batch, torch, device)
            a, b = offsets[heads[batch[0][3]].name]
            with autocast:
                logits = model(ids, mask, types)[:, :, a:b]
            loss = loss_fn(logits.float().reshape(-1, b - a), labels.reshape(-1))
            clipped_step(model, opt, loss)
            step += 1
            if step == 20:
                t20 = time.time()
            if args.time_budget and step >= 100 and step % 100 == 0:
                # re-estimate all along: the first steps run slow (CUDA start-up, allocator)
                rate = (step - 20) / (time.time() - t20)
                fit = step + int(rate * (args.time_budget - (time.time() - t_train)) * 0.92)
                new_total = max(step + 1, min(planned, fit))
                if abs(new_total - total) > 0.02 * total:
                    log.info("%.1f steps/s: %d steps fit the %.0f s budget", rate, new_total, args.time_budget)
                    total = new_total
                    eval_at = {x for x in _eval_points(total, args.evals) if x > step}
            if args.time_budget and time.time() - t_train > args.time_budget and step < total:
                log.info("time budget spent at step %d of %d: stopping", step, total)
                total = step  # evaluates below, then ends
            if step % 200 == 0:
                log.info("epoch %d step %d/%d loss %.4f %.1f steps/s", epoch, step, total, loss.item(), step / (time.time() - t_train))
            if step in eval_at or step == total:
                dev_scores = evaluate_torch(model, tokenizer, heads, dev, args, torch, device, autocast)
                score = selection_score(dev_scores)
                history.append({"step": step, "epoch": epoch, "dev": dev_scores, "score": round(score, 4)})
                log.info("step %d dev score %.4f %s", step, score, _brief(dev_scores))
                if score > best or best_state is None:
                    best = score
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                model.train()
    train_seconds = time.time() - t_train
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    best_step = max(history, key=lambda h: h["score"])["step"] if history else step
    log.info("trained %d steps in %.0f s; selected step %d (dev score %.4f)", step, train_seconds, best_step, best)

    args.out.mkdir(parents=True, exist_ok=True)
    if args.save_torch:
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, args.out / "torch_state.pt")
    state = export_state(model)
    del model, best_state, opt
    if cuda:
        torch.cuda.empty_cache()
    metrics = write_bundle(args, schema, state, dev, heads)
    metrics.update(
        {
            "train": {
                "steps": step,
                "epochs": round(step / max(1, steps_per_epoch), 2),
                "examples": len(train),
                "seconds": round(train_seconds, 1),
                "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if cuda else ""),
                "selected_step": best_step,
                "args": {k: str(v) for k, v in vars(args).items()},
                "torch": torch.__version__,
            },
            "dev_history": history,
            "total_seconds": round(time.time() - t_start, 1),
        }
    )
    prior = args.from_state.parent / "metrics.json" if args.from_state else None
    if prior is not None and prior.is_file():  # keep the record of the run that trained these weights
        earlier = json.loads(prior.read_text())
        metrics["train"] = {**earlier.get("train", {}), "exported_from": str(args.from_state)}
        metrics["dev_history"] = earlier.get("dev_history", [])
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log.info("wrote %s in %.0f s", args.out, time.time() - t_start)
    return 0


def _init_from(model, model_dir: Path, schema: Schema, torch) -> None:
    """Load a trained model's encoder and the rows of its heads that this run trains too.

    Its int8 weights come back dequantised (``read_state``); a head it lacks starts fresh.
    """
    from extractors.ner.onnx_build import read_state
    from extractors.ner.runtime import stack_parts

    labels = json.loads((model_dir / "labels.json").read_text())
    prefix, names = stack_parts(labels)[0]  # a stacked model: its main model
    state = read_state(model_dir / "model.onnx", prefix)
    every = Schema.from_json(labels["schema"])
    theirs = Schema(tuple(every.head(name) for name in names), {})
    encoder = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items() if not k.startswith("classifier.")}
    missing, unexpected = model.bert.load_state_dict(encoder, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{model_dir}: encoder does not fit (missing {missing}, unexpected {unexpected})")
    their_offsets = theirs.offsets()
    with torch.no_grad():
        for name, (a, b) in schema.offsets().items():
            if name in their_offsets and theirs.head(name).labels == schema.head(name).labels:
                c, d = their_offsets[name]
                model.classifier.weight[a:b] = torch.from_numpy(state["classifier.weight"][c:d])
                model.classifier.bias[a:b] = torch.from_numpy(state["classifier.bias"][c:d])
                log.info("head %s starts from %s", name, model_dir)


def _default_routing(heads: list[Head]) -> dict[str, tuple[str, ...]]:
    """Each type from the first corpus that annotates it (corpora are listed by priority)."""
    routing: dict[str, tuple[str, ...]] = {}
    for h in heads:
        for t in h.types:
            routing.setdefault(t, (h.name,))
    return routing


def _eval_points(total: int, n: int) -> set[int]:
    if n <= 0:
        return {total}
    return {max(1, round(total * (0.5 + 0.5 * k / n))) for k in range(1, n + 1)}


def _brief(scores: dict[str, dict[str, dict]]) -> str:
    return " ".join(f"{c}.{t}={m['f1']:.3f}" for c, ts in scores.items() for t, m in ts.items())


def evaluate_torch(model, tokenizer, heads, dev, args, torch, device, autocast) -> dict:
    model.eval()
    offsets = Schema(tuple(heads), {}).offsets()
    out = {}
    with torch.no_grad():
        for hi, h in enumerate(heads):
            records = dev.get(h.name)
            if not records:
                continue
            a, b = offsets[h.name]
            chunks: list[list[np.ndarray]] = [[] for _ in records]
            examples = encode(tokenizer, records, h, hi, args.max_length)
            order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
            for k in range(0, len(order), 128):
                idx = order[k : k + 128]
                ids, mask, types, labels = collate([examples[i] for i in idx], torch, device)
                with autocast:
                    logits = model(ids, mask, types)[:, :, a:b].float()
                logits = logits.cpu().numpy()
                labels = labels.cpu().numpy()
                for row, i in enumerate(idx):
                    chunks[examples[i][4]].append((i, logits[row][labels[row] != IGNORE]))
            word_logits = []
            for r, parts in enumerate(chunks):
                rows = np.concatenate([x for _, x in sorted(parts, key=lambda p: p[0])] or [np.zeros((0, b - a), np.float32)])
                word_logits.append(_word_rows(rows, records[r]["words"], tokenizer))
            out[h.name] = score_head(h, word_logits, records)
    return out


def _word_rows(rows: np.ndarray, words: list[str], tokenizer) -> np.ndarray:
    """Logit rows of a sentence's words; words that produced no pieces read as outside."""
    if len(rows) == len(words):
        return rows
    enc = tokenizer.encode(words, is_pretokenized=True, add_special_tokens=False)
    has = sorted({w for w in enc.word_ids if w is not None})
    full = np.zeros((len(words), rows.shape[1]), np.float32)
    full[:, 0] = 20.0
    full[has[: len(rows)]] = rows[: len(has)]
    return full


def write_bundle(args, schema: Schema, state: dict[str, np.ndarray], dev: dict, heads: list[Head]) -> dict:
    """ONNX fp32 -> int8, tokenizer and labels into ``args.out``; dev scores of the int8 model."""
    from extractors.ner import onnx_build
    from extractors.ner.runtime import OnnxTagger

    out = args.out
    for name in TOKENIZER_FILES:
        if (args.base / name).is_file():
            shutil.copy(args.base / name, out / name)
    num_heads = 2 if args.tiny else _config(args.base).get("num_attention_heads", 12)
    work = out / "_fp32"
    work.mkdir(exist_ok=True)
    fp32 = work / "model.onnx"
    onnx_build.save(onnx_build.build(state, num_heads=num_heads), fp32)
    onnx_build.quantize(fp32, out / "model.onnx")
    sha = file_sha256(out / "model.onnx")
    meta = {
        "format": "medkg-ner/1",
        "features_version": FEATURES_VERSION,
        "token_type": "case",
        "max_length": args.max_length,
        "schema": schema.to_json(),
        "version": time.strftime("%Y%m%d") + "-" + sha[:8],
        "base": "tiny random BERT" if args.tiny else _config(args.base).get("_name_or_path", str(args.base)),
    }
    (out / "labels.json").write_text(json.dumps(meta, indent=1) + "\n")
    config = {} if args.tiny else _config(args.base)
    config.update({"type_vocab_size": NUM_CASE_CLASSES, "num_labels": schema.width, "medkg": "see labels.json"})
    (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")

    metrics: dict = {"sha256": {"model.onnx": sha}, "model_bytes": (out / "model.onnx").stat().st_size}
    shutil.copy(out / "labels.json", work / "labels.json")
    shutil.copy(out / "tokenizer.json", work / "tokenizer.json")
    variants = [("int8", out)] + ([] if args.no_int8_check else [("fp32", work)])
    for label, path in variants:
        tagger = OnnxTagger(path, threads=args.threads)
        t0 = time.time()
        scores, served = {}, {}
        n = 0
        for h in heads:
            records = dev.get(h.name)
            if not records:
                continue
            a, b = schema.offsets()[h.name]
            logits = tagger.predict([r["words"] for r in records])
            scores[h.name] = score_head(h, [x[:, a:b] for x in logits], records)
            served[h.name] = score_served(schema, h, logits, records)
            n += len(records)
        metrics[f"dev_onnx_{label}"] = {"scores": scores, "score": round(selection_score(scores), 4), "sentences_per_second": round(n / (time.time() - t0), 1)}
        metrics[f"dev_onnx_{label}_served"] = {"scores": served, "score": round(selection_score(served), 4)}
        log.info("dev (%s ONNX): %.4f %s", label, selection_score(scores), _brief(scores))
        log.info("dev (%s ONNX, served routing): %.4f %s", label, selection_score(served), _brief(served))
    shutil.rmtree(work)
    return metrics


def _config(base: Path) -> dict:
    path = base / "config.json"
    return json.loads(path.read_text()) if path.is_file() else {}


if __name__ == "__main__":
    sys.exit(main())
