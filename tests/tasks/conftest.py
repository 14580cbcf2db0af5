"""Workers as a school runs them: `esafety worker` processes sharing one queue, in the
database (the default) or in a real Redis (Debian's redis-server, started here on a loopback
port in a temporary folder)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 120  # generous: the machine is shared; nothing here measures time


def wait_for(condition, what: str, deadline: float = DEADLINE):
    give_up = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def ran(folder: Path) -> Counter:
    """How many times each tag's task ran (tests/tasks/sample.py)."""
    path = folder / "ran.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(line.split()[0] for line in lines)


def _database_url() -> str:
    """The test database, for the worker processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    from urllib.parse import quote

    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    if host.startswith("/"):
        return f"postgres://{auth}@/{db['NAME']}?host={quote(host, safe='')}"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class Workers:
    """Starts `esafety worker` processes on the test database (and Redis, if given)."""

    def __init__(self, extra_env: dict[str, str]):
        self.env = {**os.environ, "DATABASE_URL": _database_url(),
                    "ESAFETY_DATA_DIR": str(settings.DATA_DIR), **extra_env}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, *extra: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "esafety", "worker", "--no-schedule", "--skip-checks",
             "--worker-id", name, *extra],
            cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=True)  # its own group: kill() ends its task's process too
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """As a power cut would: no chance to finish anything."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def database_workers(transactional_db, disposable_append_only_tables):
    workers = Workers({"ESAFETY_TASKS_BACKEND": "database"})
    yield workers
    workers.stop_all()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A throwaway Redis on loopback: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        # (scripts/test sets ESAFETY_REQUIRE_REAL_PARTS where it has installed it.)
        if os.environ.get("CI") or os.environ.get("ESAFETY_REQUIRE_REAL_PARTS"):
            pytest.fail("redis-server is not installed (scripts/system-packages.sh test)")
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
         "--logfile", str(folder / "redis.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(answers, "redis-server to start", 60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def redis_queue(redis_server, settings):
    """This process enqueues to the Redis queue, as every process of a school set up with
    ESAFETY_TASKS_BACKEND=rq does."""
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    settings.RQ_QUEUES = {"default": {"URL": redis_server}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend",
                                  "QUEUES": ["default"]}}
    yield redis_server


@pytest.fixture
def redis_workers(redis_queue, transactional_db, disposable_append_only_tables):
    workers = Workers({"ESAFETY_TASKS_BACKEND": "rq", "ESAFETY_REDIS_URL": redis_queue})
    yield workers
    workers.stop_all()
