"""`esafety mail ...` on the command line, the next-hop connection kept between messages,
and several filter processes on one port."""

import os
import signal
import smtplib
import subprocess
import sys
import time

from esafety.cli import ENGINE_COMMANDS
from esafety.mailfilter import command_entry
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import free_port, message, sink_controller

TEACHER = "tom@hollinspark.sch.uk"
OUT = "parent@known.example"


def test_mail_is_an_engine_command_and_monitor_goes_to_the_monitor(monkeypatch):
    assert ENGINE_COMMANDS["mail"] == "esafety.mailfilter.command_entry:main"
    called = []
    import esafety.mailmonitor.server as monitor_server

    monkeypatch.setattr(monitor_server, "main", lambda argv: called.append(argv) or 0)
    assert command_entry.main(["monitor", "--school", "x"]) == 0
    assert called == [["--school", "x"]]
    assert command_entry.main(["nonsense"]) == 2


def test_the_filter_refuses_a_bad_listen_address(capsys):
    assert command_entry.main(["filter", "--listen", "nowhere", "--school", "x"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_one_connection_to_the_next_hop_serves_many_messages(mail_filter, sink):
    for n in range(3):
        send(mail_filter.port, TEACHER, [OUT], message(TEACHER, OUT, f"note {n}", "hello"))
    assert len(sink.delivered) == 3 and sink.handler.sessions == 1


def test_a_next_hop_that_restarted_gets_a_new_connection(mail_filter, sink):
    send(mail_filter.port, TEACHER, [OUT], message(TEACHER, OUT, "one", "hello"))
    sink.controller.stop()
    sink.controller = sink_controller(sink.handler, sink.port)
    sink.controller.start()
    assert send(mail_filter.port, TEACHER, [OUT], message(TEACHER, OUT, "two", "hi"))[0] == 250
    assert [d.message["Subject"] for d in sink.delivered] == ["one", "two"]


def _children(pid):
    path = f"/proc/{pid}/task/{pid}/children"
    return [int(c) for c in open(path).read().split()] if os.path.exists(path) else []


def test_several_processes_share_the_port_and_one_killed_is_replaced(mail_school, sink,
                                                                      settings):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "esafety.mailfilter.server", "--listen", f"127.0.0.1:{port}",
         "--next-hop", f"127.0.0.1:{sink.port}", "--school", mail_school["school"].slug,
         "--data-dir", str(settings.DATA_DIR), "--processes", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        first = _children(proc.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        while (len(_children(proc.pid)) < 2 or first[0] in _children(proc.pid)) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(proc.pid)) == 2 and first[0] not in _children(proc.pid)
        for n in range(4):
            for _ in range(50):
                try:
                    code, _ = send(port, TEACHER, [OUT], message(TEACHER, OUT, f"m{n}", "hi"))
                    break
                except (OSError, smtplib.SMTPException):
                    time.sleep(0.2)
            assert code == 250
        assert len(sink.delivered) == 4
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
    assert all(not os.path.exists(f"/proc/{c}/status") or
               "zombie" in open(f"/proc/{c}/status").read() for c in first[1:])


def test_the_filter_leaves_aiosmtpd_s_per_command_lines_out_of_its_log(tmp_path, monkeypatch):
    """aiosmtpd logs every connection and command at INFO: six or more records a message,
    formatted in the thread that answers every connection: warnings only."""
    import logging
    import socket

    from esafety.mailfilter import server

    monkeypatch.setattr(logging.getLogger("mail.log"), "level", logging.NOTSET)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        # In a thread of its own: main() runs its own event loop (asyncio.run), which cannot
        # start in a thread where another test's loop is still running.
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(server.main, ["--listen", f"127.0.0.1:{port}", "--school", "x",
                                               "--data-dir", str(tmp_path)]).result(60)
        assert answer == 1  # the port is taken
    finally:
        busy.close()
    assert logging.getLogger("mail.log").level == logging.WARNING



def test_a_child_stopped_before_it_serves_ends_rather_than_passing_it_on(tmp_path):
    """A child forked by --processes must not keep the parent's SIGTERM handler: one that
    arrives before the child's own server has set its handler would only be passed on to
    the other children, and the parent would wait for this one for ever."""
    survived = tmp_path / "survived"
    script = f"""
import os, signal, time
from esafety.mailfilter import processes
import esafety.engine.messages.classifier as classifier

def serve(config, listen, workers, sock=None):
    os.kill(os.getppid(), signal.SIGTERM)  # the filter is stopped while this one starts
    time.sleep(3)
    open({str(survived)!r}, "w").close()  # still here: the SIGTERM did not end it

classifier.default_classifier = lambda: None
processes.serve = serve
processes.serve_processes(None, ("127.0.0.1", 0), 1, 1)
"""
    done = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert done.returncode == 0
    assert not survived.exists()
