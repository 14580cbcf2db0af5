"""Re-injection into Postfix's second smtpd from the event loop: kept connections, and the
envelope sent in one write when the server offers PIPELINING (RFC 2920).

When the server offers CHUNKING too (RFC 3030; Postfix since 3.4), the envelope, `BDAT <n>
LAST` and the message's bytes as they are go in that one write: no dot-stuffing, no end
mark, no wait for a 354. A server that refuses the sender or every recipient refuses the
BDAT command too and reads its chunk as data, never as commands (RFC 3030; Postfix skips
it: tests/mailfilter/test_relay_chunking.py), and the connection is closed after any
failure. Otherwise, as smtplib's `sendmail`: `MAIL FROM:<a> size=N`, the recipients, DATA,
the message with leading dots doubled.

The same bytes arrive either way (CRLF added when the message does not end with one), with
smtplib's exceptions, so the filter answers as it did: a refusal for good is passed back
(5xx), any other failure is 4xx (Postfix keeps the message).

A kept connection the server has closed while it was idle (Postfix's smtpd_timeout: a 421,
then the end) is found before any of the message is sent, and the message is sent on a new
connection; once the message's bytes have gone, a failure is never retried here (the 4xx
makes Postfix try again: at worst a duplicate, never a loss).
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import socket

log = logging.getLogger("esafety.mailfilter")
_DOTS = re.compile(rb"(?m)^\.")
# Linux: acknowledge the next segment at once rather than up to 40 ms later (see _bdat).
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class _Closed(Exception):
    """The connection ended before the message's bytes were sent (safe to send again)."""


def raise_if_retry(refused: dict) -> None:
    """After a re-injection that the next hop took for some recipients: raise smtplib's
    SMTPRecipientsRefused for those refused for now (4xx), so the whole message is tried
    again; log those refused for good (the next hop bounces them)."""
    temporary = {r: v for r, v in refused.items() if 400 <= v[0] < 500}
    if temporary:
        raise smtplib.SMTPRecipientsRefused(temporary)
    if refused:
        log.warning("the next hop refused for good: %s", refused)


def quote(raw: bytes) -> bytes:
    """The message as DATA sends it (smtplib's own transformation)."""
    q = _DOTS.sub(b"..", raw)
    if q[-2:] != b"\r\n":
        q += b"\r\n"
    return q + b".\r\n"


def chunk(raw: bytes) -> bytes:
    """The message as BDAT sends it: its bytes, with CRLF added when it does not end with
    one (as `quote` adds it, so the same bytes arrive either way)."""
    return raw if raw[-2:] == b"\r\n" else raw + b"\r\n"


class _Reader(asyncio.StreamReader):
    """asyncio's stream reader, remembering that the server ended the connection even while
    bytes it sent first (a 421) are still unread."""

    ended = False

    def feed_eof(self) -> None:
        self.ended = True
        super().feed_eof()

    def set_exception(self, exc: Exception) -> None:
        self.ended = True
        super().set_exception(exc)


class Connection:
    def __init__(self, reader: _Reader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.extensions: set[str] = set()
        self.chunking = False
        self.sock = writer.get_extra_info("socket")

    @classmethod
    async def open(cls, host: str, port: int, hostname: str,
                   chunking: bool = True) -> Connection:
        # asyncio.open_connection, with the reader that notices the end of the stream.
        loop = asyncio.get_running_loop()
        reader = _Reader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport, _ = await loop.create_connection(lambda: protocol, host, port)
        conn = cls(reader, asyncio.StreamWriter(transport, protocol, reader, loop))
        try:
            code, text = await conn.reply()
            if code != 220:
                raise smtplib.SMTPConnectError(code, text)
            conn.writer.write(f"EHLO {hostname}\r\n".encode())
            code, text = await conn.reply()
            if code == 250:
                conn.extensions = {line.split(None, 1)[0].upper().decode("ascii", "replace")
                                   for line in text.split(b"\n")[1:] if line.strip()}
            else:
                conn.writer.write(f"HELO {hostname}\r\n".encode())
                code, text = await conn.reply()
                if code != 250:
                    raise smtplib.SMTPHeloError(code, text)
        except BaseException:
            conn.close()
            raise
        conn.chunking = chunking and {"CHUNKING", "PIPELINING"} <= conn.extensions
        return conn

    @property
    def ended(self) -> bool:
        """The server has closed the connection (a kept one: while it was idle)."""
        return self.reader.ended

    def close(self) -> None:
        self.writer.close()

    async def reply(self) -> tuple[int, bytes]:
        """One reply (all its lines): (code, text with the lines joined by LF)."""
        lines = []
        while True:
            try:
                line = await self.reader.readuntil(b"\n")
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise _Closed(str(exc)) from None
            try:
                code = int(line[:3])
            except ValueError:
                raise smtplib.SMTPResponseException(-1, line[:200]) from None
            lines.append(line[4:].strip())
            if line[3:4] != b"-":
                return code, b"\n".join(lines)

    async def sendmail(self, mail_from: str, rcpts: list[str], raw: bytes,
                       utf8: bool) -> dict[str, tuple[int, bytes]]:
        options = []
        if "SIZE" in self.extensions:
            options.append(f"size={len(raw)}")
        if utf8 and "SMTPUTF8" in self.extensions:
            options.append("SMTPUTF8")
        encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
        opts = " " + " ".join(options) if options else ""
        commands = [f"mail FROM:{smtplib.quoteaddr(mail_from)}{opts}\r\n"]
        commands += [f"rcpt TO:{smtplib.quoteaddr(r)}\r\n" for r in rcpts]
        if self.chunking:
            return await self._bdat(mail_from, rcpts, commands, encoding, chunk(raw))
        commands.append("data\r\n")
        encoded = [c.encode(encoding) for c in commands]
        pipelining = "PIPELINING" in self.extensions
        if pipelining:
            self.writer.write(b"".join(encoded))
        else:
            self.writer.write(encoded[0])
        refused = await self._envelope(mail_from, rcpts,
                                       None if pipelining else encoded[1:-1])
        if len(refused) == len(rcpts):
            if pipelining:
                await self.reply()  # DATA's answer (refused: no recipient)
            raise smtplib.SMTPRecipientsRefused(refused)
        if not pipelining:
            self.writer.write(encoded[-1])
        code, text = await self.reply()
        if code != 354:
            raise smtplib.SMTPDataError(code, text)
        self.writer.write(quote(raw))
        await self._message_answer()
        return refused

    async def _bdat(self, mail_from: str, rcpts: list[str], commands: list[str],
                    encoding: str, body: bytes) -> dict[str, tuple[int, bytes]]:
        """The envelope, BDAT and the message in one write; then their answers.

        A chunk that does not fit in the server's first read (Postfix reads 4 KB at a time)
        makes it send the answers to MAIL and RCPT before it has read the rest, and the answer
        to BDAT, a second small segment, then waits (Nagle) for our acknowledgement of the
        first, which Linux delays by 40 ms when we have nothing to send: a 40 ms stall on most
        messages. Quick acknowledgement, asked for after each write, avoids it."""
        commands.append(f"BDAT {len(body)} LAST\r\n")
        self.writer.write(b"".join([*(c.encode(encoding) for c in commands), body]))
        if _QUICKACK is not None and self.sock is not None:
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:
                pass
        try:
            refused = await self._envelope(mail_from, rcpts, None)
        except _Closed as exc:  # the message went with the envelope: it may have been taken
            raise smtplib.SMTPServerDisconnected(str(exc)) from None
        if len(refused) == len(rcpts):
            try:
                await self.reply()  # BDAT's answer (refused: no recipient)
            except _Closed:
                pass
            raise smtplib.SMTPRecipientsRefused(refused)
        await self._message_answer()
        return refused

    async def _message_answer(self) -> None:
        """The answer to the message's bytes (after DATA's end mark or BDAT's chunk): 250,
        else smtplib's exceptions. A dropped connection is never sent again from here: the
        message went and may have been taken."""
        try:
            code, text = await self.reply()
        except _Closed as exc:
            raise smtplib.SMTPServerDisconnected(str(exc)) from None
        if code != 250:
            raise smtplib.SMTPDataError(code, text)

    async def _envelope(self, mail_from: str, rcpts: list[str],
                        one_by_one: list[bytes] | None) -> dict[str, tuple[int, bytes]]:
        """The answers to MAIL and each RCPT, refusals raised as smtplib raises them;
        `one_by_one`: the RCPT commands, each sent here after the answer to the one before
        (no PIPELINING). Returns the recipients refused."""
        code, text = await self.reply()
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, text, mail_from)
        refused: dict[str, tuple[int, bytes]] = {}
        for n, rcpt in enumerate(rcpts):
            if one_by_one is not None:
                self.writer.write(one_by_one[n])
            code, text = await self.reply()
            if code not in (250, 251):
                refused[rcpt] = (code, text)
                if code == 421:
                    raise smtplib.SMTPRecipientsRefused(refused)
        return refused


class Relay:
    """The next hop, from one event loop: connections kept between messages, at most
    `connections` of them (each holds one of Postfix's smtpd processes: more than its
    process limit would leave a connection waiting for a process that never comes).
    `chunking`: send with BDAT when the server offers CHUNKING and PIPELINING."""

    def __init__(self, host: str, port: int, timeout: float,
                 hostname: str = "esafety-mail-filter", connections: int = 4,
                 chunking: bool = True):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.hostname = hostname
        self.chunking = chunking
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(max(1, connections))

    async def send(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        """Raises unless every recipient is accepted or refused for good (a 4xx for any
        means: try the whole message again), as the filter's smtplib path does."""
        utf8 = not all(a.isascii() for a in [mail_from, *rcpts])
        async with self.slots, asyncio.timeout(self.timeout):
            for attempt in (1, 2):
                conn = self._kept()
                reused = conn is not None
                if conn is None:
                    try:
                        conn = await Connection.open(self.host, self.port, self.hostname,
                                                     self.chunking)
                    except _Closed as exc:
                        raise smtplib.SMTPServerDisconnected(str(exc)) from None
                try:
                    refused = await conn.sendmail(mail_from, rcpts, raw, utf8)
                except _Closed as exc:
                    conn.close()
                    if attempt == 2 or not reused:
                        raise smtplib.SMTPServerDisconnected(str(exc)) from None
                    # a kept connection the server closed while idle, found by the
                    # envelope's first answer (DATA path: the message not yet sent)
                    continue
                except BaseException:
                    conn.close()
                    raise
                self.idle.append(conn)
                break
        raise_if_retry(refused)

    def _kept(self) -> Connection | None:
        """A kept connection still open (those the server closed while idle are dropped)."""
        while self.idle:
            conn = self.idle.pop()
            if not conn.ended:
                return conn
            conn.close()
        return None

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()
