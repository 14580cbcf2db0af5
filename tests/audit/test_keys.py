"""The chain key lives outside the database: in the data folder (made once, 0600) or in the
environment (ESAFETY_CHAIN_KEY)."""

import stat

import pytest

from esafety import keys
from esafety.errors import ConfigurationError


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.CHAIN_KEY = ""
    return settings.DATA_DIR


def test_the_key_is_made_once_in_the_data_folder_readable_by_the_owner_only(data_dir):
    key = keys.chain_key()
    path = data_dir / "chain_key"
    assert path.read_text().strip().encode() == key and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys._load.cache_clear()
    assert keys.chain_key() == key


def test_a_key_from_the_environment_is_used_and_nothing_is_written(data_dir, settings):
    settings.CHAIN_KEY = "k" * 40
    assert keys.chain_key() == b"k" * 40
    assert not (data_dir / "chain_key").exists()


def test_a_short_key_from_the_environment_is_refused(data_dir, settings):
    settings.CHAIN_KEY = "secret"
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        keys.chain_key()


def test_an_emptied_key_file_is_refused_not_replaced(data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "chain_key").write_text("\n")
    with pytest.raises(ConfigurationError, match="restore it from your backup"):
        keys.chain_key()
    assert (data_dir / "chain_key").read_text() == "\n"


def test_a_different_key_gives_different_seals(data_dir, settings):
    first = keys.seal("the same words")
    settings.CHAIN_KEY = "z" * 40
    assert keys.seal("the same words") != first

