"""`esafety mail filter --milter`: the same checks as a Postfix milter, before the queue.

    esafety mail filter --milter --listen 127.0.0.1:10028 --next-hop 127.0.0.1:10026 --school SLUG

    main.cf:  smtpd_milters = inet:127.0.0.1:10028
              milter_default_action = tempfail

As an after-queue content filter (server.py) Postfix takes each message in, queues it, sends
it to the filter, takes it in again from the filter and queues it a second time: even a
filter that did nothing would halve what one core gets through (benchmarks/MAIL.md). As a
milter the filter reads the message while Postfix's smtpd receives it, and Postfix queues it
once. The decisions and their effects are the content filter's own (server.Filter, the same
engine and snapshot); only the last step differs:

- pass: "continue" (Postfix queues the message and delivers it: nothing to re-inject);
- hold, return, refuse: the held copy written (0600, fsync'd) and the notices sent through
  the next hop (Postfix's re-injection smtpd, `no_milters` there), THEN "discard": Postfix
  answers the sender 250 and keeps nothing;
- anything failing: a 451 (the sending server keeps the message and tries again); killed or
  unreachable, Postfix answers 451 itself (`milter_default_action = tempfail`). A message is
  never accepted unless its outcome is safe on disk or in Postfix's hands.

The milter protocol (Sendmail's libmilter, version 6, as Postfix speaks it: MILTER_README)
is written here, about a page: packets of a 4-byte length, a command byte and its data. No
pure-Python library for it is past its planning stage, and pymilter needs libmilter built
from C. The filter asks Postfix not to wait for an answer to each header and body piece
(the "no reply" options): one answer a message, at its end.

Garbage from the other end (an unknown command, a packet longer than any Postfix sends, a
command out of place) is answered 451 where an answer is due and the connection closed:
Postfix then answers its client 451 itself, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import struct
import threading

from esafety.mailfilter import engine
from esafety.mailfilter.server import (
    ANSWERS,
    MAX_MESSAGE,
    TEMPFAIL,
    Config,
    Filter,
    Service,
    serve_until_stopped,
)

log = logging.getLogger("esafety.mailfilter")

VERSION = 6
# Commands from the MTA (libmilter's mfdef.h, SMFIC_*).
(ABORT, BODY, CONNECT, MACRO, EOB, HELO, QUIT_NC, HEADER, MAIL, EOH, OPTNEG, QUIT, RCPT,
 DATA, UNKNOWN) = (bytes([c]) for c in b"ABCDEHKLMNOQRTU")
# Answers (SMFIR_*).
CONTINUE, DISCARD, REPLYCODE = b"c", b"d", b"y"
# Protocol options (SMFIP_*): the steps the filter does not need, and no answer awaited
# to those it reads without deciding.
NOCONNECT, NOHELO, NOUNKNOWN, NODATA = 0x1, 0x2, 0x100, 0x200
NR_CONN, NR_HELO, NR_MAIL, NR_RCPT, NR_DATA, NR_UNKN, NR_EOH, NR_BODY = (
    0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000)
NR_HDR, HDR_LEADSPC = 0x80, 0x100000
WANTED = (NOCONNECT | NOHELO | NOUNKNOWN | NODATA | NR_CONN | NR_HELO | NR_MAIL | NR_RCPT
          | NR_DATA | NR_UNKN | NR_EOH | NR_BODY | NR_HDR | HDR_LEADSPC)
# The answer each command is owed unless its "no reply" option was agreed.
NO_REPLY_FLAG = {CONNECT: NR_CONN, HELO: NR_HELO, MAIL: NR_MAIL, RCPT: NR_RCPT,
                 DATA: NR_DATA, UNKNOWN: NR_UNKN, HEADER: NR_HDR, EOH: NR_EOH, BODY: NR_BODY}
# Postfix sends body pieces of at most 64 KB and headers of at most header_size_limit
# (100 KB): a packet longer than this is not from a mail server.
MAX_PACKET = 1024 * 1024
DISCARDED = {ANSWERS[engine.HOLD], ANSWERS[engine.REFUSE], ANSWERS[engine.RETURN]}
# With no answer to each recipient (one write a message, not two), a message with more
# recipients than the checker reads is refused whole at its end; Postfix's own limit
# (smtpd_recipient_limit, 1,000 unless changed) keeps it from happening.
TOO_MANY = (f"550 5.5.3 Too many recipients (more than {engine.MAX_ENVELOPE_RECIPIENTS:,}): "
            "send the message to fewer at a time")
TOO_BIG = "552 5.3.4 Message too big to be checked"


def packet(command: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data) + 1) + command + data


def reply_code(answer: str) -> bytes:
    """An SMTP answer ("451 4.3.0 text") as the milter's reply-code packet. Postfix takes
    it to its client as it is ('%' doubled: libmilter's smfi_setreply rule)."""
    return packet(REPLYCODE, answer.replace("%", "%%").encode("utf-8", "replace") + b"\0")


def answer_packet(answer: str) -> bytes:
    """The milter's answer for the content filter's SMTP answer to the same message."""
    if answer in DISCARDED:
        return packet(DISCARD)
    if answer.startswith("250"):
        return packet(CONTINUE)
    return reply_code(answer)


def _address(data: bytes) -> str:
    """The address of a MAIL or RCPT packet: its first string, without the angle brackets
    (the ESMTP parameters after it are not needed)."""
    first = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape").strip()
    if first.startswith("<") and first.endswith(">"):
        first = first[1:-1]
    return first


class MilterProtocol(asyncio.Protocol):
    """One connection from Postfix's smtpd (one a client session): packets read from a
    buffer as they come, one message at a time."""

    def __init__(self, service: Service, max_recipients: int = engine.MAX_ENVELOPE_RECIPIENTS):
        self.service = service
        self.max_recipients = max_recipients
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.options = 0  # the protocol options agreed
        self.busy = False  # a message is being decided: later packets wait
        self.closed = False
        self._reset()

    def _reset(self) -> None:
        self.mail_from = ""
        self.rcpts: list[str] = []
        self.parts: list[bytes] = []  # the message as it comes: header lines, then the body
        self.size = 0
        self.in_body = False

    # ------------------------------------------------------------------ asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._pump()

    # ------------------------------------------------------------------ packets
    def _pump(self) -> None:
        buf = self.buffer
        while not self.busy and not self.closed and len(buf) >= 4:
            (length,) = struct.unpack_from(">I", buf)
            if length < 1 or length > MAX_PACKET:
                self._fail(f"a packet of {length} bytes")
                return
            if len(buf) < 4 + length:
                return
            command = bytes(buf[4:5])
            data = bytes(buf[5:4 + length])
            del buf[:4 + length]
            self._command(command, data)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def _owed(self, command: bytes) -> bool:
        flag = NO_REPLY_FLAG.get(command)
        return flag is not None and not (flag and self.options & flag)

    def _continue(self, command: bytes) -> None:
        if self._owed(command):
            self._write(packet(CONTINUE))

    def _fail(self, why: str) -> None:
        """Garbage or a command out of place: 451 (Postfix answers its client 451 itself
        when the connection ends too) and the connection closed."""
        log.warning("milter: %s; closing the connection", why)
        self._write(reply_code(TEMPFAIL))
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _command(self, command: bytes, data: bytes) -> None:
        if command == OPTNEG:
            self._negotiate(data)
        elif command == MACRO:
            pass  # no answer; the filter needs none of them
        elif command == MAIL:
            self._reset()
            self.mail_from = _address(data)
            if self.mail_from == "<>":
                self.mail_from = ""
            self._continue(command)
        elif command == RCPT:
            if len(self.rcpts) <= self.max_recipients:  # (one more, to know there were)
                self.rcpts.append(_address(data))
            self._continue(command)
        elif command == HEADER:
            self._header(data)
            self._continue(command)
        elif command == EOH:
            self._start_body()
            self._continue(command)
        elif command == BODY:
            self._start_body()
            self._add(data)
            self._continue(command)
        elif command == EOB:
            self._start_body()
            self._add(data)
            self._end_of_message()
        elif command == ABORT:
            self._reset()
        elif command in (CONNECT, HELO, DATA, UNKNOWN):
            self._continue(command)
        elif command == QUIT:
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        elif command == QUIT_NC:
            self._reset()
        else:
            self._fail(f"unknown command {command!r}")

    def _negotiate(self, data: bytes) -> None:
        if len(data) < 12:
            self._fail("a short option negotiation")
            return
        version, actions, offered = struct.unpack_from(">III", data)
        if version < 2:
            self._fail(f"milter protocol version {version}")
            return
        self.options = offered & WANTED
        self._write(packet(OPTNEG, struct.pack(">III", min(version, VERSION), 0,
                                               self.options)))

    def _header(self, data: bytes) -> None:
        name, _, rest = data.partition(b"\0")
        value = rest[:-1] if rest.endswith(b"\0") else rest
        if not self.options & HDR_LEADSPC:
            value = b" " + value
        # A folded header comes with its line breaks as LF (Postfix) or CRLF: CRLF here,
        # as the message arrived.
        if b"\n" in value:
            value = value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self._add(name + b":" + value + b"\r\n")

    def _start_body(self) -> None:
        """The empty line between the headers and the body, once (at the end of the headers,
        or before the first body piece or the end if that did not come)."""
        if not self.in_body:
            self.in_body = True
            self._add(b"\r\n")

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size <= MAX_MESSAGE:
            self.parts.append(data)

    def _end_of_message(self) -> None:
        if not self.rcpts:
            self._fail("the end of a message with no recipients")
            return
        if self.size > MAX_MESSAGE or len(self.rcpts) > self.max_recipients:
            self._write(reply_code(TOO_BIG if self.size > MAX_MESSAGE else TOO_MANY))
            self._reset()
            return
        mail_from, rcpts, raw = self.mail_from, self.rcpts, b"".join(self.parts)
        self._reset()
        self.busy = True
        task = asyncio.get_running_loop().create_task(
            self.service.deliver(mail_from, rcpts, raw))
        task.add_done_callback(self._decided)

    def _decided(self, task: asyncio.Task) -> None:
        try:
            answer = answer_packet(task.result())
        except BaseException:  # noqa: BLE001 - never unanswered
            log.exception("milter: message not decided")
            answer = reply_code(TEMPFAIL)
        self._write(answer)
        self.busy = False
        self._pump()


async def serve(config: Config, listen: tuple[str, int], workers: int,
                ready: threading.Event | None = None,
                stop: asyncio.Event | None = None,
                sock: socket.socket | None = None) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="mail-milter")
    # The content filter's own service, deciding the same way; nothing to re-inject.
    service = Service(Filter(config, pass_on=False), pool, relay=None)
    try:
        await serve_until_stopped(lambda: MilterProtocol(service), listen, sock, ready, stop)
    finally:
        pool.shutdown(wait=True)
