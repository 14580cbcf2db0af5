"""The SMTP server side of `esafety mail filter`: aiosmtpd's server, with DATA read in blocks.

aiosmtpd does the SMTP: command parsing, EHLO and SIZE (RFC 1870), the answers to bad
sequences and syntax, commands sent together (read in order from its stream), the idle
timeout. What cost was its DATA: one `readuntil(b"\\r\\n")` a line (a coroutine step and
several list operations per line: 204,000 for 1,700 messages). `FilterSMTP.smtp_DATA` reads
the message up to its end mark with one `readuntil(b"\\r\\n.\\r\\n")` (a few more for a message
larger than the stream's limit) and gives the same content and answers as aiosmtpd's:

- the end is the first line that is a lone "." (RFC 5321 4.1.1.4), the very first line
  included (an empty message); a bare LF is data, as it is to aiosmtpd;
- a line starting with a dot has that dot removed (4.5.2);
- a line longer than `line_length_limit` (with its CRLF) is answered 500, more than
  `data_size_limit` bytes 552, after the end of the message (4.2.5), as aiosmtpd answers;
- a connection dropped mid-DATA hands nothing on.

Also: PIPELINING is offered (aiosmtpd reads pipelined commands in order and answers each;
Postfix then sends MAIL, RCPT and DATA in one packet) and the answers to commands sent
together go in one write (`push`); an address is read by aiosmtpd's own code, remembered for
each argument (`_getaddr`); one idle timer a connection, not one a command; an idle
connection is told 421 before it is closed, and a connection whose message is being checked
is never closed for idleness.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session

log = logging.getLogger("esafety.mailfilter")

Deliver = Callable[[str, list[str], bytes], Awaitable[str]]

END = b"\r\n.\r\n"
# What the data read so far may end with when the end mark could straddle it and the rest.
_END_PREFIXES = (b"\r", b"\r\n", b"\r\n.", b"\r\n.\r")
TEMPFAIL = "451 4.3.0 Not checked yet: please try again later"
TIMEOUT = b"421 4.4.2 Timeout: closing the connection\r\n"


def unstuff(wire: bytes) -> bytes:
    """The message from DATA's bytes (up to the CRLF before the end mark): one leading dot
    removed from each line (RFC 5321 4.5.2; lines end at CRLF, as aiosmtpd splits them)."""
    if wire[:1] == b".":
        wire = wire[1:]
    if b"\r\n." in wire:
        wire = wire.replace(b"\r\n.", b"\r\n")
    return wire


def has_long_line(data: bytes, limit: int) -> bool:
    """Whether a line (with its CRLF) is longer than `limit`: a search a window, not a line."""
    start = 0
    while len(data) - start > limit:
        crlf = data.rfind(b"\r\n", start, start + limit)
        if crlf < 0:
            return True
        start = crlf + 2
    return False


_ADDRESSES: dict[tuple[str, int], tuple[str | None, str | None]] = {}


def _getaddr(arg: str, local_part_limit: int) -> tuple[str | None, str | None]:
    """aiosmtpd's SMTP._getaddr (1.4.6), line for line."""
    if not arg:
        return "", ""
    address: Any
    try:
        if arg.lstrip().startswith("<"):
            address, rest = get_angle_addr(arg)
        else:
            address, rest = get_addr_spec(arg)
    except HeaderParseError:
        return None, None
    addr = address.addr_spec
    if local_part_limit and len(addr.rpartition("@")[0]) > local_part_limit:
        return None, None
    return addr, rest


class FilterSMTP(SMTP):
    # RFC 5321 says 1,000 characters a line, but mail servers pass on longer lines
    # (unwrapped HTML); a 500 for them would make Postfix bounce the message. Also the
    # stream's limit: a message larger than this is read in pieces of about this size.
    line_length_limit = 1024 * 1024

    def __init__(self, handler: Any, **kwargs: Any):
        super().__init__(handler, **kwargs)
        self._busy = False  # a message is being checked
        self._last_read = 0.0
        self._answers: list[bytes] = []  # answers not yet written
        self.data_reads = 0  # reads from the stream for DATA (a test counts them)
        self.writes = 0  # writes to the transport (a test counts them)

    async def push(self, status: str | bytes) -> None:
        """aiosmtpd's push, but the answers to commands sent together go in one write, when
        the commands read so far are answered (RFC 2920 3.1: one segment, not one per answer:
        separate small answers to Postfix's pipelined MAIL, RCPT and DATA stalled each message
        for a delayed ACK). After 221 or 421 aiosmtpd closes the connection: written at once."""
        if isinstance(status, str):
            status = status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii")
        self._answers.append(status + b"\r\n")
        if status[:3] in (b"221", b"421") or status.startswith(b"502 5.5.1"):
            self._write_answers()
        elif len(self._answers) == 1:
            self.loop.call_soon(self._write_answers)
        await self._writer.drain()

    def _write_answers(self) -> None:
        if self._answers:
            if self.transport is not None and not self.transport.is_closing():
                self._writer.write(b"".join(self._answers))
                self.writes += 1
            self._answers.clear()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's own reading of an address (email's header parser), remembered for each
        argument seen (the same school addresses come again and again), and without the
        typing.Protocol class aiosmtpd defines on every call (for a type hint)."""
        key = (arg, self.local_part_limit)
        known = _ADDRESSES.get(key)
        if known is None:
            known = _ADDRESSES[key] = _getaddr(arg, self.local_part_limit)
            if len(_ADDRESSES) > 4096:
                _ADDRESSES.clear()
        return known

    def _reset_timeout(self, duration: float | None = None) -> None:
        # aiosmtpd cancels and makes a timer for every command; here the timer is made once
        # and, when it fires, looks at when bytes last came (`_timeout_cb`).
        if self._timeout_handle is None or duration is not None:
            super()._reset_timeout(duration)

    def data_received(self, data: bytes) -> None:
        self._last_read = self.loop.time()
        super().data_received(data)

    def _timeout_cb(self) -> None:
        idle = self.loop.time() - self._last_read
        if self._busy or idle < self._timeout_duration:
            # Being checked (answered, never cut off), or bytes came since the timer was set.
            super()._reset_timeout(self._timeout_duration if self._busy
                                   else self._timeout_duration - idle)
            return
        if isinstance(self.transport, asyncio.WriteTransport) and not self.transport.is_closing():
            self._write_answers()
            self.transport.write(TIMEOUT)
        super()._timeout_cb()

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's name
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            wire, refusal = await self._read_data()
        except asyncio.CancelledError:
            log.debug("connection lost during DATA")
            self._writer.close()
            raise
        if refusal is not None:
            self._set_post_data_state()
            await self.push(refusal)
            return
        content = unstuff(wire)
        self.envelope.content = self.envelope.original_content = content
        self._busy = True
        try:
            status = await self._call_handler_hook("DATA")
        finally:
            self._busy = False
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    async def _read_data(self) -> tuple[bytes, str | None]:
        """DATA's bytes up to (and with) the CRLF before the end mark, or the refusal."""
        reader = self._reader
        # A CRLF before the first line, so that an end mark on the first line is found
        # too; bytes one at a time only while the end mark could straddle them and the rest
        # (most messages: one byte).
        head = bytearray(b"\r\n")
        while not head.endswith(END):
            if not head.endswith(_END_PREFIXES):
                break
            head += await reader.readexactly(1)
            self.data_reads += 1
        else:
            return bytes(head[2:-3]), None
        limit = self.data_size_limit
        chunks = [bytes(head[2:])]
        size = len(chunks[0])
        refusal = None
        while True:
            self.data_reads += 1
            try:
                chunk = await reader.readuntil(END)
                done = True
            except asyncio.LimitOverrunError as exc:
                # Larger than the stream's limit: this piece, then on (the last bytes stay in
                # the stream, so an end mark across the pieces is still found).
                chunk = await reader.read(exc.consumed)
                done = False
            size += len(chunk)
            if refusal is None:
                chunks.append(chunk)
                if limit and size - (3 if done else 0) > limit:
                    # Too much: read on to the end, keeping nothing (aiosmtpd answers a line
                    # too long first if one came before the limit).
                    refusal = ("500 Line too long (see RFC5321 4.5.3.1.6)"
                               if has_long_line(b"".join(chunks), self.line_length_limit)
                               else "552 Error: Too much mail data")
                    chunks = []
            if done:
                break
        if refusal is not None:
            return b"", refusal
        wire = b"".join(chunks)[:-3]
        if len(wire) > self.line_length_limit and has_long_line(wire, self.line_length_limit):
            return b"", "500 Line too long (see RFC5321 4.5.3.1.6)"
        return wire, None


class Handler:
    """aiosmtpd's handler: PIPELINING offered, at most `max_recipients` a message, and each
    message handed to `deliver(mail_from, rcpts, raw)` (mail_from "" for the null sender),
    whose answer is the answer to the message."""

    def __init__(self, deliver: Deliver, max_recipients: int):
        self.deliver = deliver
        self.max_recipients = max_recipients

    async def handle_EHLO(self, server: SMTP, session: Session,  # noqa: N802
                          envelope: Envelope, hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return "452 4.5.3 Too many recipients: send the rest in another message"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802
                          envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail_from = envelope.mail_from or ""
        if mail_from == "<>":
            mail_from = ""
        try:
            return await self.deliver(mail_from, list(envelope.rcpt_tos), raw)
        except Exception:  # noqa: BLE001 - never a 5xx for a failure: Postfix keeps it
            log.exception("message not handled")
            return TEMPFAIL

    async def handle_exception(self, error: Exception) -> str:
        # aiosmtpd's default is a 500 (Postfix would bounce the message): 4xx instead.
        log.error("SMTP session error: %s", error, exc_info=error)
        return TEMPFAIL
