"""Tasks for the worker tests: each leaves a line in a file, so a test in another process can
see what ran and how often. They live here, not in esafety/, and reach the workers as paths
(`tests.tasks.sample.record`), as any task does."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task

DEADLINE = 120  # seconds a gated task waits for its gate before giving up


@task()
def record(folder: str, tag: str) -> str:
    """Append "tag pid" to folder/ran.txt; the tag."""
    with open(Path(folder) / "ran.txt", "a") as out:
        out.write(f"{tag} {os.getpid()}\n")
    return tag


@task()
def record_when_gate_opens(folder: str, tag: str) -> str:
    """Say it has started (folder/started-TAG), wait for folder/gate, then record."""
    (Path(folder) / f"started-{tag}").touch()
    give_up = time.monotonic() + DEADLINE
    while not (Path(folder) / "gate").exists():
        if time.monotonic() > give_up:
            raise TimeoutError("the gate never opened")
        time.sleep(0.05)
    return record.call(folder, tag)


FAILURES: list[dict] = []


def remember_failure(**details) -> None:
    """An on_failure hook for send_email_task."""
    FAILURES.append(details)


@task()
def fail(message: str) -> None:
    """Always fails, with `message` (which may have several lines)."""
    raise ValueError(message)
