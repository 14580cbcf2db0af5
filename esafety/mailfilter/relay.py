"""Re-injection into Postfix's second smtpd from the event loop: kept connections, and the
envelope sent in one write when the server offers PIPELINING (RFC 2920).

The same bytes and the same outcomes as smtplib's `sendmail` (which this replaces for the
messages the filter passes): `MAIL FROM:<a> size=N`, the recipients, DATA, the message
with leading dots doubled (and CRLF added when it does not end with one); and smtplib's
exceptions, so the filter answers as it did: a refusal for good is passed back (5xx), any
other failure is 4xx (Postfix keeps the message).

A kept connection the server has closed is found out before any of the message is sent,
and the message is sent once more on a new connection; once the message's bytes have gone,
a failure is never retried here (the 4xx makes Postfix try again: at worst a duplicate,
never a loss).
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib

log = logging.getLogger("esafety.mailfilter")
_DOTS = re.compile(rb"(?m)^\.")


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


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.extensions: set[str] = set()

    @classmethod
    async def open(cls, host: str, port: int, hostname: str) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        conn = cls(reader, writer)
        try:
            code, text = await conn.reply()
            if code != 220:
                raise smtplib.SMTPConnectError(code, text)
            writer.write(f"EHLO {hostname}\r\n".encode())
            code, text = await conn.reply()
            if code == 250:
                conn.extensions = {line.split(None, 1)[0].upper().decode("ascii", "replace")
                                   for line in text.split(b"\n")[1:] if line.strip()}
            else:
                writer.write(f"HELO {hostname}\r\n".encode())
                code, text = await conn.reply()
                if code != 250:
                    raise smtplib.SMTPHeloError(code, text)
        except BaseException:
            conn.close()
            raise
        return conn

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
        commands.append("data\r\n")
        encoded = [c.encode(encoding) for c in commands]
        pipelining = "PIPELINING" in self.extensions
        if pipelining:
            self.writer.write(b"".join(encoded))
        else:
            self.writer.write(encoded[0])
        code, text = await self.reply()
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, text, mail_from)
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt, command in zip(rcpts, encoded[1:-1], strict=True):
            if not pipelining:
                self.writer.write(command)
            code, text = await self.reply()
            if code not in (250, 251):
                refused[rcpt] = (code, text)
                if code == 421:
                    raise smtplib.SMTPRecipientsRefused(refused)
        if not pipelining and len(refused) < len(rcpts):
            self.writer.write(encoded[-1])
        if len(refused) == len(rcpts):
            if pipelining:
                await self.reply()  # DATA's answer (refused: no recipient)
            raise smtplib.SMTPRecipientsRefused(refused)
        code, text = await self.reply()
        if code != 354:
            raise smtplib.SMTPDataError(code, text)
        self.writer.write(quote(raw))
        try:
            code, text = await self.reply()
        except _Closed as exc:  # the message went: it may have been taken
            raise smtplib.SMTPServerDisconnected(str(exc)) from None
        if code != 250:
            raise smtplib.SMTPDataError(code, text)
        return refused


class Relay:
    """The next hop, from one event loop: connections kept between messages, at most
    `connections` of them (each holds one of Postfix's smtpd processes: more than its
    process limit would leave a connection waiting for a process that never comes)."""

    def __init__(self, host: str, port: int, timeout: float,
                 hostname: str = "esafety-mail-filter", connections: int = 4):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.hostname = hostname
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(max(1, connections))

    async def send(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        """Raises unless every recipient is accepted or refused for good (a 4xx for any
        means: try the whole message again), as the filter's smtplib path does."""
        utf8 = not all(a.isascii() for a in [mail_from, *rcpts])
        async with self.slots, asyncio.timeout(self.timeout):
            for attempt in (1, 2):
                conn = self.idle.pop() if self.idle else None
                reused = conn is not None
                if conn is None:
                    try:
                        conn = await Connection.open(self.host, self.port, self.hostname)
                    except _Closed as exc:
                        raise smtplib.SMTPServerDisconnected(str(exc)) from None
                try:
                    refused = await conn.sendmail(mail_from, rcpts, raw, utf8)
                except _Closed as exc:
                    conn.close()
                    if attempt == 2 or not reused:
                        raise smtplib.SMTPServerDisconnected(str(exc)) from None
                    continue  # a kept connection the server closed while idle
                except BaseException:
                    conn.close()
                    raise
                self.idle.append(conn)
                break
        raise_if_retry(refused)

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()
