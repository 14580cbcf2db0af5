"""The monitoring receiver on loopback, for tests that talk SMTP to it."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from esafety.mailmonitor.monitor import Snapshots
from esafety.mailmonitor.server import MonitorHandler, controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(school, *, max_bytes: int = 4 * 1024 * 1024):
    snapshots = Snapshots(school.slug)
    handler = MonitorHandler(snapshots)
    port = free_port()
    server = controller(handler, "127.0.0.1", port, max_bytes=max_bytes)
    server.start()
    return SimpleNamespace(port=port, handler=handler, snapshots=snapshots, server=server)


@pytest.fixture
def monitor(disposable_append_only_tables, school, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    running = start(school)
    yield running
    running.server.stop()
    running.handler.close()
