"""The training loop: a prepared corpus (or a library, ``chatbot pretrain``) -> a model.

First ``text_epochs`` of next-word prediction on the running text, then dialogue epochs:
Adam with gradient clipping, the learning rate halved when the validation score stalls,
early stopping on that score (what users see: teacher-forced top-1/top-5 times the share
of greedy replies that are not degenerate, discounted when they are all alike, see
``score``), and an optional wall-clock cap. A checkpoint after every epoch makes
``--resume`` continue exactly where a crash or Ctrl-C left off: shuffling is seeded per
epoch and torch's RNG is saved. Under ``torchrun`` the same loop runs on every process
(``chatbot.distributed``); rank 0 writes.

What is minimised is ``chatbot.objective``; what is read, ``chatbot.dataset``; how good
the model is, ``chatbot.evaluate``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from chatbot.checkpoint import finite, load_checkpoint, load_model, save_checkpoint, save_model
from chatbot.config import ModelCard, ModelConfig, TrainConfig
from chatbot.data import Batch, Example, batches
from chatbot.dataset import VALID_WINDOWS, TrainData, check_corpus, epoch_examples, load_data
from chatbot.distributed import ONE_PROCESS, Ranks, barrier, pick_device, setup, shard, total
from chatbot.errors import ChatbotError
from chatbot.evaluate import teacher_forced, validate
from chatbot.fsutil import ensure_dir, only_writer, read_json, sha256_file
from chatbot.heads import sayable
from chatbot.layout import CorpusLayout, ModelLayout, is_prepared
from chatbot.model import Seq2Seq, count_trainable
from chatbot.objective import frequency_weights, objective

__all__ = ["pick_device", "train", "train_step"]


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


class Step(nn.Module):
    """The model and what it minimises as one module, so that DistributedDataParallel,
    which syncs the gradients of what its forward computed, can wrap the whole step."""

    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(
        self, batch: Batch, weight: torch.Tensor | None, terms: dict[str, Any]
    ) -> torch.Tensor:
        return objective(self.model, batch, weight, **terms)


def build_model(config: TrainConfig, data: TrainData, device: torch.device) -> Seq2Seq:
    """A fresh model for ``data``, seeded, its table initialised from the word vectors."""
    torch.manual_seed(config.seed)
    characters = len(data.cast) if config.characters else 0
    model_config = config.model_config(len(data.table), data.table.dim, data.outputs, characters)
    try:
        return Seq2Seq(model_config, torch.from_numpy(data.table.vectors)).to(device)
    except (
        RuntimeError,
        MemoryError,
    ) as e:  # torch: "can't allocate memory", CUDA: "out of memory"
        if not isinstance(e, MemoryError) and "alloc" not in str(e) and "memory" not in str(e):
            raise
        mc = model_config
        raise ChatbotError(
            f"not enough memory for this model (--hidden {mc.hidden}, --encoder-layers "
            f"{mc.encoder_layers}, --decoder-layers {mc.decoder_layers}); make it smaller"
        ) from None


def from_base(base: Seq2Seq, config: TrainConfig, data: TrainData, device: torch.device) -> Seq2Seq:
    """A model for ``data`` that starts from a base model: every weight that does not
    depend on the vocabulary or the cast is the base's; the table is ``data``'s (the
    base's rows, and the corpus's other words mapped into its space). Characters start
    from what the base said: a base without them reads the persona through new zero
    columns of the decoder's input weights, a voice that does not fit starts at zero, and
    of another cast only "anyone" (row 0) means the same, so only it is kept."""
    fresh = build_model(replace(config, model=base.config), data, device)
    theirs = base.state_dict()
    start = {}
    for k, v in fresh.state_dict().items():
        old = theirs.get(k)
        if old is not None and old.shape == v.shape:
            start[k] = old
        elif k.startswith("head.voice."):
            start[k] = torch.zeros_like(v)
        elif k == "decoder.weight_ih_l0" and old is not None and old.size(1) < v.size(1):
            start[k] = torch.cat([old, v[:, old.size(1) :].zero_()], 1)  # word vector first
        elif k in ("speaker.weight", "addressee.weight") and old is not None:
            start[k] = torch.cat([old[:1], v[1:]])
        else:
            start[k] = v
    fresh.load_state_dict(start)
    return fresh


def train_step(
    step: nn.Module,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    weight: torch.Tensor | None,
    text: bool = False,
    ranks: Ranks = ONE_PROCESS,
) -> float:
    """One optimisation step on one global batch (this rank's rows of it; bfloat16
    autocast on CUDA); the loss. A ``text`` batch (running text only) trains next-word
    prediction alone, with ``config.negatives`` sampled rows; a dialogue batch adds the
    objective's terms (without any, it samples rows too). Across ranks the loss is
    weighted by each rank's share of the batch's words, so the averaged gradient is the
    whole batch's."""
    device = next(step.parameters()).device
    mine = shard(batch, ranks)
    scale = 1.0
    if ranks.distributed:
        if mine.src.size(0) == 0:  # fewer rows than ranks: join in, contribute nothing
            mine, scale = shard(batch, Ranks(0, ranks.world)), 0.0
        words = _words(mine.tgt_out, step, weight) if scale else 0.0
        scale = ranks.world * words / max(total(words, ranks, device), 1e-9)
    mine = mine.to(device)
    terms = {"negatives": config.negatives}
    if not text:  # with any of these terms the word loss is exact (they need every row)
        terms |= {"contrast": config.contrast, "unlikelihood": config.unlikelihood}
        terms |= {"rollout": config.rollout, "speaker_contrast": config.speaker_contrast}
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        loss = step(mine, weight, terms)
    optimizer.zero_grad(set_to_none=True)
    (loss * scale).backward()
    params = [p for g in optimizer.param_groups for p in g["params"]]
    torch.nn.utils.clip_grad_norm_(params, config.clip)
    optimizer.step()
    return loss.item()


def diverged(model: nn.Module, when: str, lr: float) -> None:
    """A one-line error, before anything is saved, when the weights are no longer
    finite numbers (every rank holds the same weights, so every rank stops)."""
    if not finite(model.parameters()):
        raise ChatbotError(
            f"training diverged in {when}: the weights are no longer finite numbers; "
            f"--resume from the last saved epoch with a lower --lr (was {lr:g})"
        )


def _words(target: torch.Tensor, step: nn.Module, weight: torch.Tensor | None) -> float:
    """How much of the loss a batch's targets carry: its sayable words, weighted."""
    model = step.module.model if hasattr(step, "module") else step.model  # type: ignore[union-attr]
    keep = sayable(target, model.outputs)
    if weight is None:
        return float(keep.sum())
    return float(weight.cpu()[target.clamp(max=len(weight) - 1)][keep].sum())


def train_epoch(
    step: nn.Module,
    optimizer: torch.optim.Optimizer,
    examples: list[Example],
    dim: int,
    config: TrainConfig,
    weight: torch.Tensor | None,
    seed: int,
    on_batch: BatchCallback | None = None,
    text: bool = False,
    ranks: Ranks = ONE_PROCESS,
) -> float:
    """One pass over ``examples`` in an order seeded by ``seed``; the mean loss."""
    step.train()
    gen = torch.Generator().manual_seed(seed)
    n_batches = math.ceil(len(examples) / config.batch_size)
    loss_sum = 0.0
    for k, batch in enumerate(batches(examples, config.batch_size, dim, gen), 1):
        value = train_step(step, batch, optimizer, config, weight, text, ranks)
        loss_sum += value
        if on_batch:
            on_batch(k, n_batches, value)
    return loss_sum / n_batches


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
    base: str | Path | None = None,
    force: bool = False,
    given: Collection[str] | None = None,
    on_batch: BatchCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Train on a prepared corpus (from scratch, or fine-tuning the ``base`` model made
    by ``chatbot pretrain``); see the module docstring. A model already in the output
    directory is replaced only with ``force``. A resume keeps the first run's settings
    but the ``given`` ones (``resumed_config``), and its base."""
    config = config or TrainConfig()
    corpus = CorpusLayout.at(corpus_dir)
    check_corpus(corpus)
    out = corpus.model(model_dir)
    if is_prepared(out.root):  # its files would mix with the corpus's own
        raise ChatbotError(f"--out {out.root} is a prepared corpus; give the model a folder")
    check_fresh(out, resume, force)
    with holding(out):
        if resume:
            config = resumed_config(out, config, given)
            state = read_json(out.checkpoint_state, "checkpoint")
            if state.get("vectors_sha256") != sha256_file(corpus.vectors):
                raise ChatbotError(
                    f"{out.root} was trained on other vectors (another novel, or this one "
                    "prepared again); start over with --force, not --resume"
                )
            base = base or state.get("base") or None
        ranks, device = setup(config.device)
        start = None
        if base is not None:
            loaded = load_model(base, device)
            if loaded.model.config.characters and not config.characters:
                config = replace(config, characters=1)  # its persona layers, everyone "anyone"
            # the base's architecture, with the dropout the run asked for
            model = replace(loaded.card.model, dropout=config.model.dropout) if resume else None
            config = replace(config, model=model or loaded.card.model)
            data = load_data([corpus], config, base=loaded.table)
            start = from_base(loaded.model, config, data, device)
            provenance = {
                "base": str(Path(base).resolve()),
                "base_books": loaded.card.books,
                "mapping": data.mapping,
            }
        else:
            data = load_data([corpus], config)
            provenance = {}
        card = ModelCard(
            config.model,
            config,
            corpus=str(corpus.root),
            vectors_sha256=sha256_file(corpus.vectors),
            script=novel_script(corpus),
            cased=novel_cased([corpus], data.table.words),
            title=novel_title(corpus),
            **provenance,
        )
        if ranks.main and corpus.userdict.is_file():
            shutil.copyfile(corpus.userdict, ensure_dir(out.root) / out.userdict.name)
        return fit(data, config, out, card, ranks, device, resume, start, on_batch, on_epoch)


def holding(out: ModelLayout) -> contextlib.AbstractContextManager:
    """The model folder held for this run (``only_writer``) before anything is read or
    written: by rank 0 alone under torchrun (the others write nothing)."""
    main = int(os.environ.get("RANK", "0")) == 0
    return only_writer(out.root) if main else contextlib.nullcontext()


def check_fresh(out: ModelLayout, resume: bool, force: bool) -> None:
    """Refuse to start over in a directory holding a model or an unfinished run: its
    first epoch would silently replace them."""
    if resume:
        if force:
            raise ChatbotError("--resume continues a run and --force starts over: give one")
        if not out.checkpoint_state.is_file():
            raise ChatbotError(f"nothing to resume in {out.root}: no checkpoint yet")
        return
    if force:
        return
    if out.exists():
        held = "a trained model"
    elif out.checkpoint_state.is_file():
        held = "an unfinished training run (--resume continues it)"
    else:
        return
    raise ChatbotError(
        f"{out.root} already holds {held}; --force replaces it, --out writes elsewhere"
    )


def _source(corpus: CorpusLayout) -> dict[str, Any]:
    """What ``prepare`` recorded of the novel file (its manifest's "source")."""
    manifest = read_json(corpus.manifest, "corpus manifest") if corpus.manifest.is_file() else {}
    return manifest.get("source", {})


def novel_script(corpus: CorpusLayout) -> str:
    """The OpenCC config that writes the novel's Traditional characters again, when
    ``prepare`` converted it to Simplified (s2t for corpora that did not record one)."""
    source = _source(corpus)
    return (source.get("script") or "s2t") if source.get("converted_t2s") else ""


def novel_title(corpus: CorpusLayout) -> str:
    """The novel's title as ``prepare`` found it in the file, or ""."""
    return str(_source(corpus).get("title", ""))


def library_script(corpora: Sequence[CorpusLayout]) -> str:
    """The script all the books were written in (``novel_script``), or "" where they
    differ: a base model shows its words in Traditional only if every book was."""
    scripts = {novel_script(c) for c in corpora}
    return scripts.pop() if len(scripts) == 1 else ""


def novel_cased(corpora: Sequence[CorpusLayout], words: Sequence[str]) -> dict[str, str]:
    """How the novels write the model's Latin words (``words.cased_forms``)."""
    from chatbot.ingest.words import cased_forms

    def sentences() -> Iterator[str]:
        for corpus in corpora:
            with open(corpus.text, encoding="utf-8") as f:
                yield from f.read().split("\n")

    return cased_forms(sentences(), set(words))


def fit(
    data: TrainData,
    config: TrainConfig,
    out: ModelLayout,
    card: ModelCard,
    ranks: Ranks,
    device: torch.device,
    resume: bool = False,
    model: Seq2Seq | None = None,
    on_batch: BatchCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """The loop itself, on data already loaded; writes ``out`` (rank 0)."""
    begun = time.perf_counter()
    model = model or build_model(config, data, device)
    step: nn.Module = Step(model)
    if ranks.distributed:
        # The regression losses (mse, cosine) leave the head's scale and prior without a
        # gradient; DDP must then look for unused parameters, else it need not (and warns).
        unused = not model.head.distribution
        step = nn.parallel.DistributedDataParallel(step, find_unused_parameters=unused)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    state: dict[str, Any] = {
        "text_epoch": 0,
        "epoch": 0,
        "best_score": -1.0,
        "best_epoch": 0,
        "bad_epochs": 0,
        "elapsed": 0.0,
        "last_seconds": 0.0,  # the last epoch's: what the next one may take
        "lr": config.lr,
    }
    if ranks.main:
        ensure_dir(out.root)
    if resume:
        state = _resume(out, model, optimizer, config, card.vectors_sha256)
        for group in optimizer.param_groups:
            group["lr"] = state["lr"]
    # A fresh run's first epoch starts the curves anew (and drops the replaced model's
    # evaluation); until then a replaced model keeps its own.
    metrics_mode = ["a" if resume else "w"]
    card = replace(
        card,
        model=model.config,
        table_fingerprint=data.table.fingerprint(),
        split={"train": len(data.train), "valid": len(data.valid), "test": len(data.test)},
        cast=data.cast.to_dict() if config.characters else {},
    )
    dim, bs = data.table.dim, config.batch_size

    def finish_epoch(row: dict[str, Any], seconds: float) -> None:
        state["elapsed"] += seconds
        state["last_seconds"] = seconds
        if ranks.main:
            checkpoint = {**state, "train": asdict(config), "vectors_sha256": card.vectors_sha256}
            checkpoint["base"] = card.base  # a resume fine-tunes from the same base
            save_checkpoint(out.root, model, optimizer, checkpoint)
            if metrics_mode[0] == "w":
                out.eval_report.unlink(missing_ok=True)
            with open(out.metrics, metrics_mode[0], encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            metrics_mode[0] = "a"
            if on_epoch:
                on_epoch(row)
        barrier(ranks)

    def text_metrics(m: Seq2Seq, windows: Sequence[Example]) -> dict[str, float]:
        return teacher_forced(m, windows, dim, batch_size=bs, device=device)

    budget = config.max_minutes * 60 if config.max_minutes else math.inf
    stopped = "max_epochs"
    while state["text_epoch"] < config.text_epochs and data.text:
        epoch = state["text_epoch"] + 1
        t0 = time.perf_counter()
        train_loss = train_epoch(
            step, optimizer, data.text.train, dim, config, None, -epoch, on_batch, True, ranks
        )
        diverged(model, f"text epoch {epoch}", state["lr"])
        metrics = text_metrics(model, data.text.valid[:VALID_WINDOWS])
        state["text_epoch"] = epoch
        seconds = time.perf_counter() - t0
        row = {"phase": "text", "epoch": epoch, "train_loss": train_loss}
        row |= {f"valid_{k}": v for k, v in metrics.items()}
        finish_epoch(row | {"lr": state["lr"], "seconds": round(seconds, 2)}, seconds)

    if config.max_epochs == 0:  # running text only: the model is the last text epoch's
        if ranks.main:
            save_model(model, data.table, out.root, card)
        barrier(ranks)
    weight = frequency_weights(data.train, data.outputs, config.freq_weight, device)
    while state["epoch"] < config.max_epochs:
        if state["elapsed"] + state["last_seconds"] > budget and state["best_epoch"]:
            stopped = "time_budget"  # a resume of a run the cap stopped: the next would overrun
            break
        epoch = state["epoch"] + 1
        t0 = time.perf_counter()
        examples = epoch_examples(data, config, epoch)
        seed = config.seed * 100_003 + epoch
        train_loss = train_epoch(
            step, optimizer, examples, dim, config, weight, seed, on_batch, False, ranks
        )
        diverged(model, f"epoch {epoch}", state["lr"])
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
            text = text_metrics(model, data.text.valid[:VALID_WINDOWS])
            metrics |= {f"text_{k}": v for k, v in text.items()}
        s = score(metrics)
        if s > state["best_score"]:
            state.update(best_score=s, best_epoch=epoch, bad_epochs=0)
            if ranks.main:
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
        test |= {f"text_{k}": v for k, v in text_metrics(best.model, data.text.test).items()}
    result = TrainResult(
        model_dir=out.root,
        epochs=state["epoch"],
        best_epoch=state["best_epoch"],
        stopped=stopped,
        test=test,
        trainable_parameters=count_trainable(model),
        seconds=time.perf_counter() - begun,
    )
    final = replace(
        card,
        best_epoch=state["best_epoch"],
        trainable_parameters=result.trainable_parameters,
        test=test,
    )
    if ranks.main:
        save_model(best.model, data.table, out.root, final)
    barrier(ranks)
    return result


# Settings that may change on --resume; every other one must match the first run.
_MAY_CHANGE_ON_RESUME = frozenset(
    {"dropout", "lr", "clip", "max_epochs", "patience", "lr_patience", "max_minutes"}
    | {"sample", "device", "text_epochs", "unlikelihood", "rollout", "contrast", "negatives"}
    | {"speaker_contrast"}
)


def _resume(
    out: ModelLayout,
    model: Seq2Seq,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    vectors_sha: str,
) -> dict[str, Any]:
    try:
        state = load_checkpoint(out.root, model, optimizer)
    except RuntimeError as e:  # weights of another shape: another corpus or model
        raise ChatbotError(
            f"the checkpoint in {out.root} does not fit this model ({str(e).splitlines()[0]}); "
            "a run fine-tuned from a base resumes with --from BASE, else start over with --force"
        ) from None
    if state.get("vectors_sha256") != vectors_sha:
        raise ChatbotError(
            f"{out.root} was trained on other vectors; start over with --force, not --resume"
        )
    saved = TrainConfig.saved(state.get("train", {}))
    if _fixed(saved) != _fixed(config):
        raise ChatbotError("--resume needs the same model and data settings as the first run")
    keys = ("epoch", "best_score", "best_epoch", "bad_epochs", "elapsed", "lr")
    return {
        "text_epoch": state.get("text_epoch", 0),
        "last_seconds": state.get("last_seconds", 0.0),
        **{k: state[k] for k in keys},
    }


def planned_text_epochs(
    out: ModelLayout, config: TrainConfig, resume: bool, given: Collection[str] | None
) -> int:
    """The running-text epochs a run into ``out`` trains: a resume's are its first run's
    unless typed again, so its progress names the right phase. A run that cannot resume
    gets ``config``'s, and training then says why it cannot."""
    if resume and out.checkpoint_state.is_file():
        try:
            return resumed_config(out, config, given).text_epochs
        except ChatbotError:
            pass
    return config.text_epochs


def resumed_config(
    out: ModelLayout, asked: TrainConfig, given: Collection[str] | None = None
) -> TrainConfig:
    """The settings ``--resume`` continues with: the first run's, except those ``given``
    (the options the user typed; None: every setting of ``asked``). A given setting a
    resume may change is ``asked``'s; any other given one must match the first run, or
    it is a one-line error naming the run's value, so a resume never builds a model its
    checkpoint cannot fill, nor silently drops what the user asked for."""
    state = read_json(out.checkpoint_state, "checkpoint")
    saved = TrainConfig.saved(state.get("train", {}))
    own = {f.name for f in fields(TrainConfig)} - {"model"}
    arch = {f.name for f in fields(ModelConfig)} - own  # characters: the training setting
    names = own | arch if given is None else set(given) & (own | arch)
    changes: dict[str, Any] = {}
    in_model: dict[str, Any] = {}
    clash = []
    for name in sorted(names):
        holder_saved, holder_asked = (saved, asked) if name in own else (saved.model, asked.model)
        was, want = getattr(holder_saved, name), getattr(holder_asked, name)
        if name in _MAY_CHANGE_ON_RESUME:
            (changes if name in own else in_model)[name] = want
        elif want != was:
            clash.append(_flag(name, was))
    if clash:
        raise ChatbotError(
            f"--resume continues the first run's settings ({', '.join(clash)}); leave those "
            "options out, or start over with --force"
        )
    done = int(state.get("epoch", 0))  # dialogue epochs the run has finished
    if done and changes.get("text_epochs", saved.text_epochs) != saved.text_epochs:
        raise ChatbotError(
            "running-text epochs come before the dialogue epochs, which this run has begun: "
            "leave --text-epochs out, or start over with --force"
        )
    if "max_epochs" in changes:  # fewer than it has done: it is done (and says so)
        changes["max_epochs"] = max(changes["max_epochs"], done)
    return replace(saved, **changes, model=replace(saved.model, **in_model))


def _flag(name: str, value: Any) -> str:
    """A setting as the option that asks for it: --hidden 256, --no-copy."""
    option = name.replace("_", "-")
    if isinstance(value, bool):
        return f"--{option}" if value else f"--no-{option}"
    return f"--{option} {value}"


def _fixed(c: TrainConfig) -> dict[str, Any]:
    """The settings a resumed run must share with the first (the architecture's under
    its own names: ModelConfig.characters is not the training setting)."""
    flat = {**c.to_dict(), **{f"model.{k}": v for k, v in c.model.to_dict().items()}}
    return {k: v for k, v in flat.items() if k.removeprefix("model.") not in _MAY_CHANGE_ON_RESUME}
