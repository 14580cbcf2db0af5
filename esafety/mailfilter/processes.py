"""`esafety mail filter --processes N`: several filter processes accepting on one listening
socket, forked after the classifier is loaded (the children share its pages); a child that
dies is started again, and the children end with the parent."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket

from esafety.mailfilter.milter import serve as serve_milter
from esafety.mailfilter.server import Config, serve

log = logging.getLogger("esafety.mailfilter")


def _die_with_parent() -> None:
    """A child process ends when the parent does (Linux), so killing the filter never
    leaves a process still answering on its port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve_processes(config: Config, listen: tuple[str, int], workers: int,
                    processes: int, milter: bool = False) -> int:
    """Several processes accepting on one listening socket (the checker is CPU-bound and
    Python runs one thread's code at a time). A child that dies is started again."""
    from esafety.engine.messages.classifier import default_classifier

    sock = socket.socket(socket.AF_INET6 if ":" in listen[0] else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(listen)
    sock.listen(1024)
    sock.setblocking(False)
    serve_one = serve_milter if milter else serve
    default_classifier()  # loaded once, before the fork: the children share its pages
    # What is loaded now lives as long as the process: out of the collector's sight, its
    # pages stay shared (a collection writes to every object it looks at) and no
    # collection in a child walks it again (Python's gc documentation, gc.freeze).
    gc.freeze()
    children: set[int] = set()
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                # Not the parent's handlers: with them, a SIGTERM that came before serve()
                # set its own would only be passed to the other children, and this one
                # would never end (the parent waiting for it for ever).
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _die_with_parent()
                asyncio.run(serve_one(config, listen, workers, sock=sock))
                code = 0
            finally:
                os._exit(code)
        children.add(pid)

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        spawn()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping:
            log.warning("a mail filter process ended (%s); starting another", _status)
            spawn()
    return 0
