"""Heartbeats: written by a background thread, so an idle helper still beats."""

import json
import os
import time

from esafety.engine.urls.heartbeat import Heartbeat, JsonFile


def test_an_idle_helper_keeps_beating_and_removes_its_file_when_it_ends(tmp_path):
    status = {"policy_version": "3", "lists_version": "l1", "bindings_version": 9}
    ticks: list[float] = []
    beat = Heartbeat(tmp_path, "whois", lambda: status, also=ticks.append, every=0.05).start()
    path = tmp_path / "heartbeats" / f"whois-{os.getpid()}.json"
    first = json.loads(path.read_text())
    assert first == {"kind": "whois", "pid": os.getpid(), "at": first["at"], **status}
    deadline = time.time() + 10
    while json.loads(path.read_text())["at"] == first["at"] or len(ticks) < 2:
        assert time.time() < deadline, "the heartbeat never came again"
        time.sleep(0.02)
    beat.stop()
    assert not path.exists()


def test_a_folder_that_cannot_be_written_is_reported_once_and_never_stops_the_helper(
        tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    file = JsonFile(blocker / "heartbeats" / "filter-1.json")
    assert file.write({"a": 1}) is False
    assert file.write({"a": 2}) is False
    assert capsys.readouterr().err.count("cannot write") == 1
