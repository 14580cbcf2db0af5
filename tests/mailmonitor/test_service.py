"""`esafety mail monitor` as the school runs it: its own process, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time

import pytest
from django.db import connection

from esafety.mailmonitor.models import CapturedMessage
from tests.mailmonitor.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the monitor did not start listening")


def test_the_command_receives_a_copy_and_stops_cleanly(disposable_append_only_tables, school,
                                                       pupil, teacher, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs the command against the test's SQLite file")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
           "ESAFETY_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "esafety.settings"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "esafety", "mail", "monitor", "--listen", f"127.0.0.1:{port}",
         "--school", school.slug], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        raw = (f"From: {pupil.email}\r\nTo: {teacher.email}\r\nSubject: x\r\n\r\n"
               "you are a fucking idiot and a worthless piece of shit\r\n").encode()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("postmaster@hollinspark.sch.uk", ["copies@monitor.invalid"], raw)
        assert CapturedMessage.objects.filter(sender=pupil.email).count() == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
