"""Training: corpus directory (pairs.tsv + vectors.bin) -> CORPUS/model/.

Adam with gradient clipping, the learning rate halved when the validation score stalls,
early stopping on that score, and a wall-clock budget. The score is what users see:
teacher-forced top-1/top-5 accuracy times the share of greedy replies that are not
degenerate, discounted when those replies are all alike (see ``score``).
A checkpoint after every epoch makes ``--resume`` continue exactly where a crash or
Ctrl-C left off: shuffling is seeded per epoch and torch's RNG is saved.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from chatbot.checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from chatbot.config import TrainConfig
from chatbot.data import (
    EOS,
    PAD,
    SPECIALS,
    UNK,
    Example,
    WordTable,
    batches,
    collate,
    make_examples,
    split_by_position,
)
from chatbot.errors import ChatbotError
from chatbot.fsutil import ensure_dir, sha256_file
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import CorpusLayout, ModelLayout
from chatbot.metrics import degenerate_rate, distinct_n
from chatbot.model import Seq2Seq, count_trainable, reply_log_likelihood


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
class TrainData:
    table: WordTable
    outputs: int  # replies are made of the table's first ``outputs`` rows
    train: list[Example]
    valid: list[Example]
    test: list[Example]


def load_data(corpus: CorpusLayout, config: TrainConfig) -> TrainData:
    """The word table and the train/valid/test examples of a prepared corpus. With
    ``reply_vocab`` the table is reordered so the words of training replies come first."""
    table = WordTable.from_word2vec(corpus.vectors, seed=config.seed)
    pairs = read_pairs(corpus.pairs)

    def split(table: WordTable) -> tuple[list[Example], list[Example], list[Example]]:
        examples = make_examples(pairs, table, config.max_query, config.max_reply)
        return split_by_position(examples, config.valid_share, config.test_share)

    parts = split(table)
    outputs = len(table)
    if config.reply_vocab:
        said = {table.words[i] for e in parts[0] for i in e.reply if i >= len(SPECIALS)}
        table, outputs = table.outputs_first(said)
        parts = split(table)
    return TrainData(table, outputs, *parts)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def ids_to_words(table: WordTable, ids: list[int]) -> list[str]:
    """Reply ids up to (not including) EOS."""
    out = []
    for i in ids:
        if i in (EOS, PAD):
            break
        out.append(table.words[i])
    return out


@torch.no_grad()
def evaluate(
    model: Seq2Seq,
    examples: list[Example],
    table: WordTable,
    *,
    batch_size: int,
    sample: int,
    max_reply: int,
    device: torch.device,
    background: Sequence[Example] = (),
) -> dict[str, float]:
    """Teacher-forced loss and top-1/top-5 on all ``examples``; greedy replies on the
    first ``sample`` of them: degenerate rate, distinct-2, mean length; with
    ``background`` (training examples), the ranking score on those ``sample``."""
    model.eval()
    loss_sum = n_loss = n_tok = top1 = top5 = 0.0
    for batch in batches(examples, batch_size, table.dim):
        batch = batch.to(device)
        out = model(batch)
        # Words outside the output rows count as misses below, but the loss (a mean over
        # the words the model can say) cannot score them.
        keep = (batch.tgt_out != PAD) & (batch.tgt_out != UNK)
        n = int(keep.sum())
        sayable = int((keep & (batch.tgt_out < model.config.outputs)).sum())
        loss_sum += float(model.loss(out, batch.tgt_out)) * sayable
        n_loss += sayable
        best5 = model.scores(out).topk(5, dim=-1).indices  # (B, T, 5)
        hit = best5 == batch.tgt_out.unsqueeze(-1)
        top1 += float((hit[..., 0] & keep).sum())
        top5 += float((hit.any(-1) & keep).sum())
        n_tok += n
    replies: list[list[str]] = []
    chosen = examples[:sample]
    for batch in batches(chosen, batch_size, table.dim):
        ids, _ = model.greedy(batch.to(device), max_reply + 1)
        replies.extend(ids_to_words(table, row) for row in ids.tolist())
    metrics = {
        "loss": loss_sum / max(n_loss, 1),
        "top1": top1 / max(n_tok, 1),
        "top5": top5 / max(n_tok, 1),
        "degenerate": degenerate_rate(replies),
        "distinct2": distinct_n(replies, 2),
        "mean_length": sum(map(len, replies)) / max(len(replies), 1),
    }
    if len(chosen) >= 2 and background:
        metrics.update(
            ranking_hits(model, chosen, background, table, batch_size=batch_size, device=device)
        )
    return metrics


def ranking_groups(n: int, candidates: int, rng: random.Random) -> list[list[int]]:
    """For each of ``n`` examples: its own index first, then ``candidates - 1`` others."""
    k = min(candidates, n) - 1
    return [[i, *(j + (j >= i) for j in rng.sample(range(n - 1), k))] for i in range(n)]


@torch.no_grad()
def ranking_hits(
    model: Seq2Seq,
    examples: Sequence[Example],
    background: Sequence[Example],
    table: WordTable,
    *,
    candidates: int = 10,
    seed: int = 0,
    batch_size: int = 64,
    device: torch.device,
) -> dict[str, float]:
    """Hits@1 of each example's own reply among it and ``candidates - 1`` replies of
    other examples (1/candidates is chance).

    ``hits1`` ranks by pointwise mutual information, log p(r|q) - log p(r): how much
    likelier the query makes the reply. p(r) is the model's likelihood of the reply
    averaged over ten ``background`` queries (training queries, never the ranked ones).
    ``hits1_raw`` ranks by log p(r|q) alone, which puts short, common replies first
    whatever was asked (about chance on novel dialogue)."""
    model.eval()
    n = len(examples)
    rng = random.Random(seed)
    groups = torch.tensor(ranking_groups(n, candidates, rng))
    k = groups.size(1) - 1
    queries = [e.query for e in rng.sample(list(background), min(10, len(background)))]

    def likelihood(items: list[Example]) -> torch.Tensor:
        out = []
        for start in range(0, len(items), batch_size):
            batch = collate(items[start : start + batch_size], table.dim).to(device)
            logp = model.log_probs(model(batch))
            out.append(reply_log_likelihood(logp, batch.tgt_out, mean=False).cpu())
        return torch.cat(out)

    ranked = [(i, j) for i, row in enumerate(groups.tolist()) for j in row]
    given = likelihood(
        [Example(examples[i].query, examples[j].reply, examples[j].pair) for i, j in ranked]
    ).view(n, k + 1)
    alone = likelihood([Example(q, e.reply, e.pair) for e in examples for q in queries])
    marginal = torch.logsumexp(alone.view(n, len(queries)), 1) - math.log(len(queries))
    return {
        "hits1": float((given - marginal[groups]).argmax(1).eq(0).float().mean()),
        "hits1_raw": float(given.argmax(1).eq(0).float().mean()),
    }


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
    """Train on a prepared corpus; see the module docstring."""
    config = config or TrainConfig()
    start = time.perf_counter()
    corpus = CorpusLayout.at(corpus_dir)
    out = ModelLayout.at(model_dir or corpus.model_dir)
    for path in (corpus.pairs, corpus.vectors):
        if not path.is_file():
            raise ChatbotError(f"no {path.name} in {corpus.root}; run `chatbot prepare` first")
    device = pick_device(config.device)
    if device.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    vectors_sha = sha256_file(corpus.vectors)
    data = load_data(corpus, config)
    table, train_ex, valid_ex, test_ex = data.table, data.train, data.valid, data.test

    torch.manual_seed(config.seed)
    model = Seq2Seq(
        config.model_config(len(table), table.dim, data.outputs), torch.from_numpy(table.vectors)
    ).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr)
    state: dict[str, Any] = {
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
    extra = {
        "train": asdict(config),
        "vectors_sha256": vectors_sha,
        "table_fingerprint": table.fingerprint(),
        "corpus": str(corpus.root),
        "split": {"train": len(train_ex), "valid": len(valid_ex), "test": len(test_ex)},
    }
    weight = _word_weights(train_ex, data.outputs, config.freq_weight, device)
    use_amp = device.type == "cuda"
    budget = config.max_minutes * 60
    stopped = "max_epochs"
    n_batches = math.ceil(len(train_ex) / config.batch_size)
    while state["epoch"] < config.max_epochs:
        epoch = state["epoch"] + 1
        t0 = time.perf_counter()
        model.train()
        gen = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
        total = 0.0
        for k, batch in enumerate(batches(train_ex, config.batch_size, table.dim, gen), 1):
            batch = batch.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                loss = model.objective(
                    batch,
                    weight,
                    contrast=config.contrast,
                    unlikelihood=config.unlikelihood,
                    rollout=config.rollout,
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, config.clip)
            optimizer.step()
            value = loss.item()
            total += value
            if on_batch:
                on_batch(k, n_batches, value)
        metrics = evaluate(
            model,
            valid_ex,
            table,
            batch_size=config.batch_size,
            sample=config.sample,
            max_reply=config.max_reply,
            device=device,
            background=train_ex,
        )
        s = score(metrics)
        improved = s > state["best_score"]
        if improved:
            state.update(best_score=s, best_epoch=epoch, bad_epochs=0)
            save_model(model, table, out.root, extra)
        else:
            state["bad_epochs"] += 1
            if state["bad_epochs"] % config.lr_patience == 0:  # stalled: halve the rate
                state["lr"] /= 2
                for group in optimizer.param_groups:
                    group["lr"] = state["lr"]
        seconds = time.perf_counter() - t0
        state["epoch"] = epoch
        state["elapsed"] += seconds
        row = {
            "epoch": epoch,
            "train_loss": total / n_batches,
            **{f"valid_{k}": v for k, v in metrics.items()},
            "score": s,
            "lr": state["lr"],
            "seconds": round(seconds, 2),
        }
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
        if state["bad_epochs"] >= config.patience:
            stopped = "early_stop"
            break
        if state["elapsed"] + seconds > budget:  # another epoch would overrun
            stopped = "time_budget"
            break

    best = load_model(out.root, device)
    test = evaluate(
        best.model,
        test_ex,
        table,
        batch_size=config.batch_size,
        sample=len(test_ex),
        max_reply=config.max_reply,
        device=device,
        background=train_ex,
    )
    result = TrainResult(
        model_dir=out.root,
        epochs=state["epoch"],
        best_epoch=state["best_epoch"],
        stopped=stopped,
        test=test,
        trainable_parameters=count_trainable(model),
        seconds=time.perf_counter() - start,
    )
    save_model(
        best.model,
        table,
        out.root,
        {
            **extra,
            "best_epoch": state["best_epoch"],
            "trainable_parameters": result.trainable_parameters,
            "test": test,
        },
    )
    return result


def _word_weights(
    examples: list[Example], vocab_size: int, power: float, device: torch.device
) -> torch.Tensor | None:
    """count**-power per target word, scaled so that an average target token weighs 1."""
    if power == 0:
        return None
    counts = torch.ones(vocab_size)
    for e in examples:
        counts.index_add_(0, torch.tensor(e.reply), torch.ones(len(e.reply)))
    w = counts.pow(-power)
    w = w / ((w * counts).sum() / counts.sum())
    return w.to(device)


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
    if _arch(saved) != _arch(config):
        raise ChatbotError("--resume needs the same model and data settings as the first run")
    return {
        k: state[k] for k in ("epoch", "best_score", "best_epoch", "bad_epochs", "elapsed", "lr")
    }


def _arch(c: TrainConfig) -> tuple:
    return (
        c.hidden,
        c.encoder_layers,
        c.decoder_layers,
        c.head,
        c.loss,
        c.train_table,
        c.copy,
        c.prior,
        c.freq_weight,
        c.contrast,
        c.unlikelihood,
        c.rollout,
        c.reply_vocab,
        c.max_query,
        c.max_reply,
        c.valid_share,
        c.test_share,
        c.seed,
        c.batch_size,
    )
