"""Line-at-a-time helper I/O for Squid, in batches: shared by the url_rewrite helper
(helper.py) and the external ACL helper (whois.py).

Squid writes one request a line and reads one answer a line, in order. Input is read in
large chunks and the answers to every complete line of a chunk are written in one go, so a
busy Squid (or a benchmark) pays one system call per batch rather than per line.

Every line gets exactly one answer: blank and garbage lines are the answerer's business; a
line that never ends (more than ``4 * max_line`` bytes without a newline) is answered once,
from its first ``max_line`` bytes, and the rest of it, up to its newline, is dropped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

MAX_LINE = 65536

# answer(lines, now) -> one answer a line, in order (without newlines).
Answerer = Callable[[list[str], float], list[str]]
# answer_bytes(lines as bytes without the last newline, now) -> answers, each ending in one.
BytesAnswerer = Callable[[bytes, float], bytes]


def write_answers(fd: int, answers: list[str]) -> None:
    write_bytes(fd, ("\n".join(answers) + "\n").encode("latin-1", errors="replace"))


def write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def serve_lines(answer: Answerer, infd: int = 0, outfd: int = 1,
                before: Callable[[float], None] | None = None,
                after: Callable[[], None] | None = None,
                max_line: int = MAX_LINE,
                answer_bytes: BytesAnswerer | None = None) -> None:
    """Answer lines from `infd` on `outfd` until end of input.

    `before(now)` runs before each batch (e.g. to notice a new snapshot), `after()` after
    it (e.g. to rotate a log). Squid sends bytes; latin-1 never fails and keeps every byte.
    With `answer_bytes`, batches go to it as bytes instead (the lines without the last
    newline) and its answer, one line an answer each ending in a newline, goes out as is.
    """
    if answer_bytes is None:
        def answer_bytes(data: bytes, now: float) -> bytes:
            return ("\n".join(answer(data.decode("latin-1").split("\n"), now))
                    + "\n").encode("latin-1", errors="replace")

    pending = b""
    skipping = False  # inside an endless line already answered: drop up to its newline
    while True:
        try:
            chunk = os.read(infd, 1 << 18)
        except InterruptedError:
            continue
        if not chunk:
            break
        if skipping:
            newline = chunk.find(b"\n")
            if newline < 0:
                continue
            chunk = chunk[newline + 1:]
            skipping = False
            if not chunk:
                continue
        newline = chunk.rfind(b"\n")
        if newline < 0:
            pending += chunk
            if len(pending) > max_line * 4:  # an endless line: answer it once, drop the rest
                write_bytes(outfd, answer_bytes(pending[:max_line], time.time()))
                pending = b""
                skipping = True
            continue
        # The complete lines: what was pending and the chunk up to its last newline (one
        # copy); the rest waits for the next chunk.
        head = b"".join((pending, memoryview(chunk)[:newline]))
        pending = chunk[newline + 1:]
        now = time.time()
        if before is not None:
            before(now)
        write_bytes(outfd, answer_bytes(head, now))
        if after is not None:
            after()
    if pending.strip() and not skipping:
        write_bytes(outfd, answer_bytes(pending[:max_line], time.time()))
