"""Masked-language-model adaptation of the base encoder (step 2 of ``medkg train mlm``).

    python -m extractors.mlm.train --data DIR --base BASE --out OUT [--time-budget S]

reads the text from ``medkg train mlm --prepare DIR``, packs it into fixed-length
sequences, and continues BERT's masked-LM objective (15% of word pieces; 80% [MASK],
10% random, 10% kept). The output is a plain encoder directory (``config.json``,
``model.safetensors``, tokenizer files, ``adapt.json``) that ``--base`` of the NER and
relation trainers takes in place of the packaged one. The MLM head is new (the packaged
encoder ships without one): it learns at a higher rate and is not saved. The loss is
taken at the masked positions only, so the 30k-word output layer runs on 15% of tokens.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from extractors.mlm.corpus import MANIFEST, read_texts
from extractors.ner.train import TOKENIZER_FILES
from extractors.training import clipped_step

log = logging.getLogger("medkg.mlm")
IGNORE = -100


def pack(texts: list[list[int]], length: int, cls: int, sep: int) -> np.ndarray:
    """Token ids of consecutive documents, ``[SEP]`` between them, cut into rows of
    ``[CLS] … [SEP]`` of exactly ``length`` (the ragged tail is dropped)."""
    stream: list[int] = []
    for ids in texts:
        stream.extend(ids)
        stream.append(sep)
    body = length - 2
    rows = len(stream) // body
    if rows == 0:
        return np.zeros((0, length), dtype=np.int64)
    out = np.empty((rows, length), dtype=np.int64)
    out[:, 0] = cls
    out[:, 1:-1] = np.asarray(stream[: rows * body], dtype=np.int64).reshape(rows, body)
    out[:, -1] = sep
    return out


def mask_tokens(
    rows: np.ndarray,
    rng: np.random.Generator,
    mask_id: int,
    vocab: int,
    special: set[int],
    p: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels) with BERT's masking: labels are ``IGNORE`` where nothing was masked."""
    inputs = rows.copy()
    labels = np.full_like(rows, IGNORE)
    can = ~np.isin(rows, list(special))
    chosen = (rng.random(rows.shape) < p) & can
    labels[chosen] = rows[chosen]
    roll = rng.random(rows.shape)
    inputs[chosen & (roll < 0.8)] = mask_id
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = rng.integers(0, vocab, size=int(swap.sum()))
    return inputs, labels


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data", type=Path, required=True, help="directory of `medkg train mlm --prepare`"
    )
    p.add_argument(
        "--base", type=Path, required=True, help="encoder to adapt (Hugging Face BERT layout)"
    )
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda")
    p.add_argument(
        "--time-budget", type=float, default=0, help="seconds of training (0: --max-steps)"
    )
    p.add_argument("--max-steps", type=int, default=1000)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=128, help="sequences per step")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=float, default=0.06)
    p.add_argument(
        "--head-steps", type=int, default=100,
        help="steps that train the new MLM head alone before the encoder moves",
    )  # fmt: skip
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument(
        "--tiny", action="store_true", help="random tiny encoder (tests), same tokenizer"
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    import torch
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertForMaskedLM

    started = time.time()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    )
    tokenizer = Tokenizer.from_file(str(args.base / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cls, sep, mask_id = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[MASK]"))
    special = {tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]")}

    def encode(split: str) -> np.ndarray:
        texts = read_texts(args.data, split)
        ids = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
        return pack(ids, args.seq_len, cls, sep)

    train, dev = encode("train"), encode("dev")
    log.info("mlm: %d train / %d dev sequences of %d", len(train), len(dev), args.seq_len)

    if args.tiny:
        config = BertConfig(
            vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
            num_attention_heads=2, intermediate_size=64, max_position_embeddings=512,
        )  # fmt: skip
        model = BertForMaskedLM(config)
    else:
        model = BertForMaskedLM.from_pretrained(str(args.base)).float()
    model.to(device).train()
    vocab = model.config.vocab_size
    head = [p for n, p in model.named_parameters() if n.startswith("cls.")]
    head_ids = {id(p) for p in head}
    body = [p for p in model.parameters() if id(p) not in head_ids]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    plan = [args.max_steps]  # re-estimated under a time budget so the decay ends in time

    def factor(step: int) -> float:
        warm = max(1, int(args.warmup * plan[0]))
        return min((step + 1) / warm, max(0.0, (plan[0] - step) / max(1, plan[0] - warm)))

    # a random head's first gradients would only scramble the encoder: it learns alone first
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, [lambda s: factor(s) if s >= args.head_steps else 0.0, factor]
    )
    cuda = device.type == "cuda"
    autocast = (
        (lambda: torch.autocast("cuda", dtype=torch.bfloat16))
        if cuda
        else (lambda: torch.autocast("cpu", enabled=False))
    )

    def loss_of(inputs: np.ndarray, labels: np.ndarray):
        x = torch.from_numpy(inputs).to(device)
        y = torch.from_numpy(labels).to(device)
        with autocast():
            hidden = model.bert(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            picked = y != IGNORE
            logits = model.cls(hidden[picked])
        return torch.nn.functional.cross_entropy(logits.float(), y[picked])

    def dev_loss() -> float:
        if not len(dev):
            return float("nan")
        rng = np.random.default_rng(0)  # the same masks before and after
        model.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for k in range(0, len(dev), args.batch_size):
                inputs, labels = mask_tokens(
                    dev[k : k + args.batch_size], rng, mask_id, vocab, special
                )
                total += float(loss_of(inputs, labels)) * len(inputs)
                n += len(inputs)
        model.train()
        return round(total / n, 4)

    before = dev_loss()
    log.info("mlm: dev loss before %.4f", before)
    rng = np.random.default_rng(args.seed)
    order = random.Random(args.seed)
    t_train = time.time()
    deadline = t_train + args.time_budget if args.time_budget else None
    if deadline:
        plan[0] = 10**9
    step, epoch, losses, stop = 0, 0, [], False
    while not stop:
        idx = list(range(len(train)))
        order.shuffle(idx)
        for k in range(0, len(idx) - args.batch_size + 1, args.batch_size):
            inputs, labels = mask_tokens(
                train[idx[k : k + args.batch_size]], rng, mask_id, vocab, special
            )
            loss = loss_of(inputs, labels)
            clipped_step(model, opt, loss, sched)
            step += 1
            if step == 20:
                t20 = time.time()
            if deadline and step >= 20 and step % 20 == 0:
                # from the rate after step 20: the first steps pay for CUDA start-up
                rate = (
                    (step - 20) / max(1e-6, time.time() - t20)
                    if step > 20
                    else step / (t20 - t_train)
                )
                plan[0] = max(step + 1, step + int(rate * (deadline - time.time()) * 0.95))
            if step % 100 == 0 or step == 1:
                losses.append((step, round(loss.item(), 4)))
                log.info("mlm: step %d/%d epoch %d loss %.4f", step, plan[0], epoch, losses[-1][1])
            if step >= plan[0] or (deadline and time.time() > deadline + 30):
                stop = True
                break
        epoch += 1
        stop = stop or len(idx) < args.batch_size
    train_seconds = round(time.time() - t_train, 1)
    after = dev_loss()
    log.info("mlm: dev loss after %.4f (%d steps, %.0f s)", after, step, train_seconds)

    args.out.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(str(args.out))
    for name in TOKENIZER_FILES:
        if (args.base / name).exists():
            shutil.copy(args.base / name, args.out / name)
    config_path = args.out / "config.json"
    config = json.loads(config_path.read_text())
    origin = {} if args.tiny else json.loads((args.base / "config.json").read_text())
    # the fine-tuning cards name their base from this field
    config["_name_or_path"] = (
        origin.get("_name_or_path", str(args.base)) + " + medkg MLM adaptation"
    )
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    manifest = json.loads((args.data / MANIFEST).read_text())
    report = {
        "base": str(args.base),
        "data_text_sha256": manifest.get("text_sha256"),
        "train_sequences": len(train),
        "dev_sequences": len(dev),
        "steps": step,
        "epochs": round(step * args.batch_size / max(1, len(train)), 2),
        "dev_mlm_loss_before": before,
        "dev_mlm_loss_after": after,
        "train_loss": losses,
        "seconds": round(time.time() - started, 1),
        "train_seconds": train_seconds,
        "device": str(device) + (f" ({torch.cuda.get_device_name(0)})" if cuda else ""),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    (args.out / "adapt.json").write_text(json.dumps(report, indent=1))
    print(
        json.dumps(
            {k: report[k] for k in ("steps", "epochs", "dev_mlm_loss_before", "dev_mlm_loss_after")}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
