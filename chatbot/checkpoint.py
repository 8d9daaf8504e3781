"""Saving and loading models and training checkpoints without pickle.

Tensors go to safetensors, everything else to JSON, so loading a model from anywhere
never runs code. A truncated or corrupt file, a vocabulary that does not fit the
weights, or weights trained on other vectors fail with a one-line ``ChatbotError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from chatbot import __version__
from chatbot.config import ModelCard
from chatbot.data import WordTable
from chatbot.errors import ChatbotError, corrupt_weights
from chatbot.fsutil import atomic_path, ensure_dir, read_json, write_json
from chatbot.layout import ModelLayout
from chatbot.model import Seq2Seq

# 2: the output layer's weights live under ``head.`` (format 1 had them at the top).
FORMAT_VERSION = 2
_HEAD_KEYS = ("out.", "log_scale", "copy_gate.", "prior")


def _upgrade(tensors: dict[str, torch.Tensor], version: int) -> dict[str, torch.Tensor]:
    """Weights of an older format under today's names."""
    if version >= 2:
        return tensors
    return {(f"head.{k}" if k.startswith(_HEAD_KEYS) else k): v for k, v in tensors.items()}


def _save_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    with atomic_path(path) as tmp:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp))


def _load_tensors(path: Path, what: str) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ChatbotError(f"no {what} at {path}")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise corrupt_weights(path, e) from None


def save_model(model: Seq2Seq, table: WordTable, root: Path, card: ModelCard) -> None:
    """Write weights, vocabulary and config.json (the card: what they need and how
    they were made)."""
    lay = ModelLayout.at(ensure_dir(root))
    _save_tensors(lay.weights, model.state_dict())
    with atomic_path(lay.vocab) as tmp:
        tmp.write_text("\n".join(table.words) + "\n", encoding="utf-8")
    card = replace(card, model=model.config, package_version=__version__)
    write_json(lay.config, {"format_version": FORMAT_VERSION, **card.to_dict()})


def finite(tensors: Iterable[torch.Tensor]) -> bool:
    """Whether no float tensor holds a NaN or an infinity. One sum per tensor: a NaN or
    inf anywhere makes it one, and it costs a tenth of ``isfinite().all()`` (model load
    is on the app's start-up path)."""
    with torch.no_grad():
        return all(bool(t.sum().isfinite()) for t in tensors if t.is_floating_point())


@dataclass
class LoadedModel:
    model: Seq2Seq
    table: WordTable
    card: ModelCard


def load_model(root: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model directory written by ``save_model``; the word table comes from the
    weights (the model fine-tunes it), the words from vocab.txt."""
    lay = ModelLayout.at(root).existing()
    config = read_json(lay.config, "model config")
    version = config.get("format_version")
    if version not in range(1, FORMAT_VERSION + 1):
        raise ChatbotError(f"{lay.config}: unsupported model format {version}")
    card = ModelCard.from_dict(config, lay.config)
    mc = card.model
    try:
        words = lay.vocab.read_text(encoding="utf-8").split("\n")[:-1]
    except OSError:
        raise ChatbotError(f"no vocabulary at {lay.vocab}") from None
    # Shipped models store float16 to stay small; compute in float32.
    tensors = {
        k: v.float() if v.is_floating_point() else v
        for k, v in _upgrade(_load_tensors(lay.weights, "model weights"), version).items()
    }
    broken = [k for k, v in tensors.items() if not finite([v])]
    if broken:  # a run that diverged, or a damaged file: it would only say nonsense
        raise ChatbotError(f"{lay.weights} holds NaN or infinite weights ({broken[0]}); retrain it")
    table = tensors.get("table.weight")
    if table is None or table.shape != (mc.vocab_size, mc.dim) or len(words) != mc.vocab_size:
        shape = "no word table" if table is None else f"a {tuple(table.shape)} word table"
        raise ChatbotError(
            f"{lay.root}: vocabulary, weights and config disagree ({len(words)} words, "
            f"{shape}, config says {mc.vocab_size} words of {mc.dim}); retrain the model"
        )
    model = Seq2Seq(mc)
    try:
        fit = model.load_state_dict(tensors, strict=False)
    except RuntimeError as e:  # a tensor of the wrong shape: name it, not torch's preamble
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        raise ChatbotError(f"{lay.weights} does not fit its config ({lines[-1]})") from None
    if fit.missing_keys or fit.unexpected_keys:
        named = [("missing", fit.missing_keys), ("unexpected", fit.unexpected_keys)]
        detail = "; ".join(f"{what} {', '.join(keys[:3])}" for what, keys in named if keys)
        raise ChatbotError(
            f"{lay.weights} does not fit its config ({detail}): made by another version "
            "of the model code or damaged; retrain it"
        )
    model.to(device).eval()
    return LoadedModel(model, WordTable(words, table.float().numpy()), card)


def save_checkpoint(
    root: Path,
    model: Seq2Seq,
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any],
) -> None:
    """Everything needed to continue training exactly: weights, Adam moments, RNG state
    (tensors), then epoch, scheduler and scores (JSON). The JSON is written last and
    names the tensor file's hash, so a crash between the two is detected."""
    lay = ModelLayout.at(root)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for i, st in opt["state"].items():
        for k, v in st.items():
            tensors[f"optim.{i}.{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
    tensors["rng.torch"] = torch.get_rng_state()
    _save_tensors(lay.checkpoint, tensors)
    write_json(
        lay.checkpoint_state,
        {
            **state,
            "format_version": FORMAT_VERSION,
            "optimizer_param_groups": opt["param_groups"],
            "checkpoint_bytes": lay.checkpoint.stat().st_size,
        },
    )


def load_checkpoint(root: Path, model: Seq2Seq, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Restore what ``save_checkpoint`` wrote into ``model`` and ``optimizer``; return the
    JSON state. Also restores torch's RNG, so dropout continues as it would have."""
    lay = ModelLayout.at(root)
    state = read_json(lay.checkpoint_state, "checkpoint")
    if state.get("format_version") != FORMAT_VERSION:
        raise ChatbotError(f"{lay.checkpoint} was written by an older version; retrain")
    if not lay.checkpoint.is_file() or lay.checkpoint.stat().st_size != state.get(
        "checkpoint_bytes"
    ):
        raise ChatbotError(f"{lay.checkpoint} is missing or does not match {lay.checkpoint_state}")
    tensors = _load_tensors(lay.checkpoint, "checkpoint")
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    opt_state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith("optim."):
            _, i, name = k.split(".", 2)
            opt_state.setdefault(int(i), {})[name] = v
    optimizer.load_state_dict({"state": opt_state, "param_groups": state["optimizer_param_groups"]})
    torch.set_rng_state(tensors["rng.torch"])
    return state
