"""Training across processes with PyTorch's own engine: ``torchrun --nproc-per-node N -m
chatbot pretrain|train ...`` runs DistributedDataParallel, gloo on CPU, NCCL on CUDA.

Every rank builds the same data and the same model (same seeds), walks the same batches
in the same order and takes its own rows of each (``shard``); DDP averages gradients.
The loss is scaled so that the average is the mean over the whole global batch's words,
so N processes take the step one process takes on the same global batch (to float
rounding; dropout and sampled rows are drawn per process). Rank 0 alone writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from chatbot.data import Batch
from chatbot.errors import ChatbotError


@dataclass(frozen=True)
class Ranks:
    """This process's place among the training processes."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        """Whether this process writes checkpoints, models and logs."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


ONE_PROCESS = Ranks()


def setup(device: str) -> tuple[Ranks, torch.device]:
    """Join the process group that ``torchrun`` started (one process: nothing to
    join), and the device this rank trains on: its own GPU under NCCL, else the CPU
    with the cores shared among the ranks on this machine."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Ranks(), pick_device(device)
    if device != "auto":
        checked_device(device)
    want_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        dist.init_process_group("nccl" if want_cuda else "gloo")
    if want_cuda:
        torch.cuda.set_device(local)
        return Ranks(dist.get_rank(), world), torch.device("cuda", local)
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    return Ranks(dist.get_rank(), world), _with_threads(torch.device("cpu"), local_world)


def pick_device(name: str, processes: int = 1) -> torch.device:
    """The device ``name`` means ("auto": CUDA when present); on the CPU, with this
    process's share of the cores."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return _with_threads(checked_device(name), processes)


def checked_device(name: str) -> torch.device:
    """The torch device ``name`` names, or a one-line error when there is no such
    device here (torch would raise deep inside the first tensor it moves)."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ChatbotError(f"unknown device {name!r}: auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ChatbotError(f"--device {name}: this machine's torch has no CUDA (auto or cpu)")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ChatbotError(f"--device {name}: there are {torch.cuda.device_count()} GPUs")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ChatbotError(f"--device {name}: this machine's torch has no MPS (auto or cpu)")
    return device


def _with_threads(device: torch.device, processes: int) -> torch.device:
    """On the CPU, this process's share of the cores (``$OMP_NUM_THREADS`` when set)."""
    if device.type == "cpu":
        cores = os.cpu_count() or 1
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or max(1, cores // processes)))
    return device


def shard(batch: Batch, ranks: Ranks) -> Batch:
    """This rank's rows of a global batch (every ``world``-th row)."""
    if not ranks.distributed:
        return batch
    return Batch(*(t[ranks.rank :: ranks.world] for t in batch.__dict__.values()))


def total(value: float, ranks: Ranks, device: torch.device) -> float:
    """The sum of ``value`` over all ranks."""
    if not ranks.distributed:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t.item())


def barrier(ranks: Ranks) -> None:
    """Wait until every rank is here (e.g. rank 0 has written a file the others read)."""
    if ranks.distributed:
        dist.barrier()


def teardown(ranks: Ranks) -> None:
    if ranks.distributed and dist.is_initialized():
        dist.destroy_process_group()
