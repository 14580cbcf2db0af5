"""Heartbeats: each helper says, every few seconds, that it runs and what it has loaded.

``<snapshot>/heartbeats/<kind>-<pid>.json`` holds ``{"kind": "filter" | "whois", "pid",
"at", "policy_version", "lists_version", "bindings_version"}``, rewritten atomically at
least every 5 seconds by a background thread, so an idle helper still beats. The web app
reads them (the IT manager's helper-status page): a heartbeat older than a minute is a
stopped helper, and one whose versions are older than the published ones is a helper still
on an old snapshot. A helper that ends normally (Squid closed its input) removes its file.

Filtering matters more than the status page: a folder the helper cannot write to is
reported once on standard error and the helper carries on.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from esafety.engine.urls.snapshot import write_atomic

HEARTBEATS_DIR = "heartbeats"
ACTIVITY_DIR = "activity"
BEAT_EVERY = 4.0  # "at least every 5 seconds", with room for a slow write


def _log(message: str) -> None:
    sys.stderr.write(f"esafety-filter: {message}\n")
    sys.stderr.flush()


class JsonFile:
    """A small JSON file the helper rewrites atomically; gives up quietly after one
    complaint if the folder cannot be written (and tries again on the next write)."""

    def __init__(self, path: Path):
        self.path = path
        self.complained = False

    def write(self, data: dict) -> bool:
        try:
            write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode())
        except OSError as exc:
            if not self.complained:
                _log(f"cannot write {self.path}: {exc}; carrying on without it")
                self.complained = True
            return False
        self.complained = False
        return True

    def remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


class Heartbeat:
    """A daemon thread that writes the heartbeat file every `every` seconds, and runs
    `also(now)` on each tick (the whois helper writes its activity file from there)."""

    def __init__(self, folder: Path, kind: str, status: Callable[[], dict],
                 also: Callable[[float], None] | None = None, every: float = BEAT_EVERY):
        self.kind = kind
        self.status = status
        self.also = also
        self.every = every
        self.file = JsonFile(folder / HEARTBEATS_DIR / f"{kind}-{os.getpid()}.json")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"{kind}-heartbeat",
                                       daemon=True)

    def start(self) -> Heartbeat:
        self.beat()
        self.thread.start()
        return self

    def beat(self) -> None:
        self.file.write({"kind": self.kind, "pid": os.getpid(), "at": round(time.time(), 3),
                         **self.status()})

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.beat()
                if self.also is not None:
                    self.also(time.time())
            except Exception as exc:  # a status page problem never stops the helper
                _log(f"heartbeat failed: {exc!r}")

    def stop(self) -> None:
        """The helper is ending normally: stop beating and remove the file."""
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        self.file.remove()
