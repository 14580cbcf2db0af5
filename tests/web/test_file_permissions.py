"""What esafety writes to disk is unreadable to other accounts on the server."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

import esafety
from esafety.incidents import actions
from esafety.web import filemodes

ROOT = Path(esafety.__file__).resolve().parent.parent


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """The umask most servers run with (files 0644, folders 0755 unless we say otherwise)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


SCRIPT = r"""
import json, os, stat, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (x integer)")
    cursor.execute("INSERT INTO t VALUES (1)")
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
data = settings.DATA_DIR
names = ["", "secret_key", "esafety.sqlite3", "esafety.sqlite3-wal", "esafety.sqlite3-shm"]
print(json.dumps({"journal": journal, "modes": {
    name: oct(stat.S_IMODE(os.stat(data / name).st_mode)) for name in names}}))
"""


def test_a_new_data_folder_its_database_and_secret_key_are_private(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "esafety.settings",
                        "ESAFETY_DATA_DIR": str(tmp_path / "var" / "esafety")})
    result = subprocess.run([sys.executable, "-c", f"import os; os.umask(0o022)\n{SCRIPT}"],
                            env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["journal"] == "wal"
    assert answer["modes"] == {"": "0o751", "secret_key": "0o600", "esafety.sqlite3": "0o640",
                               "esafety.sqlite3-wal": "0o640", "esafety.sqlite3-shm": "0o640"}


def test_an_existing_world_readable_database_is_tightened(tmp_path, usual_umask):
    db = tmp_path / "esafety.sqlite3"
    db.write_bytes(b"")
    (tmp_path / "esafety.sqlite3-wal").write_bytes(b"")
    os.chmod(db, 0o644)
    os.chmod(tmp_path, 0o755)
    filemodes.secure_sqlite(db)
    assert mode(db) == 0o640
    assert mode(tmp_path / "esafety.sqlite3-wal") == 0o640
    fresh = tmp_path / "elsewhere" / "esafety.sqlite3"
    filemodes.secure_sqlite(fresh)
    assert (mode(fresh), mode(fresh.parent)) == (0o640, 0o750)


def test_uploaded_files_are_written_0640_in_private_folders(settings, tmp_path, usual_umask):
    storage = FileSystemStorage(location=tmp_path / "files")
    name = storage.save("policies/forms/scan.pdf", ContentFile(b"%PDF-1.4 signed form"))
    assert mode(storage.path(name)) == 0o640
    assert mode(Path(storage.path(name)).parent) == 0o750


def test_evidence_files_and_their_folders_are_private(pupil, dsl, settings, usual_umask):
    incident = actions.incident_report(
        actor=dsl, kind="cyberbullying", via="staff", description="Screenshots of the chat.",
        upload=("chat.txt", b"12:01 someone: you are a loser\n"))
    item = incident.evidence.get()
    stored = Path(settings.MEDIA_ROOT) / item.file_path
    assert mode(stored) == 0o440
    folder = stored.parent
    while folder != Path(settings.MEDIA_ROOT):
        assert mode(folder) == 0o750, folder
        folder = folder.parent


def test_the_data_folder_can_be_passed_through_but_not_listed(tmp_path, usual_umask):
    """Squid's helper, running as its own user, reads the published policy in filtering/."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    filemodes.private_dir(data, passable=True)
    assert mode(data) == 0o751
    fresh = filemodes.private_dir(tmp_path / "new" / "data", passable=True)
    assert mode(fresh) == 0o751
    assert mode(fresh.parent) == 0o750
