import os
import stat

from chatbot.fsutil import atomic_path, write_json


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_artifacts_get_the_mode_a_plain_open_would_give(tmp_path):
    """A bot is shared (another user, a web server): its files must not stay 0600."""
    write_json(tmp_path / "config.json", {"a": 1})
    with atomic_path(tmp_path / "weights.bin") as tmp:
        tmp.write_bytes(b"\0")
    expected = 0o666 & ~_umask()
    for name in ("config.json", "weights.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected


def test_a_file_where_a_directory_should_go_is_named_as_such(tmp_path):
    import pytest

    from chatbot.errors import ChatbotError
    from chatbot.fsutil import ensure_dir

    (tmp_path / "afile").write_text("x")
    with pytest.raises(ChatbotError, match="afile is a file, not a directory"):
        ensure_dir(tmp_path / "afile")
