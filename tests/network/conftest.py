"""Network fixtures: a private data folder, reading the published files, publication run
inside the test's transaction."""

import json

import pytest

from esafety.filtering import publish


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def publishing(django_capture_on_commit_callbacks):
    """Run after-commit publication inside a test's transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def published(school):
    """published("policy.json" | "bindings.json") -> the file's JSON (None if absent)."""

    def read(name, of=None):
        path = publish.snapshot_dir(of or school) / name
        return json.loads(path.read_text()) if path.exists() else None

    return read
