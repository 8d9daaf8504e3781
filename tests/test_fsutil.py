import os
import stat

import pytest

from chatbot import fsutil
from chatbot.errors import ChatbotError
from chatbot.fsutil import atomic_path, write_json


def test_artifacts_get_the_mode_a_plain_open_would_give(tmp_path, monkeypatch):
    """A bot is shared (another user, a web server): its files must not stay 0600."""
    monkeypatch.setattr(fsutil, "_FILE_MODE", 0o644)  # what umask 022 gives
    write_json(tmp_path / "config.json", {"a": 1})
    with atomic_path(tmp_path / "weights.bin") as tmp:
        tmp.write_bytes(b"\0")
    for name in ("config.json", "weights.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    mask = os.umask(0o027)
    os.umask(mask)
    assert fsutil._file_mode() == 0o666 & ~mask


def test_a_file_where_a_directory_should_go_is_named_as_such(tmp_path):

    from chatbot.fsutil import ensure_dir

    (tmp_path / "afile").write_text("x")
    with pytest.raises(ChatbotError, match="afile is a file, not a directory"):
        ensure_dir(tmp_path / "afile")


def test_a_folder_has_one_writer_and_a_dead_ones_lock_is_taken_over(tmp_path):
    import subprocess
    import sys

    from chatbot.fsutil import only_writer

    lock = tmp_path / "m" / ".lock"
    with only_writer(tmp_path / "m"):
        assert lock.read_text() == str(os.getpid())
        hold = "from chatbot.fsutil import only_writer\nwith only_writer(%r): pass"
        other = subprocess.run(
            [sys.executable, "-c", hold % str(tmp_path / "m")], capture_output=True, text=True
        )
        assert other.returncode != 0 and f"pid {os.getpid()}" in other.stderr
    # released when its holder is gone, whatever it left in the file
    with only_writer(tmp_path / "m"):
        assert lock.read_text() == str(os.getpid())


def test_writing_onto_a_folder_is_a_one_line_error_and_the_folder_stays(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(ChatbotError, match="is a folder"):
        write_json(tmp_path / "out", {"a": 1})
    assert (tmp_path / "out").is_dir() and not list(tmp_path.glob(".out.*"))


def test_a_path_no_file_system_takes_is_one_line():
    from chatbot.fsutil import user_path

    for typed, says in (
        ("~nosuchuser9/book.txt", "no home folder for ~nosuchuser9"),
        ("a\0b", "NUL"),
        ("n" * 300 + ".md", "over 255 bytes"),
    ):
        with pytest.raises(ChatbotError, match=says):
            user_path(typed)
    assert user_path("~/x").name == "x" and not str(user_path("~/x")).startswith("~")
