"""A sink SMTP server (the next hop, collecting what is delivered) and the mail filter run
in a thread of the test process, both on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from esafety.mailfilter import milter as milter_server
from esafety.mailfilter import server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Delivered:
    mail_from: str
    rcpts: list[str]
    raw: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.raw)

    @property
    def text(self) -> str:
        msg = self.message
        parts = msg.walk() if msg.is_multipart() else [msg]
        out = []
        for part in parts:
            if part.get_content_type() == "text/plain":
                out.append(part.get_payload(decode=True).decode("utf-8", "replace"))
        return "\n".join(out)


@dataclass
class SinkHandler:
    delivered: list[Delivered] = field(default_factory=list)
    refuse: bool = False
    sessions: int = 0
    # Recipients answered at RCPT with a reply of the test's choosing instead of 250 (e.g.
    # "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user"): a mail server that takes a
    # message for some recipients and not others. Empty: every recipient is taken.
    rcpt_replies: dict[str, str] = field(default_factory=dict)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)  # what aiosmtpd does when there is no handler
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse:
            return "451 4.3.0 sink is down"
        self.delivered.append(Delivered(envelope.mail_from or "", list(envelope.rcpt_tos),
                                        envelope.original_content))
        return "250 OK delivered"


class LongLineSMTP(SMTP):
    line_length_limit = 1024 * 1024  # as Postfix's smtpd: it folds long lines, never refuses


class SinkController(Controller):
    def factory(self):
        return LongLineSMTP(self.handler, **self.SMTP_kwargs)


def sink_controller(handler, port: int) -> Controller:
    return SinkController(handler, hostname="127.0.0.1", port=port, decode_data=False,
                          data_size_limit=None)


class Sink:
    def __init__(self):
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = sink_controller(self.handler, self.port)

    @property
    def delivered(self) -> list[Delivered]:
        return self.handler.delivered

    def to(self, address: str) -> list[Delivered]:
        return [d for d in self.delivered if address in d.rcpts]

    def wait_for(self, count: int, timeout: float = 30) -> list[Delivered]:
        deadline = time.monotonic() + timeout
        while len(self.delivered) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.delivered

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class FilterThread:
    """`esafety mail filter` in a thread (the same serve() the command runs; with
    milter=True, `esafety mail filter --milter`'s)."""

    def __init__(self, config: server.Config, milter: bool = False):
        self.config = config
        self.milter = milter
        self.port = free_port()
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None

    def _run(self):
        async def go():
            self.loop = asyncio.get_running_loop()
            self.stop_event = asyncio.Event()
            serve = milter_server.serve if self.milter else server.serve
            await serve(self.config, ("127.0.0.1", self.port), 4, ready=self.ready,
                        stop=self.stop_event)
        asyncio.run(go())

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc):
        assert self.loop is not None and self.stop_event is not None
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)


def message(sender: str, to: list[str] | str, subject: str, body: str, **headers) -> bytes:
    to = [to] if isinstance(to, str) else to
    lines = [f"From: {sender}", f"To: {', '.join(to)}", f"Subject: {subject}",
             f"Message-ID: <{abs(hash((sender, subject, body)))}@test.invalid>",
             "Date: Fri, 04 Dec 2026 09:00:00 +0000"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()


def run_async(coro):
    """asyncio.run(coro) on a thread of its own, its result returned and its exception
    raised here: in the whole suite the browser tests leave an event loop running in the
    main thread (Playwright's sync API), where asyncio.run refuses to start."""
    result: list = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            error.append(exc)

    thread = threading.Thread(target=target, name="test-asyncio")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
