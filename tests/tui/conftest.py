"""Fixtures of the app's tests (the helpers that drive it live in test_app.py)."""

import pytest


@pytest.fixture
def data_dir(tmp_path):
    """An isolated data directory: the app's chats and bots, never the user's."""
    return tmp_path / "data"
