"""The training loop: corpus directory (pairs.tsv + vectors.bin) -> CORPUS/model/.

Adam with gradient clipping, the learning rate halved when the validation score stalls,
early stopping on that score, and a wall-clock budget. The score is what users see:
teacher-forced top-1/top-5 accuracy times the share of greedy replies that are not
degenerate, discounted when those replies are all alike (see ``score``).
A checkpoint after every epoch makes ``--resume`` continue exactly where a crash or
Ctrl-C left off: shuffling is seeded per epoch and torch's RNG is saved.

What is minimised is ``chatbot.objective``; how good the model is, ``chatbot.evaluate``.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from chatbot.cast import Cast
from chatbot.checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from chatbot.config import ModelCard, TrainConfig
from chatbot.data import (
    MARKERS,
    SPECIALS,
    Batch,
    Example,
    WordTable,
    batches,
    dialogue,
    split_examples,
    text_split,
    text_windows,
    with_grounding,
)
from chatbot.errors import ChatbotError
from chatbot.evaluate import teacher_forced, validate
from chatbot.fsutil import ensure_dir, sha256_file
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import CorpusLayout, ModelLayout
from chatbot.model import Seq2Seq, count_trainable
from chatbot.objective import frequency_weights, objective


@dataclass
class TrainResult:
    model_dir: Path
    epochs: int
    best_epoch: int
    stopped: str  # why training ended
    test: dict[str, float]
    trainable_parameters: int
    seconds: float


EpochCallback = Callable[[dict[str, Any]], None]
BatchCallback = Callable[[int, int, float], None]  # (done, total, loss)


@dataclass
class Split:
    train: list[Example]
    valid: list[Example]
    test: list[Example]


@dataclass
class TrainData:
    table: WordTable
    outputs: int  # replies are made of the table's first ``outputs`` rows
    train: list[Example]
    valid: list[Example]
    test: list[Example]
    text: Split | None = None  # windows of running text, when training reads it
    # With grounding: the retrieved replies of each training pair (valid and test
    # examples read theirs already).
    retrieved: list[list[list[str]]] | None = None
    cast: Cast = field(default_factory=Cast)  # with characters: who has a persona


VALID_WINDOWS = 1000  # running-text windows scored after each epoch


def load_data(corpus: CorpusLayout, config: TrainConfig) -> TrainData:
    """The word table, the train/valid/test dialogue examples of a prepared corpus and,
    when training reads running text, its windows, split where the pairs split. With
    ``reply_vocab`` the table is reordered so the words of training replies come first;
    without it replies may use every word (but never the marker rows at the end)."""
    table = WordTable.from_word2vec(corpus.vectors, seed=config.seed)
    pairs = read_pairs(corpus.pairs)
    outputs = len(table) - len(MARKERS)
    if config.reply_vocab:
        train = split_examples(pairs, table, config)[0]
        said = {table.words[i] for e in train for i in e.reply if i >= len(SPECIALS)}
        table, outputs = table.outputs_first(said)
    d = dialogue(pairs, table, config)
    text = None
    if config.text_epochs or config.text_mix:
        windows = [
            text_windows(part, table, config.text_source, config.text_target)
            for part in text_split(corpus, pairs, config)
        ]
        text = Split(*windows)
    return TrainData(table, outputs, d.train, d.valid, d.test, text, d.retrieved, d.cast)


def pick_device(name: str) -> torch.device:
    """The device ``name`` means ("auto": CUDA when present); on the CPU, every core
    (or ``$OMP_NUM_THREADS`` threads, when set)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cpu":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1))
    return device


def build_model(config: TrainConfig, data: TrainData, device: torch.device) -> Seq2Seq:
    """A fresh model for ``data``, seeded, its table initialised from the word vectors."""
    torch.manual_seed(config.seed)
    characters = len(data.cast) if config.characters else 0
    model_config = config.model_config(len(data.table), data.table.dim, data.outputs, characters)
    return Seq2Seq(model_config, torch.from_numpy(data.table.vectors)).to(device)


def train_step(
    model: Seq2Seq,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    weight: torch.Tensor | None,
    text: bool = False,
) -> float:
    """One optimisation step on one batch (bfloat16 autocast on CUDA); the loss. A
    ``text`` batch (running text only) trains next-word prediction alone, with
    ``config.negatives`` sampled rows; a dialogue batch adds the objective's terms."""
    device = next(model.parameters()).device
    batch = batch.to(device)
    terms = (
        {"negatives": config.negatives}
        if text
        else {"contrast": config.contrast, "unlikelihood": config.unlikelihood}
        | {"rollout": config.rollout}
    )
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        loss = objective(model, batch, weight, **terms)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for g in optimizer.param_groups for p in g["params"]]
    torch.nn.utils.clip_grad_norm_(params, config.clip)
    optimizer.step()
    return loss.item()


def train_epoch(
    model: Seq2Seq,
    optimizer: torch.optim.Optimizer,
    examples: list[Example],
    dim: int,
    config: TrainConfig,
    weight: torch.Tensor | None,
    seed: int,
    on_batch: BatchCallback | None = None,
    text: bool = False,
) -> float:
    """One pass over ``examples`` in an order seeded by ``seed``; the mean loss."""
    model.train()
    gen = torch.Generator().manual_seed(seed)
    n_batches = math.ceil(len(examples) / config.batch_size)
    total = 0.0
    for k, batch in enumerate(batches(examples, config.batch_size, dim, gen), 1):
        value = train_step(model, batch, optimizer, config, weight, text)
        total += value
        if on_batch:
            on_batch(k, n_batches, value)
    return total / n_batches


def epoch_examples(data: TrainData, config: TrainConfig, epoch: int) -> list[Example]:
    """A dialogue epoch's examples: the training pairs (each, with grounding, beside its
    retrieved replies, or its own reply with a few words dropped, or nothing: drawn
    afresh each epoch), plus ``text_mix`` x as many running-text windows."""
    rng = random.Random(config.seed * 7_919 + epoch)
    examples = data.train
    if data.retrieved is not None:
        examples = [
            with_grounding(e, data.table, _grounding(e, lines, config, rng), config.max_query)
            for e, lines in zip(data.train, data.retrieved)
        ]
    if config.text_mix and data.text is not None:
        k = min(len(data.text.train), round(config.text_mix * len(data.train)))
        examples = examples + rng.sample(data.text.train, k)
    return examples


def _grounding(
    e: Example, retrieved: list[list[str]], config: TrainConfig, rng: random.Random
) -> list[list[str]]:
    """What a training pair reads beside its query this epoch."""
    draw = rng.random()
    if draw < config.ground_drop:
        return []
    if draw < config.ground_drop + config.ground_gold:
        own = [t for t in e.pair.reply_tokens if rng.random() > 0.25]  # type: ignore[union-attr]
        return [own, *retrieved[1:]]
    return retrieved


DIVERSE = 0.2  # greedy distinct-2 from which replies count as varied


def score(metrics: dict[str, float]) -> float:
    """The early-stopping score: next-word accuracy (mean of top-1 and top-5), discounted
    by the share of degenerate greedy replies and by sameness: below ``DIVERSE``
    distinct-2, the greedy replies to different queries are largely the same few
    sentences, which users see as plainly as loops. (Measured: epochs that fit best
    often answered most queries with "我也不知道。".)"""
    accuracy = (metrics["top1"] + metrics["top5"]) / 2
    variety = min(1.0, metrics["distinct2"] / DIVERSE)
    return accuracy * (1.0 - metrics["degenerate"]) * variety


def train(
    corpus_dir: str | Path,
    config: TrainConfig | None = None,
    *,
    model_dir: str | Path | None = None,
    resume: bool = False,
    on_batch: BatchCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Train on a prepared corpus: first ``text_epochs`` of next-word prediction on its
    running text, then dialogue epochs until early stopping (see the module docstring)."""
    config = config or TrainConfig()
    start = time.perf_counter()
    corpus = CorpusLayout.at(corpus_dir)
    out = ModelLayout.at(model_dir or corpus.model_dir)
    for path in (corpus.pairs, corpus.vectors):
        if not path.is_file():
            raise ChatbotError(f"no {path.name} in {corpus.root}; run `chatbot prepare` first")
    device = pick_device(config.device)
    vectors_sha = sha256_file(corpus.vectors)
    data = load_data(corpus, config)
    model = build_model(config, data, device)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    state: dict[str, Any] = {
        "text_epoch": 0,
        "epoch": 0,
        "best_score": -1.0,
        "best_epoch": 0,
        "bad_epochs": 0,
        "elapsed": 0.0,
        "lr": config.lr,
    }
    ensure_dir(out.root)
    if corpus.userdict.is_file():
        shutil.copyfile(corpus.userdict, out.userdict)
    if resume:
        state = _resume(out, model, optimizer, config, vectors_sha)
        for group in optimizer.param_groups:
            group["lr"] = state["lr"]
    elif out.metrics.exists():
        out.metrics.unlink()
    card = ModelCard(
        model.config,
        config,
        corpus=str(corpus.root),
        vectors_sha256=vectors_sha,
        table_fingerprint=data.table.fingerprint(),
        split={"train": len(data.train), "valid": len(data.valid), "test": len(data.test)},
        cast=data.cast.to_dict() if config.characters else {},
    )
    dim, bs = data.table.dim, config.batch_size

    def finish_epoch(row: dict[str, Any], seconds: float) -> None:
        state["elapsed"] += seconds
        save_checkpoint(
            out.root,
            model,
            optimizer,
            {**state, "train": asdict(config), "vectors_sha256": vectors_sha},
        )
        with open(out.metrics, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        if on_epoch:
            on_epoch(row)

    budget = config.max_minutes * 60 if config.max_minutes else math.inf
    stopped = "max_epochs"
    while state["text_epoch"] < config.text_epochs and data.text:
        epoch = state["text_epoch"] + 1
        t0 = time.perf_counter()
        train_loss = train_epoch(
            model, optimizer, data.text.train, dim, config, None, -epoch, on_batch, text=True
        )
        metrics = teacher_forced(
            model, data.text.valid[:VALID_WINDOWS], dim, batch_size=bs, device=device
        )
        state["text_epoch"] = epoch
        row = {"phase": "text", "epoch": epoch, "train_loss": train_loss}
        row |= {f"valid_{k}": v for k, v in metrics.items()}
        finish_epoch(
            row | {"lr": state["lr"], "seconds": round(time.perf_counter() - t0, 2)},
            time.perf_counter() - t0,
        )

    weight = frequency_weights(data.train, data.outputs, config.freq_weight, device)
    while state["epoch"] < config.max_epochs:
        epoch = state["epoch"] + 1
        t0 = time.perf_counter()
        examples = epoch_examples(data, config, epoch)
        seed = config.seed * 100_003 + epoch
        train_loss = train_epoch(model, optimizer, examples, dim, config, weight, seed, on_batch)
        metrics = validate(
            model,
            data.valid,
            data.table,
            batch_size=bs,
            sample=config.sample,
            max_reply=config.max_reply,
            device=device,
            background=data.train,
        )
        if data.text:
            text = teacher_forced(
                model, data.text.valid[:VALID_WINDOWS], dim, batch_size=bs, device=device
            )
            metrics |= {f"text_{k}": v for k, v in text.items()}
        s = score(metrics)
        if s > state["best_score"]:
            state.update(best_score=s, best_epoch=epoch, bad_epochs=0)
            save_model(model, data.table, out.root, card)
        else:
            state["bad_epochs"] += 1
            if state["bad_epochs"] % config.lr_patience == 0:  # stalled: halve the rate
                state["lr"] /= 2
                for group in optimizer.param_groups:
                    group["lr"] = state["lr"]
        seconds = time.perf_counter() - t0
        state["epoch"] = epoch
        row = {"phase": "dialogue", "epoch": epoch, "train_loss": train_loss}
        row |= {f"valid_{k}": v for k, v in metrics.items()}
        finish_epoch(row | {"score": s, "lr": state["lr"], "seconds": round(seconds, 2)}, seconds)
        if state["bad_epochs"] >= config.patience:
            stopped = "early_stop"
            break
        if state["elapsed"] + seconds > budget:  # another epoch would overrun
            stopped = "time_budget"
            break

    best = load_model(out.root, device)
    test = validate(
        best.model,
        data.test,
        data.table,
        batch_size=bs,
        sample=len(data.test),
        max_reply=config.max_reply,
        device=device,
        background=data.train,
    )
    if data.text:
        text = teacher_forced(best.model, data.text.test, dim, batch_size=bs, device=device)
        test |= {f"text_{k}": v for k, v in text.items()}
    result = TrainResult(
        model_dir=out.root,
        epochs=state["epoch"],
        best_epoch=state["best_epoch"],
        stopped=stopped,
        test=test,
        trainable_parameters=count_trainable(model),
        seconds=time.perf_counter() - start,
    )
    final = replace(
        card,
        best_epoch=state["best_epoch"],
        trainable_parameters=result.trainable_parameters,
        test=test,
    )
    save_model(best.model, data.table, out.root, final)
    return result


# Settings that may change on --resume; every other one must match the first run.
_MAY_CHANGE_ON_RESUME = frozenset(
    {"dropout", "lr", "clip", "max_epochs", "patience", "lr_patience", "max_minutes"}
    | {"sample", "device"}
)


def _resume(
    out: ModelLayout,
    model: Seq2Seq,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    vectors_sha: str,
) -> dict[str, Any]:
    if not out.checkpoint_state.is_file():
        raise ChatbotError(f"nothing to resume in {out.root}: no checkpoint yet")
    state = load_checkpoint(out.root, model, optimizer)
    if state.get("vectors_sha256") != vectors_sha:
        raise ChatbotError(f"{out.root} was trained on other vectors; retrain without --resume")
    saved = TrainConfig.from_dict(state.get("train", {}))
    if _fixed(saved) != _fixed(config):
        raise ChatbotError("--resume needs the same model and data settings as the first run")
    keys = ("epoch", "best_score", "best_epoch", "bad_epochs", "elapsed", "lr")
    return {"text_epoch": state.get("text_epoch", 0), **{k: state[k] for k in keys}}


def _fixed(c: TrainConfig) -> dict[str, Any]:
    """The settings a resumed run must share with the first."""
    flat = {**c.to_dict(), **c.model.to_dict()}
    return {k: v for k, v in flat.items() if k not in _MAY_CHANGE_ON_RESUME}
