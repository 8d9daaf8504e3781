"""Atomic file writes, so a crash or bad input never leaves a half-written artifact.

Every artifact is written to a temporary file in the same directory and moved into
place with ``os.replace``, which is atomic on POSIX and Windows: readers see the old
file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chatbot.errors import ChatbotError


def _file_mode() -> int:
    """The mode ``open`` gives a new file under this process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()  # read once, at import, before any thread can race the umask


def temp_beside(final: str | os.PathLike[str]) -> Path:
    """A new empty temporary file in ``final``'s directory, so ``os.replace`` onto
    ``final`` stays on one file system and is atomic."""
    final = Path(final)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    except OSError as e:
        raise ChatbotError(f"cannot write in {final.parent}: {e.strerror}") from None
    os.close(fd)
    with contextlib.suppress(OSError):  # a file system without modes (vfat) keeps its own
        os.chmod(tmp, _FILE_MODE)  # mkstemp's 0600 would outlive the rename
    return Path(tmp)


def user_path(text: str) -> Path:
    """A path the user typed, ``~`` expanded; one no file system takes (an unknown
    user's ~, a NUL, a name over 255 bytes) is a one-line error, not an exception from
    deep in pathlib or the first system call."""
    if "\0" in text:
        raise ChatbotError("a path cannot hold a NUL character")
    try:
        path = Path(text).expanduser()
    except RuntimeError:
        raise ChatbotError(f"no home folder for {text.split('/')[0]}") from None
    if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in path.parts):
        raise ChatbotError(f"a file or folder name in {text[:40]}… is over 255 bytes")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    For writers that want a file name rather than a handle (gensim, safetensors).
    """
    if Path(path).is_dir():  # os.replace would raise IsADirectoryError
        raise ChatbotError(f"{path} is a folder: give a file name")
    tmp = temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_json(path: str | os.PathLike[str], what: str) -> dict:
    """A JSON object from ``path``; a missing or malformed file is a one-line error
    naming ``what`` it should have been."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChatbotError(f"no {what} at {path}") from None
    except (OSError, ValueError) as e:
        raise ChatbotError(f"{path} is not a valid {what} ({e})") from None
    if not isinstance(data, dict):
        raise ChatbotError(f"{path} is not a valid {what}")
    return data


def path_kind(path: str | os.PathLike[str]) -> str:
    """ "missing", "dir", "file" or "other" (a pipe, a device); a path the OS refuses to
    look at (a name too long, a folder that may not be entered) is a one-line error."""
    path = Path(path)
    try:
        if not path.exists():
            return "missing"
        return "dir" if path.is_dir() else "file" if path.is_file() else "other"
    except OSError as e:
        raise ChatbotError(f"cannot read {path}: {e.strerror}") from None


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) or fail with a one-line error if it is not writable."""
    path = Path(path)
    if path_kind(path) == "file":
        raise ChatbotError(f"{path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ChatbotError(f"cannot create directory {path}: {e.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ChatbotError(f"directory {path} is not writable")
    return path


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks so large files cost no memory."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class Transaction:
    """A set of files that appear together on commit, or not at all.

    Used where one run rewrites several artifacts that must agree with each other: a
    failure half-way leaves every earlier file as it was.
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}

    def path(self, final: str | os.PathLike[str]) -> Path:
        """A fresh temporary path that becomes ``final`` on commit."""
        final = Path(final)
        old = self._staged.pop(final, None)
        if old is not None:
            old.unlink(missing_ok=True)
        self._staged[final] = temp_beside(final)
        return self._staged[final]

    def current(self, final: str | os.PathLike[str]) -> Path:
        """Where ``final``'s newest content is: its staged file, or itself."""
        return self._staged.get(Path(final), Path(final))

    def commit(self) -> None:
        for final, tmp in self._staged.items():
            os.replace(tmp, final)
        self._staged.clear()

    def rollback(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()


@contextlib.contextmanager
def only_writer(folder: str | os.PathLike[str], what: str = "trained") -> Iterator[None]:
    """Hold ``folder`` for this process: a second writer (a CLI run beside the app's, a
    --resume started twice) gets a one-line error instead of writing the same checkpoint
    and curves. An advisory lock on ``folder/.lock`` (flock): the system releases it
    when its process ends, however it ends. Where flock does not exist, no lock."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    made = not Path(folder).exists()
    lock = ensure_dir(folder) / ".lock"
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise ChatbotError(
                f"{folder} is being {what} by another process (pid {owner}, holding {lock}); "
                "wait for it or stop it"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
        if made and [p.name for p in Path(folder).iterdir()] == [lock.name]:
            with contextlib.suppress(OSError):  # a run that wrote nothing leaves nothing
                lock.unlink()
                Path(folder).rmdir()
